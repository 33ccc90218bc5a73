"""Instructor studio and the admin review queue: course editor, curriculum builder, quizzes.

Pages follow the account pages' pattern: post/redirect/get with a one-time
flash, invalid input re-rendered with the errors next to their fields, and
`verify_csrf` on every POST. The curriculum builder's forms work without
JavaScript; with htmx they swap the `#curriculum` fragment instead, and
studio.js posts the whole order as JSON after a drag and drop. Another
instructor's course is a 404 (the services decide); a signed-in student
gets a page pointing to /teach; the review pages are for admins only.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from syllabus.accounts.actor import Actor
from syllabus.catalog import authoring, content, quizzes, reads, workflow
from syllabus.catalog.errors import CourseNotFound, InvalidQuiz
from syllabus.catalog.models import Course
from syllabus.catalog.schemas import (
    CURRENCIES,
    CourseCreate,
    CourseUpdate,
    CurriculumOrder,
    LessonCreate,
    LessonUpdate,
    QuizIn,
    ReviewDecision,
    SectionIn,
    SectionUpdate,
)
from syllabus.kit.errors import AppError, Forbidden, InvalidInput
from syllabus.kit.markdown import render_markdown
from syllabus.kit.pagination import PageParams, page_params
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
from syllabus.web.flashes import FLASHES, pending_flashes
from syllabus.web.templating import is_htmx, render

router = APIRouter(include_in_schema=False)

STUDIO = "pages/studio/"
ADMIN = "pages/admin/"
CURRICULUM_FRAGMENT = STUDIO + "_curriculum.html"

# One-time messages of these pages (shown after the redirect).
STUDIO_FLASHES: dict[str, tuple[str, str]] = {
    "course_created": (
        "success",
        "Your course was created. Fill in the details, then build the curriculum.",
    ),
    "course_saved": ("success", "The course details were saved."),
    "course_submitted": (
        "success",
        "Submitted for review. We will email you as soon as an admin has decided.",
    ),
    "course_unpublished": (
        "info",
        "The course is unpublished: hidden from the catalog; enrolled students keep access.",
    ),
    "course_archived": ("info", "The course is archived."),
    "course_deleted": ("success", "The course was deleted."),
    "course_archived_instead": (
        "info",
        "Students have enrolled in this course, so it was archived instead of deleted.",
    ),
    "lesson_saved": ("success", "The lesson was saved."),
    "quiz_saved": ("success", "The quiz was saved."),
    "course_approved": ("success", "The course was approved and is now published."),
    "course_rejected": ("info", "The course was sent back to its instructor with your note."),
}
FLASHES.update(STUDIO_FLASHES)

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
CURRENCY_SYMBOLS = {
    "USD": "$",
    "EUR": "€",
    "GBP": "£",
    "INR": "₹",
    "CAD": "CA$",
    "AUD": "A$",
    "JPY": "¥",
    "BRL": "R$",
}
ZERO_DECIMAL_CURRENCIES = {"JPY"}
MAX_PRICE_MINOR = 100_000_000
MAX_LINES = 20
MAX_DURATION_MINUTES = 24 * 60
PREVIEW_MAX_CHARS = 50_000
QUESTION_KINDS = ("single", "multiple", "true_false", "short")
MAX_QUESTIONS = 100
MAX_CHOICES = 10
NEW_QUESTION_CHOICES = 4
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

Direction = Literal["up", "down"]
PageQuery = Annotated[PageParams, Depends(page_params)]


# ------------------------------------------------------------------ helpers


def _page(
    request: Request,
    name: str,
    context: Mapping[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    merged: dict[str, Any] = {"values": {}, "errors": {}, "flashes": pending_flashes(request)}
    merged.update(context or {})
    return render(request, name, merged, status_code=status_code)


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _fields(form: FormData, *names: str) -> dict[str, str]:
    """The named text fields of the form ('' when absent)."""
    return {name: _text(form, name) for name in names}


def _texts(form: FormData, name: str) -> list[str]:
    return [value for value in form.getlist(name) if isinstance(value, str)]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _undo(db: Session, exc: AppError) -> None:
    """Forget a refused attempt's writes before the page is rendered again."""
    if not exc.keeps_changes:
        db.rollback()


def _not_instructor(request: Request) -> HTMLResponse:
    return _page(request, STUDIO + "not_instructor.html", status_code=403)


def _require_instructor(actor: Actor) -> None:
    if not actor.is_instructor:
        raise Forbidden(
            "Only instructors can build courses. Apply to teach from the Teach page.",
            code="not_instructor",
        )


