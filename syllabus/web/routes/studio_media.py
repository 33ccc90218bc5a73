"""The studio's media: resumable uploads from the browser, attaching them, and their live state.

uploader.js sends a file in chunks to `/studio/uploads` (cookie sign-in, CSRF
header): POST announces the file, PATCH appends a chunk at `Upload-Offset`,
HEAD/GET say where the upload stands so a dropped connection resumes there,
DELETE cancels. These answer JSON (a refusal is problem+json with a `detail`
the page shows). The finished asset is attached to the lesson or the course
promo with a form post that answers the new media panel for htmx, or
redirects back. Without JavaScript the same panel posts the whole file
(`.../media/upload`). The state fragment polls itself while the video waits
for or is in transcoding.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

import anyio.from_thread
from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.requests import ClientDisconnect

from syllabus.accounts.actor import Actor
from syllabus.catalog import authoring
from syllabus.catalog.models import Course, Lesson
from syllabus.kit.errors import AppError, InvalidInput
from syllabus.kit.runtime import get_runtime
from syllabus.media import assets, resumable, uploads
from syllabus.media.errors import OffsetMismatch
from syllabus.media.models import MediaAsset
from syllabus.media.resumable import UploadState
from syllabus.media.schemas import UploadStart
from syllabus.web.deps import CsrfChecked, WebActor, WebDb, WebForm, flash
from syllabus.web.flashes import register_flashes
from syllabus.web.pages import render_page, see_other, undo_refused
from syllabus.web.routes._studio_common import STUDIO, form_text, require_instructor
from syllabus.web.templating import is_htmx, render

router = APIRouter(include_in_schema=False)

PANEL_TEMPLATE = STUDIO + "_lesson_media.html"
STATE_TEMPLATE = STUDIO + "_media_state.html"
CHUNK_CONTENT_TYPE = "application/offset+octet-stream"
OFFSET_HEADER = "Upload-Offset"
PROBLEM_JSON = "application/problem+json"
NO_STORE = {"Cache-Control": "no-store"}

UploadId = Annotated[str, Path(min_length=1, max_length=64)]

register_flashes(
    {
        "studio_media_attached": (
            "success",
            "The file is uploaded. A video is converted for streaming in the background; "
            "its progress shows below.",
        ),
        "studio_media_removed": ("info", "The media was removed from the lesson."),
        "studio_media_promo_attached": (
            "success",
            "The promo video is uploaded. It is converted for streaming in the background.",
        ),
        "studio_media_promo_removed": ("info", "The promo video was removed from the course."),
    }
)


# ------------------------------------------------------------------- panels


def _attached(db: Session, media_id: str | None) -> MediaAsset | None:
    # The lesson or course was checked as the actor's already; its asset comes with it.
    return db.get(MediaAsset, media_id) if media_id else None


def _panel(db: Session, media_id: str | None, purpose: str, base: dict[str, Any]) -> dict[str, Any]:
    rt = get_runtime()
    asset = _attached(db, media_id)
    media = assets.media_out(rt, asset) if asset is not None else None
    limit = uploads.size_limit(rt.settings, purpose)
    is_video = purpose != "attachment"
    panel: dict[str, Any] = {
        "purpose": purpose,
        "media": media,
        "download_url": media.download_url if media else None,
        "max_bytes": limit,
        "max_label": uploads.human_size(limit),
        "accept": "video/*" if is_video else "",
        "label": "Choose a video file" if is_video else "Choose a file",
        "hint": (
            f"MP4, MOV, M4V, WebM, MKV, AVI or MPEG-TS, up to {uploads.human_size(limit)}. "
            "Large files upload in parts and pick up where they stopped if the connection drops."
            if is_video
            else "PDF, ZIP (also DOCX, XLSX, PPTX, EPUB), pictures, MP3 or plain text, up to "
            f"{uploads.human_size(limit)}. Students download it under its file name."
        ),
        "error": None,
    }
    panel.update(base)
    return panel


def lesson_media_panel(db: Session, lesson: Lesson, **extra: Any) -> dict[str, Any] | None:
    """The lesson editor's media panel; None for lessons without media (text, quiz, live)."""
    purpose = assets.LESSON_PURPOSE.get(lesson.kind)
    if purpose is None:
        return None
    is_video = purpose == "lesson_video"
    base = {
        "id": "lesson-media",
        "title": "Video" if is_video else "File to download",
        "heading_level": 3,
        "intro": (
            "Students watch it in the lesson. It is converted for streaming after the upload."
            if is_video
            else "Students download this file from the lesson."
        ),
        "empty_text": "No video yet." if is_video else "No file yet.",
        "remove_label": "Remove the video" if is_video else "Remove the file",
        "attach_url": f"/studio/lessons/{lesson.id}/media",
        "upload_url": f"/studio/lessons/{lesson.id}/media/upload",
        "scope": f"lesson:{lesson.id}",
    }
    return _panel(db, lesson.media_id, purpose, {**base, **extra})


