"""Site pages that are not part of a feature area: the home page."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from syllabus.catalog.public import home_sections
from syllabus.kit.runtime import get_runtime
from syllabus.web.deps import OptionalWebActor
from syllabus.web.flashes import pending_flashes
from syllabus.web.routes import catalog as _catalog_filters  # noqa: F401 - registers `money` & co.
from syllabus.web.templating import render

router = APIRouter()

HOME_ROWS = (
    ("featured", "Featured courses"),
    ("newest", "New and noteworthy"),
    ("top_rated", "Top rated"),
    ("popular", "Most popular"),
)


def _rows(sections: dict[str, Any]) -> list[dict[str, Any]]:
    """The home page's course rows; a row that only repeats courses shown above is left out."""
    shown: set[str] = set()
    rows = []
    for key, title in HOME_ROWS:
        courses = sections.get(key) or []
        ids = {course["id"] for course in courses}
        if not ids or ids <= shown:
            continue
        shown |= ids
        rows.append({"key": key, "title": title, "courses": courses})
    return rows


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def home(request: Request, _actor: OptionalWebActor) -> HTMLResponse:
    # Resolving the actor fills the account menu (and renews an expired access cookie).
    sections = home_sections(get_runtime(), None)
    return render(
        request,
        "pages/home.html",
        {
            "flashes": pending_flashes(request),
            "rows": _rows(sections),
            "categories": sections["categories"],
        },
    )
