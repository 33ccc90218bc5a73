"""Lesson Q&A pages in the course player.

The player's lesson page has a "Questions about this lesson" panel: its
list comes from `GET /learn/{slug}/lessons/{id}/questions` (loaded by htmx;
without JavaScript the panel links to that page) and its "Ask a question"
form posts there. Each question has its page with the answers, the answer
form and, for the course's instructor and admins, Hide/Show buttons.
Every form posts and redirects with a flash (post/redirect/get); a form
with errors comes back with them (422).

The pages are open to whoever may take part in the lesson's questions
(`community.question_reads`): a student who is not enrolled is sent to
the course's page, like the player does.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from syllabus.accounts.actor import Actor
from syllabus.community import question_reads as reads
from syllabus.community import questions
from syllabus.community.models import Question
from syllabus.community.qa_errors import (
    AnswerNotFound,
    LessonLocked,
    LessonNotFound,
    NotEnrolled,
    QuestionHidden,
    QuestionNotFound,
)
from syllabus.community.qa_schemas import AnswerIn, QuestionIn
from syllabus.community.question_reads import LessonScope
from syllabus.kit.errors import AppError
from syllabus.kit.pagination import MAX_PAGE, PageParams
from syllabus.kit.runtime import get_runtime
from syllabus.web.deps import CsrfChecked, WebActor, WebDb, WebForm, flash, validate_form
from syllabus.web.flashes import register_flashes
from syllabus.web.pages import render_page, see_other, undo_refused
from syllabus.web.templating import is_htmx, render, templates

router = APIRouter(include_in_schema=False)

TEMPLATES = "pages/learning/"
PAGE_SIZE = 20
BASE = "/learn/{slug}/lessons/{lesson_id}/questions"

Slug = Annotated[str, Path(min_length=1, max_length=140)]
LessonId = Annotated[str, Path(min_length=1, max_length=36)]
QuestionId = Annotated[str, Path(min_length=1, max_length=36)]
AnswerId = Annotated[str, Path(min_length=1, max_length=36)]
PageParam = Annotated[int, Query(ge=1, le=MAX_PAGE)]

register_flashes(
    {
        "qa_question_posted": (
            "success",
            "Your question is posted. We will notify you when someone answers.",
        ),
        "qa_answer_posted": ("success", "Your answer is posted."),
        "qa_question_deleted": ("info", "Your question was deleted."),
        "qa_question_hidden": ("info", "The question is hidden from students."),
        "qa_question_shown": ("success", "The question is visible to students again."),
        "qa_answer_hidden": ("info", "The answer is hidden from students."),
        "qa_answer_shown": ("success", "The answer is visible to students again."),
        "qa_question_closed": ("info", "This question is hidden, so it takes no new answers."),
    }
)


def qa_date(value: datetime | None) -> str:
    """A post's date as "21 Nov 2025" (UTC); an empty string for None."""
    if value is None:
        return ""
    moment = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return f"{moment.day} {moment:%b %Y}"


templates.env.filters.update(qa_date=qa_date)


# ----------------------------------------------------------------- helpers


def _go(request: Request, url: str) -> Response:
    """A redirect a plain form follows, or for htmx a full-page `HX-Redirect`."""
    if is_htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": url})
    return see_other(url)


def _turned_away(
    request: Request, db: Session, exc: AppError, slug: str, lesson_id: str
) -> Response:
    """Where someone who may not take part goes: the course page, or the locked lesson."""
    undo_refused(db, exc)
    if isinstance(exc, LessonLocked):
        flash(request, "lesson_locked")
        return _go(request, f"/learn/{quote(slug)}/lessons/{lesson_id}")
    flash(request, "enroll_first")
    return _go(request, f"/courses/{quote(slug)}")


def _check_slug(scope: LessonScope, slug: str) -> None:
    if slug not in (scope.course_slug, scope.course_id):
        raise LessonNotFound("This course has no such lesson.")


def _lesson(
    request: Request, db: Session, actor: Actor, slug: str, lesson_id: str
) -> LessonScope | Response:
    try:
        scope = reads.lesson_scope(db, actor, lesson_id)
    except (NotEnrolled, LessonLocked) as exc:
        return _turned_away(request, db, exc, slug, lesson_id)
    _check_slug(scope, slug)
    return scope


def _question(
    request: Request, db: Session, actor: Actor, slug: str, lesson_id: str, question_id: str
) -> tuple[Question, LessonScope] | Response:
    try:
        question, scope = reads.question_in_scope(db, actor, question_id)
    except (NotEnrolled, LessonLocked) as exc:
        return _turned_away(request, db, exc, slug, lesson_id)
    _check_slug(scope, slug)
    if question.lesson_id != lesson_id:
        raise QuestionNotFound("This lesson has no such question.")
    return question, scope


def _list_context(db: Session, scope: LessonScope, page: int) -> dict[str, Any]:
    listing = reads.questions_page(db, scope, PageParams(page=page, page_size=PAGE_SIZE))
    return {"scope": scope, "listing": listing}


def _thread_context(
    db: Session, actor: Actor, scope: LessonScope, question: Question
) -> dict[str, Any]:
    return {
        "scope": scope,
        "thread": reads.thread_of(db, scope, question),
        "can_delete": actor.is_admin or actor.id == question.user_id,
    }


def _fields(form: WebForm, *names: str) -> dict[str, str]:
    return {name: str(form.get(name) or "") for name in names}