def promo_media_panel(db: Session, course: Course, **extra: Any) -> dict[str, Any]:
    """The course page's promo video panel."""
    base = {
        "id": "promo-media",
        "title": "Promo video",
        "heading_level": 2,
        "intro": "A short trailer visitors can watch on the course page before they enroll.",
        "empty_text": "No promo video yet.",
        "remove_label": "Remove the promo video",
        "attach_url": f"/studio/courses/{course.id}/promo",
        "upload_url": f"/studio/courses/{course.id}/promo/upload",
        "scope": f"course:{course.id}",
    }
    return _panel(db, course.promo_media_id, "promo_video", {**base, **extra})


def _panel_response(request: Request, panel: dict[str, Any] | None) -> HTMLResponse:
    response = render(request, PANEL_TEMPLATE, {"panel": panel})
    response.headers.update(NO_STORE)
    return response


# ----------------------------------------------------------- JSON answers


def _state_response(state: UploadState, status: int = 200) -> JSONResponse:
    headers = {OFFSET_HEADER: str(state.received_bytes), **NO_STORE}
    return JSONResponse(asdict(state), status_code=status, headers=headers)


def _problem(exc: AppError, *, headers: dict[str, str] | None = None, **extra: Any) -> JSONResponse:
    """A refusal as problem+json whatever the request's Accept header said."""
    body = {
        "type": "about:blank",
        "title": exc.title,
        "status": exc.status,
        "detail": exc.message,
        "code": exc.code,
        **extra,
    }
    sent = {**exc.headers, **(headers or {}), **NO_STORE}
    return JSONResponse(body, status_code=exc.status, headers=sent, media_type=PROBLEM_JSON)


async def _raw_body(request: Request) -> bytes:
    return await request.body()


class _RequestBody:
    """The request body as a blocking stream for a worker thread.

    Each read pulls the next pieces from the event loop, so a chunk goes to
    storage as it arrives instead of being held in memory whole.
    """

    def __init__(self, request: Request) -> None:
        self._pieces = request.stream()
        self._buffer = bytearray()
        self._ended = False

    def read(self, size: int = -1) -> bytes:
        while not self._ended and (size < 0 or len(self._buffer) < size):
            try:
                self._buffer += anyio.from_thread.run(self._pieces.__anext__)
            except StopAsyncIteration:
                self._ended = True
        cut = len(self._buffer) if size < 0 else min(size, len(self._buffer))
        data = bytes(self._buffer[:cut])
        del self._buffer[:cut]
        return data


def _offset_of(request: Request) -> int:
    value = request.headers.get(OFFSET_HEADER, "")
    if not value.isdigit():
        raise InvalidInput(
            "Send the chunk's first byte position in the Upload-Offset header.",
            code="invalid_upload_offset",
        )
    return int(value)


# ------------------------------------------------------------ upload routes


