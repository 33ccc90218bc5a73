"""Live lessons on the player: join, start and end forms, and the panel's context.

The player (`learning.lesson_page`) asks `live_panel` what a live lesson
shows: the countdown before the window opens, a Join button inside it,
the recording afterwards, and for the owner Start/End and who joined.
Join and Start post here and are redirected to the personal, signed link
of the video service; a refused join comes back to the lesson with a
message. The lesson id decides every right; the slug keeps the address readable.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from syllabus.accounts.actor import Actor
from syllabus.catalog import authoring
from syllabus.catalog.models import Lesson
from syllabus.catalog.schemas import LessonContent, LessonUpdate
from syllabus.kit.errors import AppError
from syllabus.kit.middleware import CSP_EXTRA_STATE
from syllabus.kit.runtime import get_runtime
from syllabus.learning.errors import NotEnrolled
from syllabus.live import repository as live_repo
from syllabus.live import service
from syllabus.live.errors import (
    InvalidLiveSchedule,
    LiveEnded,
    LiveNotEnded,
    LiveNotOpen,
    LiveProviderError,
    LiveProviderUnavailable,
)
from syllabus.live.schemas import LiveIn
from syllabus.web.deps import CsrfChecked, WebActor, WebDb, WebForm, flash
from syllabus.web.pages import see_other, undo_refused

router = APIRouter(include_in_schema=False)

Slug = Annotated[str, Path(min_length=1, max_length=140)]
LessonId = Annotated[str, Path(min_length=1, max_length=36)]


def live_panel(
    request: Request, db: Session, actor: Actor, lesson: LessonContent
) -> dict[str, Any]:
    """The live lesson's panel context: the session (None if unscheduled) and attendees.

    The Join and Start forms are answered with a redirect to the video service,
    which the page's CSP `form-action` must allow.
    """
    if lesson.kind != "live":
        return {}
    live = service.find_live(db, actor, lesson.id)
    if live is not None:
        origin = service.provider_origin(get_runtime().settings, live.provider)
        setattr(request.state, CSP_EXTRA_STATE, {"form-action": origin})
    attendees = None
    if live is not None and live.can_manage:
        attendees = service.attendance(db, actor, lesson.id).items
    return {"live": live, "live_attendees": attendees}


def _lesson_url(slug: str, lesson_id: str) -> str:
    return f"/learn/{quote(slug)}/lessons/{quote(lesson_id)}"


def _refused(request: Request, db: Session, exc: Exception, here: str, slug: str) -> Response:
    if isinstance(exc, NotEnrolled):
        undo_refused(db, exc)
        flash(request, "enroll_first")
        return see_other(f"/courses/{quote(slug)}")
    if isinstance(exc, LiveNotOpen):
        undo_refused(db, exc)
        flash(request, "live_not_open")
    elif isinstance(exc, LiveProviderError | LiveProviderUnavailable):
        undo_refused(db, exc)
        flash(request, "live_unavailable")
    return see_other(here)


@router.post("/learn/{slug}/lessons/{lesson_id}/live/join", dependencies=[CsrfChecked])
def join(request: Request, slug: Slug, lesson_id: LessonId, db: WebDb, actor: WebActor) -> Response:
    here = _lesson_url(slug, lesson_id)
    try:
        joined = service.join(db, get_runtime(), actor, lesson_id)
    except (NotEnrolled, LiveNotOpen, LiveProviderError, LiveProviderUnavailable) as exc:
        return _refused(request, db, exc, here, slug)
    return see_other(joined.join_url)


@router.post("/learn/{slug}/lessons/{lesson_id}/live/start", dependencies=[CsrfChecked])
def start(
    request: Request, slug: Slug, lesson_id: LessonId, db: WebDb, actor: WebActor
) -> Response:
    """Owner/admin: open the meeting and go straight in as its moderator."""
    here = _lesson_url(slug, lesson_id)
    rt = get_runtime()
    try:
        service.start(db, rt, actor, lesson_id)
        joined = service.join(db, rt, actor, lesson_id)
    except (LiveNotOpen, LiveProviderError, LiveProviderUnavailable) as exc:
        return _refused(request, db, exc, here, slug)
    return see_other(joined.join_url)


@router.post("/learn/{slug}/lessons/{lesson_id}/live/end", dependencies=[CsrfChecked])
def end(request: Request, slug: Slug, lesson_id: LessonId, db: WebDb, actor: WebActor) -> Response:
    here = _lesson_url(slug, lesson_id)
    try:
        service.end(db, get_runtime(), actor, lesson_id)
    except (LiveProviderError, LiveProviderUnavailable) as exc:
        return _refused(request, db, exc, here, slug)
    flash(request, "live_ended")
    return see_other(here)


# ------------------------------------------------------------------ studio


def studio_schedule(db: Session, lesson: Lesson) -> dict[str, Any] | None:
    """The studio lesson page's schedule form values; None for other kinds of lesson."""
    if lesson.kind != "live":
        return None
    live = live_repo.session_of(db, lesson.id)
    if live is None:
        return {"starts_at": "", "duration_minutes": "60", "recording_url": "", "state": None}
    return {
        "starts_at": live.starts_at.strftime("%Y-%m-%dT%H:%M"),
        "duration_minutes": str(live.duration_minutes),
        "recording_url": live.recording_url or "",
        "state": service.state_of(live, datetime.now(UTC)),
        "provider": live.provider,
    }


def _schedule_from_form(form: Any) -> LiveIn:
    """The form's fields as a `live` object; the start is a UTC wall-clock time."""
    data: dict[str, Any] = {}
    starts_text = str(form.get("starts_at") or "").strip()
    if starts_text:
        data["starts_at"] = datetime.fromisoformat(starts_text).replace(tzinfo=UTC)
    minutes = str(form.get("duration_minutes") or "").strip()
    if minutes:
        data["duration_minutes"] = int(minutes)
    recording = str(form.get("recording_url") or "").strip()
    if recording:
        data["recording_url"] = recording
    elif form.get("clear_recording") is not None:
        data["clear_recording"] = True
    return LiveIn.model_validate(data)


@router.post("/studio/lessons/{lesson_id}/live", dependencies=[CsrfChecked])
def save_schedule(
    request: Request, lesson_id: LessonId, form: WebForm, db: WebDb, actor: WebActor
) -> Response:
    """The owner schedules (or reschedules) a live lesson, or adds its recording link."""
    here = f"/studio/lessons/{quote(lesson_id)}"
    lesson, _course = authoring.owned_lesson(db, actor, lesson_id, for_update=False)
    try:
        body = LessonUpdate(live=_schedule_from_form(form))
    except (ValidationError, ValueError):
        flash(request, "live_schedule_invalid")
        return see_other(here)
    try:
        authoring.update_lesson(db, get_runtime(), actor, lesson.id, body)
    except InvalidLiveSchedule as exc:
        undo_refused(db, exc)
        flash(request, "live_schedule_invalid")
        return see_other(here)
    except LiveNotEnded as exc:
        undo_refused(db, exc)
        flash(request, "live_recording_too_early")
        return see_other(here)
    except LiveEnded as exc:
        undo_refused(db, exc)
        flash(request, "live_schedule_locked")
        return see_other(here)
    except AppError as exc:  # the provider is not configured any more
        undo_refused(db, exc)
        flash(request, "live_unavailable")
        return see_other(here)
    flash(request, "live_scheduled")
    return see_other(here)


__all__ = ["live_panel", "router", "studio_schedule"]
