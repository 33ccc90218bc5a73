"""Every minute: put videos whose transcoding was lost, or is due again, back on the queue.

Three kinds of video wait for a worker that will never come unless the
sweep sends one: an upload whose hand-over to the queue was lost (still
`uploaded`, untouched for LOST_HANDOVER), one whose retry time has come
(`next_attempt_at` due), and one whose worker died (`processing` with a
heartbeat older than STALE_HEARTBEAT). A re-queued asset's
`next_attempt_at` is cleared and its `updated_at` refreshed, so it is sent
again only if that hand-over is lost too. Sending one twice is harmless:
the job's claim lets one run through.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from huey import crontab
from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from syllabus.kit.db import utcnow
from syllabus.kit.logging import get_logger
from syllabus.kit.queue import huey
from syllabus.kit.runtime import get_runtime
from syllabus.media.models import PROCESSING, UPLOADED, VIDEO_PURPOSES, MediaAsset
from syllabus.media.tasks import transcode_asset
from syllabus.media.transcode import STALE_HEARTBEAT

log = get_logger("syllabus.media.sweep")

LOST_HANDOVER = timedelta(minutes=2)
SWEEP_LIMIT = 50


def stalled_assets(session: Session, now: datetime, *, limit: int = SWEEP_LIMIT) -> list[str]:
    """Ids of videos to queue again, oldest first; marks them re-sent in `session`."""
    quiet = MediaAsset.updated_at <= now - LOST_HANDOVER
    waiting = and_(
        MediaAsset.status == UPLOADED,
        or_(
            MediaAsset.next_attempt_at <= now,
            and_(MediaAsset.next_attempt_at.is_(None), quiet),
        ),
    )
    abandoned = and_(
        MediaAsset.status == PROCESSING,
        or_(MediaAsset.heartbeat_at.is_(None), MediaAsset.heartbeat_at <= now - STALE_HEARTBEAT),
        quiet,
    )
    ids = list(
        session.scalars(
            select(MediaAsset.id)
            .where(MediaAsset.purpose.in_(VIDEO_PURPOSES), or_(waiting, abandoned))
            .order_by(MediaAsset.updated_at)
            .limit(limit)
        )
    )
    if ids:
        session.execute(
            update(MediaAsset)
            .where(MediaAsset.id.in_(ids))
            .values(next_attempt_at=None, updated_at=now)
            .execution_options(synchronize_session=False)
        )
    return ids


def requeue_stalled(now: datetime | None = None) -> int:
    """One sweep: mark in a short transaction, queue after it commits; how many were sent."""
    with get_runtime().db.session_scope() as session:
        ids = stalled_assets(session, now or utcnow())
    for asset_id in ids:
        transcode_asset(asset_id)
    if ids:
        log.info("media.sweep.requeued", count=len(ids))
    return len(ids)


@huey.periodic_task(crontab(minute="*"))
def sweep_media() -> int:
    return requeue_stalled()
