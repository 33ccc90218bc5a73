"""Running ffmpeg: the HLS ladder in one pass, and the poster frame.

The source is decoded once and split into every rung, each encoded with
libx264 (+ AAC) and cut into 4-second MPEG-TS segments. Key frames are
forced on the segment grid in every rung, so a player switching quality
lands on the same boundaries. `-xerror` stops at the first damaged packet
and the decoded length is compared with the length the header promises:
a cut-short upload fails instead of yielding a short stream.

ffmpeg runs in the work folder with relative names only, so nothing it
prints holds a path from our disk.
"""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from syllabus.media.ladder import AUDIO_KBPS, MAX_FPS, Rendition
from syllabus.media.probe import VideoInfo, VideoInputError, explain, input_options

SEGMENT_SECONDS = 4
PLAYLIST = "index.m3u8"
SEGMENT_PATTERN = "seg_%05d.ts"
# Fast enough for worker throughput; the capped bitrate keeps the quality even.
X264_PRESET = "veryfast"
# Decoding may stop this much short of the header's duration (codec delay, rounding).
SHORTFALL_SECONDS = 1.0
SHORTFALL_RATIO = 0.97
_STDERR_NAME = "ffmpeg-errors.txt"
_STDERR_TAIL = 8192
# Words in ffmpeg's complaint that blame our machine, not the file.
_OUR_FAULT = ("No space left on device", "Cannot allocate memory", "Permission denied")

# Called with the seconds of video encoded so far; may raise to stop ffmpeg.
Progress = Callable[[float], None]


class FfmpegTimeout(Exception):
    """ffmpeg ran past its deadline and was stopped."""


class FfmpegCrashed(Exception):
    """ffmpeg stopped for a reason that is not the file's fault (a signal, a full disk)."""


@dataclass(frozen=True)
class EncodeResult:
    seconds: float  # how much video was encoded


def hls_command(ffmpeg: str, source: str, info: VideoInfo, rungs: list[Rendition]) -> list[str]:
    """One ffmpeg run writing `<rung>/index.m3u8` and its segments for every rung."""
    fps = f"fps={MAX_FPS}," if info.fps and info.fps > MAX_FPS else ""
    scaled = [
        f"[s{i}]{fps}scale={r.width}:{r.height},setsar=1,format=yuv420p[v{i}]"
        for i, r in enumerate(rungs)
    ]
    split = "".join(f"[s{i}]" for i in range(len(rungs)))
    graph = ";".join([f"[0:{info.stream_index}]split={len(rungs)}{split}", *scaled])
    command = [ffmpeg, "-hide_banner", "-nostdin", "-v", "error", "-xerror", "-nostats"]
    command += ["-progress", "pipe:1", *input_options(source), "-filter_complex", graph]
    for i, rung in enumerate(rungs):
        command += ["-map", f"[v{i}]"] + (["-map", "0:a:0"] if info.has_audio else [])
        command += ["-map_metadata", "-1", "-map_chapters", "-1"]
        command += ["-c:v", "libx264", "-preset", X264_PRESET, "-profile:v", "main"]
        command += ["-level:v", rung.level_text, "-b:v", f"{rung.video_kbps}k"]
        command += ["-maxrate", f"{rung.maxrate_kbps}k", "-bufsize", f"{rung.bufsize_kbps}k"]
        command += ["-force_key_frames", f"expr:gte(t,n_forced*{SEGMENT_SECONDS})"]
        command += ["-sc_threshold", "0"]
        if info.has_audio:
            command += ["-c:a", "aac", "-b:a", f"{AUDIO_KBPS}k", "-ac", "2", "-ar", "48000"]
        command += ["-max_muxing_queue_size", "4096", "-f", "hls"]
        command += ["-hls_time", str(SEGMENT_SECONDS), "-hls_playlist_type", "vod"]
        command += ["-hls_segment_filename", f"{rung.name}/{SEGMENT_PATTERN}"]
        command.append(f"{rung.name}/{PLAYLIST}")
    return command