def _require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise Forbidden("Only admins can review courses.", code="not_admin")


def _studio_path(value: str) -> str | None:
    """A local path back into the studio, or None."""
    target = safe_next(value)
    return target if target and target.startswith("/studio/") else None


# -------------------------------------------------------------------- money


def _minor_digits(currency: str) -> int:
    return 0 if currency in ZERO_DECIMAL_CURRENCIES else 2


def amount_text(amount: int | None, currency: str) -> str:
    """Minor units as the price field shows them: 1999 USD -> "19.99", 0 -> "0"."""
    if amount is None:
        return ""
    if amount == 0:
        return "0"
    digits = _minor_digits(currency)
    if digits == 0:
        return str(amount)
    whole, cents = divmod(amount, 10**digits)
    return f"{whole}.{cents:0{digits}d}"


def money_label(amount: int, currency: str) -> str:
    """A price as people read it: "Free", "$19.99", "¥1,500"."""
    if amount == 0:
        return "Free"
    digits = _minor_digits(currency)
    symbol = CURRENCY_SYMBOLS.get(currency, currency + " ")
    value = Decimal(amount).scaleb(-digits)
    return f"{symbol}{value:,.{digits}f}"


def parse_amount(text: str, currency: str) -> int:
    """A price typed by a person ("19.99", "1,500") in minor units; ValueError explains."""
    cleaned = re.sub(r"[\s,]", "", text)
    for symbol in CURRENCY_SYMBOLS.values():
        cleaned = cleaned.replace(symbol.strip(), "")
    digits = _minor_digits(currency)
    example = "1500" if digits == 0 else "19.99"
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"Enter an amount like {example}, or 0 for free.") from None
    if not value.is_finite() or value < 0:
        raise ValueError(f"Enter an amount like {example}, or 0 for free.")
    minor = value.scaleb(digits)
    if minor != minor.to_integral_value():
        places = "whole amounts" if digits == 0 else "at most 2 decimals"
        raise ValueError(f"Use {places} for {currency}.")
    if minor > MAX_PRICE_MINOR:
        raise ValueError("That price is too high.")
    return int(minor)


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
    values: dict[str, Any] = _fields(form, *names)
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
        "outcomes": _lines(values["outcomes"]),
        "requirements": _lines(values["requirements"]),
        "audience": _lines(values["audience"]),
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
        return _not_instructor(request)
    rt = get_runtime()
    page = workflow.instructor_courses(db, rt, actor, params)
    courses = []
    for item in page.items:
        note = None
        if item.status in ("draft", "unpublished"):
            # The reviewer's note is not part of a summary; only these statuses can carry one.
            note = authoring.owned_course(db, actor, item.id).review_note
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
    return _page(request, STUDIO + "index.html", {"courses": courses, "page": page})


@router.get("/studio/courses/new", response_class=HTMLResponse)
def new_course_page(request: Request, db: WebDb, actor: WebActor) -> Response:
    if not actor.is_instructor:
        return _not_instructor(request)
    context = {
        "categories": reads.category_tree(db.connection()),
        "levels": LEVELS,
        "values": {"title": "", "category_id": "", "level": "all"},
    }
    return _page(request, STUDIO + "new.html", context)


@router.post("/studio/courses/new", dependencies=[CsrfChecked])
def create_course(request: Request, form: WebForm, db: WebDb, actor: WebActor) -> Response:
    _require_instructor(actor)
    values = _fields(form, "title", "category_id", "level")
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
            _undo(db, exc)
            errors = {"category_id" if "category" in exc.code else FORM_ERROR: exc.message}
            status = exc.status
        else:
            flash(request, "course_created")
            return _redirect(f"/studio/courses/{course.id}")
    context = {
        "categories": reads.category_tree(db.connection()),
        "levels": LEVELS,
        "values": values,
        "errors": errors,
    }
    return _page(request, STUDIO + "new.html", context, status)


@router.get("/studio/courses/{course_id}", response_class=HTMLResponse)
def course_page(request: Request, course_id: str, db: WebDb, actor: WebActor) -> Response:
    if not actor.is_instructor:
        return _not_instructor(request)
    course = authoring.owned_course(db, actor, course_id)
    return _page(request, STUDIO + "course.html", _editor_context(db, course))


