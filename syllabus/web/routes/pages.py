"""Site pages that are not part of a feature area: the home page."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from syllabus.web.deps import OptionalWebActor
from syllabus.web.flashes import pending_flashes
from syllabus.web.templating import render

router = APIRouter()


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def home(request: Request, _actor: OptionalWebActor) -> HTMLResponse:
    # Resolving the actor fills the account menu (and renews an expired access cookie).
    return render(request, "pages/home.html", {"flashes": pending_flashes(request)})
