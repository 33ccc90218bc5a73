"""An uploaded video becomes a playable HLS ladder and a poster, once; lessons get its length."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from syllabus.catalog.models import Course, Lesson
from syllabus.kit.runtime import Runtime
from syllabus.kit.storage import S3Storage
from syllabus.media import keys, transcode
from syllabus.media.ffmpeg_binary import ffmpeg_binary
from syllabus.media.models import READY, MediaAsset
from syllabus.media.probe import probe_video
from syllabus.media.tasks import queue_transcode
from syllabus.media.transcode import run_transcode
from tests.catalog.factories import make_course
from tests.factories import make_user
from tests.media.clips import make_clip
from tests.media.uploaded import decode_errors, download_tree, stored_keys, uploaded_video
from tests.support.s3_server import (
    FAKE_ACCESS_KEY_ID,
    FAKE_SECRET_ACCESS_KEY,
    s3_bucket,  # noqa: F401
    s3_endpoint_url,  # noqa: F401
)

STREAM_INF = re.compile(r"#EXT-X-STREAM-INF:(?P<attrs>.+)\n(?P<uri>\S+)")


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("clips")
    return {
        "720p": make_clip(folder / "talk-720.mp4", seconds=2.0, width=1280, height=720),
        "silent": make_clip(folder / "silent.mp4", seconds=2.0, audio=False),
    }


def _attrs(text: str) -> dict[str, str]:
    return {k: v.strip('"') for k, v in re.findall(r'([A-Z-]+)=("[^"]*"|[^,]*)', text)}


def check_hls(rt: Runtime, asset: MediaAsset, tmp_path: Path) -> dict[str, dict[str, str]]:
    """The stored stream is valid HLS and plays through; its variants' attributes by URI."""
    prefix = keys.hls_prefix(asset.id)
    assert asset.hls_prefix == prefix
    with rt.storage.open(keys.master_key(asset.id)) as handle:
        master = handle.read().decode()
    assert master.startswith("#EXTM3U\n")
    variants = {m["uri"]: _attrs(m["attrs"]) for m in STREAM_INF.finditer(master)}
    assert len(variants) == len(asset.renditions)
    stored = [keys.master_key(asset.id)]
    for rendition in asset.renditions:
        uri = f"{rendition['name']}/index.m3u8"
        attrs = variants[uri]
        assert attrs["RESOLUTION"] == f"{rendition['width']}x{rendition['height']}"
        assert int(attrs["BANDWIDTH"]) == rendition["bandwidth"] > 0
        assert attrs["CODECS"].startswith("avc1.")
        key = prefix + uri
        assert rt.storage.content_type(key) == "application/vnd.apple.mpegurl"
        with rt.storage.open(key) as handle:
            playlist = handle.read().decode()
        assert playlist.startswith("#EXTM3U\n")
        assert "#EXT-X-PLAYLIST-TYPE:VOD" in playlist
        assert playlist.rstrip().endswith("#EXT-X-ENDLIST")
        lengths = [float(x) for x in re.findall(r"#EXTINF:([\d.]+),", playlist)]
        assert sum(lengths) == pytest.approx(asset.duration_seconds, abs=0.6)
        segments = [line for line in playlist.splitlines() if line and not line.startswith("#")]
        assert len(segments) == len(lengths) >= 1
        for segment in segments:
            assert rt.storage.exists(f"{prefix}{rendition['name']}/{segment}")
            assert rt.storage.content_type(f"{prefix}{rendition['name']}/{segment}") == "video/mp2t"
        stored += [key] + [f"{prefix}{rendition['name']}/{s}" for s in segments]
    download_tree(rt, stored, prefix, tmp_path / "hls")
    assert decode_errors(tmp_path / "hls" / "master.m3u8") == ""
    assert rt.storage.content_type(keys.poster_key(asset.id)) == "image/jpeg"
    with rt.storage.open(keys.poster_key(asset.id)) as handle:
        assert handle.read(3) == b"\xff\xd8\xff"  # a JPEG
    return variants


