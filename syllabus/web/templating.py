"""Jinja2 templates for the server-rendered pages and the helpers that render them."""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

WEB_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = WEB_DIR / "templates"
STATIC_DIR = WEB_DIR / "static"
STATIC_PREFIX = "/static/"

SITE_NAME = "Syllabus"
TOAST_TARGET = "#toasts"
TOAST_TEMPLATE = "components/toast.html"
ERROR_TEMPLATE = "pages/error.html"

_static_versions: dict[str, str] = {}
_static_lock = threading.Lock()


def _static_version(relative: str) -> str | None:
    """Short hash of a static file's mtime and size, or None when it is missing."""
    candidate = (STATIC_DIR / relative).resolve()
    if not candidate.is_relative_to(STATIC_DIR) or not candidate.is_file():
        return None
    stat = candidate.stat()
    digest = hashlib.sha256(f"{stat.st_mtime_ns}:{stat.st_size}".encode()).hexdigest()
    return digest[:10]


def static_url(path: str) -> str:
    """URL of a file under the static folder with a cache-busting `?v=` query.

    `path` is relative to the static folder (`css/app.css`); a leading `/` or
    `/static/` is accepted too. The version is computed once per path; a missing
    file gets the plain URL and is looked up again next time.
    """
    relative = path.lstrip("/")
    if relative.startswith("static/"):
        relative = relative[len("static/") :]
    cached = _static_versions.get(relative)
    if cached is not None:
        return cached
    version = _static_version(relative)
    url = f"{STATIC_PREFIX}{relative}"
    if version is None:
        return url
    url = f"{url}?v={version}"
    with _static_lock:
        _static_versions[relative] = url
    return url


def clear_static_url_cache() -> None:
    """Forget the computed versions (for tests and development reloads)."""
    with _static_lock:
        _static_versions.clear()


class _CurrentYear:
    """The current year, read at render time: `{{ current_year }}` or `{{ current_year() }}`."""

    def __call__(self) -> int:
        return dt.datetime.now(dt.UTC).year

    def __int__(self) -> int:
        return self()

    def __str__(self) -> str:
        return str(self())

    def __repr__(self) -> str:
        return f"current_year({self()})"


current_year = _CurrentYear()

templates = Jinja2Templates(directory=TEMPLATES_DIR)
templates.env.autoescape = True
templates.env.trim_blocks = True
templates.env.lstrip_blocks = True
templates.env.globals.update(
    static_url=static_url,
    site_name=SITE_NAME,
    current_year=current_year,
)


def is_htmx(request: Request) -> bool:
    """True when htmx sent the request for a fragment (`HX-Request: true`).

    History-restore requests also carry `HX-Request` but want the full page.
    """
    headers = request.headers
    if headers.get("hx-history-restore-request", "").lower() == "true":
        return False
    return headers.get("hx-request", "").lower() == "true"


def _base_context(request: Request, context: Mapping[str, Any] | None) -> dict[str, Any]:
    merged: dict[str, Any] = {
        "request": request,
        "request_id": getattr(request.state, "request_id", None),
        "current_user": getattr(request.state, "user", None),
    }
    if context:
        merged.update(context)
    return merged


def render(
    request: Request,
    template_name: str,
    context: Mapping[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """Render a template with `request`, `request_id` and `current_user` in its context."""
    return templates.TemplateResponse(
        request,
        template_name,
        _base_context(request, context),
        status_code=status_code,
    )


def render_error(request: Request, status: int, title: str, detail: str) -> HTMLResponse:
    """The error page, or for an htmx request a toast appended to the toast area.

    The status code is kept either way; for htmx the response carries
    `HX-Retarget: #toasts` and `HX-Reswap: beforeend`, and the page script lets
    htmx swap such error responses in.
    """
    if is_htmx(request):
        response = render(
            request,
            TOAST_TEMPLATE,
            {"kind": "error", "title": title, "text": detail},
            status_code=status,
        )
        response.headers["HX-Retarget"] = TOAST_TARGET
        response.headers["HX-Reswap"] = "beforeend"
    else:
        response = render(
            request,
            ERROR_TEMPLATE,
            {"status": status, "title": title, "detail": detail},
            status_code=status,
        )
    response.headers.append("Vary", "HX-Request")
    return response


__all__ = [
    "SITE_NAME",
    "STATIC_DIR",
    "TEMPLATES_DIR",
    "clear_static_url_cache",
    "current_year",
    "is_htmx",
    "render",
    "render_error",
    "static_url",
    "templates",
]
