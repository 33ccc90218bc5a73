"""Transcoding one uploaded video into an HLS ladder and a poster, once, whatever happens.

The job claims the asset in a short transaction (uploaded and due, or
processing with a stale heartbeat -> processing, `attempts` + 1); a
delivery that finds nothing to claim is "skipped". Then it works outside
any transaction: it copies the source
from storage into a temporary folder, probes it, encodes every rung in one
ffmpeg run, grabs a poster frame and stores the results. While it works it
refreshes `heartbeat_at` and `progress_percent` every few seconds, so the
sweep (sweep.py) can tell a live job from a dead worker. A last short
transaction marks the asset ready and gives every lesson showing it the
video's duration (and their courses their new totals).

The claim's `attempts` value fences every later write: when a stale job is
taken over by another worker, the old one's next heartbeat finds the count
changed and it stops without touching the asset again.

Failures: a file at fault (not a video, damaged, cut short) fails at once
with a message for the uploader. Anything else (storage, timeout, disk) is
retried after a backoff while attempts remain: the asset goes back to
`uploaded` with `next_attempt_at`, and the sweep queues it again then.
A job whose workers keep dying is failed once its attempts are used up.
To transcode a failed asset again, reset `attempts` to 0 with the status.
"""

from __future__ import annotations

import subprocess
import tempfile
import time
from contextlib import closing
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from syllabus.catalog.authoring import record_change
from syllabus.catalog.models import Course, Lesson
from syllabus.kit.db import utcnow
from syllabus.kit.logging import get_logger
from syllabus.kit.runtime import Runtime, get_runtime
from syllabus.kit.storage import CHUNK_SIZE, StorageError
from syllabus.media import keys
from syllabus.media.encode import (
    PLAYLIST,
    FfmpegCrashed,
    FfmpegTimeout,
    encode_ladder,
    extract_poster,
)
from syllabus.media.ffmpeg_binary import FfmpegMissing, ffmpeg_binary
from syllabus.media.ladder import Rendition, master_playlist, plan_ladder
from syllabus.media.models import FAILED, PROCESSING, READY, UPLOADED, MediaAsset
from syllabus.media.probe import VideoInfo, VideoInputError, probe_video

log = get_logger("syllabus.media.transcode")

# A processing asset whose heartbeat is older than this belongs to a dead worker.
STALE_HEARTBEAT = timedelta(minutes=5)
HEARTBEAT_SECONDS = 5.0
RETRY_BASE_SECONDS = 30  # then 2 min, 8 min, ...
PROBE_TIMEOUT_SECONDS = 120.0
MAX_DURATION_SECONDS = 12 * 3600
ERROR_MAX = 500
SOURCE_NAME = "source"  # the local copy; ffmpeg sees only this relative name
PLAYLIST_TYPE = "application/vnd.apple.mpegurl"
SEGMENT_TYPE = "video/mp2t"
# Share of progress_percent each stage reaches when it is done.
COPIED, ENCODED, STORED = 5, 90, 99
# Trouble on our side (retried); anything unexpected is retried too, but logged with its trace.
_TRANSIENT = (
    StorageError,
    FfmpegTimeout,
    FfmpegCrashed,
    FfmpegMissing,
    subprocess.TimeoutExpired,
    OSError,
    SQLAlchemyError,
)


class ClaimLost(Exception):
    """Another worker took the asset over (or it was deleted): stop without writing."""


@dataclass(frozen=True)
class Claim:
    asset_id: str
    attempts: int
    source_key: str | None

    def fence(self) -> Any:
        """Rows this job may still write: the asset, processing, under this attempt."""
        return and_(
            MediaAsset.id == self.asset_id,
            MediaAsset.status == PROCESSING,
            MediaAsset.attempts == self.attempts,
        )


@dataclass(frozen=True)
class Outcome:
    info: VideoInfo
    duration: float
    rungs: list[Rendition]


