"""Media on the player pages: the lesson's video or file, position reports, fresh stream URLs.

The lesson page (`learning.lesson_page`) asks `lesson_media` what its video
or file section shows, and the course landing page asks `course_promo` for
the preview video. `static/js/video-player.js` plays the signed HLS stream,
reports the student's position here every ~10 s and on pause, seek and end
(cookie sign-in plus the `X-CSRF-Token` header; a form with `csrf_token`
when the page is closing), and asks for a fresh URL shortly before the old
one lapses: here for a lesson, from the public
`GET /api/v1/courses/{course}/promo/playback` for a preview. The lesson id
decides every right; the slug only keeps the address readable. A file's
link goes through `.../download`, which signs a new storage URL at each
click, so a page left open never offers a dead link.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

import orjson
from fastapi import APIRouter, Depends, Path, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import Field, ValidationError
from sqlalchemy.orm import Session

from syllabus.accounts.actor import Actor
from syllabus.catalog.cache import course_key
from syllabus.catalog.content import course_content
from syllabus.catalog.schemas import CourseDetail, LessonContent
from syllabus.kit.runtime import Runtime, get_runtime
from syllabus.learning import progress
from syllabus.learning.errors import LessonNotFound
from syllabus.learning.schemas import LessonProgressOut, ProgressOut, StrictModel
from syllabus.media import assets, playback
from syllabus.media.errors import MediaNotReady
from syllabus.media.models import READY, MediaAsset
from syllabus.web.deps import CsrfChecked, OptionalWebActor, WebActor, WebDb
from syllabus.web.routes import _learning_views as views

router = APIRouter(include_in_schema=False)

Slug = Annotated[str, Path(min_length=1, max_length=140)]
LessonId = Annotated[str, Path(min_length=1, max_length=36)]

MAX_POSITION_SECONDS = 24 * 3600  # no lesson video is longer than a day
PROMO_CACHE_SECONDS = 60  # at most this stale: a promo finishing its transcoding
NO_STORE = {"Cache-Control": "no-store"}  # signed URLs and personal state


# ------------------------------------------------------------------- views


@dataclass(frozen=True)
class VideoView:
    """The lesson's video section: a player, or why there is none yet."""

    state: str  # "ready" | "processing" | "missing"
    playback: dict[str, Any] | None = None
    playback_url: str = ""
    position_url: str | None = None  # None: nothing is recorded (an owner's preview)
    start_seconds: int = 0
    completed: bool = False


@dataclass(frozen=True)
class FileView:
    """The lesson's downloadable file (`url` is None while it is not ready)."""

    filename: str
    size_bytes: int
    url: str | None


def playback_json(found: playback.Playback) -> dict[str, Any]:
    """The shape of the API's playback answer: {hls_url, poster_url, expires_at}."""
    return playback.playback_out(found).model_dump(mode="json")


def lesson_media(
    db: Session, actor: Actor, slug: str, lesson: LessonContent, state: ProgressOut | None
) -> dict[str, Any]:
    """The lesson page's `video` or `attachment` context (empty for other kinds or a lock)."""
    if views.is_locked(lesson):
        return {}
    if lesson.kind == "video":
        return {"video": _video_view(db, actor, slug, lesson, state)}
    if lesson.kind == "attachment" and lesson.media_id:
        return {"attachment": _file_view(db, slug, lesson)}
    return {}


def _video_view(
    db: Session, actor: Actor, slug: str, lesson: LessonContent, state: ProgressOut | None
) -> VideoView:
    if not lesson.media_id:
        return VideoView(state="missing")
    try:
        found = playback.lesson_playback(db, get_runtime(), actor, lesson.id)
    except MediaNotReady:
        return VideoView(state="processing")
    here = views.lesson_url(slug, lesson.id)
    saved = _saved_state(state, lesson.id)
    return VideoView(
        state="ready",
        playback=playback_json(found),
        playback_url=f"{here}/playback",
        position_url=f"{here}/position" if state is not None else None,
        start_seconds=saved.position_seconds if saved else 0,
        completed=bool(saved and saved.completed),
    )


def _saved_state(state: ProgressOut | None, lesson_id: str) -> LessonProgressOut | None:
    """The student's progress in this lesson; None for a preview or a lesson not yet opened."""
    if state is None:
        return None
    return next((item for item in state.lessons if item.lesson_id == lesson_id), None)


def _lesson_file(db: Session, media_id: str) -> MediaAsset | None:
    asset = db.get(MediaAsset, media_id)
    if asset is None or asset.purpose != "attachment":
        return None
    return asset


def _file_view(db: Session, slug: str, lesson: LessonContent) -> FileView | None:
    asset = _lesson_file(db, lesson.media_id or "")
    if asset is None:
        return None
    url = f"{views.lesson_url(slug, lesson.id)}/download" if asset.status == READY else None
    return FileView(filename=asset.filename or "Lesson file", size_bytes=asset.size_bytes, url=url)


