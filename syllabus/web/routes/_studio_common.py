"""What the studio and admin review pages share: rendering, form reading, role checks, options."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from syllabus.accounts.actor import Actor
from syllabus.kit.errors import AppError, Forbidden
from syllabus.kit.pagination import PageParams, page_params
from syllabus.web.flashes import pending_flashes
from syllabus.web.templating import render

STUDIO = "pages/studio/"
ADMIN = "pages/admin/"

LEVELS = [
    ("all", "All levels"),
    ("beginner", "Beginner"),
    ("intermediate", "Intermediate"),
    ("expert", "Expert"),
]
LANGUAGES = [
    ("en", "English"),
    ("es", "Spanish"),
    ("fr", "French"),
    ("de", "German"),
    ("it", "Italian"),
    ("pt", "Portuguese"),
    ("pt-BR", "Portuguese (Brazil)"),
    ("nl", "Dutch"),
    ("pl", "Polish"),
    ("tr", "Turkish"),
    ("ru", "Russian"),
    ("ar", "Arabic"),
    ("hi", "Hindi"),
    ("ja", "Japanese"),
    ("ko", "Korean"),
    ("zh", "Chinese"),
]

PageQuery = Annotated[PageParams, Depends(page_params)]


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
    return RedirectResponse(url, status_code=303)


def form_text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def form_fields(form: FormData, *names: str) -> dict[str, str]:
    """The named text fields of the form ('' when absent)."""
    return {name: form_text(form, name) for name in names}


def nonblank_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def undo_refused(db: Session, exc: AppError) -> None:
    """Forget a refused attempt's writes before the page is rendered again."""
    if not exc.keeps_changes:
        db.rollback()


def not_instructor_page(request: Request) -> HTMLResponse:
    return render_page(request, STUDIO + "not_instructor.html", status_code=403)


def require_instructor(actor: Actor) -> None:
    if not actor.is_instructor:
        raise Forbidden(
            "Only instructors can build courses. Apply to teach from the Teach page.",
            code="not_instructor",
        )
