"""Instructor studio: the course list, a new course, the course details and their status.

Pages follow the account pages' pattern: post/redirect/get with a one-time
flash, invalid input re-rendered with the errors next to their fields, and
`verify_csrf` on every POST. Another instructor's course is a 404 (the
services decide); a signed-in student gets a page pointing to /teach. The
curriculum builder and the lesson and quiz editors are in
`studio_curriculum`, the admin review queue in `admin_reviews`.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from syllabus.accounts.actor import Actor
from syllabus.catalog import authoring, reads, thumbnails, workflow
from syllabus.catalog import repository as repo
from syllabus.catalog.models import Course
from syllabus.catalog.schemas import CURRENCIES, CourseCreate, CourseUpdate
from syllabus.kit.errors import AppError
from syllabus.kit.markdown import render_markdown
from syllabus.kit.runtime import get_runtime
from syllabus.web.deps import (
    FORM_ERROR,
    CsrfChecked,
    WebActor,
    WebDb,
    WebForm,
    flash,
    safe_next,
    validate_form,
)
from syllabus.web.pages import render_page, see_other, undo_refused
from syllabus.web.routes._money import CURRENCY_SYMBOLS, amount_text, money_label, parse_amount
from syllabus.web.routes._studio_common import (
    LANGUAGES,
    LEVELS,
    STUDIO,
    PageQuery,
    form_fields,
    form_text,
    nonblank_lines,
    not_instructor_page,
    require_instructor,
)
from syllabus.web.routes.studio_media import promo_media_panel

router = APIRouter(include_in_schema=False)

PREVIEW_MAX_CHARS = 50_000
STATUS_FLASHES = {
    "submit": "course_submitted",
    "unpublish": "course_unpublished",
    "archive": "course_archived",
}
STATUS_REFUSALS = {
    "submit": "The course cannot be submitted yet",
    "unpublish": "The course cannot be unpublished",
    "archive": "The course cannot be archived",
}


def _studio_path(value: str) -> str | None:
    """A local path back into the studio, or None."""
    target = safe_next(value)
    return target if target and target.startswith("/studio/") else None


# ------------------------------------------------------------ course editor


def _course_values(course: Course) -> dict[str, Any]:
    return {
        "title": course.title,
        "subtitle": course.subtitle,
        "description": course.description,
        "category_id": course.category_id or "",
        "level": course.level,
        "language": course.language,
        "outcomes": "\n".join(course.outcomes or []),
        "requirements": "\n".join(course.requirements or []),
        "audience": "\n".join(course.audience or []),
        "tags": ", ".join(course.tags or []),
        "price": amount_text(course.price_amount, course.currency),
        "currency": course.currency,
        "list_price": amount_text(course.list_price_amount, course.currency),
        "has_certificate": course.has_certificate,
    }


def _thumbnail_url(db: Session, course: Course) -> str | None:
    """The course's thumbnail URL as the catalog reads give it; None without a thumbnail."""
    if not course.thumbnail_key:
        return None
    row = reads.find_course_row(db.connection(), course.id)
    return reads.course_summary(get_runtime(), row).thumbnail_url if row else None


def _editor_context(db: Session, course: Course, **extra: Any) -> dict[str, Any]:
    languages = list(LANGUAGES)
    if course.language not in {code for code, _ in languages}:
        languages.append((course.language, course.language))
    context: dict[str, Any] = {
        "course": course,
        "categories": reads.category_tree(db.connection()),
        "levels": LEVELS,
        "languages": languages,
        "currencies": [(code, f"{code} ({CURRENCY_SYMBOLS[code].strip()})") for code in CURRENCIES],
        "values": _course_values(course),
        "thumbnail_url": _thumbnail_url(db, course),
        "thumbnail_error": None,
        "promo_media": promo_media_panel(db, course),
    }
    context.update(extra)
    return context


