"""Every query of live lessons."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from syllabus.accounts.models import User
from syllabus.catalog.models import Course, Lesson
from syllabus.learning.models import Enrollment
from syllabus.live.models import LiveAttendance, LiveSession


def session_of(session: Session, lesson_id: str) -> LiveSession | None:
    return session.get(LiveSession, lesson_id)


def lesson_and_course(session: Session, lesson_id: str) -> tuple[Lesson, Course] | None:
    row = session.execute(
        select(Lesson, Course)
        .join(Course, Course.id == Lesson.course_id)
        .where(Lesson.id == lesson_id)
    ).first()
    return (row[0], row[1]) if row else None


def record_join(
    session: Session, *, lesson_id: str, user_id: str, role: str, now: datetime
) -> None:
    """First join inserts the row, later ones bump it; a concurrent first join is retried."""
    for _ in range(2):
        changed = session.execute(
            update(LiveAttendance)
            .where(LiveAttendance.lesson_id == lesson_id, LiveAttendance.user_id == user_id)
            .values(last_joined_at=now, join_count=LiveAttendance.join_count + 1, role=role)
            .execution_options(synchronize_session=False)
        )
        if getattr(changed, "rowcount", 0):
            return
        try:
            with session.begin_nested():
                session.add(
                    LiveAttendance(
                        lesson_id=lesson_id,
                        user_id=user_id,
                        role=role,
                        first_joined_at=now,
                        last_joined_at=now,
                        join_count=1,
                    )
                )
            return
        except IntegrityError:
            continue


def attendance_rows(session: Session, lesson_id: str) -> Sequence[Row[Any]]:
    return session.execute(
        select(
            LiveAttendance.user_id,
            User.name,
            User.email,
            LiveAttendance.role,
            LiveAttendance.first_joined_at,
            LiveAttendance.last_joined_at,
            LiveAttendance.join_count,
        )
        .join(User, User.id == LiveAttendance.user_id)
        .where(LiveAttendance.lesson_id == lesson_id)
        .order_by(LiveAttendance.first_joined_at, User.name)
    ).all()


def enrolled_user_ids(session: Session, course_id: str) -> list[str]:
    return list(
        session.scalars(
            select(Enrollment.user_id).where(
                Enrollment.course_id == course_id, Enrollment.status == "active"
            )
        )
    )


def due_reminders(session: Session, kind: str, now: datetime, lead: timedelta) -> list[str]:
    """Lesson ids of published live sessions starting within `lead` not yet reminded of."""
    marker = LiveSession.day_reminder_for if kind == "day" else LiveSession.soon_reminder_for
    return list(
        session.scalars(
            select(LiveSession.lesson_id)
            .join(Course, Course.id == LiveSession.course_id)
            .where(
                Course.status == "published",
                LiveSession.ended_at.is_(None),
                LiveSession.starts_at > now,
                LiveSession.starts_at <= now + lead,
                or_(marker.is_(None), marker != LiveSession.starts_at),
            )
            .order_by(LiveSession.starts_at)
            .limit(500)
        )
    )


def claim_reminder(session: Session, lesson_id: str, kind: str, starts_at: datetime) -> bool:
    """Mark the reminder sent for this start time; False if another run marked it first."""
    marker = LiveSession.day_reminder_for if kind == "day" else LiveSession.soon_reminder_for
    result = session.execute(
        update(LiveSession)
        .where(
            LiveSession.lesson_id == lesson_id,
            LiveSession.starts_at == starts_at,
            or_(marker.is_(None), marker != starts_at),
        )
        .values({marker.key: starts_at})
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


def recordings_due(session: Session, now: datetime, *, every: timedelta) -> list[str]:
    """Started BBB sessions of the last two days, over, without a recording, not checked lately."""
    rows = session.execute(
        select(
            LiveSession.lesson_id,
            LiveSession.starts_at,
            LiveSession.duration_minutes,
            LiveSession.ended_at,
        )
        .where(
            LiveSession.provider == "bbb",
            LiveSession.started_at.is_not(None),
            LiveSession.recording_url.is_(None),
            LiveSession.starts_at > now - timedelta(days=2),
            LiveSession.starts_at < now,
            or_(
                LiveSession.recordings_checked_at.is_(None),
                LiveSession.recordings_checked_at < now - every,
            ),
        )
        .limit(100)
    ).all()
    return [
        row.lesson_id
        for row in rows
        if row.ended_at is not None
        or row.starts_at + timedelta(minutes=row.duration_minutes) <= now
    ]