@router.post("/studio/courses/{course_id}", dependencies=[CsrfChecked])
def save_course(
    request: Request, course_id: str, form: WebForm, db: WebDb, actor: WebActor
) -> Response:
    _require_instructor(actor)
    course = authoring.owned_course(db, actor, course_id)
    values, body, errors = _course_form(form)
    status = 422
    if body is not None:
        try:
            authoring.update_course(db, get_runtime(), actor, course.id, body)
        except AppError as exc:
            _undo(db, exc)
            field = {"unknown_category": "category_id", "currency_mismatch": "list_price"}
            errors = {field.get(exc.code, FORM_ERROR): exc.message}
            status = exc.status
            course = authoring.owned_course(db, actor, course_id)
        else:
            flash(request, "course_saved")
            return _redirect(f"/studio/courses/{course.id}")
    context = _editor_context(db, course, values=values, errors=errors)
    return _page(request, STUDIO + "course.html", context, status)


@router.post("/studio/preview", dependencies=[CsrfChecked])
def markdown_preview(form: WebForm, actor: WebActor) -> Response:
    """Sanitised HTML of the Markdown being typed (the editor's live preview)."""
    _require_instructor(actor)
    source = _text(form, "description") or _text(form, "body")
    if len(source) > PREVIEW_MAX_CHARS:
        return HTMLResponse('<p class="field-error">This text is too long to preview.</p>')
    html = render_markdown(source) if source.strip() else ""
    return HTMLResponse(html or '<p class="muted">Nothing to preview yet.</p>')


# ---------------------------------------------------------- status changes


def _change_status(
    request: Request, course_id: str, action: str, form: FormData, db: Session, actor: Actor
) -> Response:
    """Submit, unpublish or archive; a refusal shows the editor with the reason."""
    _require_instructor(actor)
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
        _undo(db, exc)
        course = authoring.owned_course(db, actor, course_id)
        context = _editor_context(
            db,
            course,
            status_error=exc.message,
            status_error_title=STATUS_REFUSALS[action],
            status_problems=[e.get("msg") for e in exc.errors or [] if e.get("msg")],
        )
        return _page(request, STUDIO + "course.html", context, exc.status)
    flash(request, STATUS_FLASHES[action])
    return _redirect(_studio_path(_text(form, "next")) or f"/studio/courses/{course.id}")


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
    _require_instructor(actor)
    outcome = authoring.delete_course(db, get_runtime(), actor, course_id)
    if outcome == "archived":
        flash(request, "course_archived_instead")
        return _redirect(f"/studio/courses/{course_id}")
    flash(request, "course_deleted")
    return _redirect("/studio")


# -------------------------------------------------------- curriculum builder


def _curriculum_sections(db: Session, actor: Actor, course: Course) -> list[dict[str, Any]]:
    """Sections with their lessons, and whether each lesson can move up or down a step."""
    db.flush()
    outline = content.course_content(db, get_runtime(), actor, course.id)
    sections: list[dict[str, Any]] = []
    for part in outline.sections:
        lessons = [lesson.model_dump() for lesson in part.lessons]
        sections.append(
            {
                "id": part.id,
                "title": part.title,
                "lessons": lessons,
                "duration": sum(lesson["duration_seconds"] for lesson in lessons),
            }
        )
    # move_lesson crosses into the neighbouring section at a section's edge.
    first_section = sections[0]["id"] if sections else None
    last_section = sections[-1]["id"] if sections else None
    for section in sections:
        members = section["lessons"]
        for index, lesson in enumerate(members):
            lesson["can_up"] = index > 0 or section["id"] != first_section
            lesson["can_down"] = index < len(members) - 1 or section["id"] != last_section
    return sections


def _curriculum(
    request: Request,
    db: Session,
    actor: Actor,
    course: Course,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
    announcement: str = "",
) -> HTMLResponse:
    """The builder: the `#curriculum` fragment for htmx, else the whole page."""
    context: dict[str, Any] = {
        "course": course,
        "sections": _curriculum_sections(db, actor, course),
        "errors": errors or {},
        "values": values or {},
        "announcement": announcement,
    }
    if is_htmx(request):
        # Inline errors are part of the fragment, so it is swapped in whatever happened.
        response = render(request, CURRICULUM_FRAGMENT, context)
        response.headers.append("Vary", "HX-Request")
        return response
    return _page(request, STUDIO + "curriculum.html", context, status)


def _curriculum_done(
    request: Request, db: Session, actor: Actor, course: Course, anchor: str, announcement: str
) -> Response:
    if is_htmx(request):
        return _curriculum(request, db, actor, course, announcement=announcement)
    return _redirect(f"/studio/courses/{course.id}/curriculum#{anchor}")


