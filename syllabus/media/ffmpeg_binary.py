"""Where the ffmpeg binary is: the configured path, else PATH, else the imageio-ffmpeg wheel."""

from __future__ import annotations

import shutil
from functools import lru_cache


class FfmpegMissing(RuntimeError):
    """No ffmpeg binary could be found."""


@lru_cache(maxsize=4)
def ffmpeg_binary(configured: str | None = None) -> str:
    if configured:
        found = shutil.which(configured)
        if not found:
            raise FfmpegMissing(f"SYLLABUS_FFMPEG_PATH={configured!r} is not an executable")
        return found
    on_path = shutil.which("ffmpeg")
    if on_path:
        return on_path
    try:
        import imageio_ffmpeg
    except ImportError as exc:  # the wheel is a dependency; this is a broken install
        raise FfmpegMissing("ffmpeg is not on PATH and imageio-ffmpeg is not installed") from exc
    return str(imageio_ffmpeg.get_ffmpeg_exe())