def run_transcode(asset_id: str) -> str:
    """Transcode the asset if it waits for it: "ready", "failed", "retry" or "skipped"."""
    rt = get_runtime()
    claim = _claim(rt, asset_id)
    if claim is None:
        return "skipped"
    max_attempts = rt.settings.transcode_max_attempts
    if claim.attempts > max_attempts:  # its workers kept dying: do not try forever
        _discard_outputs(rt, asset_id)
        _give_up(rt, claim, f"Processing stopped unexpectedly {max_attempts} times.")
        return "failed"
    started = time.monotonic()
    log.info("media.transcode.started", asset_id=asset_id, attempt=claim.attempts)
    try:
        with tempfile.TemporaryDirectory(prefix="syllabus-transcode-") as folder:
            outcome = _transcode(rt, claim, Path(folder), _Heartbeat(rt, claim))
        _finish(rt, claim, outcome)
    except ClaimLost:
        log.warning("media.transcode.claim_lost", asset_id=asset_id, attempt=claim.attempts)
        return "skipped"
    except VideoInputError as exc:
        _discard_outputs(rt, asset_id)
        _give_up(rt, claim, str(exc))
        return "failed"
    except Exception as exc:
        log.warning(
            "media.transcode.error",
            asset_id=asset_id,
            attempt=claim.attempts,
            error=f"{type(exc).__name__}: {exc}"[:ERROR_MAX],
            exc_info=not isinstance(exc, _TRANSIENT),
        )
        _discard_outputs(rt, asset_id)
        if claim.attempts < max_attempts:
            return _retry_later(rt, claim)
        _give_up(rt, claim, _transient_message(exc, claim.attempts, rt))
        return "failed"
    log.info(
        "media.transcode.ready",
        asset_id=asset_id,
        duration=round(outcome.duration, 2),
        renditions=[rung.name for rung in outcome.rungs],
        elapsed=round(time.monotonic() - started, 2),
    )
    return "ready"


def _transient_message(exc: Exception, attempts: int, rt: Runtime) -> str:
    """What the uploader reads once retries ran out: the kind of trouble, never its details."""
    if isinstance(exc, FfmpegTimeout | subprocess.TimeoutExpired):
        minutes = rt.settings.transcode_timeout_seconds // 60
        reason = f"it took longer than the {minutes}-minute limit"
    elif isinstance(exc, StorageError):
        reason = "the media storage did not answer"
    elif isinstance(exc, FfmpegMissing):
        reason = "the video converter is not installed on the server"
    elif isinstance(exc, FfmpegCrashed | OSError):
        reason = "the server ran into a problem while converting it"
    else:
        reason = "of an unexpected error on the server"
    return f"Processing failed {attempts} times because {reason}. Please try again later."


# --- the work (outside any transaction) -----------------------------------------------


def _transcode(rt: Runtime, claim: Claim, folder: Path, beat: _Heartbeat) -> Outcome:
    settings = rt.settings
    deadline = time.monotonic() + settings.transcode_timeout_seconds
    if not claim.source_key:
        raise VideoInputError("The upload has no stored file. Please upload the video again.")
    _copy_source(rt, claim.source_key, folder / SOURCE_NAME, beat)
    ffmpeg = ffmpeg_binary(settings.ffmpeg_path)
    timeout = min(PROBE_TIMEOUT_SECONDS, max(deadline - time.monotonic(), 1.0))
    info = probe_video(ffmpeg, folder, SOURCE_NAME, timeout=timeout)
    if info.duration_seconds > MAX_DURATION_SECONDS:
        raise VideoInputError(
            f"The video lasts longer than {MAX_DURATION_SECONDS // 3600} hours, "
            "the longest we convert."
        )
    rungs = plan_ladder(info.width, info.height, settings.hls_ladder, fps=info.fps)
    expected = info.duration_seconds

    def encoding(seconds: float) -> None:
        if expected > 0:
            beat(COPIED + int((ENCODED - COPIED) * min(seconds / expected, 1.0)))
        else:
            beat()

    encoded = encode_ladder(
        ffmpeg, folder, SOURCE_NAME, info, rungs, deadline=deadline, progress=encoding
    )
    beat(ENCODED, force=True)
    duration = expected if expected > 0 else encoded.seconds
    poster = extract_poster(
        ffmpeg, folder, SOURCE_NAME, info, rungs[-1], at=min(1.0, duration / 2), deadline=deadline
    )
    _store_outputs(rt, claim.asset_id, folder, rungs, poster, info, beat)
    beat(STORED, force=True)
    return Outcome(info=info, duration=duration, rungs=rungs)


