"""Real video files for tests, made by ffmpeg's test sources (no fixtures on disk)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from syllabus.media.ffmpeg_binary import ffmpeg_binary


def make_clip(
    path: Path,
    *,
    seconds: float = 2.0,
    width: int = 640,
    height: int = 360,
    audio: bool = True,
    container: str = "mp4",
) -> Path:
    """An H.264/AAC clip of a moving test pattern (and a sine tone) at `path`."""
    command = [ffmpeg_binary(), "-hide_banner", "-loglevel", "error", "-y"]
    command += ["-f", "lavfi", "-i", f"testsrc2=size={width}x{height}:rate=24:duration={seconds}"]
    if audio:
        command += ["-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}"]
    if container == "webm":
        command += ["-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8"]
        command += ["-c:a", "libopus"] if audio else []
    else:
        command += ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
        command += ["-c:a", "aac"] if audio else []
        command += ["-movflags", "+faststart"]
    command += ["-shortest", str(path)] if audio else [str(path)]
    subprocess.run(command, check=True, capture_output=True, timeout=120)
    return path


def truncated_copy(source: Path, target: Path, keep: float = 0.3) -> Path:
    """The first `keep` fraction of a clip: a real header and a body cut short."""
    data = source.read_bytes()
    target.write_bytes(data[: max(int(len(data) * keep), 64)])
    return target
