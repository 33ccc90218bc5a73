"""Learning pages: enroll, my learning, the course player, quizzes and certificates.

The player (`/learn/{slug}/lessons/{id}`) shows the curriculum with ticks
and drip locks, the lesson by kind, previous/next and "Mark complete". It
works without JavaScript (forms post and redirect, the quiz posts and
shows its grade); with htmx, "Mark complete" and a quiz submission swap
their panel and, out of band, the lesson's sidebar row and the progress
summary. Opening a lesson records it as the last one, so "Resume" picks
up there on any device.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from syllabus.accounts.actor import Actor
from syllabus.catalog import reads
from syllabus.catalog.content import course_content
from syllabus.catalog.schemas import CourseContent, LessonContent
from syllabus.kit.runtime import get_runtime
from syllabus.learning import certificates, enrollment, progress, quiz_attempts
from syllabus.learning.errors import (
    AlreadyEnrolled,
    CourseNotPublished,
    LessonLocked,
    LessonNotFound,
    MaxAttemptsReached,
    NotEnrolled,
    PaymentRequired,
)
from syllabus.learning.schemas import AttemptResult, EnrollmentOut, ProgressOut
from syllabus.web.deps import CsrfChecked, OptionalWebActor, WebActor, WebDb, WebForm, flash
from syllabus.web.deps import login_url as login_url_for
from syllabus.web.pages import render_page, see_other, undo_refused
from syllabus.web.routes import _learning_views as views
from syllabus.web.routes.live import live_panel
from syllabus.web.routes.player_media import lesson_media
from syllabus.web.templating import is_htmx, render, templates

router = APIRouter(include_in_schema=False)

TEMPLATES = "pages/learning/"

Slug = Annotated[str, Path(min_length=1, max_length=140)]
LessonId = Annotated[str, Path(min_length=1, max_length=36)]
Code = Annotated[str, Path(min_length=1, max_length=64)]
RetakeParam = Annotated[str | None, Query(max_length=8)]

templates.env.filters.update(day_month_year=views.day_month_year)


# ----------------------------------------------------------------- helpers


def _landing(slug: str) -> str:
    return f"/courses/{quote(slug)}"


def _go(request: Request, url: str) -> Response:
    """A redirect a plain form follows, or for htmx a full-page `HX-Redirect`."""
    if is_htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": url})
    return see_other(url)


def _page(
    request: Request, name: str, context: dict[str, Any], status_code: int = 200
) -> HTMLResponse:
    return render_page(request, TEMPLATES + name, context, status_code)


def _content(db: Session, actor: Actor, slug: str) -> CourseContent:
    return course_content(db, get_runtime(), actor, slug)


def _progress(db: Session, actor: Actor, course_id: str) -> ProgressOut | None:
    """The student's progress; None for the owner or an admin previewing the course."""
    try:
        return progress.course_progress(db, get_runtime(), actor, course_id)
    except NotEnrolled:
        return None


# ------------------------------------------------------------------ enroll


@router.post("/courses/{slug}/enroll", dependencies=[CsrfChecked])
def enroll(request: Request, slug: Slug, db: WebDb, actor: OptionalWebActor) -> Response:
    if actor is None:
        return see_other(login_url_for(_landing(slug)))
    player = f"/learn/{quote(slug)}"
    try:
        enrollment.enroll_free(db, get_runtime(), actor, slug)
    except AlreadyEnrolled as exc:
        undo_refused(db, exc)
        return see_other(player)
    except PaymentRequired as exc:
        undo_refused(db, exc)
        flash(request, "enroll_payment_required")
        return see_other(_landing(slug))
    except CourseNotPublished as exc:
        undo_refused(db, exc)
        flash(request, "enroll_unavailable")
        return see_other(_landing(slug))
    flash(request, "enrolled")
    return see_other(player)


@router.get("/courses/{slug}/enroll", include_in_schema=False)
def enroll_page(slug: Slug) -> Response:
    """Someone who logged in from an enroll button lands here: back to the course page."""
    return see_other(_landing(slug))


# ------------------------------------------------------------- my learning


