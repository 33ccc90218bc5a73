"""Direct message pages: my conversations, one conversation with its reply form, and the
compose form a student opens from "Message the instructor" (an instructor with `student=`).

Everything works with plain forms (post/redirect/get). Opening a
conversation marks it read. A refused message (empty, too long, too many
too fast) shows the form again with the text kept.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from syllabus.accounts.actor import Actor
from syllabus.community import message_reads, messages
from syllabus.community.message_schemas import MAX_MESSAGE, MessageIn, ThreadStart
from syllabus.kit.pagination import PageParams
from syllabus.kit.ratelimit import RateLimited
from syllabus.kit.runtime import get_runtime
from syllabus.web.deps import CsrfChecked, WebActor, WebDb, WebForm, flash, validate_form
from syllabus.web.flashes import FLASHES, register_flashes
from syllabus.web.pages import render_page, see_other
from syllabus.web.templating import templates

router = APIRouter(include_in_schema=False)

TEMPLATES = "pages/messages/"
PAGE_SIZE = 20

ThreadId = Annotated[str, Path(min_length=1, max_length=36)]
PageNumber = Annotated[int, Query(ge=1, le=10_000)]
CourseParam = Annotated[str, Query(min_length=1, max_length=140)]
StudentParam = Annotated[str | None, Query(max_length=36)]
BeforeParam = Annotated[str | None, Query(max_length=36)]

register_flashes(
    {
        "messages_sent": ("success", "Your message was sent."),
        "messages_rate_limited": (
            "warning",
            "You are sending messages too fast. Wait a minute, then send this one again.",
        ),
    }
)


def message_time(value: datetime | None) -> str:
    """A message's moment as "21 Nov 2025, 14:05 UTC"; an empty string for None."""
    if value is None:
        return ""
    moment = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return f"{moment:%d %b %Y, %H:%M} UTC"


templates.env.filters.update(message_time=message_time)


def _flash_now(key: str) -> list[dict[str, str]]:
    """A registered message shown on the page being rendered (no redirect to carry it)."""
    kind, text = FLASHES[key]
    return [{"kind": kind, "text": text}]


# -------------------------------------------------------------------------- list


@router.get("/messages", response_class=HTMLResponse)
def inbox(request: Request, db: WebDb, actor: WebActor, page: PageNumber = 1) -> Response:
    threads = message_reads.list_threads(db, actor, PageParams(page=page, page_size=PAGE_SIZE))
    return render_page(request, TEMPLATES + "inbox.html", {"threads": threads})


# ----------------------------------------------------------------------- compose


def _compose_page(
    request: Request,
    target: messages.ComposeTarget,
    *,
    body: str = "",
    errors: dict[str, str] | None = None,
    flashes: list[dict[str, str]] | None = None,
    status_code: int = 200,
) -> Response:
    context: dict[str, Any] = {
        "target": target,
        "values": {"body": body},
        "errors": errors or {},
        "max_length": MAX_MESSAGE,
    }
    if flashes is not None:
        context["flashes"] = flashes
    return render_page(request, TEMPLATES + "compose.html", context, status_code)


@router.get("/messages/new", response_class=HTMLResponse)
def compose(
    request: Request,
    db: WebDb,
    actor: WebActor,
    course: CourseParam,
    student: StudentParam = None,
) -> Response:
    """The compose form; an existing conversation with this person opens instead."""
    target = messages.compose_target(db, actor, course, student)
    if target.thread_id is not None:
        return see_other(messages.thread_path(target.thread_id))
    return _compose_page(request, target)


@router.post("/messages/new", dependencies=[CsrfChecked])
def send_new(request: Request, form: WebForm, db: WebDb, actor: WebActor) -> Response:
    course = str(form.get("course") or "")[:140]
    student = str(form.get("student") or "")[:36] or None
    body = str(form.get("body") or "")
    data, errors = validate_form(
        ThreadStart, {"course": course, "student_id": student, "body": body}
    )
    if data is None:
        if not course:
            return see_other("/messages")
        target = messages.compose_target(db, actor, course, student)
        return _compose_page(request, target, body=body, errors=errors, status_code=422)
    try:
        thread_id = messages.start_thread(db, get_runtime(), actor, data)
    except RateLimited as exc:
        db.rollback()
        target = messages.compose_target(db, actor, course, student)
        page = _compose_page(
            request,
            target,
            body=body,
            flashes=_flash_now("messages_rate_limited"),
            status_code=429,
        )
        page.headers.update(exc.headers)
        return page
    flash(request, "messages_sent")
    return see_other(messages.thread_path(thread_id))


# ------------------------------------------------------------------ conversation


def _thread_page(
    request: Request,
    db: Session,
    actor: Actor,
    thread_id: str,
    *,
    before: str | None = None,
    body: str = "",
    errors: dict[str, str] | None = None,
    flashes: list[dict[str, str]] | None = None,
    status_code: int = 200,
) -> Response:
    thread = message_reads.open_thread(db, get_runtime(), actor, thread_id, before=before)
    context: dict[str, Any] = {
        "thread": thread,
        "values": {"body": body},
        "errors": errors or {},
        "max_length": MAX_MESSAGE,
        "before": before,
    }
    if flashes is not None:
        context["flashes"] = flashes
    return render_page(request, TEMPLATES + "thread.html", context, status_code)


@router.get("/messages/{thread_id}", response_class=HTMLResponse)
def conversation(
    request: Request,
    thread_id: ThreadId,
    db: WebDb,
    actor: WebActor,
    before: BeforeParam = None,
) -> Response:
    return _thread_page(request, db, actor, thread_id, before=before or None)


@router.post("/messages/{thread_id}", dependencies=[CsrfChecked])
def reply(
    request: Request, thread_id: ThreadId, form: WebForm, db: WebDb, actor: WebActor
) -> Response:
    body = str(form.get("body") or "")
    data, errors = validate_form(MessageIn, {"body": body})
    if data is None:
        return _thread_page(
            request, db, actor, thread_id, body=body, errors=errors, status_code=422
        )
    try:
        messages.send_message(db, get_runtime(), actor, thread_id, data.body)
    except RateLimited as exc:
        db.rollback()
        page = _thread_page(
            request,
            db,
            actor,
            thread_id,
            body=body,
            flashes=_flash_now("messages_rate_limited"),
            status_code=429,
        )
        page.headers.update(exc.headers)
        return page
    return see_other(messages.thread_path(thread_id) + "#latest")
