"""Admin user pages: search and filter users, one user's page (orders, enrollments, courses,
sessions), change the role, ban with a reason (every session ends at once), unban, and decide
instructor applications.

Admins only (403 for anyone else, before any service is asked); every POST
is CSRF-checked. The account services write the audit entries.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from syllabus.accounts import roles
from syllabus.accounts.actor import Actor
from syllabus.accounts.models import ROLES, STATUSES
from syllabus.accounts.schemas import ApplicationDecisionIn, BanIn
from syllabus.admin import users
from syllabus.kit.errors import AppError
from syllabus.kit.pagination import PageParams
from syllabus.kit.runtime import get_runtime
from syllabus.web.deps import (
    FORM_ERROR,
    CsrfChecked,
    WebActor,
    WebDb,
    WebForm,
    flash,
    validate_form,
)
from syllabus.web.flashes import register_flashes
from syllabus.web.pages import render_page, see_other, undo_refused
from syllabus.web.routes import _commerce_views  # noqa: F401 - the `when`/`short_id` filters
from syllabus.web.routes._studio_common import ADMIN, PageQuery, form_text

router = APIRouter(include_in_schema=False)

UserId = Annotated[str, Path(min_length=1, max_length=64)]
SearchQuery = Annotated[str | None, Query(max_length=users.MAX_QUERY_LENGTH)]
FilterQuery = Annotated[str | None, Query(max_length=24)]

register_flashes(
    {
        "user_role_changed": ("success", "The role was changed."),
        "user_banned": ("success", "The user is banned and every session was logged out."),
        "user_unbanned": ("success", "The user is no longer banned."),
        "instructor_approved": ("success", "The application was approved: they can teach now."),
        "instructor_rejected": ("info", "The application was declined with your note."),
    }
)


def _pending_applications(db: Session, actor: Actor) -> list[Any]:
    return roles.list_applications(db, actor, "pending", PageParams(page_size=10)).items


@router.get("/admin/users", response_class=HTMLResponse)
def user_list(
    request: Request,
    db: WebDb,
    actor: WebActor,
    params: PageQuery,
    q: SearchQuery = None,
    role: FilterQuery = None,
    status: FilterQuery = None,
) -> Response:
    users.require_admin(actor)
    chosen_role = role if role in ROLES else None
    chosen_status = status if status in STATUSES else None
    search = (q or "").strip()
    page = users.search_users(
        db, get_runtime(), actor, params, q=search, role=chosen_role, status=chosen_status
    )
    query = urlencode(
        {
            name: value
            for name, value in (("q", search), ("role", chosen_role), ("status", chosen_status))
            if value
        }
    )
    context = {
        "page": page,
        "q": search,
        "role": chosen_role or "",
        "status": chosen_status or "",
        "roles": ROLES,
        "statuses": STATUSES,
        "page_url": "/admin/users" + (f"?{query}" if query else ""),
        "applications": _pending_applications(db, actor) if params.page == 1 else [],
        "tab": "users",
    }
    return render_page(request, ADMIN + "users.html", context)


def _user_context(db: Session, actor: Actor, user_id: str, **extra: Any) -> dict[str, Any]:
    detail = users.user_detail(db, get_runtime(), actor, user_id)
    context: dict[str, Any] = {
        "user": detail,
        "roles": ROLES,
        "is_self": detail.id == actor.id,
        "values": {"reason": "", "note": ""},
        "errors": {},
        "tab": "users",
    }
    context.update(extra)
    return context


@router.get("/admin/users/{user_id}", response_class=HTMLResponse)
def user_page(request: Request, user_id: UserId, db: WebDb, actor: WebActor) -> Response:
    users.require_admin(actor)
    return render_page(request, ADMIN + "user.html", _user_context(db, actor, user_id))


def _refused(
    request: Request, db: Session, actor: Actor, user_id: str, exc: AppError, **values: str
) -> Response:
    if exc.status == 404:
        raise exc
    undo_refused(db, exc)
    context = _user_context(
        db,
        actor,
        user_id,
        errors={FORM_ERROR: exc.message},
        values={"reason": "", "note": "", **values},
    )
    return render_page(request, ADMIN + "user.html", context, exc.status)


@router.post("/admin/users/{user_id}/role", dependencies=[CsrfChecked])
def change_role(
    request: Request, user_id: UserId, form: WebForm, db: WebDb, actor: WebActor
) -> Response:
    users.require_admin(actor)
    role = form_text(form, "role")
    try:
        roles.set_role(db, actor, user_id, role if role in ROLES else "")
    except AppError as exc:
        return _refused(request, db, actor, user_id, exc)
    flash(request, "user_role_changed")
    return see_other(f"/admin/users/{user_id}")


@router.post("/admin/users/{user_id}/ban", dependencies=[CsrfChecked])
def ban(request: Request, user_id: UserId, form: WebForm, db: WebDb, actor: WebActor) -> Response:
    users.require_admin(actor)
    reason = form_text(form, "reason")
    body, errors = validate_form(BanIn, {"reason": reason})
    if body is None:
        errors["reason"] = "Write why the user is banned (up to 500 characters)."
        context = _user_context(
            db, actor, user_id, errors=errors, values={"reason": reason, "note": ""}
        )
        return render_page(request, ADMIN + "user.html", context, 422)
    try:
        roles.ban_user(db, actor, user_id, body.reason)
    except AppError as exc:
        return _refused(request, db, actor, user_id, exc, reason=reason)
    flash(request, "user_banned")
    return see_other(f"/admin/users/{user_id}")


@router.post("/admin/users/{user_id}/unban", dependencies=[CsrfChecked])
def unban(request: Request, user_id: UserId, db: WebDb, actor: WebActor) -> Response:
    users.require_admin(actor)
    try:
        roles.unban_user(db, actor, user_id)
    except AppError as exc:
        return _refused(request, db, actor, user_id, exc)
    flash(request, "user_unbanned")
    return see_other(f"/admin/users/{user_id}")


@router.post("/admin/users/{user_id}/application", dependencies=[CsrfChecked])
def decide_application(
    request: Request, user_id: UserId, form: WebForm, db: WebDb, actor: WebActor
) -> Response:
    """Approve or decline the user's waiting instructor application."""
    users.require_admin(actor)
    note = form_text(form, "note")
    approve = form_text(form, "decision") == "approve"
    body, errors = validate_form(ApplicationDecisionIn, {"approve": approve, "note": note or None})
    application = users.user_detail(db, get_runtime(), actor, user_id).pending_application
    if body is None or application is None:
        message = "There is no application waiting." if application is None else "Check the note."
        context = _user_context(
            db, actor, user_id, errors={FORM_ERROR: message, **errors}, values={"note": note}
        )
        return render_page(request, ADMIN + "user.html", context, 409 if body else 422)
    try:
        roles.decide_application(db, actor, application.id, approve=body.approve, note=body.note)
    except AppError as exc:
        return _refused(request, db, actor, user_id, exc, note=note)
    flash(request, "instructor_approved" if body.approve else "instructor_rejected")
    return see_other(f"/admin/users/{user_id}")
