"""Serves local media files behind signed, expiring URLs.

The signature in the URL is the authorisation, so this route needs no session
and no database. Range requests are honoured because video players seek with
them. S3 deployments never reach this route: their URLs point at the bucket.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import AsyncIterator
from typing import BinaryIO

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from syllabus.kit.storage import LocalStorage, StorageNotFound, content_disposition

router = APIRouter()

READ_CHUNK = 256 * 1024
_RANGE = re.compile(r"bytes=(\d*)-(\d*)")
# Types a browser would run as a page; always downloaded, never rendered inline.
_ACTIVE_TYPES = (
    "text/html",
    "application/xhtml+xml",
    "image/svg+xml",
    "text/xml",
    "application/xml",
)


class _Unsatisfiable(Exception):
    """The Range header is valid but lies wholly outside the file."""


def _problem(
    status: int, title: str, detail: str, code: str, headers: dict[str, str] | None = None
) -> Response:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, "code": code}
    return JSONResponse(body, status, headers=headers, media_type="application/problem+json")


def _parse_range(header: str, size: int) -> tuple[int, int] | None:
    """(first, last) inclusive, or None to ignore the header; may raise _Unsatisfiable.

    Multiple ranges and malformed headers are ignored (RFC 9110 allows it),
    so the client simply gets the whole file.
    """
    match = _RANGE.fullmatch(header.strip())
    if not match or match.groups() == ("", ""):
        return None
    first_text, last_text = match.groups()
    if not first_text:  # suffix range: the last n bytes
        length = int(last_text)
        if not length or not size:
            raise _Unsatisfiable
        return max(size - length, 0), size - 1
    first = int(first_text)
    last = int(last_text) if last_text else size - 1
    if last_text and last < first:
        return None
    if first >= size:
        raise _Unsatisfiable
    return first, min(last, size - 1)


async def _stream(handle: BinaryIO, start: int, length: int) -> AsyncIterator[bytes]:
    """Yield `length` bytes from `start`, reading in a thread so the loop stays free."""
    try:
        await run_in_threadpool(handle.seek, start)
        while length > 0:
            chunk = await run_in_threadpool(handle.read, min(READ_CHUNK, length))
            if not chunk:
                break
            length -= len(chunk)
            yield chunk
    finally:
        handle.close()


@router.get("/media/{key:path}", include_in_schema=False)
async def media_file(
    request: Request, key: str, exp: str = "", sig: str = "", dl: str | None = None
) -> Response:
    storage = getattr(request.app.state, "storage", None)
    if not isinstance(storage, LocalStorage):
        return _problem(404, "Not Found", "No such media file.", "not_found")
    if not storage.verify(key, exp, sig, dl):
        detail = "The media link is invalid or has expired."
        return _problem(403, "Forbidden", detail, "invalid_signature")
    try:
        handle = await run_in_threadpool(storage.open, key)
    except StorageNotFound:
        return _problem(404, "Not Found", "No such media file.", "not_found")

    size = os.fstat(handle.fileno()).st_size
    content_type = await run_in_threadpool(storage.content_type, key)
    headers = {
        "Accept-Ranges": "bytes",
        "Cache-Control": f"private, max-age={max(int(exp) - int(time.time()), 0)}",
        "X-Content-Type-Options": "nosniff",
    }
    if dl:
        headers["Content-Disposition"] = content_disposition(dl)
    elif content_type.split(";")[0].strip().lower() in _ACTIVE_TYPES:
        headers["Content-Disposition"] = content_disposition(key.rsplit("/", 1)[-1])

    try:
        byte_range = _parse_range(request.headers.get("range", ""), size)
    except _Unsatisfiable:
        handle.close()
        detail = f"The requested range lies outside the {size}-byte file."
        headers = {"Content-Range": f"bytes */{size}"}
        return _problem(416, "Range Not Satisfiable", detail, "range_not_satisfiable", headers)
    status, start, length = 200, 0, size
    if byte_range is not None:
        first, last = byte_range
        status, start, length = 206, first, last - first + 1
        headers["Content-Range"] = f"bytes {first}-{last}/{size}"
    headers["Content-Length"] = str(length)
    return StreamingResponse(
        _stream(handle, start, length), status_code=status, media_type=content_type, headers=headers
    )
