"""Video jobs: a committed upload hands its transcoding to a worker exactly once.

The outbox row commits with the asset, so a crash between the two loses
nothing; its handler only puts `transcode_asset` on the queue. Transcoding
runs outside any database transaction (it takes minutes and must not hold
SQLite's write lock): the job claims the asset, works, then records the
result in short transactions of its own (see transcode.py).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from syllabus.kit import outbox
from syllabus.kit.queue import media_huey

TRANSCODE = "media.transcode"


def queue_transcode(session: Session, asset_id: str, *, attempt: int = 0) -> None:
    """Transcode the asset once the caller's transaction commits."""
    outbox.enqueue(
        session, TRANSCODE, {"asset_id": asset_id}, key=f"transcode:{asset_id}:{attempt}"
    )


@outbox.handler(TRANSCODE)
def _hand_to_worker(session: Session, payload: dict[str, Any]) -> None:
    transcode_asset(str(payload["asset_id"]))


# On the media queue: `syllabus worker --queue media` machines take it.
@media_huey.task(retries=0)
def transcode_asset(asset_id: str) -> str:
    from syllabus.media.transcode import run_transcode

    return run_transcode(asset_id)