def _card(
    item: EnrollmentOut,
    card: reads.CourseCard | None,
    titles: dict[str, tuple[str, str]],
    codes: dict[str, str],
) -> dict[str, Any]:
    slug = item.course.slug
    last = item.last_lesson_id
    # Only a lesson still in this course is offered to resume.
    last_title = titles[last][1] if last in titles and titles[last][0] == item.course.id else None
    if last_title is None:
        last = None
    started = item.progress_percent > 0 or last is not None
    if item.completed_at is not None:
        label = "Review course"
    else:
        label = "Resume" if started else "Start course"
    return {
        "id": item.course.id,
        "slug": slug,
        "title": item.course.title,
        "thumbnail_url": card.thumbnail_url if card else None,
        "instructor": card.instructor_name if card else "",
        "percent": item.progress_percent,
        "completed_at": item.completed_at,
        "last_lesson_title": last_title,
        "resume_url": views.lesson_url(slug, last) if last else f"/learn/{quote(slug)}",
        "action_label": label,
        "certificate_code": codes.get(item.course.id),
    }


@router.get("/my/learning", response_class=HTMLResponse)
def my_learning(request: Request, db: WebDb, actor: WebActor) -> Response:
    rt = get_runtime()
    items = enrollment.my_enrollments(db, rt, actor)
    codes = {c.course_id: c.code for c in certificates.my_certificates(db, rt, actor)}
    # The cards' pictures, teachers and last lessons: two statements for any number of courses.
    conn = db.connection()
    course_cards = reads.course_cards(rt, conn, [item.course.id for item in items])
    titles = reads.lesson_titles(conn, [i.last_lesson_id for i in items if i.last_lesson_id])
    cards = [_card(item, course_cards.get(item.course.id), titles, codes) for item in items]
    completed = sum(1 for card in cards if card["completed_at"])
    return _page(request, "my_learning.html", {"cards": cards, "completed_total": completed})


# ------------------------------------------------------------------ player


@router.get("/learn/{slug}", response_class=HTMLResponse)
def resume(request: Request, slug: Slug, db: WebDb, actor: WebActor) -> Response:
    try:
        content = _content(db, actor, slug)
    except NotEnrolled:
        flash(request, "enroll_first")
        return see_other(_landing(slug))
    state = _progress(db, actor, content.course_id)
    sections = views.build_outline(content, state)
    if not views.flat(sections):
        raise LessonNotFound("This course has no lessons yet.")
    target = views.resume_target(sections, state.last_lesson_id if state else None)
    return see_other(target.url)


def _player_context(
    content: CourseContent,
    state: ProgressOut | None,
    lesson: LessonContent,
    *,
    quiz: views.QuizView | None = None,
) -> dict[str, Any]:
    sections = views.build_outline(content, state, lesson.id)
    items = views.flat(sections)
    index = next(i for i, item in enumerate(items) if item.id == lesson.id)
    current = items[index]
    section = next(s for s in sections if s.id == current.section_id)
    return {
        "course": content,
        "sections": sections,
        "lesson": lesson,
        "current": current,
        "current_section": section,
        "lesson_total": len(items),
        "prev": items[index - 1] if index > 0 else None,
        "next": items[index + 1] if index + 1 < len(items) else None,
        "progress": views.progress_view(state),
        "tracking": state is not None,
        "lesson_url": current.url,
        "quiz": quiz,
    }


def _quiz(
    db: Session, actor: Actor, lesson: LessonContent, tracking: bool, *, retake: bool = False
) -> views.QuizView | None:
    if lesson.kind != "quiz" or not lesson.quiz:
        return None
    attempts = quiz_attempts.attempts_for(db, actor, lesson.id) if tracking else []
    view = views.quiz_view(lesson, attempts, retake=retake)
    if view is not None and not tracking:
        view.show_form = True  # a preview: the questions, with the submit button disabled
    return view


def _open_lesson(
    request: Request, db: Session, actor: Actor, slug: str, lesson_id: str
) -> tuple[CourseContent, LessonContent] | Response:
    """The course content and the lesson, or where to send someone who may not see it."""
    try:
        content = _content(db, actor, slug)
    except NotEnrolled:
        flash(request, "enroll_first")
        return _go(request, _landing(slug))
    lesson = views.find_lesson(content, lesson_id)
    if lesson is None:
        raise LessonNotFound("This course has no such lesson.")
    return content, lesson