def _refused(
    request: Request,
    db: Session,
    actor: Actor,
    course_id: str,
    key: str,
    message: str,
    values: dict[str, str],
    status: int,
) -> Response:
    course = authoring.owned_course(db, actor, course_id)
    errors = {key: message}
    return _curriculum(request, db, actor, course, errors=errors, values=values, status=status)


def _direction(form: FormData) -> Direction:
    value = _text(form, "direction")
    if value == "up":
        return "up"
    if value == "down":
        return "down"
    raise InvalidInput("direction must be up or down.")


@router.get("/studio/courses/{course_id}/curriculum", response_class=HTMLResponse)
def curriculum_page(request: Request, course_id: str, db: WebDb, actor: WebActor) -> Response:
    if not actor.is_instructor:
        return _not_instructor(request)
    course = authoring.owned_course(db, actor, course_id)
    return _curriculum(request, db, actor, course)


async def _raw_body(request: Request) -> bytes:
    return await request.body()


@router.post("/studio/courses/{course_id}/curriculum/order", dependencies=[CsrfChecked])
def save_order(
    request: Request,
    course_id: str,
    raw: Annotated[bytes, Depends(_raw_body)],
    db: WebDb,
    actor: WebActor,
) -> Response:
    """The whole order after a drag and drop, as JSON: {sections: [{id, lessons: [...]}]}."""
    _require_instructor(actor)
    try:
        body = CurriculumOrder.model_validate_json(raw)
    except ValidationError:
        raise InvalidInput(
            "Send the order as {sections: [{id, lessons: [id, ...]}, ...]}."
        ) from None
    course = authoring.reorder_curriculum(db, get_runtime(), actor, course_id, body)
    if is_htmx(request):
        return _curriculum(request, db, actor, course, announcement="Order saved.")
    return Response(status_code=204)


@router.post("/studio/courses/{course_id}/sections", dependencies=[CsrfChecked])
def add_section(
    request: Request, course_id: str, form: WebForm, db: WebDb, actor: WebActor
) -> Response:
    _require_instructor(actor)
    title = _text(form, "title")
    values = {"add-section": title}
    body, errors = validate_form(SectionIn, {"title": title})
    if body is None:
        message = errors.get("title", "Give the section a title.")
        return _refused(request, db, actor, course_id, "add-section", message, values, 422)
    try:
        section = authoring.add_section(db, get_runtime(), actor, course_id, body)
    except AppError as exc:
        _undo(db, exc)
        return _refused(
            request, db, actor, course_id, "add-section", exc.message, values, exc.status
        )
    course = authoring.owned_course(db, actor, course_id)
    announcement = f"Section {section.title} added."
    return _curriculum_done(request, db, actor, course, f"section-{section.id}", announcement)


@router.post("/studio/sections/{section_id}/rename", dependencies=[CsrfChecked])
def rename_section(
    request: Request, section_id: str, form: WebForm, db: WebDb, actor: WebActor
) -> Response:
    _require_instructor(actor)
    section, course = authoring.owned_section(db, actor, section_id, for_update=False)
    key = f"rename-section-{section.id}"
    title = _text(form, "title")
    body, errors = validate_form(SectionUpdate, {"title": title})
    if body is None or body.title is None:
        message = errors.get("title", "Give the section a title.")
        return _refused(request, db, actor, course.id, key, message, {key: title}, 422)
    authoring.update_section(db, get_runtime(), actor, section.id, body)
    return _curriculum_done(
        request, db, actor, course, f"section-{section.id}", f"Section renamed to {body.title}."
    )


@router.post("/studio/sections/{section_id}/delete", dependencies=[CsrfChecked])
def delete_section(request: Request, section_id: str, db: WebDb, actor: WebActor) -> Response:
    _require_instructor(actor)
    section, course = authoring.owned_section(db, actor, section_id, for_update=False)
    title = section.title
    authoring.delete_section(db, get_runtime(), actor, section.id)
    return _curriculum_done(request, db, actor, course, "curriculum", f"Section {title} deleted.")


@router.post("/studio/sections/{section_id}/move", dependencies=[CsrfChecked])
def move_section(
    request: Request, section_id: str, form: WebForm, db: WebDb, actor: WebActor
) -> Response:
    _require_instructor(actor)
    direction = _direction(form)
    course = authoring.move_section(db, get_runtime(), actor, section_id, direction)
    return _curriculum_done(
        request, db, actor, course, f"section-{section_id}", f"Section moved {direction}."
    )