def _course_form(form: FormData) -> tuple[dict[str, Any], CourseUpdate | None, dict[str, str]]:
    """The course form's values as typed, the validated update, and errors per field."""
    names = (
        "title",
        "subtitle",
        "description",
        "category_id",
        "level",
        "language",
        "outcomes",
        "requirements",
        "audience",
        "tags",
        "price",
        "currency",
        "list_price",
    )
    values: dict[str, Any] = form_fields(form, *names)
    values["has_certificate"] = form.get("has_certificate") is not None
    errors: dict[str, str] = {}
    currency = values["currency"]
    data: dict[str, Any] = {
        "title": values["title"],
        "subtitle": values["subtitle"],
        "description": values["description"],
        "category_id": values["category_id"] or None,
        "level": values["level"],
        "language": values["language"],
        "outcomes": nonblank_lines(values["outcomes"]),
        "requirements": nonblank_lines(values["requirements"]),
        "audience": nonblank_lines(values["audience"]),
        "tags": [tag.strip() for tag in values["tags"].split(",") if tag.strip()],
        "has_certificate": values["has_certificate"],
    }
    if currency not in CURRENCIES:
        errors["currency"] = "Choose a currency from the list."
    else:
        try:
            data["price"] = {
                "amount": parse_amount(values["price"], currency),
                "currency": currency,
            }
        except ValueError as exc:
            errors["price"] = str(exc)
        if values["list_price"].strip():
            try:
                amount = parse_amount(values["list_price"], currency)
                data["list_price"] = {"amount": amount, "currency": currency}
            except ValueError as exc:
                errors["list_price"] = str(exc)
        else:
            data["list_price"] = None
    body, problems = validate_form(CourseUpdate, data)
    for field, message in problems.items():
        errors.setdefault(field, message)
    return values, (body if not errors else None), errors


@router.get("/studio", response_class=HTMLResponse)
def studio_home(request: Request, db: WebDb, actor: WebActor, params: PageQuery) -> Response:
    if not actor.is_instructor:
        return not_instructor_page(request)
    rt = get_runtime()
    page = workflow.instructor_courses(db, rt, actor, params)
    # The reviewer's note is not part of a summary: one query for the whole page.
    states = repo.review_states(db, [item.id for item in page.items])
    courses = []
    for item in page.items:
        note = None
        if item.status in ("draft", "unpublished"):
            # Only these statuses show a note (an approved course's old one is stale).
            note = states.get(item.id, (None, None))[1]
        courses.append(
            {
                "id": item.id,
                "slug": item.slug,
                "title": item.title,
                "subtitle": item.subtitle,
                "status": item.status,
                "review_note": note,
                "category": item.category.name if item.category else None,
                "lesson_count": item.lesson_count,
                "enrollment_count": item.enrollment_count,
                "rating_avg": item.rating.average,
                "rating_count": item.rating.count,
                "price_label": money_label(item.price.amount, item.price.currency),
                "thumbnail_url": item.thumbnail_url,
            }
        )
    return render_page(request, STUDIO + "index.html", {"courses": courses, "page": page})


@router.get("/studio/courses/new", response_class=HTMLResponse)
def new_course_page(request: Request, db: WebDb, actor: WebActor) -> Response:
    if not actor.is_instructor:
        return not_instructor_page(request)
    context = {
        "categories": reads.category_tree(db.connection()),
        "levels": LEVELS,
        "values": {"title": "", "category_id": "", "level": "all"},
    }
    return render_page(request, STUDIO + "new.html", context)


@router.post("/studio/courses/new", dependencies=[CsrfChecked])
def create_course(request: Request, form: WebForm, db: WebDb, actor: WebActor) -> Response:
    require_instructor(actor)
    values = form_fields(form, "title", "category_id", "level")
    data = {
        "title": values["title"],
        "category_id": values["category_id"] or None,
        "level": values["level"] or "all",
    }
    body, errors = validate_form(CourseCreate, data)
    status = 422
    if body is not None:
        try:
            course = authoring.create_course(db, get_runtime(), actor, body)
        except AppError as exc:
            undo_refused(db, exc)
            errors = {"category_id" if "category" in exc.code else FORM_ERROR: exc.message}
            status = exc.status
        else:
            flash(request, "course_created")
            return see_other(f"/studio/courses/{course.id}")
    context = {
        "categories": reads.category_tree(db.connection()),
        "levels": LEVELS,
        "values": values,
        "errors": errors,
    }
    return render_page(request, STUDIO + "new.html", context, status)


@router.get("/studio/courses/{course_id}", response_class=HTMLResponse)
def course_page(request: Request, course_id: str, db: WebDb, actor: WebActor) -> Response:
    if not actor.is_instructor:
        return not_instructor_page(request)
    course = authoring.owned_course(db, actor, course_id)
    return render_page(request, STUDIO + "course.html", _editor_context(db, course))


@router.post("/studio/courses/{course_id}", dependencies=[CsrfChecked])
def save_course(
    request: Request, course_id: str, form: WebForm, db: WebDb, actor: WebActor
) -> Response:
    require_instructor(actor)
    course = authoring.owned_course(db, actor, course_id)
    values, body, errors = _course_form(form)
    status = 422
    if body is not None:
        try:
            authoring.update_course(db, get_runtime(), actor, course.id, body)
        except AppError as exc:
            undo_refused(db, exc)
            field = {"unknown_category": "category_id", "currency_mismatch": "list_price"}
            errors = {field.get(exc.code, FORM_ERROR): exc.message}
            status = exc.status
            course = authoring.owned_course(db, actor, course_id)
        else:
            flash(request, "course_saved")
            return see_other(f"/studio/courses/{course.id}")
    context = _editor_context(db, course, values=values, errors=errors)
    return render_page(request, STUDIO + "course.html", context, status)