@router.post("/studio/uploads", dependencies=[CsrfChecked])
def start_upload(raw: Annotated[bytes, Depends(_raw_body)], db: WebDb, actor: WebActor) -> Response:
    """Announce a file: JSON {purpose, filename, size} -> 201 and the upload's state."""
    try:
        require_instructor(actor)
        try:
            body = UploadStart.model_validate_json(raw)
        except ValidationError:
            raise InvalidInput(
                "Send {purpose, filename, size} as JSON; size is the file's length in bytes."
            ) from None
        state = resumable.start_upload(
            db,
            get_runtime(),
            actor,
            purpose=body.purpose,
            filename=body.filename,
            total_bytes=body.size,
        )
    except AppError as exc:
        undo_refused(db, exc)
        return _problem(exc)
    return _state_response(state, 201)


@router.api_route("/studio/uploads/{upload_id}", methods=["GET", "HEAD"])
def upload_state(upload_id: UploadId, db: WebDb, actor: WebActor) -> Response:
    """Where the upload stands: the JSON state, and the offset in `Upload-Offset`."""
    try:
        state = resumable.upload_state(db, actor, upload_id)
    except AppError as exc:
        return _problem(exc)
    return _state_response(state)


@router.patch("/studio/uploads/{upload_id}", dependencies=[CsrfChecked])
async def append_chunk(request: Request, upload_id: UploadId, actor: WebActor) -> Response:
    """One chunk, streamed from the request body to storage; the last one makes the asset."""
    rt = get_runtime()
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        if content_type != CHUNK_CONTENT_TYPE:
            raise AppError(
                f"Send chunks as {CHUNK_CONTENT_TYPE}.", code="unsupported_media_type", status=415
            )
        offset = _offset_of(request)
        state = await run_in_threadpool(
            resumable.append_chunk,
            rt,
            actor,
            upload_id,
            offset=offset,
            stream=_RequestBody(request),
        )
    except OffsetMismatch as exc:
        # The client resumes from the server's offset; give it as a number too.
        known = exc.headers.get(OFFSET_HEADER, "")
        if known.isdigit():
            return _problem(exc, offset=int(known))
        current = await run_in_threadpool(_current_offset, actor, upload_id)
        return _problem(exc, offset=current, headers={OFFSET_HEADER: str(current)})
    except AppError as exc:
        return _problem(exc)
    except ClientDisconnect:
        # The connection dropped mid-chunk; nothing of it was kept and nobody reads this.
        return Response(status_code=400)
    return _state_response(state)


def _current_offset(actor: Actor, upload_id: str) -> int:
    with get_runtime().db.session_scope() as session:
        return resumable.upload_state(session, actor, upload_id).received_bytes


@router.delete("/studio/uploads/{upload_id}", dependencies=[CsrfChecked])
def cancel_upload(upload_id: UploadId, db: WebDb, actor: WebActor) -> Response:
    try:
        resumable.abort_upload(db, get_runtime(), actor, upload_id)
    except AppError as exc:
        undo_refused(db, exc)
        return _problem(exc)
    return Response(status_code=204)


# -------------------------------------------------------- the state fragment


@router.get("/studio/media/{media_id}/status", response_class=HTMLResponse)
def media_status(request: Request, media_id: UploadId, db: WebDb, actor: WebActor) -> Response:
    """The asset's state; polls itself again while it is not ready or failed."""
    media = assets.media_out(get_runtime(), assets.owned_asset(db, actor, media_id))
    response = render(request, STATE_TEMPLATE, {"media": media, "download_url": media.download_url})
    response.headers.update(NO_STORE)
    return response


# ------------------------------------------------------ lesson media, promo


def _chosen_media(form: FormData) -> str | None:
    """The asset to attach, or None for the Remove button."""
    if form.get("remove") is not None:
        return None
    media_id = form_text(form, "media_id").strip()
    if not media_id or len(media_id) > 64:
        raise InvalidInput("Choose a file to attach.", code="media_id_missing")
    return media_id