def test_a_720p_upload_becomes_a_360p_and_720p_stream_and_lessons_get_its_length(
    runtime: Runtime,
    db: Session,
    run_jobs: Callable[[], int],
    clips: dict[str, Path],
    tmp_path: Path,
) -> None:
    instructor = make_user(db, role="instructor")
    course = make_course(db, instructor, lessons=2, lesson_seconds=300)
    revision = course.revision
    asset = uploaded_video(runtime, db, instructor.id, clips["720p"], queue=False)
    lesson = db.query(Lesson).filter_by(course_id=course.id, position=0).one()
    lesson.kind, lesson.media_id = "video", asset.id
    queue_transcode(db, asset.id)
    db.commit()

    run_jobs()

    db.expire_all()
    asset = db.get(MediaAsset, asset.id)
    assert asset is not None
    assert (asset.status, asset.error, asset.progress_percent) == (READY, None, 100)
    assert asset.attempts == 1
    assert asset.ready_at is not None
    assert (asset.width, asset.height, asset.duration_seconds) == (1280, 720, 2)
    assert [(r["name"], r["width"], r["height"]) for r in asset.renditions] == [
        ("360p", 640, 360),
        ("720p", 1280, 720),
    ]  # no 1080p: a source is never upscaled
    variants = check_hls(runtime, asset, tmp_path)
    assert all("mp4a.40.2" in v["CODECS"] for v in variants.values())
    assert asset.poster_key == keys.poster_key(asset.id)

    db.refresh(lesson)
    course = db.get(Course, course.id)
    assert course is not None
    assert lesson.duration_seconds == 2
    assert course.duration_seconds == 300 + 2
    assert course.revision > revision

    before = stored_keys(runtime, keys.asset_prefix(asset.id))
    assert run_transcode(asset.id) == "skipped"
    assert stored_keys(runtime, keys.asset_prefix(asset.id)) == before


def test_a_silent_360p_clip_gets_one_video_only_rendition_with_rising_progress(
    runtime: Runtime,
    db: Session,
    clips: dict[str, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[int] = []

    class Recording(transcode._Heartbeat):
        def __call__(self, percent: int | None = None, *, force: bool = False) -> None:
            super().__call__(percent, force=force)
            seen.append(self.percent)

    monkeypatch.setattr(transcode, "_Heartbeat", Recording)
    monkeypatch.setattr(transcode, "HEARTBEAT_SECONDS", 0.0)
    instructor = make_user(db, role="instructor")
    asset = uploaded_video(runtime, db, instructor.id, clips["silent"], queue=False)

    assert run_transcode(asset.id) == "ready"

    db.expire_all()
    asset = db.get(MediaAsset, asset.id)
    assert asset is not None
    assert [(r["name"], r["width"], r["height"]) for r in asset.renditions] == [("360p", 640, 360)]
    variants = check_hls(runtime, asset, tmp_path)
    assert [v["CODECS"] for v in variants.values()] == ["avc1.4d401e"]
    stored = stored_keys(runtime, keys.hls_prefix(asset.id))
    segment = next(key for key in stored if key.endswith(".ts"))
    (tmp_path / "segment.ts").write_bytes(stored[segment])
    info = probe_video(ffmpeg_binary(), tmp_path, "segment.ts", timeout=30)
    assert (info.width, info.height, info.has_audio) == (640, 360, False)
    assert seen == sorted(seen)
    assert any(5 < p < 90 for p in seen)
    assert seen[-1] == 99
    assert asset.progress_percent == 100


def test_storing_a_stream_first_clears_what_an_earlier_run_left(
    runtime: Runtime, db: Session, clips: dict[str, Path]
) -> None:
    instructor = make_user(db, role="instructor")
    asset = uploaded_video(runtime, db, instructor.id, clips["silent"], queue=False)
    stray = keys.hls_prefix(asset.id) + "1080p/seg_00042.ts"
    runtime.storage.save_bytes(stray, b"left over from an older run")

    assert run_transcode(asset.id) == "ready"

    assert not runtime.storage.exists(stray)
    assert all("/1080p/" not in key for key in stored_keys(runtime, keys.asset_prefix(asset.id)))


def test_the_stream_is_stored_in_an_s3_bucket_with_its_content_types(
    runtime: Runtime,
    db: Session,
    clips: dict[str, Path],
    tmp_path: Path,
    s3_endpoint_url: str,  # noqa: F811
    s3_bucket: str,  # noqa: F811
) -> None:
    runtime.__dict__["storage"] = S3Storage(
        bucket=s3_bucket,
        endpoint_url=s3_endpoint_url,
        access_key_id=FAKE_ACCESS_KEY_ID,
        secret_access_key=FAKE_SECRET_ACCESS_KEY,
    )
    instructor = make_user(db, role="instructor")
    asset = uploaded_video(runtime, db, instructor.id, clips["silent"], queue=False)

    assert run_transcode(asset.id) == "ready"

    db.expire_all()
    asset = db.get(MediaAsset, asset.id)
    assert asset is not None
    assert asset.status == READY
    check_hls(runtime, asset, tmp_path)