@router.post("/studio/sections/{section_id}/lessons", dependencies=[CsrfChecked])
def add_lesson(
    request: Request, section_id: str, form: WebForm, db: WebDb, actor: WebActor
) -> Response:
    _require_instructor(actor)
    section, course = authoring.owned_section(db, actor, section_id, for_update=False)
    key = f"add-lesson-{section.id}"
    fields = _fields(form, "title", "kind")
    values = {key: fields["title"], f"{key}-kind": fields["kind"]}
    body, errors = validate_form(LessonCreate, {"title": fields["title"], "kind": fields["kind"]})
    if body is None:
        message = errors.get("title") or errors.get("kind") or "Check the lesson's title and type."
        if "kind" in errors and "title" not in errors:
            message = "Choose a lesson type from the list."
        return _refused(request, db, actor, course.id, key, message, values, 422)
    lesson = authoring.add_lesson(db, get_runtime(), actor, section.id, body)
    return _curriculum_done(
        request, db, actor, course, f"lesson-{lesson.id}", f"Lesson {lesson.title} added."
    )


@router.post("/studio/lessons/{lesson_id}/rename", dependencies=[CsrfChecked])
def rename_lesson(
    request: Request, lesson_id: str, form: WebForm, db: WebDb, actor: WebActor
) -> Response:
    _require_instructor(actor)
    lesson, course = authoring.owned_lesson(db, actor, lesson_id, for_update=False)
    key = f"rename-lesson-{lesson.id}"
    title = _text(form, "title")
    body, errors = validate_form(LessonUpdate, {"title": title})
    if body is None or body.title is None:
        message = errors.get("title", "Give the lesson a title.")
        return _refused(request, db, actor, course.id, key, message, {key: title}, 422)
    authoring.update_lesson(db, get_runtime(), actor, lesson.id, body)
    return _curriculum_done(
        request, db, actor, course, f"lesson-{lesson.id}", f"Lesson renamed to {body.title}."
    )


@router.post("/studio/lessons/{lesson_id}/delete", dependencies=[CsrfChecked])
def delete_lesson(request: Request, lesson_id: str, db: WebDb, actor: WebActor) -> Response:
    _require_instructor(actor)
    lesson, course = authoring.owned_lesson(db, actor, lesson_id, for_update=False)
    title, section_id = lesson.title, lesson.section_id
    authoring.delete_lesson(db, get_runtime(), actor, lesson.id)
    return _curriculum_done(
        request, db, actor, course, f"section-{section_id}", f"Lesson {title} deleted."
    )


@router.post("/studio/lessons/{lesson_id}/move", dependencies=[CsrfChecked])
def move_lesson(
    request: Request, lesson_id: str, form: WebForm, db: WebDb, actor: WebActor
) -> Response:
    _require_instructor(actor)
    direction = _direction(form)
    course = authoring.move_lesson(db, get_runtime(), actor, lesson_id, direction)
    return _curriculum_done(
        request, db, actor, course, f"lesson-{lesson_id}", f"Lesson moved {direction}."
    )


# -------------------------------------------------------------- lesson page


def _lesson_values(lesson: Any) -> dict[str, Any]:
    drip = "none"
    if lesson.drip_days is not None:
        drip = "days"
    elif lesson.drip_date is not None:
        drip = "date"
    minutes = math.ceil(lesson.duration_seconds / 60) if lesson.duration_seconds else ""
    return {
        "title": lesson.title,
        "is_preview": lesson.is_preview,
        "duration_minutes": str(minutes),
        "body": lesson.body,
        "drip": drip,
        "drip_days": "" if lesson.drip_days is None else str(lesson.drip_days),
        "drip_date": lesson.drip_date.date().isoformat() if lesson.drip_date else "",
    }


def _lesson_context(db: Session, actor: Actor, lesson_id: str, **extra: Any) -> dict[str, Any]:
    lesson, course = authoring.owned_lesson(db, actor, lesson_id, for_update=False)
    section, _ = authoring.owned_section(db, actor, lesson.section_id, for_update=False)
    question_count = 0
    if lesson.kind == "quiz":
        question_count = len(quizzes.quiz_for_owner(db, actor, lesson.id).questions)
    context: dict[str, Any] = {
        "lesson": lesson,
        "course": course,
        "section": section,
        "question_count": question_count,
        "values": _lesson_values(lesson),
    }
    context.update(extra)
    return context


