"""Live lesson jobs: reminders a day and 15 minutes before, and BBB recordings after the end.

The reminder job runs every minute and is safe to run twice, or twice at
once: each reminder is claimed by a conditional update of its sent-marker
(the start time it was sent for) before anything is sent, and the
notifications carry a key of lesson, kind and start time, so a retry adds
nothing. A session rescheduled after its reminder is reminded again.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import quote

from huey import crontab
from sqlalchemy.orm import Session

from syllabus.kit.db import utcnow
from syllabus.kit.logging import get_logger
from syllabus.kit.queue import huey
from syllabus.kit.runtime import get_runtime
from syllabus.live import repository as repo
from syllabus.live import service
from syllabus.live.errors import LiveProviderError, LiveProviderUnavailable
from syllabus.notifications.service import Notice, notify_many

log = get_logger("syllabus.live.tasks")

REMINDER_KIND = "live_reminder"
DAY = timedelta(days=1)
SOON = timedelta(minutes=15)
RECORDING_CHECK_EVERY = timedelta(minutes=10)


def send_due_reminders(session: Session, now: datetime) -> int:
    """Send every reminder due at `now`; returns how many sessions were reminded."""
    sent = 0
    # "soon" first: a session created 10 minutes ahead gets only the 15-minute reminder.
    for kind, lead in (("soon", SOON), ("day", DAY)):
        for lesson_id in repo.due_reminders(session, kind, now, lead):
            live = repo.session_of(session, lesson_id)
            if live is None:
                continue
            starts_at = live.starts_at
            claimed = repo.claim_reminder(session, lesson_id, kind, starts_at)
            if not claimed or (kind == "day" and starts_at - now <= SOON):
                continue  # another run sent it, or too late for "tomorrow"
            _remind(session, lesson_id, kind, starts_at)
            sent += 1
    return sent


def _remind(session: Session, lesson_id: str, kind: str, starts_at: datetime) -> None:
    found = repo.lesson_and_course(session, lesson_id)
    if found is None:
        return
    lesson, course = found
    when = "in 15 minutes" if kind == "soon" else "in 1 day"
    at = starts_at.strftime("%a %d %b %Y, %H:%M UTC")
    path = f"/learn/{quote(course.slug)}/lessons/{lesson.id}"
    notice = Notice(
        kind=REMINDER_KIND,
        title=f"Live session {when}: {lesson.title}",
        body=f"{course.title} · starts {at}. Join from the lesson page.",
        url=path,
        email_template="live_reminder",
        email_context={
            "course_title": course.title,
            "lesson_title": lesson.title,
            "when": when,
            "starts_at": at,
            "path": path,
        },
    )
    users = repo.enrolled_user_ids(session, course.id)
    notify_many(session, users, notice, key=f"live:{lesson_id}:{kind}:{starts_at.isoformat()}")
    log.info("live.reminded", lesson_id=lesson_id, kind=kind, recipients=len(users))


def remind_now(now: datetime | None = None) -> int:
    """One run of the periodic job, in its own transaction."""
    with get_runtime().db.session_scope() as session:
        return send_due_reminders(session, now or utcnow())


def fetch_due_recordings(now: datetime | None = None) -> int:
    """Ask BBB for the recordings of sessions that ended; a transaction per session."""
    runtime = get_runtime()
    moment = now or utcnow()
    with runtime.db.session_scope() as session:
        due = repo.recordings_due(session, moment, every=RECORDING_CHECK_EVERY)
    found = 0
    for lesson_id in due:
        try:
            with runtime.db.session_scope() as session:
                live = repo.session_of(session, lesson_id)
                if live is not None and service.refresh_recording(
                    session, runtime, live, now=moment
                ):
                    found += 1
        except (LiveProviderError, LiveProviderUnavailable):
            log.warning("live.recordings_unavailable", lesson_id=lesson_id)
    return found


@huey.periodic_task(crontab(minute="*"))
def remind_live_lessons() -> int:
    return remind_now()


@huey.periodic_task(crontab(minute="*/5"))
def fetch_live_recordings() -> int:
    return fetch_due_recordings()
