"""What every page route shares: rendering a full page with its pending flash,
post/redirect/get redirects, and forgetting a refused attempt's writes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from syllabus.kit.errors import AppError
from syllabus.web.flashes import pending_flashes
from syllabus.web.templating import render


def render_page(
    request: Request,
    name: str,
    context: Mapping[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """A whole page, with empty values and errors unless given and the pending flash."""
    merged: dict[str, Any] = {"values": {}, "errors": {}, "flashes": pending_flashes(request)}
    merged.update(context or {})
    return render(request, name, merged, status_code=status_code)


def see_other(url: str) -> RedirectResponse:
    """The redirect after a form post (post/redirect/get)."""
    return RedirectResponse(url, status_code=303)


def undo_refused(db: Session, exc: AppError) -> None:
    """Forget a refused attempt's writes before the page is rendered again."""
    if not exc.keeps_changes:
        db.rollback()
