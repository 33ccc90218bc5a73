"""Announcement fan-out: one outbox job per batch of enrolled students.

A batch takes the next `fanout_batch_size` active students (by user id,
after the previous batch's last one), tells them all through
`notify_many` (a fixed number of statements per batch, however large),
adds them to `recipient_count` and queues the next batch, all in the
job's transaction. The batch that finds nobody left marks the
announcement delivered. The course's instructor and the author are not
recipients; banned users are skipped.

Every write is keyed: notifications and emails by
`announcement:<id>:<user id>`, the next batch by
`announcement:<id>:after:<last user id>`. A batch whose successor is
already queued has run, so running it again changes nothing.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from syllabus.accounts.models import User
from syllabus.catalog.models import Course
from syllabus.community.models import Announcement
from syllabus.community.text import excerpt
from syllabus.kit import outbox
from syllabus.kit.outbox import OutboxMessage
from syllabus.kit.runtime import get_runtime
from syllabus.learning.models import Enrollment
from syllabus.notifications.service import Notice, notify_many

DELIVER = "announcement.deliver"


def start_delivery(session: Session, announcement_id: str) -> None:
    """Queue the first batch in the caller's transaction."""
    _queue_batch(session, announcement_id, after="")


def _batch_key(announcement_id: str, after: str) -> str:
    return f"announcement:{announcement_id}:after:{after}"


def _queue_batch(session: Session, announcement_id: str, *, after: str) -> None:
    outbox.enqueue(
        session,
        DELIVER,
        {"announcement_id": announcement_id, "after_user_id": after},
        key=_batch_key(announcement_id, after),
    )


def learn_path(slug: str) -> str:
    """Where students read a course's announcements."""
    return f"/learn/{quote(slug)}/announcements"


@outbox.handler(DELIVER)
def deliver_batch(session: Session, payload: dict[str, Any]) -> None:
    announcement = session.get(Announcement, payload["announcement_id"])
    if announcement is None:  # deleted with its course meanwhile
        return
    author = select(User.name).where(User.id == announcement.author_id).scalar_subquery()
    course = session.execute(
        select(Course.slug, Course.title, Course.instructor_id, author.label("author_name")).where(
            Course.id == announcement.course_id
        )
    ).one()
    after = str(payload.get("after_user_id") or "")
    recipients = _next_recipients(session, announcement, course.instructor_id, after)
    if not recipients:
        announcement.delivered = True
        return
    next_key = _batch_key(announcement.id, recipients[-1])
    if session.scalar(select(OutboxMessage.id).where(OutboxMessage.key == next_key)):
        return  # this batch ran already
    notice = _notice(announcement, course)
    notify_many(session, recipients, notice, key=f"announcement:{announcement.id}")
    session.execute(
        update(Announcement)
        .where(Announcement.id == announcement.id)
        .values(
            recipient_count=Announcement.recipient_count + len(recipients),
            updated_at=Announcement.updated_at,
        )
        .execution_options(synchronize_session=False)
    )
    _queue_batch(session, announcement.id, after=recipients[-1])


def _next_recipients(
    session: Session, announcement: Announcement, instructor_id: str, after: str
) -> list[str]:
    size = get_runtime().settings.fanout_batch_size
    return list(
        session.scalars(
            select(Enrollment.user_id)
            .join(User, User.id == Enrollment.user_id)
            .where(
                Enrollment.course_id == announcement.course_id,
                Enrollment.status == "active",
                Enrollment.user_id > after,
                Enrollment.user_id.not_in([instructor_id, announcement.author_id]),
                User.status != "banned",
            )
            .order_by(Enrollment.user_id)
            .limit(size)
        )
    )


def _notice(announcement: Announcement, course: Any) -> Notice:
    path = learn_path(course.slug)
    return Notice(
        kind="announcement",
        title=f"{course.title}: {announcement.title}",
        body=excerpt(announcement.body),
        url=path,
        email_template="announcement",
        email_context={
            "course_title": course.title,
            "author_name": course.author_name or "",
            "title": announcement.title,
            "body": announcement.body,
            "path": path,
        },
    )
