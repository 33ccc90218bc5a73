"""Reminders a day and 15 minutes before a live session: in-app and email, each sent once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from syllabus.kit.runtime import Runtime
from syllabus.live.models import LiveSession
from syllabus.live.tasks import remind_now, send_due_reminders
from syllabus.notifications.models import Notification, NotificationPreference
from tests.catalog.factories import make_enrollment
from tests.factories import mails_to, make_user
from tests.live.conftest import LiveCourse, add_live_lesson


def reminders_of(db: Session, user_id: str) -> list[str]:
    db.expire_all()
    return list(
        db.scalars(
            select(Notification.title)
            .where(Notification.user_id == user_id, Notification.kind == "live_reminder")
            .order_by(Notification.created_at, Notification.title)
        )
    )


def test_each_reminder_is_sent_once_in_app_and_by_email(
    client: TestClient,
    db: Session,
    runtime: Runtime,
    run_jobs: Callable[[], int],
    live_course: LiveCourse,
) -> None:
    lesson_id, _ = add_live_lesson(client, live_course, starts_in=timedelta(hours=30))
    live = db.get(LiveSession, lesson_id)
    assert live is not None
    start = live.starts_at
    student = live_course.student

    # More than a day ahead: nothing yet.
    assert send_due_reminders(db, start - timedelta(hours=25)) == 0
    # A day ahead, and the job runs twice.
    assert send_due_reminders(db, start - timedelta(hours=23, minutes=59)) == 1
    assert send_due_reminders(db, start - timedelta(hours=23, minutes=58)) == 0
    db.commit()
    assert reminders_of(db, student.id) == ["Live session in 1 day: Office hours"]

    # Fifteen minutes ahead, twice again (the second through the periodic job's entry point).
    assert send_due_reminders(db, start - timedelta(minutes=15)) == 1
    db.commit()
    assert remind_now(start - timedelta(minutes=14)) == 0
    titles = reminders_of(db, student.id)
    assert sorted(titles) == [
        "Live session in 1 day: Office hours",
        "Live session in 15 minutes: Office hours",
    ]
    # The owner is not reminded of their own session.
    assert reminders_of(db, live_course.owner.id) == []

    run_jobs()
    mails = mails_to(runtime, student.email)
    assert len(mails) == 2
    assert "starts in 1 day" in mails[0]
    assert "Office hours" in mails[0]
    assert "starts in 15 minutes" in mails[1]
    assert f"/lessons/{lesson_id}" in mails[1]
    assert list(runtime.settings.mail_dir.glob("*.eml"))


def test_late_scheduling_gets_only_the_short_reminder(
    client: TestClient, db: Session, live_course: LiveCourse
) -> None:
    lesson_id, _ = add_live_lesson(client, live_course, starts_in=timedelta(minutes=10))
    live = db.get(LiveSession, lesson_id)
    assert live is not None
    assert send_due_reminders(db, live.starts_at - timedelta(minutes=10)) == 1
    db.commit()
    assert reminders_of(db, live_course.student.id) == ["Live session in 15 minutes: Office hours"]


def test_preferences_are_respected(
    client: TestClient,
    db: Session,
    runtime: Runtime,
    run_jobs: Callable[[], int],
    live_course: LiveCourse,
) -> None:
    quiet = make_user(db, name="Quiet Student")
    make_enrollment(db, quiet, live_course.course)
    db.add(NotificationPreference(user_id=quiet.id, kind="live_reminder", in_app=True, email=False))
    db.commit()
    lesson_id, _ = add_live_lesson(client, live_course, starts_in=timedelta(hours=2))
    live = db.get(LiveSession, lesson_id)
    assert live is not None
    assert send_due_reminders(db, live.starts_at - timedelta(hours=1)) == 1
    db.commit()
    run_jobs()
    assert reminders_of(db, quiet.id) == ["Live session in 1 day: Office hours"]
    assert mails_to(runtime, quiet.email) == []
    assert len(mails_to(runtime, live_course.student.email)) == 1
