"""Course moderation: the review queue, one course's review page, approve, reject, a preview
as a student would see it, every course by status, unpublish, and delete/archive.

Admins only (403 for anyone else); every POST is CSRF-checked. Approving
publishes the course, rejecting sends it back to draft with the reviewer's
note; either way the instructor is emailed (the workflow service does it).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from syllabus.accounts.actor import Actor
from syllabus.admin import moderation
from syllabus.catalog import authoring, content, reads, workflow
from syllabus.catalog import repository as repo
from syllabus.catalog.errors import CourseNotFound
from syllabus.catalog.models import COURSE_STATUSES
from syllabus.catalog.schemas import ReviewDecision
from syllabus.kit.errors import AppError, Forbidden
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
from syllabus.web.routes._money import money_label
from syllabus.web.routes._studio_common import (
    ADMIN,
    LANGUAGES,
    LEVELS,
    PageQuery,
    form_text,
)

router = APIRouter(include_in_schema=False)

StatusQuery = Annotated[str | None, Query(max_length=24)]
DELETE_CONFIRMATION = "delete"

register_flashes(
    {
        "admin_course_unpublished": (
            "info",
            "The course was unpublished: it left the catalog, enrolled students keep it.",
        ),
        "admin_course_deleted": ("success", "The course was deleted."),
        "admin_course_archived": (
            "info",
            "The course has enrollments, so it was archived instead of deleted.",
        ),
    }
)


def _require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise Forbidden("Only admins can review courses.", code="not_admin")


@router.get("/admin/reviews", response_class=HTMLResponse)
def review_queue(request: Request, db: WebDb, actor: WebActor, params: PageQuery) -> Response:
    _require_admin(actor)
    page = workflow.review_queue(db, get_runtime(), actor, params)
    # The summary has no submission time: one query for the whole page.
    states = repo.review_states(db, [item.id for item in page.items])
    items = []
    for item in page.items:
        submitted_at, _note = states.get(item.id, (None, None))
        items.append(
            {
                "id": item.id,
                "title": item.title,
                "instructor": item.instructor.name,
                "category": item.category.name if item.category else None,
                "submitted_at": submitted_at,
                "lesson_count": item.lesson_count,
                "price_label": money_label(item.price.amount, item.price.currency),
            }
        )
    return render_page(request, ADMIN + "reviews.html", {"items": items, "page": page})


def _review_context(db: Session, actor: Actor, course_id: str, **extra: Any) -> dict[str, Any]:
    rt = get_runtime()
    course = authoring.owned_course(db, actor, course_id)
    db.flush()
    conn = db.connection()
    row = reads.find_course_row(conn, course.id)
    if row is None:  # pragma: no cover - owned_course found it in this transaction
        raise CourseNotFound("No such course.")
    detail = reads.course_detail(rt, conn, row)
    list_price = detail.list_price
    context: dict[str, Any] = {
        "course": detail,
        "submitted_at": course.submitted_at,
        "content": content.course_content(db, rt, actor, course.id),
        "price_label": money_label(detail.price.amount, detail.price.currency),
        "list_price_label": money_label(list_price.amount, list_price.currency)
        if list_price
        else None,
        "level_label": dict(LEVELS).get(detail.level, detail.level),
        "language_label": dict(LANGUAGES).get(detail.language, detail.language),
        "values": {"reason": ""},
    }
    context.update(extra)
    return context


@router.get("/admin/reviews/{course_id}", response_class=HTMLResponse)
def review_page(request: Request, course_id: str, db: WebDb, actor: WebActor) -> Response:
    _require_admin(actor)
    return render_page(request, ADMIN + "review.html", _review_context(db, actor, course_id))


@router.post("/admin/reviews/{course_id}/approve", dependencies=[CsrfChecked])
def approve_course(request: Request, course_id: str, db: WebDb, actor: WebActor) -> Response:
    _require_admin(actor)
    try:
        workflow.approve(db, get_runtime(), actor, course_id)
    except AppError as exc:
        undo_refused(db, exc)
        context = _review_context(db, actor, course_id, errors={FORM_ERROR: exc.message})
        return render_page(request, ADMIN + "review.html", context, exc.status)
    flash(request, "course_approved")
    return see_other("/admin/reviews")


@router.post("/admin/reviews/{course_id}/reject", dependencies=[CsrfChecked])
def reject_course(
    request: Request, course_id: str, form: WebForm, db: WebDb, actor: WebActor
) -> Response:
    _require_admin(actor)
    reason = form_text(form, "reason")
    body, errors = validate_form(ReviewDecision, {"reason": reason})
    status = 422
    if body is not None:
        try:
            workflow.reject(db, get_runtime(), actor, course_id, body.reason)
        except AppError as exc:
            undo_refused(db, exc)
            errors = {FORM_ERROR: exc.message}
            status = exc.status
        else:
            flash(request, "course_rejected")
            return see_other("/admin/reviews")
    if "reason" in errors:
        errors["reason"] = "Tell the instructor what needs to change."
    context = _review_context(db, actor, course_id, errors=errors, values={"reason": reason})
    return render_page(request, ADMIN + "review.html", context, status)


# --- every course, a student's preview, unpublish, delete/archive -----------------------


@router.get("/admin/courses", response_class=HTMLResponse)
def all_courses(
    request: Request, db: WebDb, actor: WebActor, params: PageQuery, status: StatusQuery = None
) -> Response:
    _require_admin(actor)
    chosen = status if status in COURSE_STATUSES else None
    page = workflow.admin_courses(db, get_runtime(), actor, chosen, params)
    context = {
        "page": page,
        "status": chosen or "",
        "statuses": COURSE_STATUSES,
        "price_labels": {
            item.id: money_label(item.price.amount, item.price.currency) for item in page.items
        },
        "tab": "courses",
    }
    return render_page(request, ADMIN + "courses.html", context)


@router.get("/admin/reviews/{course_id}/preview", response_class=HTMLResponse)
def student_preview(request: Request, course_id: str, db: WebDb, actor: WebActor) -> Response:
    """The course's landing page and lesson list as a student would see them, read-only."""
    _require_admin(actor)
    return render_page(request, ADMIN + "preview.html", _review_context(db, actor, course_id))


