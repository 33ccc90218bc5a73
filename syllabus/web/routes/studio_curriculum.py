"""The studio's curriculum builder and the lesson and quiz editors.

The builder's forms work without JavaScript; with htmx they swap the
`#curriculum` fragment instead, and studio.js posts the whole order as JSON
after a drag and drop. Every POST is CSRF-checked; another instructor's
course, section or lesson is a 404 (the services decide).
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from syllabus.accounts.actor import Actor
from syllabus.catalog import authoring, content, quizzes
from syllabus.catalog.errors import InvalidQuiz
from syllabus.catalog.models import Course
from syllabus.catalog.schemas import (
    CurriculumOrder,
    LessonCreate,
    LessonUpdate,
    SectionIn,
    SectionUpdate,
)
from syllabus.kit.errors import AppError, InvalidInput
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
from syllabus.web.pages import render_page, see_other, undo_refused
from syllabus.web.routes._quiz_form import (
    MAX_CHOICES,
    MAX_QUESTIONS,
    QUESTION_KINDS,
    blank_question,
    posted_questions,
    quiz_form,
    quiz_values,
    stored_questions,
)
from syllabus.web.routes._studio_common import (
    STUDIO,
    form_fields,
    form_text,
    not_instructor_page,
    require_instructor,
)
from syllabus.web.routes.live import studio_schedule
from syllabus.web.routes.studio_media import lesson_media_panel
from syllabus.web.templating import is_htmx, render

router = APIRouter(include_in_schema=False)

CURRICULUM_FRAGMENT = STUDIO + "_curriculum.html"
MAX_DURATION_MINUTES = 24 * 60

Direction = Literal["up", "down"]


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
    return render_page(request, STUDIO + "curriculum.html", context, status)


def _curriculum_done(
    request: Request, db: Session, actor: Actor, course: Course, anchor: str, announcement: str
) -> Response:
    if is_htmx(request):
        return _curriculum(request, db, actor, course, announcement=announcement)
    return see_other(f"/studio/courses/{course.id}/curriculum#{anchor}")


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
    value = form_text(form, "direction")
    if value == "up":
        return "up"
    if value == "down":
        return "down"
    raise InvalidInput("direction must be up or down.")


@router.get("/studio/courses/{course_id}/curriculum", response_class=HTMLResponse)
def curriculum_page(request: Request, course_id: str, db: WebDb, actor: WebActor) -> Response:
    if not actor.is_instructor:
        return not_instructor_page(request)
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
    require_instructor(actor)
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
    require_instructor(actor)
    title = form_text(form, "title")
    values = {"add-section": title}
    body, errors = validate_form(SectionIn, {"title": title})
    if body is None:
        message = errors.get("title", "Give the section a title.")
        return _refused(request, db, actor, course_id, "add-section", message, values, 422)
    try:
        section = authoring.add_section(db, get_runtime(), actor, course_id, body)
    except AppError as exc:
        undo_refused(db, exc)
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
    require_instructor(actor)
    section, course = authoring.owned_section(db, actor, section_id, for_update=False)
    key = f"rename-section-{section.id}"
    title = form_text(form, "title")
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
    require_instructor(actor)
    section, course = authoring.owned_section(db, actor, section_id, for_update=False)
    title = section.title
    authoring.delete_section(db, get_runtime(), actor, section.id)
    return _curriculum_done(request, db, actor, course, "curriculum", f"Section {title} deleted.")


@router.post("/studio/sections/{section_id}/move", dependencies=[CsrfChecked])
def move_section(
    request: Request, section_id: str, form: WebForm, db: WebDb, actor: WebActor
) -> Response:
    require_instructor(actor)
    direction = _direction(form)
    course = authoring.move_section(db, get_runtime(), actor, section_id, direction)
    return _curriculum_done(
        request, db, actor, course, f"section-{section_id}", f"Section moved {direction}."
    )


@router.post("/studio/sections/{section_id}/lessons", dependencies=[CsrfChecked])
def add_lesson(
    request: Request, section_id: str, form: WebForm, db: WebDb, actor: WebActor
) -> Response:
    require_instructor(actor)
    section, course = authoring.owned_section(db, actor, section_id, for_update=False)
    key = f"add-lesson-{section.id}"
    fields = form_fields(form, "title", "kind")
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
    require_instructor(actor)
    lesson, course = authoring.owned_lesson(db, actor, lesson_id, for_update=False)
    key = f"rename-lesson-{lesson.id}"
    title = form_text(form, "title")
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
    require_instructor(actor)
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
    require_instructor(actor)
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
        "lesson_media": lesson_media_panel(db, lesson),
        "live_schedule": studio_schedule(db, lesson),
    }
    context.update(extra)
    return context


def _lesson_form(
    form: FormData, kind: str
) -> tuple[dict[str, Any], LessonUpdate | None, dict[str, str]]:
    values: dict[str, Any] = form_fields(
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
        return not_instructor_page(request)
    return render_page(request, STUDIO + "lesson.html", _lesson_context(db, actor, lesson_id))


@router.post("/studio/lessons/{lesson_id}", dependencies=[CsrfChecked])
def save_lesson(
    request: Request, lesson_id: str, form: WebForm, db: WebDb, actor: WebActor
) -> Response:
    require_instructor(actor)
    lesson, _course = authoring.owned_lesson(db, actor, lesson_id, for_update=False)
    values, body, errors = _lesson_form(form, lesson.kind)
    status = 422
    if body is not None:
        try:
            authoring.update_lesson(db, get_runtime(), actor, lesson.id, body)
        except AppError as exc:
            undo_refused(db, exc)
            errors = {"drip" if "drip" in exc.code else FORM_ERROR: exc.message}
            status = exc.status
        else:
            flash(request, "lesson_saved")
            return see_other(f"/studio/lessons/{lesson_id}")
    context = _lesson_context(db, actor, lesson_id, values=values, errors=errors)
    return render_page(request, STUDIO + "lesson.html", context, status)


# ---------------------------------------------------------------- quiz page


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
        "questions": stored_questions(quiz),
        "draft": False,
    }
    context.update(extra)
    return context


@router.get("/studio/lessons/{lesson_id}/quiz", response_class=HTMLResponse)
def quiz_page(request: Request, lesson_id: str, db: WebDb, actor: WebActor) -> Response:
    if not actor.is_instructor:
        return not_instructor_page(request)
    return render_page(request, STUDIO + "quiz.html", _quiz_context(db, actor, lesson_id))


@router.post("/studio/lessons/{lesson_id}/quiz", dependencies=[CsrfChecked])
def save_quiz(
    request: Request, lesson_id: str, form: WebForm, db: WebDb, actor: WebActor
) -> Response:
    """Saves the quiz, or (Add/Remove buttons) shows the form again with one question more/less."""
    require_instructor(actor)
    questions = posted_questions(form)
    op = form_text(form, "op") or "save"
    verb, _, arg = op.partition(":")
    if verb != "save":
        if verb == "add" and arg in QUESTION_KINDS and len(questions) < MAX_QUESTIONS:
            questions.append(blank_question(arg))
        elif verb == "remove" and arg.isdigit() and int(arg) < len(questions):
            questions.pop(int(arg))
        elif verb == "choice" and arg.isdigit() and int(arg) < len(questions):
            choices = questions[int(arg)]["choices"]
            if len(choices) < MAX_CHOICES:
                choices.append("")
        values = quiz_values(form)
        context = _quiz_context(
            db, actor, lesson_id, values=values, questions=questions, draft=True
        )
        return render_page(request, STUDIO + "quiz.html", context)
    posted, body, errors = quiz_form(form, questions)
    status = 422
    if body is not None:
        try:
            quizzes.set_quiz(db, get_runtime(), actor, lesson_id, body)
        except AppError as exc:
            undo_refused(db, exc)
            errors = {FORM_ERROR: exc.message}
            status = exc.status
            if isinstance(exc, InvalidQuiz):
                for item in exc.errors or []:
                    loc = item.get("loc")
                    if isinstance(loc, list | tuple) and len(loc) > 2 and isinstance(loc[2], int):
                        errors[f"q-{loc[2]}"] = str(item.get("msg", exc.message)).capitalize()
        else:
            flash(request, "quiz_saved")
            return see_other(f"/studio/lessons/{lesson_id}/quiz")
    context = _quiz_context(db, actor, lesson_id, values=posted, questions=questions, errors=errors)
    return render_page(request, STUDIO + "quiz.html", context, status)
