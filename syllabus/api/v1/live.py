"""Live lessons API: schedule and state, join links, start/end, attendance, recordings.

The schedule itself is written through the lesson endpoints (`live` object
of POST /sections/{id}/lessons and PATCH /lessons/{id}).
"""

from __future__ import annotations

from fastapi import APIRouter

from syllabus.api.deps import CurrentActor, CurrentRuntime, DbSession, ReadDbSession
from syllabus.api.errors import problems
from syllabus.live import service
from syllabus.live.schemas import AttendanceOut, JoinOut, LiveOut

router = APIRouter(tags=["live"])


@router.get(
    "/lessons/{lesson_id}/live",
    response_model=LiveOut,
    responses=problems(s403="not_enrolled", s404="live_session_not_found"),
)
def get_live(lesson_id: str, db: ReadDbSession, actor: CurrentActor) -> LiveOut:
    """Enrolled students, the owner and admins: schedule, state and join window."""
    return service.get_live(db, actor, lesson_id)


@router.post(
    "/lessons/{lesson_id}/live/join",
    response_model=JoinOut,
    responses=problems(
        s403="live_not_open", s404="live_session_not_found", s502="live_provider_error"
    ),
)
def join_live(lesson_id: str, db: DbSession, rt: CurrentRuntime, actor: CurrentActor) -> JoinOut:
    """A personal join link from 15 minutes before the start to the end (else 403
    `live_not_open`); the owner and admins join as moderators. Records attendance."""
    return service.join(db, rt, actor, lesson_id)


@router.post(
    "/lessons/{lesson_id}/live/start",
    response_model=LiveOut,
    responses=problems(
        s403="live_not_open", s404="live_session_not_found", s502="live_provider_error"
    ),
)
def start_live(lesson_id: str, db: DbSession, rt: CurrentRuntime, actor: CurrentActor) -> LiveOut:
    """Owner or admin: create the meeting (BigBlueButton) and mark the session started."""
    return service.start(db, rt, actor, lesson_id)


@router.post(
    "/lessons/{lesson_id}/live/end",
    response_model=LiveOut,
    responses=problems(
        s403="not_course_owner", s404="live_session_not_found", s502="live_provider_error"
    ),
)
def end_live(lesson_id: str, db: DbSession, rt: CurrentRuntime, actor: CurrentActor) -> LiveOut:
    """Owner or admin: end the meeting for everyone; joining closes."""
    return service.end(db, rt, actor, lesson_id)


@router.get(
    "/lessons/{lesson_id}/live/attendance",
    response_model=AttendanceOut,
    responses=problems(s403="not_course_owner", s404="live_session_not_found"),
)
def live_attendance(lesson_id: str, db: ReadDbSession, actor: CurrentActor) -> AttendanceOut:
    """Owner or admin: who joined, with their first and last join times."""
    return service.attendance(db, actor, lesson_id)


@router.post(
    "/lessons/{lesson_id}/live/recordings",
    response_model=LiveOut,
    responses=problems(
        s403="not_course_owner",
        s404="live_session_not_found",
        s409="live_not_ended",
        s422="live_provider_unavailable",
        s502="live_provider_error",
    ),
)
def fetch_live_recordings(
    lesson_id: str, db: DbSession, rt: CurrentRuntime, actor: CurrentActor
) -> LiveOut:
    """Owner or admin: ask BigBlueButton for the recording now (a job also does, after the end)."""
    return service.fetch_recordings(db, rt, actor, lesson_id)
