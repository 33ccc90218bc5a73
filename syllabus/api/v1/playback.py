"""Playback API: short-lived signed stream URLs for lesson and promo videos.

`hls_url` is site-relative (`/stream/<token>/master.m3u8`): resolve it
against the API's origin. It expires at `expires_at`; ask again before then
to keep playing.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session
from starlette.types import Scope

from syllabus.accounts.sessions import Principal
from syllabus.api.deps import CurrentRuntime, DbSession, get_principal
from syllabus.api.errors import problems
from syllabus.kit.fastpath import (
    BoundedMemo,
    FastResponse,
    FastRoute,
    header,
    missed_stamp,
    note_miss,
)
from syllabus.kit.runtime import Runtime, get_runtime
from syllabus.kit.security import InvalidToken, decode_access_token
from syllabus.media import playback
from syllabus.media.errors import MediaNotFound
from syllabus.media.playback import LessonGrant, PlaybackOut

router = APIRouter(tags=["media"])


@router.get(
    "/lessons/{lesson_id}/playback",
    response_model=PlaybackOut,
    responses=problems(
        s403="not_enrolled",
        s404="lesson_not_found or course_not_found",
        s409="media_not_ready or lesson_locked",
    ),
)
def lesson_playback(
    lesson_id: str,
    request: Request,
    db: DbSession,
    rt: CurrentRuntime,
    principal: Annotated[Principal | None, Depends(get_principal)],
) -> PlaybackOut:
    """Enrolled students, the owner and admins; a preview lesson of a published course: anyone."""
    actor = principal.actor if principal else None
    grant = playback.lesson_grant(db, actor, lesson_id)
    if principal is not None:
        _remember(request, db, rt, grant, principal)
    return playback.playback_out(playback.grant_playback(rt, grant))


@router.get(
    "/courses/{course}/promo/playback",
    response_model=PlaybackOut,
    responses=problems(s404="media_not_found"),
)
def promo_playback(course: str, db: DbSession, rt: CurrentRuntime) -> PlaybackOut:
    """Anyone; 404 unless the course is published and its promo video is ready."""
    found = playback.promo_playback(db, rt, course)
    if found is None:
        raise MediaNotFound("This course has no promo video to play.")
    return playback.playback_out(found)


# --- fast path: a signed-in student's playback ---------------------------------------------
#
# With a well-formed bearer token, a grant this session got before (and no
# change since to the session, the account or the course) is signed again
# from the cache. Anything else, every refusal included, goes to the route,
# which explains it, and remembers the grant it gives for next time.

LESSONS_PREFIX = "/api/v1/lessons/"
PLAYBACK_SUFFIX = "/playback"
# lesson id -> course id, learnt by the route: a lesson never changes course.
_lesson_courses: BoundedMemo[str, str] = BoundedMemo(65536)


def _remember(
    request: Request, db: Session, rt: Runtime, grant: LessonGrant, principal: Principal
) -> None:
    _lesson_courses.put(grant.lesson_id, grant.course_id)
    key = playback.grant_key(grant.course_id, principal.session_id, grant.lesson_id)
    stamp = missed_stamp(request.scope, key)
    if stamp is not None:
        playback.remember_grant(
            db,
            rt,
            grant,
            user_id=principal.actor.id,
            session_id=principal.session_id,
            stamp=stamp,
        )


def _bearer_token(scope: Scope) -> str | None:
    """The credentials of `Authorization: Bearer <token>`, as FastAPI's HTTPBearer reads them."""
    value = header(scope, b"authorization")
    if value is None:
        return None
    scheme, _, token = value.decode("latin-1").partition(" ")
    return token if scheme.lower() == "bearer" and token else None


async def fast_lesson_playback(scope: Scope) -> FastResponse | None:
    lesson_id = scope["path"][len(LESSONS_PREFIX) : -len(PLAYBACK_SUFFIX)]
    course_id = _lesson_courses.get(lesson_id)
    token = _bearer_token(scope)
    if course_id is None or token is None:
        return None
    rt = get_runtime()
    try:
        claims = decode_access_token(token, keys=rt.settings.signing_keys)
    except InvalidToken:
        return None
    grant, key, stamp = playback.cached_grant(
        rt,
        course_id=course_id,
        user_id=claims.user_id,
        session_id=claims.session_id,
        lesson_id=lesson_id,
    )
    if grant is None:
        note_miss(scope, key, stamp)
        return None
    body = playback.grant_json(rt, grant)
    headers = [(b"content-length", str(len(body)).encode()), (b"content-type", b"application/json")]
    return FastResponse(200, headers, body)


FAST_ROUTES = (
    FastRoute(
        "/api/v1/lessons/{lesson_id}/playback",
        LESSONS_PREFIX,
        fast_lesson_playback,
        suffix=PLAYBACK_SUFFIX,
    ),
)
