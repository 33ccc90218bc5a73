"""Media rows for tests: a ready video with a real (single-rendition) HLS stream in storage."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from sqlalchemy.orm import Session

from syllabus.kit.db import new_id, utcnow
from syllabus.kit.runtime import Runtime
from syllabus.media import keys
from syllabus.media.ffmpeg_binary import ffmpeg_binary
from syllabus.media.models import READY, MediaAsset
from tests.media.clips import make_clip

_RENDITION = "360p"


def _ffmpeg(*args: str) -> None:
    command = [ffmpeg_binary(), "-hide_banner", "-loglevel", "error", *args]
    subprocess.run(command, check=True, capture_output=True, timeout=120)


def _write_hls(rt: Runtime, asset_id: str, seconds: float) -> None:
    with tempfile.TemporaryDirectory(prefix="syllabus-hls-") as folder:
        work = Path(folder)
        clip = make_clip(work / "clip.mp4", seconds=seconds)
        out = work / _RENDITION
        out.mkdir()
        _ffmpeg(
            "-i", str(clip), "-c", "copy", "-f", "hls", "-hls_time", "1",
            "-hls_playlist_type", "vod", "-hls_segment_filename", str(out / "seg_%05d.ts"),
            str(out / "index.m3u8"),
        )  # fmt: skip
        _ffmpeg("-i", str(clip), "-frames:v", "1", str(work / "poster.jpg"))
        master = (
            "#EXTM3U\n#EXT-X-VERSION:3\n"
            '#EXT-X-STREAM-INF:BANDWIDTH=900000,RESOLUTION=640x360,CODECS="avc1.640015,mp4a.40.2"\n'
            f"{_RENDITION}/index.m3u8\n"
        )
        prefix = keys.hls_prefix(asset_id)
        rt.storage.save_bytes(
            prefix + keys.MASTER_PLAYLIST, master.encode(), "application/vnd.apple.mpegurl"
        )
        for path in sorted(out.iterdir()):
            with path.open("rb") as handle:
                kind = "video/mp2t" if path.suffix == ".ts" else "application/vnd.apple.mpegurl"
                rt.storage.save(f"{prefix}{_RENDITION}/{path.name}", handle, kind)
        with (work / "poster.jpg").open("rb") as handle:
            rt.storage.save(keys.poster_key(asset_id), handle, "image/jpeg")


def make_ready_video(
    rt: Runtime,
    session: Session,
    owner_id: str,
    *,
    seconds: float = 3.0,
    purpose: str = "lesson_video",
) -> MediaAsset:
    """A transcoded video asset whose playlists, segments and poster are really stored."""
    asset_id = new_id()
    _write_hls(rt, asset_id, seconds)
    asset = MediaAsset(
        id=asset_id,
        owner_id=owner_id,
        purpose=purpose,
        status=READY,
        filename="clip.mp4",
        content_type="video/mp4",
        size_bytes=1,
        duration_seconds=round(seconds),
        width=640,
        height=360,
        renditions=[{"name": _RENDITION, "width": 640, "height": 360, "bandwidth": 900_000}],
        hls_prefix=keys.hls_prefix(asset_id),
        poster_key=keys.poster_key(asset_id),
        ready_at=utcnow(),
    )
    session.add(asset)
    session.flush()
    return asset