@router.post("/admin/reviews/{course_id}/unpublish", dependencies=[CsrfChecked])
def unpublish_course(request: Request, course_id: str, db: WebDb, actor: WebActor) -> Response:
    _require_admin(actor)
    try:
        moderation.unpublish(db, get_runtime(), actor, course_id)
    except AppError as exc:
        if exc.status == 404:
            raise
        undo_refused(db, exc)
        context = _review_context(db, actor, course_id, errors={FORM_ERROR: exc.message})
        return render_page(request, ADMIN + "review.html", context, exc.status)
    flash(request, "admin_course_unpublished")
    return see_other(f"/admin/reviews/{course_id}")


@router.post("/admin/reviews/{course_id}/delete", dependencies=[CsrfChecked])
def delete_course(
    request: Request, course_id: str, form: WebForm, db: WebDb, actor: WebActor
) -> Response:
    """Delete the course, or archive it when anyone enrolled; the admin types "delete" first."""
    _require_admin(actor)
    if form_text(form, "confirm").strip().lower() != DELETE_CONFIRMATION:
        errors = {"confirm": f'Type "{DELETE_CONFIRMATION}" to confirm.'}
        context = _review_context(db, actor, course_id, errors=errors)
        return render_page(request, ADMIN + "review.html", context, 422)
    try:
        outcome = authoring.delete_course(db, get_runtime(), actor, course_id)
    except AppError as exc:
        if exc.status == 404:
            raise
        undo_refused(db, exc)
        context = _review_context(db, actor, course_id, errors={FORM_ERROR: exc.message})
        return render_page(request, ADMIN + "review.html", context, exc.status)
    if outcome == "archived":
        flash(request, "admin_course_archived")
        return see_other(f"/admin/reviews/{course_id}")
    flash(request, "admin_course_deleted")
    return see_other("/admin/courses")