def course_promo(rt: Runtime, course: CourseDetail) -> dict[str, Any] | None:
    """The landing page's preview video; None without a ready one.

    A warm landing page runs no SQL, so the answer is cached per course
    version (choosing or removing the promo bumps it) for a short while (a
    promo whose transcoding finishes shows within that while). The cached
    URL is shared by every visitor, which is fine for a public promo, and
    has most of its life left; the player renews it before it lapses.
    """
    if course.status != "published":
        return None
    key = course_key(rt, course.id, "promo")
    ttl = min(PROMO_CACHE_SECONDS, rt.settings.playback_url_ttl_seconds // 4)
    cached = rt.cache.get(key) if ttl > 0 else None
    if cached is None:
        with rt.db.read_connection() as conn, Session(bind=conn) as session:
            found = playback.promo_playback(session, rt, course.id)
        cached = orjson.dumps(playback_json(found) if found else None)
        if ttl > 0:
            rt.cache.set(key, cached, ttl)
    data = orjson.loads(cached)
    if not data:
        return None
    return {"playback": data, "playback_url": _promo_url(course.slug)}


def _promo_url(slug: str) -> str:
    # The public API answers anyone, so the page renews through it.
    return f"/api/v1/courses/{quote(slug)}/promo/playback"


# ----------------------------------------------------------------- position


class PositionIn(StrictModel):
    """Where the student is in the lesson's video; `completed` when it played to the end."""

    position_seconds: int = Field(ge=0, le=MAX_POSITION_SECONDS)
    completed: bool | None = None


async def position_body(request: Request) -> PositionIn:
    """The report as JSON (fetch) or as a form (a beacon sent while the page closes)."""
    data: Any
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            data = orjson.loads(await request.body())
        except orjson.JSONDecodeError:
            data = None
        if not isinstance(data, dict):
            raise RequestValidationError(
                [{"loc": ("body",), "msg": "Send a JSON object.", "type": "json_invalid"}]
            )
        strict = True
    else:
        form = await request.form()
        data = {
            name: value
            for name in ("position_seconds", "completed")
            if isinstance(value := form.get(name), str) and value
        }
        strict = False
    try:
        return PositionIn.model_validate(data, strict=strict)
    except ValidationError as exc:
        raise RequestValidationError(exc.errors(include_url=False)) from None


PositionBody = Annotated[PositionIn, Depends(position_body)]


@router.post("/learn/{slug}/lessons/{lesson_id}/position", dependencies=[CsrfChecked])
def save_position(
    slug: Slug, lesson_id: LessonId, body: PositionBody, db: WebDb, actor: WebActor
) -> JSONResponse:
    """As `PUT /api/v1/lessons/{id}/progress`: the furthest position is kept; a video completes
    at `video_complete_percent` of its length or when it played to the end."""
    saved = progress.record_progress(
        db,
        get_runtime(),
        actor,
        lesson_id,
        position_seconds=body.position_seconds,
        completed=body.completed,
    )
    state = saved.lessons[0]
    return JSONResponse(
        {"position_seconds": state.position_seconds, "completed": state.completed},
        headers=NO_STORE,
    )


# ----------------------------------------------------------------- playback


@router.get("/learn/{slug}/lessons/{lesson_id}/playback")
def lesson_playback_url(
    slug: Slug, lesson_id: LessonId, db: WebDb, actor: OptionalWebActor
) -> JSONResponse:
    """A fresh signed stream URL for the player (same rules as the API's playback)."""
    found = playback.lesson_playback(db, get_runtime(), actor, lesson_id)
    return JSONResponse(playback_json(found), headers=NO_STORE)


# ----------------------------------------------------------------- download


@router.get("/learn/{slug}/lessons/{lesson_id}/download")
def download_file(slug: Slug, lesson_id: LessonId, db: WebDb, actor: WebActor) -> Response:
    """303 to a freshly signed storage URL that downloads the lesson's file under its name."""
    rt = get_runtime()
    content = course_content(db, rt, actor, slug)  # 403 not_enrolled, 404
    lesson = views.find_lesson(content, lesson_id)
    # A drip-locked lesson comes without its media id, so it has nothing to download.
    if lesson is None or lesson.kind != "attachment" or not lesson.media_id:
        raise LessonNotFound("This lesson has no file to download.")
    asset = _lesson_file(db, lesson.media_id)
    if asset is None:
        raise LessonNotFound("This lesson has no file to download.")
    return RedirectResponse(assets.download_url(rt, asset), status_code=303, headers=NO_STORE)


__all__ = [
    "FileView",
    "PositionIn",
    "VideoView",
    "course_promo",
    "lesson_media",
    "playback_json",
    "router",
]
