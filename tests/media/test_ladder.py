"""Planning the HLS ladder: never upscale, keep the shape, even sides, honest bitrates."""

from __future__ import annotations

import pytest

from syllabus.media.ladder import Rendition, h264_level, master_playlist, plan_ladder

LADDER = [360, 720, 1080]


def _sizes(rungs: list[Rendition]) -> list[tuple[str, int, int]]:
    return [(r.name, r.width, r.height) for r in rungs]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ((1920, 1080), [("360p", 640, 360), ("720p", 1280, 720), ("1080p", 1920, 1080)]),
        ((3840, 2160), [("360p", 640, 360), ("720p", 1280, 720), ("1080p", 1920, 1080)]),
        ((1280, 720), [("360p", 640, 360), ("720p", 1280, 720)]),
        ((640, 360), [("360p", 640, 360)]),
        ((356, 200), [("200p", 356, 200)]),
        ((203, 101), [("100p", 200, 100)]),
        ((640, 480), [("360p", 480, 360)]),
        ((720, 1280), [("360p", 360, 640), ("720p", 720, 1280)]),
        ((641, 361), [("360p", 640, 360)]),
    ],
)
def test_rungs_never_upscale_and_keep_the_aspect_ratio(
    source: tuple[int, int], expected: list[tuple[str, int, int]]
) -> None:
    rungs = plan_ladder(*source, LADDER)
    assert _sizes(rungs) == expected
    for rung in rungs:
        assert rung.width % 2 == 0
        assert rung.height % 2 == 0
        assert rung.width <= source[0]
        assert rung.height <= source[1]


def test_the_configured_ladder_decides_the_rungs() -> None:
    assert _sizes(plan_ladder(1920, 1080, [480, 1080, 480])) == [
        ("480p", 854, 480),
        ("1080p", 1920, 1080),
    ]
    assert _sizes(plan_ladder(1920, 1080, [2160])) == [("1080p", 1920, 1080)]


def test_bitrates_grow_with_the_picture_and_bandwidth_declares_the_peak() -> None:
    rungs = plan_ladder(1920, 1080, LADDER, fps=30)
    assert [r.video_kbps for r in rungs] == [800, 2800, 5000]
    for rung in rungs:
        with_audio, silent = rung.bandwidth(has_audio=True), rung.bandwidth(has_audio=False)
        assert with_audio > silent > rung.video_kbps * 1000
        assert rung.maxrate_kbps > rung.video_kbps
    assert next(r.as_row(has_audio=False) for r in rungs) == {
        "name": "360p",
        "width": 640,
        "height": 360,
        "bandwidth": rungs[0].bandwidth(has_audio=False),
    }


def test_h264_levels_fit_size_and_frame_rate() -> None:
    assert h264_level(640, 360, 30) == 30
    assert h264_level(1280, 720, 30) == 31
    assert h264_level(1280, 720, 60) == 32
    assert h264_level(1920, 1080, 30) == 40
    assert h264_level(1920, 1080, 120) == 42, "frame rates above 60 are encoded at 60"
    assert h264_level(3840, 2160, 30) == 51


def test_the_master_playlist_lists_every_rendition() -> None:
    rungs = plan_ladder(1280, 720, LADDER, fps=24)
    text = master_playlist(rungs, has_audio=True)
    assert text.splitlines() == [
        "#EXTM3U",
        "#EXT-X-VERSION:3",
        f"#EXT-X-STREAM-INF:BANDWIDTH={rungs[0].bandwidth(has_audio=True)},"
        'AVERAGE-BANDWIDTH=928000,RESOLUTION=640x360,CODECS="avc1.4d401e,mp4a.40.2"',
        "360p/index.m3u8",
        f"#EXT-X-STREAM-INF:BANDWIDTH={rungs[1].bandwidth(has_audio=True)},"
        'AVERAGE-BANDWIDTH=2928000,RESOLUTION=1280x720,CODECS="avc1.4d401f,mp4a.40.2"',
        "720p/index.m3u8",
    ]
    assert 'CODECS="avc1.4d401e"' in master_playlist(rungs[:1], has_audio=False)


def test_a_picture_without_size_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 2 pixels"):
        plan_ladder(0, 720, LADDER)
