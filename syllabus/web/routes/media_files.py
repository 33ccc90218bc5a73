"""Serves local media files behind signed, expiring URLs.

The signature in the URL is the authorisation, so this route needs no session
and no database. Range requests are honoured because video players seek with
them. S3 deployments never reach this route: their URLs point at the bucket.
"""

from __future__ import annotations

import time

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from syllabus.kit.storage import LocalStorage, StorageNotFound, content_disposition
from syllabus.web.file_responses import problem, ranged_file

router = APIRouter()

# Types a browser would run as a page; always downloaded, never rendered inline.
_ACTIVE_TYPES = (
    "text/html",
    "application/xhtml+xml",
    "image/svg+xml",
    "text/xml",
    "application/xml",
)


@router.get("/media/{key:path}", include_in_schema=False)
async def media_file(
    request: Request, key: str, exp: str = "", sig: str = "", dl: str | None = None
) -> Response:
    storage = getattr(request.app.state, "storage", None)
    if not isinstance(storage, LocalStorage):
        return problem(404, "Not Found", "No such media file.", "not_found")
    if not storage.verify(key, exp, sig, dl):
        detail = "The media link is invalid or has expired."
        return problem(403, "Forbidden", detail, "invalid_signature")
    try:
        handle = await run_in_threadpool(storage.open, key)
    except StorageNotFound:
        return problem(404, "Not Found", "No such media file.", "not_found")

    content_type = await run_in_threadpool(storage.content_type, key)
    headers = {
        "Cache-Control": f"private, max-age={max(int(exp) - int(time.time()), 0)}",
        "X-Content-Type-Options": "nosniff",
    }
    if dl:
        headers["Content-Disposition"] = content_disposition(dl)
    elif content_type.split(";")[0].strip().lower() in _ACTIVE_TYPES:
        headers["Content-Disposition"] = content_disposition(key.rsplit("/", 1)[-1])
    return ranged_file(request, handle, content_type, headers)
