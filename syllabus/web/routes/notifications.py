"""Notification pages: the inbox, the header's live unread badge and the delivery settings.

Opening a notification is a POST (`/notifications/{id}/open`): it marks it
read and redirects to its site path (never anywhere else). "Mark read"
works as a plain form and, with htmx, swaps the item and the header badge
in place.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import pass_context
from jinja2.runtime import Context
from starlette.requests import HTTPConnection

from syllabus.kit.pagination import PageParams, page_params
from syllabus.kit.runtime import get_runtime
from syllabus.kit.security import local_path
from syllabus.notifications import inbox, preferences
from syllabus.notifications.inbox import unread_count
from syllabus.notifications.kinds import KINDS
from syllabus.notifications.schemas import KindPreferenceIn, PreferencesIn
from syllabus.web.deps import CsrfChecked, OptionalWebActor, WebActor, WebDb, WebForm, flash
from syllabus.web.flashes import register_flashes
from syllabus.web.header_counts import header_count
from syllabus.web.pages import render_page, see_other
from syllabus.web.templating import is_htmx, render, templates

router = APIRouter(include_in_schema=False)

PAGES = "pages/notifications/"
INBOX = "/notifications"
SETTINGS = "/account/notifications"

NotificationId = Annotated[str, Path(min_length=1, max_length=36)]
PageQuery = Annotated[PageParams, Depends(page_params)]
Show = Literal["all", "unread"]

register_flashes(
    {
        "notifications_all_read": ("success", "All notifications are marked as read."),
        "notifications_read": ("success", "Notification marked as read."),
        "notifications_prefs_saved": ("success", "Your notification settings were saved."),
    }
)


def unread_of(connection: HTTPConnection) -> int:
    """The signed-in visitor's unread notifications: one COUNT per request, 0 when signed out."""
    return header_count(connection, "unread_notifications", unread_count)


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


# ------------------------------------------------------------------- inbox


def inbox_url(show: str = "all", page: int = 1) -> str:
    query: dict[str, str | int] = {}
    if show != "all":
        query["show"] = show
    if page != 1:
        query["page"] = page
    return f"{INBOX}?{urlencode(query)}" if query else INBOX


def _back(form: WebForm) -> str:
    """The inbox page the form was sent from (only an inbox path), else the inbox."""
    value = form.get("back")
    target = local_path(value if isinstance(value, str) else None)
    return target if target and target.split("?")[0] == INBOX else INBOX


@router.get("/notifications", response_class=HTMLResponse)
def inbox_page(
    request: Request,
    db: WebDb,
    actor: WebActor,
    params: PageQuery,
    show: Annotated[Show, Query()] = "all",
) -> Response:
    page = inbox.list_notifications(db, actor, params, unread_only=show == "unread")
    # The header badge shows the count just read, not a second query's.
    request.state.unread_notifications = page.unread_count
    response = render_page(
        request,
        PAGES + "inbox.html",
        {
            "page": page,
            "show": show,
            "here": inbox_url(show, params.page),
            "page_url": lambda n: inbox_url(show, n),
        },
    )
    # Back after "mark all read" must not show the old unread state.
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/notifications/read-all", dependencies=[CsrfChecked])
def read_all(request: Request, form: WebForm, db: WebDb, actor: WebActor) -> Response:
    inbox.mark_all_read(db, actor)
    flash(request, "notifications_all_read")
    return see_other(_back(form))


@router.post("/notifications/{notification_id}/open", dependencies=[CsrfChecked])
def open_notification(notification_id: NotificationId, db: WebDb, actor: WebActor) -> Response:
    return see_other(inbox.open_notification(db, actor, notification_id))


@router.post("/notifications/{notification_id}/read", dependencies=[CsrfChecked])
def mark_read(
    request: Request, notification_id: NotificationId, form: WebForm, db: WebDb, actor: WebActor
) -> Response:
    item = inbox.set_read(db, actor, notification_id, True)
    back = _back(form)
    if is_htmx(request):
        context: dict[str, Any] = {"item": item, "here": back, "unread": unread_count(db, actor.id)}
        return render(request, PAGES + "_marked.html", context)
    flash(request, "notifications_read")
    return see_other(back)


# ---------------------------------------------------------------- settings


@router.get("/account/notifications", response_class=HTMLResponse)
def settings_page(request: Request, db: WebDb, actor: WebActor) -> Response:
    return render_page(
        request, PAGES + "settings.html", {"prefs": preferences.preferences_of(db, actor)}
    )


@router.post("/account/notifications", dependencies=[CsrfChecked])
def save_settings(request: Request, form: WebForm, db: WebDb, actor: WebActor) -> Response:
    # A checkbox is sent only when ticked: every kind is listed, so an unticked one turns off.
    body = PreferencesIn(
        kinds=[
            KindPreferenceIn(
                kind=name,
                in_app=f"in_app_{name}" in form,
                email=f"email_{name}" in form,
            )
            for name in KINDS
        ],
        marketing_email="marketing_email" in form,
    )
    preferences.update_preferences(db, actor, body)
    flash(request, "notifications_prefs_saved")
    return see_other(SETTINGS)


# ----------------------------------------------------------------- globals


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
