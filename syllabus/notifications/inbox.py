"""A user's in-app notifications: the unread count (the header badge), lists, marking read.

Every read and write is filtered by the asking user, so another user's
notification is a 404 `notification_not_found`, never a 403.
"""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from syllabus.accounts.actor import Actor
from syllabus.kit.db import utcnow
from syllabus.kit.errors import NotFound
from syllabus.kit.pagination import PageParams
from syllabus.kit.security import local_path
from syllabus.notifications.models import Notification
from syllabus.notifications.schemas import NotificationOut, NotificationPage

# Where opening a notification without a (site) address leads.
INBOX_PATH = "/notifications"


class NotificationNotFound(NotFound):
    code = "notification_not_found"
    title = "Notification not found"


def unread_count(conn: Connection | Session, user_id: str) -> int:
    """One indexed COUNT (user_id, read_at)."""
    count = conn.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
    )
    return int(count or 0)


def notification_out(notification: Notification) -> NotificationOut:
    return NotificationOut(
        id=notification.id,
        kind=notification.kind,
        title=notification.title,
        body=notification.body,
        url=notification.url,
        created_at=notification.created_at,
        read_at=notification.read_at,
        read=notification.read_at is not None,
    )


def list_notifications(
    session: Session, actor: Actor, page: PageParams, *, unread_only: bool = False
) -> NotificationPage:
    """The actor's notifications (or only the unread ones), newest first, with the unread count."""
    mine = [Notification.user_id == actor.id]
    if unread_only:
        mine.append(Notification.read_at.is_(None))
    rows = session.scalars(
        select(Notification)
        .where(*mine)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .offset(page.offset)
        .limit(page.limit)
    ).all()
    total = int(session.scalar(select(func.count()).select_from(Notification).where(*mine)) or 0)
    unread = total if unread_only else unread_count(session, actor.id)
    return NotificationPage(
        items=[notification_out(row) for row in rows],
        total=total,
        page=page.page,
        page_size=page.page_size,
        unread_count=unread,
    )


def _own(session: Session, actor: Actor, notification_id: str) -> Notification:
    notification = session.scalar(
        select(Notification).where(
            Notification.id == notification_id, Notification.user_id == actor.id
        )
    )
    if notification is None:
        raise NotificationNotFound("No such notification.")
    return notification


def set_read(session: Session, actor: Actor, notification_id: str, read: bool) -> NotificationOut:
    """Mark one of the actor's notifications read (keeping the first read time) or unread."""
    notification = _own(session, actor, notification_id)
    if not read:
        notification.read_at = None
    elif notification.read_at is None:
        notification.read_at = utcnow()
    session.flush()
    return notification_out(notification)


def mark_all_read(session: Session, actor: Actor) -> int:
    """Mark every unread notification of the actor read; how many were unread."""
    result = session.execute(
        update(Notification)
        .where(Notification.user_id == actor.id, Notification.read_at.is_(None))
        .values(read_at=utcnow()),
        execution_options={"synchronize_session": False},
    )
    return int(getattr(result, "rowcount", 0) or 0)


def open_notification(session: Session, actor: Actor, notification_id: str) -> str:
    """Mark the notification read and return where it leads: its site path, else the inbox."""
    notification = _own(session, actor, notification_id)
    if notification.read_at is None:
        notification.read_at = utcnow()
        session.flush()
    return local_path(notification.url) or INBOX_PATH
