"""A user's in-app notifications: the unread count (the header badge), lists, marking read."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from syllabus.notifications.models import Notification


def unread_count(conn: Connection | Session, user_id: str) -> int:
    """One indexed COUNT (user_id, read_at)."""
    count = conn.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
    )
    return int(count or 0)