def _lesson_form(
    form: FormData, kind: str
) -> tuple[dict[str, Any], LessonUpdate | None, dict[str, str]]:
    values: dict[str, Any] = _fields(
        form, "title", "duration_minutes", "body", "drip", "drip_days", "drip_date"
    )
    values["is_preview"] = form.get("is_preview") is not None
    errors: dict[str, str] = {}
    data: dict[str, Any] = {"title": values["title"], "is_preview": values["is_preview"]}
    minutes_text = values["duration_minutes"].strip()
    if minutes_text:
        if minutes_text.isdigit() and int(minutes_text) <= MAX_DURATION_MINUTES:
            data["duration_seconds"] = int(minutes_text) * 60
        else:
            errors["duration_minutes"] = "Enter whole minutes, 0 to 1440."
    else:
        data["duration_seconds"] = 0
    if kind != "quiz":
        data["body"] = values["body"]
    drip = values["drip"] or "none"
    if drip == "days":
        days = values["drip_days"].strip()
        if days.isdigit() and int(days) <= 3650:
            data["drip_days"] = int(days)
        else:
            errors["drip"] = "Enter the number of days after enrollment, 0 to 3650."
    elif drip == "date":
        try:
            day = date.fromisoformat(values["drip_date"].strip())
        except ValueError:
            errors["drip"] = "Choose the date the lesson opens."
        else:
            data["drip_date"] = datetime(day.year, day.month, day.day, tzinfo=UTC)
    else:
        data["clear_drip"] = True
    body, problems = validate_form(LessonUpdate, data)
    for field, message in problems.items():
        key = "drip" if field.startswith("drip") or field == FORM_ERROR else field
        if field == "duration_seconds":
            key = "duration_minutes"
        errors.setdefault(key, message)
    return values, (body if not errors else None), errors


@router.get("/studio/lessons/{lesson_id}", response_class=HTMLResponse)
def lesson_page(request: Request, lesson_id: str, db: WebDb, actor: WebActor) -> Response:
    if not actor.is_instructor:
        return _not_instructor(request)
    return _page(request, STUDIO + "lesson.html", _lesson_context(db, actor, lesson_id))


@router.post("/studio/lessons/{lesson_id}", dependencies=[CsrfChecked])
def save_lesson(
    request: Request, lesson_id: str, form: WebForm, db: WebDb, actor: WebActor
) -> Response:
    _require_instructor(actor)
    lesson, _course = authoring.owned_lesson(db, actor, lesson_id, for_update=False)
    values, body, errors = _lesson_form(form, lesson.kind)
    status = 422
    if body is not None:
        try:
            authoring.update_lesson(db, get_runtime(), actor, lesson.id, body)
        except AppError as exc:
            _undo(db, exc)
            errors = {"drip" if "drip" in exc.code else FORM_ERROR: exc.message}
            status = exc.status
        else:
            flash(request, "lesson_saved")
            return _redirect(f"/studio/lessons/{lesson_id}")
    context = _lesson_context(db, actor, lesson_id, values=values, errors=errors)
    return _page(request, STUDIO + "lesson.html", context, status)


# ---------------------------------------------------------------- quiz page


def _blank_question(kind: str) -> dict[str, Any]:
    choices = [""] * NEW_QUESTION_CHOICES if kind in ("single", "multiple") else []
    return {
        "kind": kind,
        "prompt": "",
        "choices": choices,
        "correct": set(),
        "tf": "",
        "accepted": "",
        "explanation": "",
    }


def _stored_questions(quiz: quizzes.QuizOut) -> list[dict[str, Any]]:
    questions = []
    for stored in quiz.questions:
        question = _blank_question(stored.kind)
        question.update(prompt=stored.prompt, explanation=stored.explanation)
        if stored.kind == "single":
            question.update(choices=list(stored.choices), correct={stored.answer})
        elif stored.kind == "multiple":
            question.update(choices=list(stored.choices), correct=set(stored.answer))
        elif stored.kind == "true_false":
            question["tf"] = "true" if stored.answer else "false"
        else:
            question["accepted"] = "\n".join(stored.answer)
        questions.append(question)
    return questions


def _posted_questions(form: FormData) -> list[dict[str, Any]]:
    """The questions as the form sent them (q-0-prompt, q-0-choice, q-0-correct, ...)."""
    count_text = _text(form, "questions")
    count = min(int(count_text), MAX_QUESTIONS + 1) if count_text.isdigit() else 0
    questions = []
    for i in range(count):
        prefix = f"q-{i}-"
        kind = _text(form, prefix + "kind")
        if kind not in QUESTION_KINDS:
            continue
        question = _blank_question(kind)
        question.update(
            prompt=_text(form, prefix + "prompt"),
            choices=_texts(form, prefix + "choice")[:MAX_CHOICES],
            correct={int(v) for v in _texts(form, prefix + "correct") if v.isdigit()},
            tf=_text(form, prefix + "tf"),
            accepted=_text(form, prefix + "accepted"),
            explanation=_text(form, prefix + "explanation"),
        )
        questions.append(question)
    return questions


