"""Who may read a course's full content: an active enrollment, the owner, or an admin."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from syllabus.accounts.actor import Actor
from syllabus.learning.models import Enrollment


def active_enrollment_id(conn: Connection | Session, user_id: str, course_id: str) -> str | None:
    return conn.execute(
        select(Enrollment.id).where(
            Enrollment.user_id == user_id,
            Enrollment.course_id == course_id,
            Enrollment.status == "active",
        )
    ).scalar_one_or_none()


def can_read_content(
    conn: Connection | Session, actor: Actor | None, *, course_id: str, instructor_id: str
) -> bool:
    if actor is None:
        return False
    if actor.is_admin or actor.id == instructor_id:
        return True
    return active_enrollment_id(conn, actor.id, course_id) is not None