@router.post("/studio/courses/{course_id}/thumbnail", dependencies=[CsrfChecked])
def upload_thumbnail(
    request: Request, course_id: str, form: WebForm, db: WebDb, actor: WebActor
) -> Response:
    """A new picture for the course; a refused file (413, 422) is explained next to the field."""
    require_instructor(actor)
    course = authoring.owned_course(db, actor, course_id)
    upload = form.get("thumbnail")
    status = 422
    if not isinstance(upload, UploadFile) or not upload.filename:
        error = "Choose an image file to upload."
    else:
        try:
            thumbnails.set_thumbnail(db, get_runtime(), actor, course.id, upload.file)
        except AppError as exc:
            undo_refused(db, exc)
            error, status = exc.message, exc.status
            course = authoring.owned_course(db, actor, course_id)
        else:
            flash(request, "thumbnail_saved")
            return see_other(f"/studio/courses/{course.id}")
    context = _editor_context(db, course, thumbnail_error=error)
    return render_page(request, STUDIO + "course.html", context, status)


@router.post("/studio/preview", dependencies=[CsrfChecked])
def markdown_preview(form: WebForm, actor: WebActor) -> Response:
    """Sanitised HTML of the Markdown being typed (the editor's live preview)."""
    require_instructor(actor)
    source = form_text(form, "description") or form_text(form, "body")
    if len(source) > PREVIEW_MAX_CHARS:
        return HTMLResponse('<p class="field-error">This text is too long to preview.</p>')
    html = render_markdown(source) if source.strip() else ""
    return HTMLResponse(html or '<p class="muted">Nothing to preview yet.</p>')


# ---------------------------------------------------------- status changes


def _change_status(
    request: Request, course_id: str, action: str, form: FormData, db: Session, actor: Actor
) -> Response:
    """Submit, unpublish or archive; a refusal shows the editor with the reason."""
    require_instructor(actor)
    rt = get_runtime()
    course = authoring.owned_course(db, actor, course_id)
    try:
        if action == "submit":
            workflow.submit(db, rt, actor, course.id)
        elif action == "unpublish":
            workflow.unpublish(db, rt, actor, course.id)
        else:
            workflow.archive(db, rt, actor, course.id)
    except AppError as exc:
        undo_refused(db, exc)
        course = authoring.owned_course(db, actor, course_id)
        context = _editor_context(
            db,
            course,
            status_error=exc.message,
            status_error_title=STATUS_REFUSALS[action],
            status_problems=[e.get("msg") for e in exc.errors or [] if e.get("msg")],
        )
        return render_page(request, STUDIO + "course.html", context, exc.status)
    flash(request, STATUS_FLASHES[action])
    return see_other(_studio_path(form_text(form, "next")) or f"/studio/courses/{course.id}")


@router.post("/studio/courses/{course_id}/submit", dependencies=[CsrfChecked])
def submit_course(
    request: Request, course_id: str, form: WebForm, db: WebDb, actor: WebActor
) -> Response:
    return _change_status(request, course_id, "submit", form, db, actor)


@router.post("/studio/courses/{course_id}/unpublish", dependencies=[CsrfChecked])
def unpublish_course(
    request: Request, course_id: str, form: WebForm, db: WebDb, actor: WebActor
) -> Response:
    return _change_status(request, course_id, "unpublish", form, db, actor)


@router.post("/studio/courses/{course_id}/archive", dependencies=[CsrfChecked])
def archive_course(
    request: Request, course_id: str, form: WebForm, db: WebDb, actor: WebActor
) -> Response:
    return _change_status(request, course_id, "archive", form, db, actor)


@router.post("/studio/courses/{course_id}/delete", dependencies=[CsrfChecked])
def delete_course(request: Request, course_id: str, db: WebDb, actor: WebActor) -> Response:
    """Delete the course, or archive it when students have enrolled."""
    require_instructor(actor)
    outcome = authoring.delete_course(db, get_runtime(), actor, course_id)
    if outcome == "archived":
        flash(request, "course_archived_instead")
        return see_other(f"/studio/courses/{course_id}")
    flash(request, "course_deleted")
    return see_other("/studio")
