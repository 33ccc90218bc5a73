"""Notification pages: the header's live unread badge."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import pass_context
from jinja2.runtime import Context
from sqlalchemy.exc import SQLAlchemyError
from starlette.requests import HTTPConnection

from syllabus.kit.logging import get_logger
from syllabus.kit.runtime import get_runtime
from syllabus.notifications.inbox import unread_count
from syllabus.web.deps import OptionalWebActor
from syllabus.web.templating import templates

router = APIRouter(include_in_schema=False)
log = get_logger("syllabus.web.notifications")


def unread_of(connection: HTTPConnection) -> int:
    """The signed-in visitor's unread notifications: one COUNT per request, 0 when signed out."""
    cached = getattr(connection.state, "unread_notifications", None)
    if isinstance(cached, int):
        return cached
    user = getattr(connection.state, "user", None)
    if user is None:
        return 0
    try:
        with get_runtime().db.read_connection() as conn:
            count = unread_count(conn, user.id)
    except SQLAlchemyError:
        # The badge is not worth failing a page (an error page above all) for.
        log.warning("unread_count.failed", exc_info=True)
        count = 0
    connection.state.unread_notifications = count
    return count


@router.get("/notifications/badge", response_class=HTMLResponse)
def badge(request: Request, actor: OptionalWebActor) -> Response:
    """The badge alone, for the header's polling (empty when signed out)."""
    unread = unread_of(request) if actor is not None else 0
    return templates.TemplateResponse(
        request,
        "components/unread_badge.html",
        {"unread": unread},
        headers={"Cache-Control": "no-store"},
    )


@pass_context
def _unread_global(context: Context) -> int:
    request = context.get("request")
    return unread_of(request) if isinstance(request, HTTPConnection) else 0


@pass_context
def _poll_seconds_global(_context: Context) -> int:
    return get_runtime().settings.notification_poll_seconds


templates.env.globals.update(
    unread_notifications=_unread_global, notification_poll_seconds=_poll_seconds_global
)