@router.post("/studio/lessons/{lesson_id}/media", dependencies=[CsrfChecked])
def attach_lesson_media(
    request: Request, lesson_id: UploadId, form: WebForm, db: WebDb, actor: WebActor
) -> Response:
    require_instructor(actor)
    media_id = _chosen_media(form)
    lesson = assets.attach_to_lesson(db, get_runtime(), actor, lesson_id, media_id)
    if is_htmx(request):
        return _panel_response(request, lesson_media_panel(db, lesson))
    flash(request, "studio_media_attached" if media_id else "studio_media_removed")
    return see_other(f"/studio/lessons/{lesson.id}#lesson-media")


@router.post("/studio/courses/{course_id}/promo", dependencies=[CsrfChecked])
def attach_promo(
    request: Request, course_id: UploadId, form: WebForm, db: WebDb, actor: WebActor
) -> Response:
    require_instructor(actor)
    media_id = _chosen_media(form)
    course = assets.set_course_promo(db, get_runtime(), actor, course_id, media_id)
    if is_htmx(request):
        return _panel_response(request, promo_media_panel(db, course))
    flash(request, "studio_media_promo_attached" if media_id else "studio_media_promo_removed")
    return see_other(f"/studio/courses/{course.id}#promo-media")


def _store_posted_file(db: Session, actor: Actor, form: FormData, purpose: str) -> MediaAsset:
    posted = form.get("file")
    if not isinstance(posted, UploadFile) or not posted.filename:
        raise InvalidInput("Choose a file to upload.", code="file_missing")
    return uploads.store_upload(
        db, get_runtime(), actor, purpose=purpose, filename=posted.filename, stream=posted.file
    )


@router.post("/studio/lessons/{lesson_id}/media/upload", dependencies=[CsrfChecked])
def upload_lesson_media(
    request: Request, lesson_id: UploadId, form: WebForm, db: WebDb, actor: WebActor
) -> Response:
    """The uploader without JavaScript: the whole file in one multipart post."""
    require_instructor(actor)
    lesson, _course = authoring.owned_lesson(db, actor, lesson_id, for_update=False)
    try:
        purpose = assets.LESSON_PURPOSE.get(lesson.kind)
        if purpose is None:
            raise InvalidInput("This kind of lesson has no media.", code="lesson_has_no_media")
        asset = _store_posted_file(db, actor, form, purpose)
        assets.attach_to_lesson(db, get_runtime(), actor, lesson.id, asset.id)
    except AppError as exc:
        undo_refused(db, exc)
        # Imported here: the lesson editor imports this module for its panel.
        from syllabus.web.routes.studio_curriculum import _lesson_context

        lesson, _course = authoring.owned_lesson(db, actor, lesson_id, for_update=False)
        panel = lesson_media_panel(db, lesson, error=exc.message)
        context = _lesson_context(db, actor, lesson_id, lesson_media=panel)
        return render_page(request, STUDIO + "lesson.html", context, exc.status)
    flash(request, "studio_media_attached")
    return see_other(f"/studio/lessons/{lesson.id}#lesson-media")


@router.post("/studio/courses/{course_id}/promo/upload", dependencies=[CsrfChecked])
def upload_promo(
    request: Request, course_id: UploadId, form: WebForm, db: WebDb, actor: WebActor
) -> Response:
    """The promo uploader without JavaScript."""
    require_instructor(actor)
    course = authoring.owned_course(db, actor, course_id)
    try:
        asset = _store_posted_file(db, actor, form, "promo_video")
        assets.set_course_promo(db, get_runtime(), actor, course.id, asset.id)
    except AppError as exc:
        undo_refused(db, exc)
        # Imported here: the course editor imports this module for its panel.
        from syllabus.web.routes.studio import _editor_context

        course = authoring.owned_course(db, actor, course_id)
        panel = promo_media_panel(db, course, error=exc.message)
        context = _editor_context(db, course, promo_media=panel)
        return render_page(request, STUDIO + "course.html", context, exc.status)
    flash(request, "studio_media_promo_attached")
    return see_other(f"/studio/courses/{course.id}#promo-media")
