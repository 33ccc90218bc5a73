"""The HLS ladder: which renditions a source gets, their bitrates, and the master playlist.

A rendition is named by its short side ("720p" is 1280x720, or 720x1280 for
a portrait video). A source is never upscaled: it gets the rungs of
`settings.hls_ladder` it can fill, or, smaller than every rung, one
rendition at its own size. Sides are even because H.264 in 4:2:0 needs it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

AUDIO_KBPS = 128
AUDIO_CODEC = "mp4a.40.2"  # AAC-LC
# Average video bitrate by short side; a rung between two uses the larger one's.
VIDEO_KBPS = ((240, 400), (360, 800), (480, 1400), (540, 2000), (720, 2800), (1080, 5000),
              (1440, 8000), (2160, 14000))  # fmt: skip
# The encoder may briefly exceed the average (capped VBR); BANDWIDTH declares the peak
# with room for the MPEG-TS packaging.
MAXRATE_FACTOR = 1.07
BUFSIZE_FACTOR = 1.5
CONTAINER_OVERHEAD = 1.1
MAX_FPS = 60
# H.264 levels as (level_idc, max macroblocks per frame, max macroblocks per second).
_LEVELS = ((30, 1620, 40_500), (31, 3600, 108_000), (32, 5120, 216_000), (40, 8192, 245_760),
           (42, 8704, 522_240), (50, 22_080, 589_824), (51, 36_864, 983_040),
           (52, 36_864, 2_073_600))  # fmt: skip
_MAIN_PROFILE = "4d40"  # profile_idc 77 (Main) and its constraint flags, in hex


def even(value: float) -> int:
    """The nearest even number, at least 2."""
    return max(2, int(value / 2 + 0.5) * 2)


def even_floor(value: float) -> int:
    """The largest even number not above `value` (at least 2): never a pixel more."""
    return max(2, int(value // 2) * 2)


@dataclass(frozen=True)
class Rendition:
    name: str
    width: int
    height: int
    video_kbps: int
    level: int  # H.264 level_idc: 31 is level 3.1

    @property
    def maxrate_kbps(self) -> int:
        return round(self.video_kbps * MAXRATE_FACTOR)

    @property
    def bufsize_kbps(self) -> int:
        return round(self.video_kbps * BUFSIZE_FACTOR)

    def bandwidth(self, *, has_audio: bool) -> int:
        """Peak bits per second of a segment, as the master playlist declares it."""
        kbps = self.maxrate_kbps + (AUDIO_KBPS if has_audio else 0)
        return round(kbps * 1000 * CONTAINER_OVERHEAD)

    def codecs(self, *, has_audio: bool) -> str:
        video = f"avc1.{_MAIN_PROFILE}{self.level:02x}"
        return f"{video},{AUDIO_CODEC}" if has_audio else video

    @property
    def level_text(self) -> str:
        """The level as ffmpeg's `-level:v` takes it ("3.1")."""
        return f"{self.level // 10}.{self.level % 10}"

    def as_row(self, *, has_audio: bool) -> dict[str, Any]:
        """The entry stored in MediaAsset.renditions."""
        return {
            "name": self.name,
            "width": self.width,
            "height": self.height,
            "bandwidth": self.bandwidth(has_audio=has_audio),
        }


def video_kbps(short_side: int) -> int:
    for side, kbps in VIDEO_KBPS:
        if short_side <= side:
            return kbps
    return VIDEO_KBPS[-1][1]


def h264_level(width: int, height: int, fps: float | None) -> int:
    """The lowest level whose frame size and macroblock rate fit the rendition."""
    blocks = -(-width // 16) * -(-height // 16)
    rate = blocks * min(fps or 30.0, MAX_FPS)
    for level, max_frame, max_rate in _LEVELS:
        if blocks <= max_frame and rate <= max_rate:
            return level
    return _LEVELS[-1][0]


def plan_ladder(
    width: int, height: int, ladder: Sequence[int], *, fps: float | None = None
) -> list[Rendition]:
    """The renditions of a `width`x`height` source (as displayed), smallest first."""
    if width < 2 or height < 2:
        raise ValueError("a video needs a picture at least 2 pixels on each side")
    short, long_ = min(width, height), max(width, height)
    sides = sorted({side for side in ladder if side <= short}) or [even_floor(short)]
    rungs = []
    for side in sides:
        other = min(even(side * long_ / short), even_floor(long_))
        w, h = (other, side) if width >= height else (side, other)
        rungs.append(Rendition(f"{side}p", w, h, video_kbps(side), h264_level(w, h, fps)))
    return rungs


def master_playlist(renditions: Sequence[Rendition], *, has_audio: bool) -> str:
    """The HLS master playlist: one EXT-X-STREAM-INF per rendition, pointing at its folder."""
    lines = ["#EXTM3U", "#EXT-X-VERSION:3"]
    for rung in renditions:
        lines.append(
            f"#EXT-X-STREAM-INF:BANDWIDTH={rung.bandwidth(has_audio=has_audio)},"
            f"AVERAGE-BANDWIDTH={(rung.video_kbps + (AUDIO_KBPS if has_audio else 0)) * 1000},"
            f'RESOLUTION={rung.width}x{rung.height},CODECS="{rung.codecs(has_audio=has_audio)}"'
        )
        lines.append(f"{rung.name}/index.m3u8")
    return "\n".join(lines) + "\n"
