"""One-click unsubscribe pages: the link in an email's footer and its `List-Unsubscribe` target.

GET shows what the link stops and a confirm button (a link scanner that
fetches the page changes nothing). POST unsubscribes and is also the
RFC 8058 one-click endpoint that mail clients call with a
`List-Unsubscribe=One-Click` body and no cookies, so it takes no CSRF
token and needs no sign-in: the signed token in the path is the only
authority. A token that does not verify is a 404 page.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response

from syllabus.kit.runtime import get_runtime
from syllabus.notifications import unsubscribe
from syllabus.web.deps import WebDb
from syllabus.web.pages import render_page

router = APIRouter(include_in_schema=False)

PAGES = "pages/unsubscribe/"
Token = Annotated[str, Path(min_length=1, max_length=unsubscribe.TOKEN_MAX)]


@router.get("/unsubscribe/{token}", response_class=HTMLResponse)
def confirm_page(request: Request, token: Token, db: WebDb) -> Response:
    subscription = unsubscribe.read_token(db, get_runtime().settings, token)
    context = {"token": token, "label": subscription.label}
    return render_page(request, PAGES + "confirm.html", context)


@router.post("/unsubscribe/{token}", response_class=HTMLResponse)
def unsubscribe_now(request: Request, token: Token, db: WebDb) -> Response:
    subscription = unsubscribe.unsubscribe(db, get_runtime().settings, token)
    return render_page(request, PAGES + "done.html", {"label": subscription.label})