def _question_in(question: dict[str, Any]) -> tuple[dict[str, Any] | None, str | None]:
    """One question as QuizIn wants it, or the reason it cannot be saved."""
    kind = question["kind"]
    prompt = question["prompt"].strip()
    if not prompt:
        return None, "Write the question."
    data: dict[str, Any] = {
        "kind": kind,
        "prompt": prompt,
        "explanation": question["explanation"].strip(),
    }
    if kind in ("single", "multiple"):
        kept = [(i, text.strip()) for i, text in enumerate(question["choices"]) if text.strip()]
        if len(kept) < 2:
            return None, "Give at least two choices."
        new_index = {old: new for new, (old, _) in enumerate(kept)}
        right = sorted(new_index[i] for i in question["correct"] if i in new_index)
        data["choices"] = [text for _, text in kept]
        if kind == "single":
            if len(right) != 1:
                return None, "Mark the right answer."
            data["answer"] = right[0]
        else:
            if not right:
                return None, "Mark at least one right answer."
            data["answer"] = right
    elif kind == "true_false":
        if question["tf"] not in ("true", "false"):
            return None, "Choose whether the statement is true or false."
        data["answer"] = question["tf"] == "true"
    else:
        accepted = _lines(question["accepted"])
        if not accepted:
            return None, "Give at least one accepted answer."
        data["answer"] = accepted
    return data, None


def _quiz_form(
    form: FormData, questions: list[dict[str, Any]]
) -> tuple[dict[str, Any], QuizIn | None, dict[str, str]]:
    values: dict[str, Any] = _fields(form, "pass_percent", "max_attempts")
    values["shuffle"] = form.get("shuffle") is not None
    errors: dict[str, str] = {}
    data: dict[str, Any] = {"shuffle": values["shuffle"], "questions": []}
    pass_text = values["pass_percent"].strip()
    if pass_text.isdigit() and int(pass_text) <= 100:
        data["pass_percent"] = int(pass_text)
    else:
        errors["pass_percent"] = "Enter a whole percentage, 0 to 100."  # noqa: S105
    attempts = values["max_attempts"].strip()
    if attempts:
        if attempts.isdigit() and 1 <= int(attempts) <= 100:
            data["max_attempts"] = int(attempts)
        else:
            errors["max_attempts"] = "Enter 1 to 100 attempts, or leave it empty for unlimited."
    if not questions:
        errors[FORM_ERROR] = "Add at least one question."
    if len(questions) > MAX_QUESTIONS:
        errors[FORM_ERROR] = f"A quiz can have at most {MAX_QUESTIONS} questions."
    for index, question in enumerate(questions):
        item, problem = _question_in(question)
        if problem:
            errors[f"q-{index}"] = problem
        else:
            data["questions"].append(item)
    if errors:
        return values, None, errors
    body, problems = validate_form(QuizIn, data)
    for field, message in problems.items():
        errors.setdefault(FORM_ERROR if field == "questions" else field, message)
    return values, body, errors


def _quiz_context(db: Session, actor: Actor, lesson_id: str, **extra: Any) -> dict[str, Any]:
    lesson, course = authoring.owned_lesson(db, actor, lesson_id, for_update=False)
    quiz = quizzes.quiz_for_owner(db, actor, lesson.id)
    context: dict[str, Any] = {
        "lesson": lesson,
        "course": course,
        "values": {
            "pass_percent": str(quiz.pass_percent),
            "max_attempts": "" if quiz.max_attempts is None else str(quiz.max_attempts),
            "shuffle": quiz.shuffle,
        },
        "questions": _stored_questions(quiz),
        "draft": False,
    }
    context.update(extra)
    return context


@router.get("/studio/lessons/{lesson_id}/quiz", response_class=HTMLResponse)
def quiz_page(request: Request, lesson_id: str, db: WebDb, actor: WebActor) -> Response:
    if not actor.is_instructor:
        return _not_instructor(request)
    return _page(request, STUDIO + "quiz.html", _quiz_context(db, actor, lesson_id))


