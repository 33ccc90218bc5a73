"""Stored files as HTTP responses: whole or by byte range, streamed without blocking the loop.

Shared by the signed media route and the HLS stream route. Video players
seek with Range requests, so both must answer 206 and 416 correctly.
"""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator
from typing import BinaryIO

from fastapi import Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

READ_CHUNK = 256 * 1024
_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


class Unsatisfiable(Exception):
    """The Range header is valid but lies wholly outside the file."""


def problem(
    status: int, title: str, detail: str, code: str, headers: dict[str, str] | None = None
) -> Response:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, "code": code}
    return JSONResponse(body, status, headers=headers, media_type="application/problem+json")


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """(first, last) inclusive, or None to ignore the header; may raise Unsatisfiable.

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
            raise Unsatisfiable
        return max(size - length, 0), size - 1
    first = int(first_text)
    last = int(last_text) if last_text else size - 1
    if last_text and last < first:
        return None
    if first >= size:
        raise Unsatisfiable
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


def ranged_file(
    request: Request, handle: BinaryIO, content_type: str, headers: dict[str, str]
) -> Response:
    """200 with the whole file, 206 with the requested range, or 416; closes `handle`."""
    size = os.fstat(handle.fileno()).st_size
    try:
        byte_range = parse_range(request.headers.get("range", ""), size)
    except Unsatisfiable:
        handle.close()
        detail = f"The requested range lies outside the {size}-byte file."
        refusal = {"Content-Range": f"bytes */{size}"}
        return problem(416, "Range Not Satisfiable", detail, "range_not_satisfiable", refusal)
    status, start, length = 200, 0, size
    headers = {**headers, "Accept-Ranges": "bytes"}
    if byte_range is not None:
        first, last = byte_range
        status, start, length = 206, first, last - first + 1
        headers["Content-Range"] = f"bytes {first}-{last}/{size}"
    headers["Content-Length"] = str(length)
    return StreamingResponse(
        _stream(handle, start, length), status_code=status, media_type=content_type, headers=headers
    )
