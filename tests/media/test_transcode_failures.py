"""Bad files fail at once with words an instructor understands; trouble on our side is retried."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from syllabus.kit.db import utcnow
from syllabus.kit.runtime import Runtime
from syllabus.kit.storage import StorageError
from syllabus.media import keys
from syllabus.media.encode import FfmpegTimeout, run_ffmpeg
from syllabus.media.ffmpeg_binary import ffmpeg_binary
from syllabus.media.models import FAILED, PROCESSING, READY, UPLOADED, MediaAsset
from syllabus.media.sweep import requeue_stalled
from syllabus.media.transcode import run_transcode
from tests.factories import make_user
from tests.media.clips import make_clip, truncated_copy
from tests.media.uploaded import stored_keys, uploaded_video


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("clips")
    good = make_clip(folder / "good.mp4", seconds=1.0, width=320, height=180)
    corrupt = folder / "holiday.mp4"
    corrupt.write_bytes(os.urandom(64 * 1024))
    return {
        "good": good,
        "corrupt": corrupt,
        "truncated": truncated_copy(
            make_clip(folder / "long.mp4", seconds=3.0, width=320, height=180),
            folder / "cut.mp4",
            keep=0.5,
        ),
    }


def _asset(db: Session, asset_id: str) -> MediaAsset:
    db.expire_all()
    asset = db.get(MediaAsset, asset_id)
    assert asset is not None
    return asset


def _assert_nothing_made(rt: Runtime, asset: MediaAsset) -> None:
    assert stored_keys(rt, keys.hls_prefix(asset.id)) == {}
    assert not rt.storage.exists(keys.poster_key(asset.id))
    assert rt.storage.exists(keys.source_key(asset.id))


def test_random_bytes_named_mp4_fail_at_once_with_a_readable_error(
    runtime: Runtime, db: Session, run_jobs: Callable[[], int], clips: dict[str, Path]
) -> None:
    instructor = make_user(db, role="instructor")
    asset = uploaded_video(runtime, db, instructor.id, clips["corrupt"])

    run_jobs()

    asset = _asset(db, asset.id)
    assert (asset.status, asset.attempts, asset.next_attempt_at) == (FAILED, 1, None)
    assert asset.error is not None
    assert asset.error.startswith("The file is not a video we can read.")
    assert "/" not in asset.error, "no path from the server's disk"
    assert asset.renditions == []
    assert asset.hls_prefix is None
    _assert_nothing_made(runtime, asset)
    assert run_transcode(asset.id) == "skipped"


def test_a_cut_short_clip_fails_instead_of_becoming_a_short_stream(
    runtime: Runtime, db: Session, run_jobs: Callable[[], int], clips: dict[str, Path]
) -> None:
    instructor = make_user(db, role="instructor")
    asset = uploaded_video(runtime, db, instructor.id, clips["truncated"])

    run_jobs()

    asset = _asset(db, asset.id)
    assert (asset.status, asset.attempts) == (FAILED, 1)
    assert asset.error is not None
    assert "cut short" in asset.error
    assert "/" not in asset.error
    _assert_nothing_made(runtime, asset)


def test_a_storage_failure_is_retried_after_a_backoff_and_then_succeeds(
    runtime: Runtime,
    db: Session,
    run_jobs: Callable[[], int],
    clips: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_open = runtime.storage.open
    failures = [StorageError("get_object: connection reset")]

    def flaky_open(key: str) -> BinaryIO:
        if failures:
            raise failures.pop()
        return real_open(key)

    monkeypatch.setattr(runtime.storage, "open", flaky_open)
    instructor = make_user(db, role="instructor")
    asset = uploaded_video(runtime, db, instructor.id, clips["good"])

    run_jobs()

    asset = _asset(db, asset.id)
    assert (asset.status, asset.attempts, asset.error) == (UPLOADED, 1, None)
    assert asset.next_attempt_at is not None
    wait = asset.next_attempt_at - utcnow()
    assert timedelta(seconds=20) < wait <= timedelta(seconds=30)
    _assert_nothing_made(runtime, asset)
    assert run_transcode(asset.id) == "skipped", "not before its retry time"
    assert requeue_stalled() == 0

    assert requeue_stalled(utcnow() + timedelta(seconds=31)) == 1
    run_jobs()

    asset = _asset(db, asset.id)
    assert (asset.status, asset.attempts, asset.progress_percent) == (READY, 2, 100)


def test_after_the_last_attempt_a_storage_failure_fails_the_video(
    runtime: Runtime,
    db: Session,
    clips: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken_open(key: str) -> BinaryIO:
        raise StorageError("get_object: connection refused")

    monkeypatch.setattr(runtime.storage, "open", broken_open)
    instructor = make_user(db, role="instructor")
    last = runtime.settings.transcode_max_attempts
    asset = uploaded_video(runtime, db, instructor.id, clips["good"], attempts=last - 1)

    assert run_transcode(asset.id) == "failed"

    asset = _asset(db, asset.id)
    assert (asset.status, asset.attempts, asset.next_attempt_at) == (FAILED, last, None)
    assert asset.error == (
        f"Processing failed {last} times because the media storage did not answer. "
        "Please try again later."
    )


def test_the_sweep_requeues_lost_and_abandoned_videos_and_leaves_live_ones_alone(
    runtime: Runtime, db: Session, run_jobs: Callable[[], int], clips: dict[str, Path]
) -> None:
    instructor = make_user(db, role="instructor")
    long_ago = utcnow() - timedelta(minutes=10)
    abandoned = uploaded_video(runtime, db, instructor.id, clips["good"], queue=False)
    lost = uploaded_video(runtime, db, instructor.id, clips["good"], queue=False)
    working = uploaded_video(runtime, db, instructor.id, clips["good"], queue=False)
    waiting = uploaded_video(runtime, db, instructor.id, clips["good"], queue=False)
    just_uploaded = uploaded_video(runtime, db, instructor.id, clips["good"], queue=False)
    rows = {
        abandoned.id: {"status": PROCESSING, "attempts": 1, "heartbeat_at": long_ago},
        lost.id: {},
        working.id: {"status": PROCESSING, "attempts": 1, "heartbeat_at": utcnow()},
        waiting.id: {"attempts": 1, "next_attempt_at": utcnow() + timedelta(minutes=1)},
    }
    for asset_id, values in rows.items():
        db.execute(
            update(MediaAsset)
            .where(MediaAsset.id == asset_id)
            .values(**values, updated_at=long_ago)
            .execution_options(synchronize_session=False)
        )
    db.commit()

    assert requeue_stalled() == 2
    assert requeue_stalled() == 0, "sent again only if this hand-over is lost too"
    run_jobs()

    statuses = {a.id: (a.status, a.attempts) for a in db.query(MediaAsset).populate_existing()}
    assert statuses[abandoned.id] == (READY, 2)
    assert statuses[lost.id] == (READY, 1)
    assert statuses[working.id] == (PROCESSING, 1)
    assert statuses[waiting.id] == (UPLOADED, 1)
    assert statuses[just_uploaded.id] == (UPLOADED, 0)


def test_a_video_whose_workers_keep_dying_fails_after_the_last_attempt(
    runtime: Runtime, db: Session, clips: dict[str, Path]
) -> None:
    instructor = make_user(db, role="instructor")
    last = runtime.settings.transcode_max_attempts
    stale = utcnow() - timedelta(minutes=10)
    asset = uploaded_video(
        runtime, db, instructor.id, clips["good"], queue=False,
        status=PROCESSING, attempts=last, heartbeat_at=stale,
    )  # fmt: skip

    assert run_transcode(asset.id) == "failed"

    asset = _asset(db, asset.id)
    assert asset.status == FAILED
    assert asset.error == f"Processing stopped unexpectedly {last} times."


def test_a_live_worker_keeps_its_video(
    runtime: Runtime, db: Session, clips: dict[str, Path]
) -> None:
    instructor = make_user(db, role="instructor")
    asset = uploaded_video(
        runtime, db, instructor.id, clips["good"], queue=False,
        status=PROCESSING, attempts=1, heartbeat_at=utcnow(),
    )  # fmt: skip

    assert run_transcode(asset.id) == "skipped"
    assert _asset(db, asset.id).attempts == 1


def test_ffmpeg_is_stopped_at_its_deadline(tmp_path: Path) -> None:
    endless = [ffmpeg_binary(), "-nostdin", "-progress", "pipe:1", "-re", "-f", "lavfi",
               "-i", "testsrc2=size=320x180:rate=24", "-f", "null", "-"]  # fmt: skip
    started = time.monotonic()
    with pytest.raises(FfmpegTimeout):
        run_ffmpeg(endless, tmp_path, deadline=started + 1.0, progress=lambda _seconds: None)
    assert time.monotonic() - started < 5
