"""What a video file holds, read by ffmpeg itself (ffprobe is not always installed).

`ffmpeg -i <file>` with no output prints the container's description to
stderr and exits: its duration, and a line per stream ("Video: h264 ...,
1280x720 [SAR 1:1 DAR 16:9], 24 fps"). We parse that text. The file is
always passed by a name relative to ffmpeg's working folder, so ffmpeg's
words, which may be shown to the uploader, never hold a path from our disk.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

# The only demuxers ffmpeg may use on an upload. Playlist-like formats (hls, concat)
# would let a crafted "video" make ffmpeg read other files from our disk; pictures
# would read as one-frame videos.
INPUT_FORMATS = "mov,matroska,avi,mpegts,mpeg,flv,asf,ogg,mxf,dv"
_INPUT = re.compile(r"^Input #0, .+?, from ", re.MULTILINE)
_DURATION = re.compile(r"Duration: (?P<h>\d+):(?P<m>\d{2}):(?P<s>\d{2}(?:\.\d+)?)")
_STREAM = re.compile(
    r"^\s*Stream #0:(?P<index>\d+)\S*: (?P<kind>Video|Audio): (?P<codec>\w+)(?P<rest>.*)$",
    re.MULTILINE,
)
_SIZE = re.compile(r"\b(?P<w>\d{2,5})x(?P<h>\d{2,5})\b")
_SAR = re.compile(r"\[SAR (?P<num>\d+):(?P<den>\d+) ")
_FPS = re.compile(r"(?P<fps>\d+(?:\.\d+)?) fps\b")
_ROTATION = re.compile(r"rotation of (?P<deg>-?\d+(?:\.\d+)?) degrees", re.IGNORECASE)
# "[in#0/mov,mp4 @ 0x55d1c0] " before a message, and the numeric error codes around its reason.
_LOG_PREFIX = re.compile(r"^\[[^\]]*@ 0x[0-9a-f]+\]\s*")
_CODE_REASON = re.compile(r"(?:error|return) code:? -?\d+ \((?P<reason>[^)]+)\)")
LAST_WORDS_MAX = 200

NOT_A_VIDEO = "The file is not a video we can read."


class VideoInputError(Exception):
    """The file itself is at fault (not a video, cut short, damaged): trying again cannot help.

    Its message is written for the uploader.
    """


class NotAVideo(VideoInputError):
    pass


@dataclass(frozen=True)
class VideoInfo:
    """A video as it is displayed: rotation and non-square pixels already applied."""

    duration_seconds: float  # 0.0 when the container does not say
    video_codec: str
    width: int
    height: int
    fps: float | None
    has_audio: bool
    rotation: int  # degrees the player turns the picture (0, 90, 180, 270)
    stream_index: int = 0  # the video stream's index in the file (cover art skipped)


def input_options(name: str) -> list[str]:
    """ffmpeg's options to open an upload: known video containers, local file only."""
    return ["-format_whitelist", INPUT_FORMATS, "-protocol_whitelist", "file", "-i", name]


def last_words(stderr: str) -> str:
    """ffmpeg's final complaint, without log prefixes and error numbers, cut short."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    if not lines:
        return ""
    line = _LOG_PREFIX.sub("", lines[-1])
    reason = _CODE_REASON.search(line)
    if reason:
        line = reason.group("reason")
    line = " ".join(line.split())
    return line if len(line) <= LAST_WORDS_MAX else line[: LAST_WORDS_MAX - 1] + "…"


def explain(message: str, stderr: str) -> str:
    words = last_words(stderr)
    return f"{message} ({words})" if words else message


def parse_probe(stderr: str) -> VideoInfo:
    """The description ffmpeg printed for input #0; NotAVideo when it holds no video."""
    if _INPUT.search(stderr) is None:
        raise NotAVideo(explain(NOT_A_VIDEO, stderr))
    video: re.Match[str] | None = None
    video_line_end = 0
    has_audio = False
    for stream in _STREAM.finditer(stderr):
        if stream.group("kind") == "Audio":
            has_audio = True
        elif video is None and "(attached pic)" not in stream.group("rest"):
            video, video_line_end = stream, stream.end()
    if video is None:
        raise NotAVideo(f"{NOT_A_VIDEO} (It has no video track.)")
    size = _SIZE.search(video.group("rest"))
    if size is None:
        raise NotAVideo(f"{NOT_A_VIDEO} (Its picture size is unknown.)")
    width, height = int(size.group("w")), int(size.group("h"))
    sar = _SAR.search(video.group("rest"))
    if sar and int(sar.group("num")) > 0 and int(sar.group("den")) > 0:
        # Non-square pixels: the picture is shown wider (or narrower) than it is stored.
        width = round(width * int(sar.group("num")) / int(sar.group("den")))
    rotation = _rotation(stderr[video_line_end:])
    if rotation in (90, 270):
        width, height = height, width
    fps = _FPS.search(video.group("rest"))
    return VideoInfo(
        duration_seconds=_duration(stderr),
        video_codec=video.group("codec"),
        width=width,
        height=height,
        fps=float(fps.group("fps")) if fps else None,
        has_audio=has_audio,
        rotation=rotation,
        stream_index=int(video.group("index")),
    )


def _duration(stderr: str) -> float:
    found = _DURATION.search(stderr)
    if found is None:  # "Duration: N/A" (some live-style WebM files)
        return 0.0
    return int(found.group("h")) * 3600 + int(found.group("m")) * 60 + float(found.group("s"))


def _rotation(after_video_line: str) -> int:
    """The display rotation in the side data printed under the video stream, if any."""
    block = after_video_line.split("Stream #", 1)[0]
    found = _ROTATION.search(block)
    if found is None:
        return 0
    return round(float(found.group("deg"))) % 360 // 90 * 90


def probe_video(ffmpeg: str, folder: Path, name: str, *, timeout: float) -> VideoInfo:
    """Describe `folder/name`; NotAVideo when ffmpeg cannot read it as a video.

    Raises subprocess.TimeoutExpired when ffmpeg takes longer than `timeout`.
    """
    result = subprocess.run(  # noqa: S603 - our own arguments, no shell
        [ffmpeg, "-hide_banner", "-nostdin", *input_options(name)],
        cwd=folder,
        capture_output=True,
        timeout=timeout,
        check=False,  # without an output file ffmpeg always exits 1
    )
    return parse_probe(result.stderr.decode("utf-8", errors="replace"))
