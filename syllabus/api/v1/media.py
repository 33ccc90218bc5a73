"""Media API: uploads (single-shot and resumable), the owner's assets, lesson media.

Resumable uploads follow a tus-like protocol on our own paths:

    POST   /media/uploads        {purpose, filename, size}  -> 201 {id, offset: 0, chunk_bytes, ...}
    PATCH  /media/uploads/{id}   Upload-Offset: n, Content-Type: application/offset+octet-stream,
                                 body = the next bytes (at most chunk_bytes)  -> 200 {offset, ...}
    GET    /media/uploads/{id}   (or HEAD) the offset to resume from, also as `Upload-Offset`
    DELETE /media/uploads/{id}   cancel; the chunks are deleted

The chunk that completes the file turns it into an asset (`media_id`).
Another user's assets and uploads are 404.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, BinaryIO, cast

import anyio.from_thread
from fastapi import APIRouter, File, Form, Header, Query, Request, Response, UploadFile
from starlette.concurrency import run_in_threadpool

from syllabus.api.deps import CurrentActor, CurrentRuntime, DbSession, Pagination
from syllabus.api.errors import problems
from syllabus.catalog.content import LessonOut, lesson_out
from syllabus.kit.pagination import Page
from syllabus.media import assets, resumable, uploads
from syllabus.media.errors import UnsupportedMedia
from syllabus.media.resumable import UploadState
from syllabus.media.schemas import AttachMediaIn, MediaOut, Purpose, UploadOut, UploadStart

router = APIRouter(tags=["media"])

CHUNK_CONTENT_TYPE = "application/offset+octet-stream"


def _upload_out(state: UploadState) -> UploadOut:
    return UploadOut(
        id=state.id,
        purpose=state.purpose,
        filename=state.filename,
        size=state.total_bytes,
        offset=state.received_bytes,
        status=state.status,
        media_id=state.media_id,
        chunk_bytes=state.chunk_bytes,
    )


def _offset_header(response: Response, state: UploadState) -> None:
    response.headers["Upload-Offset"] = str(state.received_bytes)
    response.headers["Cache-Control"] = "no-store"


# ------------------------------------------------------------------- assets


@router.post(
    "/media",
    status_code=201,
    response_model=MediaOut,
    responses=problems(
        s403="not_instructor",
        s413="payload_too_large",
        s415="unsupported_media_type",
        s422="empty_file",
    ),
)
def upload_media(
    file: Annotated[UploadFile, File(description="The file; its type is read from its bytes.")],
    purpose: Annotated[Purpose, Form()],
    db: DbSession,
    rt: CurrentRuntime,
    actor: CurrentActor,
) -> MediaOut:
    """One file in one request. Videos answer `uploaded` and are transcoded in the background."""
    asset = uploads.store_upload(
        db, rt, actor, purpose=purpose, filename=file.filename or "", stream=file.file
    )
    return assets.media_out(rt, asset)


@router.get("/media", response_model=Page[MediaOut])
def list_media(
    db: DbSession,
    rt: CurrentRuntime,
    actor: CurrentActor,
    page: Pagination,
    purpose: Annotated[Purpose | None, Query()] = None,
) -> Page[MediaOut]:
    """The caller's own assets, newest first."""
    return assets.list_assets(db, rt, actor, page, purpose=purpose)


@router.get(
    "/media/{media_id}", response_model=MediaOut, responses=problems(s404="media_not_found")
)
def get_media(media_id: str, db: DbSession, rt: CurrentRuntime, actor: CurrentActor) -> MediaOut:
    """Status, duration and renditions; poll it while a video is processing."""
    return assets.media_out(rt, assets.owned_asset(db, actor, media_id))


@router.post(
    "/lessons/{lesson_id}/media",
    response_model=LessonOut,
    responses=problems(
        s403="not_course_owner",
        s404="lesson_not_found",
        s409="wrong_media_purpose",
    ),
)
def attach_media(
    lesson_id: str, body: AttachMediaIn, db: DbSession, rt: CurrentRuntime, actor: CurrentActor
) -> LessonOut:
    """Show an asset in a lesson (`media_id: null` removes it); a ready video sets its duration."""
    return lesson_out(assets.attach_to_lesson(db, rt, actor, lesson_id, body.media_id))


