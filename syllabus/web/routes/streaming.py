"""HLS playback files behind a signed token in the path: `/stream/<token>/<file>`.

The token is the authorisation (signature, expiry, which asset), so these
requests need no session, no CSRF token and no database query: a player
fetching a segment every few seconds costs one HMAC. Refusals are
problem+json whatever the client asked for, since players, not people,
read them.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from syllabus.kit.runtime import get_runtime
from syllabus.kit.storage import LocalStorage, Storage, StorageNotFound
from syllabus.media import stream
from syllabus.media.playback import STREAM_PATH, InvalidStreamToken, verify_stream_token
from syllabus.web.file_responses import problem, ranged_file

router = APIRouter()


def _not_found() -> Response:
    return problem(404, "Not Found", "No such stream file.", "not_found")


@router.get(STREAM_PATH + "/{token}/{path:path}", include_in_schema=False)
async def stream_file(request: Request, token: str, path: str) -> Response:
    rt = get_runtime()
    try:
        grant = verify_stream_token(rt, token)
        file = stream.resolve(grant, path)
    except InvalidStreamToken as exc:
        return problem(exc.status, exc.title, exc.message, exc.code)
    storage: Storage = request.app.state.storage
    headers = {"Cache-Control": stream.cache_control(grant), "X-Content-Type-Options": "nosniff"}

    if file.kind != "segment":
        try:
            body = await run_in_threadpool(stream.playlist_body, storage, grant, file)
        except StorageNotFound:
            return _not_found()
        return Response(body, media_type=file.content_type, headers=headers)

    if not isinstance(storage, LocalStorage):
        # Players read segment URLs from the rewritten playlist; a client that
        # resolved a relative one instead is sent to the bucket all the same.
        url = await run_in_threadpool(stream.presigned_url, storage, grant, file.key)
        return RedirectResponse(url, status_code=307, headers=headers)
    return await _local_segment(request, storage, file.key, headers)


async def _local_segment(
    request: Request, storage: LocalStorage, key: str, headers: dict[str, str]
) -> Response:
    """The segment's bytes, whole or the requested range (players and seeks use both)."""
    try:
        handle = await run_in_threadpool(storage.open, key)
    except StorageNotFound:
        return _not_found()
    return ranged_file(request, handle, stream.SEGMENT_TYPE, headers)
