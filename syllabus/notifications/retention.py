"""Read notifications are kept `SYLLABUS_NOTIFICATION_RETENTION_DAYS` (30), then deleted.

A daily job deletes them a bounded batch at a time, each batch in its own
short transaction, so a large backlog never holds long locks. Unread
notifications are never deleted, however old.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from huey import crontab
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from syllabus.kit.db import utcnow
from syllabus.kit.logging import get_logger
from syllabus.kit.queue import huey
from syllabus.kit.runtime import get_runtime
from syllabus.notifications.models import Notification

log = get_logger("syllabus.notifications.retention")

BATCH_SIZE = 1000
# One run deletes at most this many batches; a larger backlog finishes the next day.
MAX_BATCHES_PER_RUN = 200


def delete_read_notifications(
    session: Session,
    now: datetime,
    *,
    retention_days: int | None = None,
    batch_size: int = BATCH_SIZE,
    max_batches: int | None = None,
) -> int:
    """Delete notifications read before `now - retention_days`; how many were deleted.

    Works in batches of `batch_size` (oldest read first) until none is left
    or `max_batches` ran. `retention_days` defaults to the setting.
    """
    days = (
        get_runtime().settings.notification_retention_days
        if retention_days is None
        else retention_days
    )
    cutoff = now - timedelta(days=days)
    deleted = 0
    batches = 0
    while max_batches is None or batches < max_batches:
        ids = session.scalars(
            select(Notification.id)
            .where(Notification.read_at.is_not(None), Notification.read_at < cutoff)
            .order_by(Notification.read_at, Notification.id)
            .limit(batch_size)
        ).all()
        if ids:
            session.execute(
                delete(Notification).where(Notification.id.in_(ids)),
                execution_options={"synchronize_session": False},
            )
        deleted += len(ids)
        batches += 1
        if len(ids) < batch_size:
            break
    return deleted


def purge_read_notifications_now(now: datetime | None = None) -> int:
    """One run of the daily job: a transaction per batch; how many were deleted."""
    runtime = get_runtime()
    moment = now or utcnow()
    total = 0
    for _ in range(MAX_BATCHES_PER_RUN):
        with runtime.db.session_scope() as session:
            deleted = delete_read_notifications(session, moment, max_batches=1)
        total += deleted
        if deleted < BATCH_SIZE:
            break
    if total:
        log.info("notifications.purged", count=total)
    return total


@huey.periodic_task(crontab(hour="3", minute="40"))
def purge_read_notifications() -> int:
    return purge_read_notifications_now()
