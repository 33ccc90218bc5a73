"""Playback API: short-lived signed stream URLs for lesson and promo videos.

`hls_url` is site-relative (`/stream/<token>/master.m3u8`): resolve it
against the API's origin. It expires at `expires_at`; ask again before then
to keep playing.
"""

from __future__ import annotations

from fastapi import APIRouter

from syllabus.api.deps import CurrentRuntime, DbSession, OptionalActor
from syllabus.api.errors import problems
from syllabus.media import playback
from syllabus.media.errors import MediaNotFound
from syllabus.media.playback import PlaybackOut

router = APIRouter(tags=["media"])


@router.get(
    "/lessons/{lesson_id}/playback",
    response_model=PlaybackOut,
    responses=problems(
        s403="not_enrolled",
        s404="lesson_not_found or course_not_found",
        s409="media_not_ready or lesson_locked",
    ),
)
def lesson_playback(
    lesson_id: str, db: DbSession, rt: CurrentRuntime, actor: OptionalActor
) -> PlaybackOut:
    """Enrolled students, the owner and admins; a preview lesson of a published course: anyone."""
    return playback.playback_out(playback.lesson_playback(db, rt, actor, lesson_id))


@router.get(
    "/courses/{course}/promo/playback",
    response_model=PlaybackOut,
    responses=problems(s404="media_not_found"),
)
def promo_playback(course: str, db: DbSession, rt: CurrentRuntime) -> PlaybackOut:
    """Anyone; 404 unless the course is published and its promo video is ready."""
    found = playback.promo_playback(db, rt, course)
    if found is None:
        raise MediaNotFound("This course has no promo video to play.")
    return playback.playback_out(found)
