"""What the studio and admin review pages share: rendering, form reading, role checks, options."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from starlette.datastructures import FormData

from syllabus.accounts.actor import Actor
from syllabus.kit.errors import Forbidden
from syllabus.kit.pagination import PageParams, page_params
from syllabus.web.pages import render_page

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


def form_text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def form_fields(form: FormData, *names: str) -> dict[str, str]:
    """The named text fields of the form ('' when absent)."""
    return {name: form_text(form, name) for name in names}


def nonblank_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def not_instructor_page(request: Request) -> HTMLResponse:
    return render_page(request, STUDIO + "not_instructor.html", status_code=403)


def require_instructor(actor: Actor) -> None:
    if not actor.is_instructor:
        raise Forbidden(
            "Only instructors can build courses. Apply to teach from the Teach page.",
            code="not_instructor",
        )
