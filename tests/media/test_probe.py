"""Probing with ffmpeg alone: length, picture size as shown, sound, and refusals in plain words."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from syllabus.media.ffmpeg_binary import ffmpeg_binary
from syllabus.media.probe import (
    NOT_A_VIDEO,
    NotAVideo,
    VideoInfo,
    last_words,
    parse_probe,
    probe_video,
)
from tests.media.clips import make_clip


def _probe(path: Path) -> VideoInfo:
    return probe_video(ffmpeg_binary(), path.parent, path.name, timeout=30)


def _ffmpeg(*args: str) -> None:
    command = [ffmpeg_binary(), "-hide_banner", "-loglevel", "error", "-y", *args]
    subprocess.run(command, check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("probe")


def test_a_clip_with_sound(folder: Path) -> None:
    info = _probe(make_clip(folder / "talk.mp4", seconds=2.0, width=1280, height=720))
    assert (info.width, info.height, info.video_codec) == (1280, 720, "h264")
    assert info.duration_seconds == pytest.approx(2.0, abs=0.1)
    assert info.has_audio
    assert info.fps == 24


def test_a_silent_webm(folder: Path) -> None:
    info = _probe(make_clip(folder / "silent.webm", seconds=1.0, audio=False, container="webm"))
    assert (info.width, info.height, info.video_codec) == (640, 360, "vp9")
    assert not info.has_audio


def test_a_phone_video_turned_upright_reports_its_displayed_size(folder: Path) -> None:
    clip = make_clip(folder / "landscape.mp4", seconds=1.0, width=320, height=180, audio=False)
    _ffmpeg("-display_rotation:v:0", "90", "-i", str(clip), "-c", "copy", str(folder / "phone.mp4"))
    info = _probe(folder / "phone.mp4")
    assert (info.width, info.height, info.rotation) == (180, 320, 90)


def test_files_that_are_not_videos_are_refused_in_plain_words(folder: Path) -> None:
    (folder / "random.mp4").write_bytes(os.urandom(32 * 1024))
    (folder / "empty.mp4").write_bytes(b"")
    _ffmpeg("-f", "lavfi", "-i", "sine=duration=1", str(folder / "song.m4a"))
    shutil.copy(folder / "song.m4a", folder / "song.mp4")
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=64x64", "-frames:v", "1", str(folder / "pic.png"))
    shutil.copy(folder / "pic.png", folder / "pic.mp4")
    (folder / "list.mp4").write_text("#EXTM3U\n#EXTINF:1,\nfile:///etc/passwd\n")

    messages = {}
    for name in ("random.mp4", "empty.mp4", "song.mp4", "pic.mp4", "list.mp4"):
        with pytest.raises(NotAVideo) as refused:
            _probe(folder / name)
        messages[name] = str(refused.value)
    assert all(m.startswith(NOT_A_VIDEO) for m in messages.values())
    assert messages["song.mp4"] == f"{NOT_A_VIDEO} (It has no video track.)"
    assert all(str(folder) not in m and "/" not in m for m in messages.values())


def test_old_ffmpeg_wording_and_non_square_pixels() -> None:
    stderr = """Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'source':
  Duration: 00:01:02.50, start: 0.000000, bitrate: 1205 kb/s
  Stream #0:0(und): Video: h264 (High) (avc1 / 0x31637661), yuv420p, 720x576 [SAR 16:15 DAR 4:3], 1000 kb/s, 25 fps, 25 tbr, 90k tbn (default)
    Side data:
      displaymatrix: rotation of -90.00 degrees
  Stream #0:1(und): Audio: aac (LC) (mp4a / 0x6134706D), 48000 Hz, stereo, fltp, 192 kb/s (default)
  Stream #0:2(und): Video: mjpeg (Baseline), yuvj420p, 300x300, 90k tbn (attached pic)
"""  # noqa: E501
    info = parse_probe(stderr)
    assert info.duration_seconds == pytest.approx(62.5)
    assert (info.width, info.height, info.rotation) == (576, 768, 270)
    assert info.has_audio
    assert info.fps == 25


def test_cover_art_alone_is_not_a_video() -> None:
    stderr = """Input #0, mp3, from 'source':
  Duration: 00:03:00.00, start: 0.000000, bitrate: 128 kb/s
  Stream #0:0: Audio: mp3 (mp3float), 44100 Hz, stereo, fltp, 128 kb/s
  Stream #0:1: Video: mjpeg (Baseline), yuvj420p(pc), 500x500, 90k tbn (attached pic)
"""
    with pytest.raises(NotAVideo, match="no video track"):
        parse_probe(stderr)

    with_video = stderr + "  Stream #0:2: Video: h264 (High), yuv420p, 1280x720, 30 fps\n"
    info = parse_probe(with_video)
    assert (info.stream_index, info.width, info.height) == (2, 1280, 720)


def test_last_words_drop_log_prefixes_and_error_numbers() -> None:
    stderr = (
        "[h264 @ 0x5646] Invalid NAL unit size (33770 > 28695).\n"
        "[in#0/mov,mp4 @ 0x5646] Terminating thread with return code -1094995529 "
        "(Invalid data found when processing input)\n"
    )
    assert last_words(stderr) == "Invalid data found when processing input"
    assert last_words("") == ""
    assert len(last_words("x" * 1000)) == 200
