"""Live lessons: schedule, join window, provider calls, attendance and recordings.

Who may do what: the course's owner and admins manage a session (start,
end, attendance, recording link) and join it as moderators; actively
enrolled students join as attendees. Joining is open from 15 minutes
before the start to the scheduled end (both inclusive) unless the owner
ended it early. Others get 403 `not_enrolled` on a published course and
404 otherwise, as lesson content does. Every function takes `now` so the
window can be checked at any moment; routes pass nothing (the real clock).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import quote, urlsplit

from sqlalchemy.orm import Session

from syllabus.accounts.actor import Actor
from syllabus.catalog.authoring import owned_lesson
from syllabus.catalog.errors import LessonNotFound, NotEnrolled
from syllabus.catalog.models import Course, Lesson
from syllabus.config import Settings
from syllabus.kit.db import utcnow
from syllabus.kit.errors import InvalidInput
from syllabus.kit.logging import get_logger
from syllabus.kit.runtime import Runtime
from syllabus.learning import access
from syllabus.live import jitsi
from syllabus.live import repository as repo
from syllabus.live.bbb import BBBClient, BBBError, Role
from syllabus.live.errors import (
    InvalidLiveSchedule,
    LiveEnded,
    LiveNotEnded,
    LiveNotOpen,
    LiveProviderError,
    LiveProviderUnavailable,
    NotALiveLesson,
)
from syllabus.live.models import LiveSession
from syllabus.live.schemas import (
    JOIN_EARLY_MINUTES,
    AttendanceOut,
    AttendeeOut,
    JoinOut,
    LiveIn,
    LiveOut,
    LiveState,
    Provider,
)

log = get_logger("syllabus.live")

JOIN_EARLY = timedelta(minutes=JOIN_EARLY_MINUTES)
# A Jitsi token outlives the session a little: latecomers reconnecting are not thrown out.
TOKEN_GRACE = timedelta(minutes=30)


# ------------------------------------------------------------------ timing


def ends_at(live: LiveSession) -> datetime:
    return live.starts_at + timedelta(minutes=live.duration_minutes)


def state_of(live: LiveSession, now: datetime) -> LiveState:
    if live.ended_at is not None or now > ends_at(live):
        return "ended"
    if now >= live.starts_at - JOIN_EARLY:
        return "open"
    return "scheduled"


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# --------------------------------------------------------------- providers


def bbb_client(settings: Settings) -> BBBClient:
    if not settings.bbb_url or settings.bbb_secret is None:
        raise LiveProviderUnavailable("BigBlueButton is not configured on this site.")
    return BBBClient(settings.bbb_url, settings.bbb_secret.get_secret_value())


def provider_origin(settings: Settings, provider: str) -> str:
    """Where join links point (scheme://host[:port]), for the page's CSP."""
    url = (settings.bbb_url or "") if provider == "bbb" else settings.jitsi_url
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else "'none'"


def _provider_error(exc: BBBError) -> LiveProviderError:
    log.warning("live.bbb_failed", message_key=exc.message_key)
    return LiveProviderError(f"The video service refused the request ({exc.message_key}).")


# ---------------------------------------------------------------- authoring


def apply_schedule(
    session: Session, rt: Runtime, lesson: Lesson, body: LiveIn, *, now: datetime | None = None
) -> LiveSession:
    """Create or change a live lesson's session from the `live` object of a lesson write.

    The caller (catalog authoring) has checked that the actor owns the lesson.
    """
    if lesson.kind != "live":
        raise InvalidLiveSchedule("Only a lesson of kind live takes a live schedule.")
    now = now or utcnow()
    session.flush()
    live = repo.session_of(session, lesson.id)
    if live is None:
        return _create_session(session, rt, lesson, body, now)
    state = state_of(live, now)
    reschedules = body.starts_at is not None or body.duration_minutes is not None
    if (reschedules or body.provider) and state == "ended":
        raise LiveEnded("This live session is over; its schedule cannot change.")
    if body.starts_at is not None:
        starts_at = _utc(body.starts_at)
        if starts_at != live.starts_at:
            if live.started_at is not None:
                raise LiveEnded("The session has started; its start time cannot change.")
            if starts_at <= now:
                raise InvalidLiveSchedule("live.starts_at must be in the future.")
            live.starts_at = starts_at
    if body.duration_minutes is not None:
        live.duration_minutes = body.duration_minutes
    if body.provider is not None and body.provider != live.provider:
        if live.started_at is not None:
            raise LiveEnded("The session has started; its provider cannot change.")
        _check_provider(rt.settings, body.provider)
        live.provider = body.provider
    if body.clear_recording:
        live.recording_url = None
    if body.recording_url is not None:
        if state_of(live, now) != "ended":
            raise LiveNotEnded("A recording link can be set once the session has ended.")
        live.recording_url = str(body.recording_url)
    session.flush()
    return live


def _create_session(
    session: Session, rt: Runtime, lesson: Lesson, body: LiveIn, now: datetime
) -> LiveSession:
    if body.starts_at is None or body.duration_minutes is None:
        raise InvalidLiveSchedule("A live lesson needs live.starts_at and live.duration_minutes.")
    starts_at = _utc(body.starts_at)
    if starts_at <= now:
        raise InvalidLiveSchedule("live.starts_at must be in the future.")
    if body.recording_url is not None:
        raise LiveNotEnded("A recording link can be set once the session has ended.")
    provider: Provider = body.provider or rt.settings.resolved_live_provider
    _check_provider(rt.settings, provider)
    live = LiveSession(
        lesson_id=lesson.id,
        course_id=lesson.course_id,
        provider=provider,
        starts_at=starts_at,
        duration_minutes=body.duration_minutes,
        room=jitsi.new_room_name(),
    )
    session.add(live)
    session.flush()
    return live


def _check_provider(settings: Settings, provider: Provider) -> None:
    if provider == "bbb":
        bbb_client(settings)


# ------------------------------------------------------------------- access


def _open(session: Session, actor: Actor, lesson_id: str) -> tuple[Lesson, Course, bool]:
    """The lesson and course if `actor` may see it; the flag says whether they manage it."""
    found = repo.lesson_and_course(session, lesson_id)
    if found is None:
        raise LessonNotFound("No such lesson.")
    lesson, course = found
    manager = actor.is_admin or actor.id == course.instructor_id
    if not manager and access.active_enrollment_id(session, actor.id, course.id) is None:
        if course.status == "published":
            raise NotEnrolled("Enroll in this course to join its live sessions.")
        raise LessonNotFound("No such lesson.")
    return lesson, course, manager


def _session_of(session: Session, lesson: Lesson) -> LiveSession:
    live = repo.session_of(session, lesson.id) if lesson.kind == "live" else None
    if live is None:
        raise NotALiveLesson("This lesson has no scheduled live session.")
    return live


def _managed(session: Session, actor: Actor, lesson_id: str) -> tuple[Lesson, LiveSession]:
    lesson, _course = owned_lesson(session, actor, lesson_id, for_update=False)
    return lesson, _session_of(session, lesson)


def live_out(live: LiveSession, *, manager: bool, now: datetime) -> LiveOut:
    state = state_of(live, now)
    return LiveOut(
        lesson_id=live.lesson_id,
        course_id=live.course_id,
        provider="bbb" if live.provider == "bbb" else "jitsi",
        starts_at=live.starts_at,
        duration_minutes=live.duration_minutes,
        ends_at=ends_at(live),
        join_opens_at=live.starts_at - JOIN_EARLY,
        state=state,
        started_at=live.started_at,
        ended_at=live.ended_at,
        recording_url=live.recording_url,
        can_join=state == "open",
        can_manage=manager,
        seconds_to_start=max(0, int((live.starts_at - now).total_seconds())),
    )


# -------------------------------------------------------------------- reads


def get_live(
    session: Session, actor: Actor, lesson_id: str, *, now: datetime | None = None
) -> LiveOut:
    lesson, _course, manager = _open(session, actor, lesson_id)
    return live_out(_session_of(session, lesson), manager=manager, now=now or utcnow())


def find_live(
    session: Session, actor: Actor, lesson_id: str, *, now: datetime | None = None
) -> LiveOut | None:
    """For the player: the session, or None when the lesson is not scheduled yet."""
    try:
        return get_live(session, actor, lesson_id, now=now)
    except NotALiveLesson:
        return None


def attendance(session: Session, actor: Actor, lesson_id: str) -> AttendanceOut:
    lesson, _live = _managed(session, actor, lesson_id)
    items = [
        AttendeeOut(
            user_id=row.user_id,
            name=row.name,
            email=row.email,
            role="moderator" if row.role == "moderator" else "attendee",
            first_joined_at=row.first_joined_at,
            last_joined_at=row.last_joined_at,
            join_count=row.join_count,
        )
        for row in repo.attendance_rows(session, lesson.id)
    ]
    return AttendanceOut(lesson_id=lesson.id, items=items, total=len(items))


# ------------------------------------------------------------------ actions


def join(
    session: Session, rt: Runtime, actor: Actor, lesson_id: str, *, now: datetime | None = None
) -> JoinOut:
    """A join link for this person, inside the window; their attendance is recorded."""
    now = now or utcnow()
    lesson, course, manager = _open(session, actor, lesson_id)
    live = _session_of(session, lesson)
    state = state_of(live, now)
    if state != "open":
        when = "has ended" if state == "ended" else "opens 15 minutes before the start"
        raise LiveNotOpen(f"This live session {when}.")
    role: Role = "moderator" if manager else "attendee"
    if live.provider == "bbb":
        client = bbb_client(rt.settings)
        _ensure_meeting(client, live, lesson, course, rt, now)
        url = client.join_url(live.room, full_name=actor.name, user_id=actor.id, role=role)
    else:
        url = _jitsi_url(rt.settings, live, actor, moderator=manager, now=now)
    repo.record_join(session, lesson_id=lesson.id, user_id=actor.id, role=role, now=now)
    session.flush()
    return JoinOut(join_url=url, role=role, provider="bbb" if live.provider == "bbb" else "jitsi")


def _ensure_meeting(
    client: BBBClient, live: LiveSession, lesson: Lesson, course: Course, rt: Runtime, now: datetime
) -> None:
    """Create the BBB meeting once (BBB accepts a repeated create of a running meeting)."""
    if live.started_at is not None:
        return
    back = f"{rt.settings.base_url.rstrip('/')}/learn/{quote(course.slug)}/lessons/{lesson.id}"
    remaining = max(5, int((ends_at(live) - now).total_seconds() // 60) + JOIN_EARLY_MINUTES)
    try:
        client.create(
            live.room,
            f"{course.title}: {lesson.title}"[:250],
            duration_minutes=remaining,
            logout_url=back,
        )
    except BBBError as exc:
        raise _provider_error(exc) from exc
    live.started_at = now


def _jitsi_url(
    settings: Settings, live: LiveSession, actor: Actor, *, moderator: bool, now: datetime
) -> str:
    token = tenant = None
    if settings.jitsi_app_id and settings.jitsi_key is not None:
        key = settings.jitsi_key.get_secret_value()
        tenant = settings.jitsi_app_id if jitsi.is_jaas_key(key) else None
        token = jitsi.join_token(
            app_id=settings.jitsi_app_id,
            key=key,
            key_id=settings.jitsi_key_id,
            server_url=settings.jitsi_url,
            room=live.room,
            user_id=actor.id,
            name=actor.name,
            email=actor.email,
            moderator=moderator,
            now=now,
            expires_at=ends_at(live) + TOKEN_GRACE,
        )
    return jitsi.join_url(
        settings.jitsi_url, live.room, display_name=actor.name, token=token, tenant=tenant
    )


def start(
    session: Session, rt: Runtime, actor: Actor, lesson_id: str, *, now: datetime | None = None
) -> LiveOut:
    """Owner/admin: open the meeting (BBB create; Jitsi rooms exist on first join)."""
    now = now or utcnow()
    lesson, live = _managed(session, actor, lesson_id)
    state = state_of(live, now)
    if state != "open":
        raise LiveNotOpen(
            "This live session has ended."
            if state == "ended"
            else "A live session can be started from 15 minutes before its start."
        )
    if live.provider == "bbb":
        course = session.get(Course, lesson.course_id)
        assert course is not None  # the lesson's foreign key
        _ensure_meeting(bbb_client(rt.settings), live, lesson, course, rt, now)
    elif live.started_at is None:
        live.started_at = now
    session.flush()
    return live_out(live, manager=True, now=now)


def end(
    session: Session, rt: Runtime, actor: Actor, lesson_id: str, *, now: datetime | None = None
) -> LiveOut:
    """Owner/admin: end the session for everyone; joining closes. Ending twice is a no-op."""
    now = now or utcnow()
    _lesson, live = _managed(session, actor, lesson_id)
    if live.ended_at is None:
        if live.provider == "bbb" and live.started_at is not None:
            try:
                bbb_client(rt.settings).end(live.room)
            except BBBError as exc:
                raise _provider_error(exc) from exc
        live.ended_at = now
        session.flush()
    return live_out(live, manager=True, now=now)


def fetch_recordings(
    session: Session, rt: Runtime, actor: Actor, lesson_id: str, *, now: datetime | None = None
) -> LiveOut:
    """Owner/admin, on demand: ask BBB for the recording now."""
    now = now or utcnow()
    _lesson, live = _managed(session, actor, lesson_id)
    if live.provider != "bbb":
        raise InvalidInput(
            "Jitsi sessions have no stored recordings; set recording_url instead.",
            code="live_provider_unavailable",
        )
    if state_of(live, now) != "ended":
        raise LiveNotEnded("Recordings are fetched once the session has ended.")
    refresh_recording(session, rt, live, now=now)
    return live_out(live, manager=True, now=now)


def refresh_recording(session: Session, rt: Runtime, live: LiveSession, *, now: datetime) -> bool:
    """Store the first published BBB recording's playback link; True once there is one."""
    live.recordings_checked_at = now
    try:
        recordings = bbb_client(rt.settings).get_recordings(live.room)
    except BBBError as exc:
        raise _provider_error(exc) from exc
    for recording in sorted(recordings, key=lambda r: r.started_at or now):
        if recording.published and recording.playback_url:
            live.recording_url = recording.playback_url[:500]
            break
    session.flush()
    return live.recording_url is not None