def _hidden(form: WebForm) -> bool:
    """The Hide/Show buttons send hidden=1 or hidden=0."""
    return str(form.get("hidden") or "1") != "0"


# ------------------------------------------------------------------ pages


@router.get(BASE, response_class=HTMLResponse)
def questions_page(
    request: Request,
    slug: Slug,
    lesson_id: LessonId,
    db: WebDb,
    actor: WebActor,
    page: PageParam = 1,
) -> Response:
    """The lesson's questions: the player's panel (htmx) or a page of its own."""
    scope = _lesson(request, db, actor, slug, lesson_id)
    if isinstance(scope, Response):
        return scope
    context = _list_context(db, scope, page)
    if is_htmx(request):
        response = render(request, TEMPLATES + "_questions_list.html", context)
        response.headers.append("Vary", "HX-Request")
        return response
    response = render_page(request, TEMPLATES + "_questions_page.html", context)
    response.headers.append("Vary", "HX-Request")
    return response


@router.post(BASE, dependencies=[CsrfChecked])
def ask_question(
    request: Request, slug: Slug, lesson_id: LessonId, form: WebForm, db: WebDb, actor: WebActor
) -> Response:
    scope = _lesson(request, db, actor, slug, lesson_id)
    if isinstance(scope, Response):
        return scope
    values = _fields(form, "title", "body")
    data, errors = validate_form(QuestionIn, values)
    if data is None:
        context = {**_list_context(db, scope, 1), "values": values, "errors": errors}
        return render_page(request, TEMPLATES + "_questions_page.html", context, 422)
    question = questions.ask_question(db, get_runtime(), actor, scope.lesson_id, data)
    flash(request, "qa_question_posted")
    return see_other(scope.question_path(question.id))


@router.get(BASE + "/{question_id}", response_class=HTMLResponse)
def question_page(
    request: Request,
    slug: Slug,
    lesson_id: LessonId,
    question_id: QuestionId,
    db: WebDb,
    actor: WebActor,
) -> Response:
    found = _question(request, db, actor, slug, lesson_id, question_id)
    if isinstance(found, Response):
        return found
    question, scope = found
    return render_page(
        request, TEMPLATES + "question.html", _thread_context(db, actor, scope, question)
    )


@router.post(BASE + "/{question_id}/answers", dependencies=[CsrfChecked])
def answer_question(
    request: Request,
    slug: Slug,
    lesson_id: LessonId,
    question_id: QuestionId,
    form: WebForm,
    db: WebDb,
    actor: WebActor,
) -> Response:
    found = _question(request, db, actor, slug, lesson_id, question_id)
    if isinstance(found, Response):
        return found
    question, scope = found
    here = scope.question_path(question.id)
    values = _fields(form, "body")
    data, errors = validate_form(AnswerIn, values)
    if data is None:
        context = {**_thread_context(db, actor, scope, question), "values": values}
        context["errors"] = errors
        return render_page(request, TEMPLATES + "question.html", context, 422)
    try:
        answer = questions.answer_question(db, get_runtime(), actor, question.id, data)
    except QuestionHidden as exc:
        undo_refused(db, exc)
        flash(request, "qa_question_closed")
        return see_other(here)
    flash(request, "qa_answer_posted")
    return see_other(f"{here}#answer-{answer.id}")


@router.post(BASE + "/{question_id}/hide", dependencies=[CsrfChecked])
def hide_question(
    request: Request,
    slug: Slug,
    lesson_id: LessonId,
    question_id: QuestionId,
    form: WebForm,
    db: WebDb,
    actor: WebActor,
) -> Response:
    found = _question(request, db, actor, slug, lesson_id, question_id)
    if isinstance(found, Response):
        return found
    question, scope = found
    hidden = _hidden(form)
    questions.set_question_hidden(db, get_runtime(), actor, question.id, hidden)
    flash(request, "qa_question_hidden" if hidden else "qa_question_shown")
    return see_other(scope.question_path(question.id))


@router.post(BASE + "/{question_id}/answers/{answer_id}/hide", dependencies=[CsrfChecked])
def hide_answer(
    request: Request,
    slug: Slug,
    lesson_id: LessonId,
    question_id: QuestionId,
    answer_id: AnswerId,
    form: WebForm,
    db: WebDb,
    actor: WebActor,
) -> Response:
    found = _question(request, db, actor, slug, lesson_id, question_id)
    if isinstance(found, Response):
        return found
    question, scope = found
    answer, _, _ = reads.answer_in_scope(db, actor, answer_id)
    if answer.question_id != question.id:
        raise AnswerNotFound("This question has no such answer.")
    hidden = _hidden(form)
    questions.set_answer_hidden(db, get_runtime(), actor, answer.id, hidden)
    flash(request, "qa_answer_hidden" if hidden else "qa_answer_shown")
    return see_other(f"{scope.question_path(question.id)}#answer-{answer.id}")


@router.post(BASE + "/{question_id}/delete", dependencies=[CsrfChecked])
def delete_question(
    request: Request,
    slug: Slug,
    lesson_id: LessonId,
    question_id: QuestionId,
    db: WebDb,
    actor: WebActor,
) -> Response:
    found = _question(request, db, actor, slug, lesson_id, question_id)
    if isinstance(found, Response):
        return found
    question, scope = found
    questions.delete_question(db, get_runtime(), actor, question.id)
    flash(request, "qa_question_deleted")
    return see_other(f"{scope.lesson_path}#questions")


__all__ = ["router"]