@router.get("/learn/{slug}/lessons/{lesson_id}", response_class=HTMLResponse)
def lesson_page(
    request: Request,
    slug: Slug,
    lesson_id: LessonId,
    db: WebDb,
    actor: WebActor,
    retake: RetakeParam = None,
) -> Response:
    opened = _open_lesson(request, db, actor, slug, lesson_id)
    if isinstance(opened, Response):
        return opened
    content, lesson = opened
    if slug != content.slug:
        return RedirectResponse(views.lesson_url(content.slug, lesson.id), status_code=301)
    state = _progress(db, actor, content.course_id)
    if state is not None and not views.is_locked(lesson) and state.last_lesson_id != lesson.id:
        # Remember where the student is, for "Resume" on any device (a write: only
        # when it changes, so reloading a lesson reads only).
        progress.record_progress(
            db, get_runtime(), actor, lesson.id, position_seconds=None, completed=None
        )
        state = state.model_copy(update={"last_lesson_id": lesson.id})
    quiz = _quiz(db, actor, lesson, state is not None, retake=bool(retake))
    context = _player_context(content, state, lesson, quiz=quiz)
    context.update(lesson_media(db, actor, content.slug, lesson, state))
    context.update(live_panel(request, db, actor, lesson))
    return _page(request, "player.html", context)


@router.post("/learn/{slug}/lessons/{lesson_id}/complete", dependencies=[CsrfChecked])
def complete_lesson(
    request: Request, slug: Slug, lesson_id: LessonId, db: WebDb, actor: WebActor
) -> Response:
    opened = _open_lesson(request, db, actor, slug, lesson_id)
    if isinstance(opened, Response):
        return opened
    content, lesson = opened
    here = views.lesson_url(content.slug, lesson.id)
    try:
        progress.record_progress(
            db, get_runtime(), actor, lesson.id, position_seconds=None, completed=True
        )
    except LessonLocked as exc:
        undo_refused(db, exc)
        flash(request, "lesson_locked")
        return _go(request, here)
    except NotEnrolled as exc:
        undo_refused(db, exc)
        flash(request, "enroll_first")
        return _go(request, _landing(content.slug))
    if not is_htmx(request):
        flash(request, "lesson_completed")
        return see_other(here)
    state = _progress(db, actor, content.course_id)
    context = _player_context(content, state, lesson)
    response = render(request, TEMPLATES + "_completed.html", context)
    response.headers.append("Vary", "HX-Request")
    return response


@router.post("/learn/{slug}/lessons/{lesson_id}/quiz", dependencies=[CsrfChecked])
def submit_quiz(
    request: Request, slug: Slug, lesson_id: LessonId, form: WebForm, db: WebDb, actor: WebActor
) -> Response:
    opened = _open_lesson(request, db, actor, slug, lesson_id)
    if isinstance(opened, Response):
        return opened
    content, lesson = opened
    here = views.lesson_url(content.slug, lesson.id)
    if lesson.kind != "quiz" or not lesson.quiz:
        raise LessonNotFound("This lesson has no quiz.")
    answers = views.answers_from_form(form, lesson)
    result: AttemptResult | None = None
    error: str | None = None
    status = 200
    try:
        result = quiz_attempts.submit_attempt(db, get_runtime(), actor, lesson.id, answers)
    except MaxAttemptsReached as exc:
        undo_refused(db, exc)
        error, status = exc.message, exc.status
    except LessonLocked as exc:
        undo_refused(db, exc)
        flash(request, "lesson_locked")
        return _go(request, here)
    except NotEnrolled as exc:
        undo_refused(db, exc)
        flash(request, "enroll_first")
        return _go(request, _landing(content.slug))
    state = _progress(db, actor, content.course_id)
    quiz = _quiz(db, actor, lesson, state is not None)
    if quiz is not None:
        quiz.error = error
        if result is not None:
            quiz.result = views.graded_view(lesson, result)
    context = _player_context(content, state, lesson, quiz=quiz)
    if is_htmx(request):
        # 200 even for a refusal: htmx swaps only 2xx answers, and the panel explains it.
        response = render(request, TEMPLATES + "_quiz_graded.html", context)
        response.headers.append("Vary", "HX-Request")
        return response
    return _page(request, "player.html", context, status)


# ------------------------------------------------------------ certificates


@router.get("/my/certificates", response_class=HTMLResponse)
def my_certificates(request: Request, db: WebDb, actor: WebActor) -> Response:
    items = certificates.my_certificates(db, get_runtime(), actor)
    return _page(request, "certificates.html", {"certificates": items})


__all__ = ["router"]