def _copy_source(rt: Runtime, key: str, target: Path, beat: _Heartbeat) -> None:
    """Stream the upload from storage to a local file, a chunk at a time."""
    with closing(rt.storage.open(key)) as source, target.open("wb") as out:
        while chunk := source.read(CHUNK_SIZE):
            out.write(chunk)
            beat()
    beat(COPIED, force=True)


def _store_outputs(
    rt: Runtime,
    asset_id: str,
    folder: Path,
    rungs: list[Rendition],
    poster: Path,
    info: VideoInfo,
    beat: _Heartbeat,
) -> None:
    """Replace whatever an earlier run stored: segments, then playlists, master last."""
    prefix = keys.hls_prefix(asset_id)
    storage = rt.storage
    storage.delete_prefix(prefix)
    for rung in rungs:
        files = sorted((folder / rung.name).iterdir())
        for path in (p for p in files if p.suffix == ".ts"):
            _save(rt, f"{prefix}{rung.name}/{path.name}", path, SEGMENT_TYPE)
            beat()
        _save(rt, f"{prefix}{rung.name}/{PLAYLIST}", folder / rung.name / PLAYLIST, PLAYLIST_TYPE)
    master = master_playlist(rungs, has_audio=info.has_audio).encode()
    storage.save_bytes(keys.master_key(asset_id), master, PLAYLIST_TYPE)
    _save(rt, keys.poster_key(asset_id), poster, "image/jpeg")


def _save(rt: Runtime, key: str, path: Path, content_type: str) -> None:
    with path.open("rb") as handle:
        rt.storage.save(key, handle, content_type)


def _discard_outputs(rt: Runtime, asset_id: str) -> None:
    """Nothing half-made stays in storage (the source stays, for a retry or a re-upload)."""
    try:
        rt.storage.delete_prefix(keys.hls_prefix(asset_id))
        rt.storage.delete(keys.poster_key(asset_id))
    except Exception:
        log.exception("media.transcode.discard_failed", asset_id=asset_id)


# --- short transactions ------------------------------------------------------------------


def _claim(rt: Runtime, asset_id: str) -> Claim | None:
    """Take the asset if it waits (or its worker died); None when there is nothing to do."""
    now = utcnow()
    waiting = and_(
        MediaAsset.status == UPLOADED,
        or_(MediaAsset.next_attempt_at.is_(None), MediaAsset.next_attempt_at <= now),
    )
    abandoned = and_(
        MediaAsset.status == PROCESSING,
        or_(MediaAsset.heartbeat_at.is_(None), MediaAsset.heartbeat_at < now - STALE_HEARTBEAT),
    )
    with rt.db.session_scope() as session:
        claimed = session.execute(
            update(MediaAsset)
            .where(MediaAsset.id == asset_id, or_(waiting, abandoned))
            .values(
                status=PROCESSING,
                attempts=MediaAsset.attempts + 1,
                heartbeat_at=now,
                progress_percent=0,
                error=None,
                next_attempt_at=None,
            )
            .execution_options(synchronize_session=False)
        )
        if getattr(claimed, "rowcount", 0) != 1:
            return None
        row = session.execute(
            select(MediaAsset.attempts, MediaAsset.source_key).where(MediaAsset.id == asset_id)
        ).one()
    return Claim(asset_id=asset_id, attempts=row.attempts, source_key=row.source_key)