# ------------------------------------------------------------------- resumable uploads


@router.post(
    "/media/uploads",
    status_code=201,
    response_model=UploadOut,
    responses=problems(s403="not_instructor", s413="payload_too_large", s422="empty_file"),
)
def start_upload(
    body: UploadStart, response: Response, db: DbSession, rt: CurrentRuntime, actor: CurrentActor
) -> UploadOut:
    """Announce a file; its size is checked against the purpose's cap at once."""
    state = resumable.start_upload(
        db, rt, actor, purpose=body.purpose, filename=body.filename, total_bytes=body.size
    )
    _offset_header(response, state)
    response.headers["Location"] = f"/api/v1/media/uploads/{state.id}"
    return _upload_out(state)


@router.get(
    "/media/uploads/{upload_id}",
    response_model=UploadOut,
    responses=problems(s404="upload_not_found"),
)
def get_upload(upload_id: str, response: Response, db: DbSession, actor: CurrentActor) -> UploadOut:
    """Where the upload stands: resume with the chunk starting at `offset`."""
    state = resumable.upload_state(db, actor, upload_id)
    _offset_header(response, state)
    return _upload_out(state)


@router.head("/media/uploads/{upload_id}", responses=problems(s404="upload_not_found"))
def head_upload(upload_id: str, db: DbSession, actor: CurrentActor) -> Response:
    response = Response(status_code=200)
    _offset_header(response, resumable.upload_state(db, actor, upload_id))
    return response


@router.patch(
    "/media/uploads/{upload_id}",
    response_model=UploadOut,
    responses=problems(
        s404="upload_not_found",
        s409="offset_mismatch",
        s413="payload_too_large",
        s415="unsupported_media_type",
        s422="chunk_past_end",
    ),
)
async def append_chunk(
    upload_id: str,
    request: Request,
    response: Response,
    rt: CurrentRuntime,
    actor: CurrentActor,
    upload_offset: Annotated[int, Header(ge=0, le=2**62)],
) -> UploadOut:
    """The next bytes of the file, starting at `Upload-Offset`; 409 tells the right offset."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != CHUNK_CONTENT_TYPE:
        raise UnsupportedMedia(f"Send chunks as {CHUNK_CONTENT_TYPE}.")
    body = cast(BinaryIO, _BlockingBody(request.stream()))
    # The service blocks (storage, database): it runs in a worker thread and pulls
    # the body from this event loop as it goes, so a chunk never sits in memory whole.
    state = await run_in_threadpool(
        resumable.append_chunk, rt, actor, upload_id, offset=upload_offset, stream=body
    )
    _offset_header(response, state)
    return _upload_out(state)


@router.delete(
    "/media/uploads/{upload_id}",
    status_code=204,
    response_class=Response,
    responses=problems(s404="upload_not_found", s409="upload_closed"),
)
def abort_upload(
    upload_id: str, db: DbSession, rt: CurrentRuntime, actor: CurrentActor
) -> Response:
    """Cancel an open upload; its chunks are deleted."""
    resumable.abort_upload(db, rt, actor, upload_id)
    return Response(status_code=204)


class _BlockingBody:
    """A request body read from a worker thread, one network chunk at a time."""

    def __init__(self, chunks: AsyncIterator[bytes]) -> None:
        self._chunks = chunks
        self._buffer = bytearray()
        self._done = False

    async def _next(self) -> bytes:
        return await self._chunks.__anext__()

    def _pull(self) -> bool:
        try:
            chunk = anyio.from_thread.run(self._next)
        except StopAsyncIteration:
            self._done = True
            return False
        self._buffer += chunk
        return True

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            while not self._buffer and not self._done and self._pull():
                pass
            size = len(self._buffer)
        while len(self._buffer) < size and not self._done and self._pull():
            pass
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        return data