def encode_ladder(
    ffmpeg: str,
    folder: Path,
    source: str,
    info: VideoInfo,
    rungs: list[Rendition],
    *,
    deadline: float,
    progress: Progress,
) -> EncodeResult:
    """Write every rung's playlist and segments under `folder/<rung.name>/`.

    `deadline` is a time.monotonic() value. Raises VideoInputError when the
    file is damaged or cut short, FfmpegTimeout, or FfmpegCrashed.
    """
    for rung in rungs:
        (folder / rung.name).mkdir()
    command = hls_command(ffmpeg, source, info, rungs)
    seconds, stderr = run_ffmpeg(command, folder, deadline=deadline, progress=progress)
    expected = info.duration_seconds
    if expected > 0 and seconds < min(expected * SHORTFALL_RATIO, expected - SHORTFALL_SECONDS):
        raise VideoInputError(
            f"The video stops after {seconds:.0f} s although its header says {expected:.0f} s: "
            "the file looks cut short. Please upload the complete file."
        )
    if seconds <= 0:
        raise VideoInputError(explain("The video holds no picture we can decode.", stderr))
    return EncodeResult(seconds=seconds)


def extract_poster(
    ffmpeg: str,
    folder: Path,
    source: str,
    info: VideoInfo,
    rung: Rendition,
    *,
    at: float,
    deadline: float,
) -> Path:
    """A JPEG of the frame at `at` seconds, the size of `rung`, as `folder/poster.jpg`."""
    name = "poster.jpg"
    command = [ffmpeg, "-hide_banner", "-nostdin", "-v", "error", "-xerror", "-nostats"]
    command += ["-progress", "pipe:1", "-ss", f"{at:.3f}", *input_options(source)]
    command += ["-map", f"0:{info.stream_index}", "-frames:v", "1"]
    command += ["-vf", f"scale={rung.width}:{rung.height},setsar=1"]
    command += ["-map_metadata", "-1", "-q:v", "3", "-update", "1", "-y", name]
    run_ffmpeg(command, folder, deadline=deadline, progress=lambda _seconds: None)
    poster = folder / name
    if not poster.is_file() or poster.stat().st_size == 0:
        raise VideoInputError("No frame of the video could be decoded for its poster.")
    return poster


def run_ffmpeg(
    command: list[str], folder: Path, *, deadline: float, progress: Progress
) -> tuple[float, str]:
    """Run ffmpeg with `-progress pipe:1`; (seconds encoded, the tail of its stderr)."""
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise FfmpegTimeout("no time left before the deadline")
    errors_path = folder / _STDERR_NAME
    timed_out = threading.Event()
    seconds = 0.0
    with errors_path.open("wb") as errors:
        process = subprocess.Popen(  # noqa: S603 - our own arguments, no shell
            command, cwd=folder, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=errors
        )

        def stop() -> None:
            timed_out.set()
            process.kill()

        watchdog = threading.Timer(remaining, stop)
        watchdog.daemon = True
        watchdog.start()
        try:
            assert process.stdout is not None
            for raw in process.stdout:
                key, _, value = raw.decode("ascii", errors="replace").strip().partition("=")
                if key == "out_time_us" and value.lstrip("-").isdigit():
                    seconds = max(seconds, int(value) / 1_000_000)
                    progress(seconds)
            returncode = process.wait()
        finally:
            watchdog.cancel()
            if process.poll() is None:  # progress() raised: stop the work it was reporting
                process.kill()
                process.wait()
    stderr = _tail(errors_path)
    if timed_out.is_set():
        raise FfmpegTimeout("ffmpeg ran past its deadline")
    if returncode < 0:
        raise FfmpegCrashed(f"ffmpeg was stopped by signal {-returncode}")
    if returncode != 0:
        if any(words in stderr for words in _OUR_FAULT):
            raise FfmpegCrashed(explain("ffmpeg could not write its output", stderr))
        raise VideoInputError(
            explain(
                "The video could not be read to the end: the file looks damaged or cut short.",
                stderr,
            )
        )
    return seconds, stderr


def _tail(path: Path) -> str:
    with path.open("rb") as handle:
        size = handle.seek(0, 2)
        handle.seek(max(0, size - _STDERR_TAIL))
        return handle.read().decode("utf-8", errors="replace")