@router.post("/studio/lessons/{lesson_id}/quiz", dependencies=[CsrfChecked])
def save_quiz(
    request: Request, lesson_id: str, form: WebForm, db: WebDb, actor: WebActor
) -> Response:
    """Saves the quiz, or (Add/Remove buttons) shows the form again with one question more/less."""
    _require_instructor(actor)
    questions = _posted_questions(form)
    op = _text(form, "op") or "save"
    verb, _, arg = op.partition(":")
    if verb != "save":
        if verb == "add" and arg in QUESTION_KINDS and len(questions) < MAX_QUESTIONS:
            questions.append(_blank_question(arg))
        elif verb == "remove" and arg.isdigit() and int(arg) < len(questions):
            questions.pop(int(arg))
        elif verb == "choice" and arg.isdigit() and int(arg) < len(questions):
            choices = questions[int(arg)]["choices"]
            if len(choices) < MAX_CHOICES:
                choices.append("")
        values: dict[str, Any] = _fields(form, "pass_percent", "max_attempts")
        values["shuffle"] = form.get("shuffle") is not None
        context = _quiz_context(
            db, actor, lesson_id, values=values, questions=questions, draft=True
        )
        return _page(request, STUDIO + "quiz.html", context)
    posted, body, errors = _quiz_form(form, questions)
    status = 422
    if body is not None:
        try:
            quizzes.set_quiz(db, get_runtime(), actor, lesson_id, body)
        except AppError as exc:
            _undo(db, exc)
            errors = {FORM_ERROR: exc.message}
            status = exc.status
            if isinstance(exc, InvalidQuiz):
                for item in exc.errors or []:
                    loc = item.get("loc")
                    if isinstance(loc, list | tuple) and len(loc) > 2 and isinstance(loc[2], int):
                        errors[f"q-{loc[2]}"] = str(item.get("msg", exc.message)).capitalize()
        else:
            flash(request, "quiz_saved")
            return _redirect(f"/studio/lessons/{lesson_id}/quiz")
    context = _quiz_context(db, actor, lesson_id, values=posted, questions=questions, errors=errors)
    return _page(request, STUDIO + "quiz.html", context, status)


# ------------------------------------------------------------ admin reviews


@router.get("/admin/reviews", response_class=HTMLResponse)
def review_queue(request: Request, db: WebDb, actor: WebActor, params: PageQuery) -> Response:
    _require_admin(actor)
    page = workflow.review_queue(db, get_runtime(), actor, params)
    items = []
    for item in page.items:
        # The summary has no submission time; a page is at most a few dozen primary-key reads.
        course = authoring.owned_course(db, actor, item.id)
        items.append(
            {
                "id": item.id,
                "title": item.title,
                "instructor": item.instructor.name,
                "category": item.category.name if item.category else None,
                "submitted_at": course.submitted_at,
                "lesson_count": item.lesson_count,
                "price_label": money_label(item.price.amount, item.price.currency),
            }
        )
    return _page(request, ADMIN + "reviews.html", {"items": items, "page": page})


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
    return _page(request, ADMIN + "review.html", _review_context(db, actor, course_id))


@router.post("/admin/reviews/{course_id}/approve", dependencies=[CsrfChecked])
def approve_course(request: Request, course_id: str, db: WebDb, actor: WebActor) -> Response:
    _require_admin(actor)
    try:
        workflow.approve(db, get_runtime(), actor, course_id)
    except AppError as exc:
        _undo(db, exc)
        context = _review_context(db, actor, course_id, errors={FORM_ERROR: exc.message})
        return _page(request, ADMIN + "review.html", context, exc.status)
    flash(request, "course_approved")
    return _redirect("/admin/reviews")


@router.post("/admin/reviews/{course_id}/reject", dependencies=[CsrfChecked])
def reject_course(
    request: Request, course_id: str, form: WebForm, db: WebDb, actor: WebActor
) -> Response:
    _require_admin(actor)
    reason = _text(form, "reason")
    body, errors = validate_form(ReviewDecision, {"reason": reason})
    status = 422
    if body is not None:
        try:
            workflow.reject(db, get_runtime(), actor, course_id, body.reason)
        except AppError as exc:
            _undo(db, exc)
            errors = {FORM_ERROR: exc.message}
            status = exc.status
        else:
            flash(request, "course_rejected")
            return _redirect("/admin/reviews")
    if "reason" in errors:
        errors["reason"] = "Tell the instructor what needs to change."
    context = _review_context(db, actor, course_id, errors=errors, values={"reason": reason})
    return _page(request, ADMIN + "review.html", context, status)