class _Heartbeat:
    """Tells the database the job is alive (and how far), at most every few seconds."""

    def __init__(self, rt: Runtime, claim: Claim) -> None:
        self.rt, self.claim = rt, claim
        self.last = time.monotonic()
        self.percent = 0

    def __call__(self, percent: int | None = None, *, force: bool = False) -> None:
        if percent is not None:
            self.percent = max(self.percent, percent)
        if not force and time.monotonic() - self.last < HEARTBEAT_SECONDS:
            return
        self.last = time.monotonic()
        try:
            with self.rt.db.session_scope() as session:
                result = session.execute(
                    update(MediaAsset)
                    .where(self.claim.fence())
                    .values(heartbeat_at=utcnow(), progress_percent=self.percent)
                    .execution_options(synchronize_session=False)
                )
                alive = getattr(result, "rowcount", 0) == 1
        except SQLAlchemyError:
            # A missed beat is harmless; the work goes on and the next beat tries again.
            log.warning("media.transcode.heartbeat_failed", asset_id=self.claim.asset_id)
            return
        if not alive:
            raise ClaimLost(self.claim.asset_id)


def _finish(rt: Runtime, claim: Claim, outcome: Outcome) -> None:
    """Ready, in one transaction with the durations of the lessons and courses showing it."""
    seconds = max(1, round(outcome.duration))
    with rt.db.session_scope() as session:
        asset = session.scalar(select(MediaAsset).where(claim.fence()).with_for_update())
        if asset is None:
            raise ClaimLost(claim.asset_id)
        has_audio = outcome.info.has_audio
        asset.status = READY
        asset.duration_seconds = seconds
        asset.width, asset.height = outcome.info.width, outcome.info.height
        asset.renditions = [rung.as_row(has_audio=has_audio) for rung in outcome.rungs]
        asset.hls_prefix = keys.hls_prefix(asset.id)
        asset.poster_key = keys.poster_key(asset.id)
        asset.progress_percent = 100
        asset.heartbeat_at = None
        asset.error = None
        asset.ready_at = utcnow()
        _update_lessons(session, rt, asset.id, seconds)


def _update_lessons(session: Session, rt: Runtime, asset_id: str, seconds: int) -> None:
    """Lessons showing the video take its duration; their courses and any course
    using it as the promo get a new revision, so cached pages show it at once."""
    lessons = session.scalars(select(Lesson).where(Lesson.media_id == asset_id)).all()
    for lesson in lessons:
        lesson.duration_seconds = seconds
    promoted = session.scalars(select(Course.id).where(Course.promo_media_id == asset_id)).all()
    for course_id in sorted({lesson.course_id for lesson in lessons} | set(promoted)):
        course = session.get(Course, course_id, with_for_update=True)
        if course is not None:
            record_change(session, rt, course, counts=True)


def _retry_later(rt: Runtime, claim: Claim) -> str:
    delay = timedelta(seconds=RETRY_BASE_SECONDS * 4 ** (claim.attempts - 1))
    with rt.db.session_scope() as session:
        session.execute(
            update(MediaAsset)
            .where(claim.fence())
            .values(
                status=UPLOADED,
                next_attempt_at=utcnow() + delay,
                heartbeat_at=None,
                progress_percent=0,
            )
            .execution_options(synchronize_session=False)
        )
    log.info("media.transcode.retry", asset_id=claim.asset_id, attempt=claim.attempts, delay=delay)
    return "retry"


def _give_up(rt: Runtime, claim: Claim, message: str) -> None:
    error = message if len(message) <= ERROR_MAX else message[: ERROR_MAX - 1] + "…"
    with rt.db.session_scope() as session:
        session.execute(
            update(MediaAsset)
            .where(claim.fence())
            .values(status=FAILED, error=error, heartbeat_at=None, next_attempt_at=None)
            .execution_options(synchronize_session=False)
        )
    log.info("media.transcode.failed", asset_id=claim.asset_id, error=error)
