"""Demo videos: short clips made by ffmpeg's test sources, then transcoded like any upload.

`seed-demo` makes a few clips (a moving test card, a Mandelbrot zoom, a
cellular automaton, each with a tone) in about a second, and stores one
copy per demo instructor as an `uploaded` lesson video owned by them. In
every published demo course, the opening (preview) lesson and the first
lesson of the second section become video lessons showing their
instructor's clip, so visitors can play one and enrolled students the
other. Each asset's transcoding is queued in the seed's transaction: the
job consumer turns it into HLS after the commit, as it does any upload,
and then gives those lessons the clip's length.
"""

from __future__ import annotations

import subprocess
import tempfile
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from syllabus.accounts.models import User
from syllabus.catalog.models import Course, Lesson, Section
from syllabus.demo.seed import DemoLogins
from syllabus.kit.db import new_id
from syllabus.kit.runtime import Runtime
from syllabus.media import keys
from syllabus.media.ffmpeg_binary import ffmpeg_binary
from syllabus.media.models import UPLOADED, MediaAsset
from syllabus.media.tasks import queue_transcode

Progress = Callable[[int], None]

CLIP_SECONDS = 8.0
CLIP_SIZE = "640x360"
CLIP_TIMEOUT_SECONDS = 60


@dataclass(frozen=True)
class DemoClip:
    filename: str
    source: str  # an ffmpeg lavfi video source
    options: str  # its options besides size and rate
    tone_hz: int


CLIPS = (
    DemoClip("test-card.mp4", "testsrc2", "", 440),
    DemoClip("mandelbrot-zoom.mp4", "mandelbrot", "", 554),
    DemoClip("cellular-automaton.mp4", "cellauto", "rule=110", 659),
)


def add_demo_videos(
    session: Session,
    rt: Runtime,
    logins: DemoLogins,
    *,
    seconds: float = CLIP_SECONDS,
    progress: Progress | None = None,
    on_total: Progress | None = None,
) -> int:
    """Give the demo's video lessons their clips; how many lessons show one.

    `on_total(n)` is called once with the number of steps (clips made plus
    videos stored), then `progress(1)` after each. Only flushes: the
    caller's unit of work commits, and the transcoding starts after it.
    """
    emails = [login.email for login in logins.instructors]
    owners = list(
        session.scalars(select(User.id).where(User.email.in_(emails)).order_by(User.email))
    )
    lessons = _video_lessons(session, owners)
    if not lessons:
        return 0
    users = sorted(lessons, key=owners.index)
    if on_total is not None:
        on_total(len(CLIPS) + len(users))
    with tempfile.TemporaryDirectory(prefix="syllabus-demo-clips-") as folder:
        clips = _make_clips(Path(folder), rt, seconds)
        if progress is not None:
            progress(len(clips))
        for n, owner_id in enumerate(users):
            clip = clips[n % len(clips)]
            asset = _store_upload(session, rt, owner_id, clip)
            session.execute(
                update(Lesson)
                .where(Lesson.id.in_(lessons[owner_id]))
                .values(kind="video", media_id=asset.id)
                .execution_options(synchronize_session=False)
            )
            queue_transcode(session, asset.id)
            if progress is not None:
                progress(1)
    return sum(len(ids) for ids in lessons.values())


def _video_lessons(session: Session, owners: list[str]) -> dict[str, list[str]]:
    """Instructor id -> their published courses' opening lesson and second section's first."""
    rows = session.execute(
        select(Course.instructor_id, Lesson.id)
        .join(Section, Section.id == Lesson.section_id)
        .join(Course, Course.id == Lesson.course_id)
        .where(
            Course.instructor_id.in_(owners),
            Course.status == "published",
            Lesson.kind == "text",
            Lesson.position == 0,
            or_(and_(Section.position == 0, Lesson.is_preview), Section.position == 1),
        )
        .order_by(Course.id, Section.position)
    ).all()
    found: dict[str, list[str]] = defaultdict(list)
    for owner_id, lesson_id in rows:
        found[owner_id].append(lesson_id)
    return dict(found)


def _make_clips(folder: Path, rt: Runtime, seconds: float) -> list[Path]:
    """Every clip at once (one ffmpeg each, side by side): about a second in all."""
    ffmpeg = ffmpeg_binary(rt.settings.ffmpeg_path)
    running: list[tuple[Path, subprocess.Popen[bytes]]] = []
    try:
        for clip in CLIPS:
            running.append((folder / clip.filename, _start_clip(ffmpeg, folder, clip, seconds)))
        for path, process in running:
            _out, errors = process.communicate(timeout=CLIP_TIMEOUT_SECONDS)
            if process.returncode != 0:
                raise RuntimeError(f"ffmpeg could not make {path.name}: {errors.decode()[-300:]}")
    finally:
        for _path, process in running:
            if process.poll() is None:
                process.kill()
                process.wait()
    return [path for path, _process in running]


def _start_clip(
    ffmpeg: str, folder: Path, clip: DemoClip, seconds: float
) -> subprocess.Popen[bytes]:
    video = ":".join(filter(None, [f"{clip.source}=size={CLIP_SIZE}", "rate=24", clip.options]))
    command = [ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error", "-y"]
    command += ["-f", "lavfi", "-i", video, "-f", "lavfi"]
    command += ["-i", f"sine=frequency={clip.tone_hz}:sample_rate=48000"]
    command += ["-t", f"{seconds:g}", "-c:v", "libx264", "-preset", "ultrafast"]
    command += ["-pix_fmt", "yuv420p", "-c:a", "aac", "-movflags", "+faststart", clip.filename]
    return subprocess.Popen(  # noqa: S603 - our own arguments, no shell
        command, cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )


def _store_upload(session: Session, rt: Runtime, owner_id: str, clip: Path) -> MediaAsset:
    """The clip as an instructor's upload waiting for transcoding."""
    asset_id = new_id()
    with clip.open("rb") as handle:
        size = rt.storage.save(keys.source_key(asset_id), handle, "video/mp4")
    asset = MediaAsset(
        id=asset_id,
        owner_id=owner_id,
        purpose="lesson_video",
        status=UPLOADED,
        filename=clip.name,
        content_type="video/mp4",
        size_bytes=size,
        source_key=keys.source_key(asset_id),
    )
    session.add(asset)
    session.flush()
    return asset
