"""Signed playback: who may watch a video, and the short-lived stream token that says so.

A token is `v1.<scope kind>.<scope id>.<asset id>.<expiry>.<signature>`:
URL-safe, readable, and signed with HMAC-SHA256 under a key derived from
the secret key for this purpose only, so no other signature of the
application (local media links, sessions) can be replayed as one. The
scope names what was granted (`lesson:<id>` or `promo:<course id>`); the
asset id fixes which stream's files it opens; the expiry is unix seconds.

The token travels as a path segment (`/stream/<token>/master.m3u8`), so
the relative URLs inside the playlists (`360p/index.m3u8`,
`seg_00000.ts`) inherit it and every playlist and segment request is
authorised by the signature alone, without a database query. All access
rules are checked once, when the token is issued.

URLs are site-relative, like every local media URL in the API: clients
resolve them against the address they called.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import orjson
from pydantic import BaseModel
from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from syllabus.accounts.actor import Actor
from syllabus.accounts.auth_changes import AUTH_NAMESPACE
from syllabus.accounts.models import UserSession
from syllabus.catalog import repository as catalog_repo
from syllabus.catalog.cache import course_namespace
from syllabus.catalog.errors import CourseNotFound, LessonNotFound, NotEnrolled
from syllabus.catalog.models import Course, Lesson
from syllabus.catalog.reads import course_key_filter
from syllabus.kit.db import utcnow
from syllabus.kit.errors import Forbidden
from syllabus.kit.memo import BoundedMemo
from syllabus.kit.runtime import Runtime
from syllabus.learning.errors import LessonLocked
from syllabus.learning.progress import lesson_available_at
from syllabus.media import keys
from syllabus.media.errors import MediaNotReady
from syllabus.media.models import READY, MediaAsset

STREAM_PATH = "/stream"
TOKEN_VERSION = "v1"  # noqa: S105 - a format version, not a secret
SCOPE_KINDS = ("lesson", "promo")
_TOKEN_MAX = 256
_ID = re.compile(r"[A-Za-z0-9-]{1,64}")
_EXPIRY = re.compile(r"[0-9]{1,12}")


class InvalidStreamToken(Forbidden):
    """Malformed or forged token, or a path the token does not open."""

    code = "invalid_signature"
    title = "Invalid playback link"


class StreamTokenExpired(InvalidStreamToken):
    code = "playback_expired"
    title = "Playback link expired"


@dataclass(frozen=True)
class StreamGrant:
    """What a verified token opens: one asset's HLS files until `expires_at`."""

    scope: str
    asset_id: str
    expires_at: datetime

    def seconds_left(self) -> int:
        return max(int(self.expires_at.timestamp() - time.time()), 0)


@dataclass(frozen=True)
class Playback:
    hls_url: str
    poster_url: str | None
    expires_at: datetime


class PlaybackOut(BaseModel):
    """Site-relative `hls_url` (resolve it against the API's origin); ask again before expiry."""

    hls_url: str
    poster_url: str | None
    expires_at: datetime


def playback_out(playback: Playback) -> PlaybackOut:
    return PlaybackOut.model_validate(playback, from_attributes=True)


# --- tokens ---------------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _signing_key(secret_key: str) -> bytes:
    # Purpose-bound, like LocalStorage's "storage-url" key.
    return hmac.new(secret_key.encode(), b"media-playback", hashlib.sha256).digest()


def _signature(secret_key: str, body: str) -> str:
    digest = hmac.new(_signing_key(secret_key), body.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def issue_stream_token(
    rt: Runtime, scope: str, asset_id: str, *, ttl: int | None = None
) -> tuple[str, datetime]:
    """A token for `scope` ("lesson:<id>" or "promo:<course id>") and when it expires."""
    kind, _, scope_id = scope.partition(":")
    if kind not in SCOPE_KINDS or not _ID.fullmatch(scope_id) or not _ID.fullmatch(asset_id):
        raise ValueError(f"cannot sign scope {scope!r} for asset {asset_id!r}")
    life = rt.settings.playback_url_ttl_seconds if ttl is None else ttl
    expiry = int(time.time()) + life
    body = f"{TOKEN_VERSION}.{kind}.{scope_id}.{asset_id}.{expiry}"
    token = f"{body}.{_signature(rt.settings.secret_key, body)}"
    return token, datetime.fromtimestamp(expiry, UTC)


def verify_stream_token(rt: Runtime, token: str) -> StreamGrant:
    """The grant a token carries; InvalidStreamToken (or StreamTokenExpired) otherwise."""
    parts = token.split(".") if len(token) <= _TOKEN_MAX else []
    if len(parts) != 6:
        raise InvalidStreamToken("This playback link is not valid.")
    version, kind, scope_id, asset_id, expiry, signature = parts
    if (
        version != TOKEN_VERSION
        or kind not in SCOPE_KINDS
        or not _ID.fullmatch(scope_id)
        or not _ID.fullmatch(asset_id)
        or not _EXPIRY.fullmatch(expiry)
    ):
        raise InvalidStreamToken("This playback link is not valid.")
    expected = _signature(rt.settings.secret_key, ".".join(parts[:5]))
    if not hmac.compare_digest(expected.encode(), signature.encode()):
        raise InvalidStreamToken("This playback link is not valid.")
    # Checked after the signature: a forged expiry is "invalid", not "expired".
    if int(expiry) <= time.time():
        raise StreamTokenExpired("This playback link has expired; reload the player.")
    return StreamGrant(f"{kind}:{scope_id}", asset_id, datetime.fromtimestamp(int(expiry), UTC))


def stream_url(token: str) -> str:
    return f"{STREAM_PATH}/{token}/{keys.MASTER_PLAYLIST}"


def _playback(rt: Runtime, scope: str, asset_id: str, poster_key: str | None) -> Playback:
    ttl = rt.settings.playback_url_ttl_seconds
    token, expires_at = issue_stream_token(rt, scope, asset_id, ttl=ttl)
    poster_url = rt.storage.url(poster_key, expires_in=ttl) if poster_key else None
    return Playback(hls_url=stream_url(token), poster_url=poster_url, expires_at=expires_at)


# --- who may watch --------------------------------------------------------------------------

_ASSET_COLUMNS = (
    MediaAsset.id.label("asset_id"),
    MediaAsset.status.label("asset_status"),
    MediaAsset.hls_prefix,
    MediaAsset.poster_key,
)


def _lesson_row(session: Session, lesson_id: str) -> Row[Any] | None:
    """The lesson, its course's access facts and its video in one statement."""
    return session.execute(
        select(
            Lesson.id,
            Lesson.course_id,
            Lesson.kind,
            Lesson.is_preview,
            Lesson.drip_days,
            Lesson.drip_date,
            Course.status.label("course_status"),
            Course.instructor_id,
            *_ASSET_COLUMNS,
        )
        .join(Course, Course.id == Lesson.course_id)
        .outerjoin(MediaAsset, MediaAsset.id == Lesson.media_id)
        .where(Lesson.id == lesson_id)
    ).first()


def _promo_row(session: Session, course_key: str) -> Row[Any] | None:
    return session.execute(
        select(Course.id, Course.status, *_ASSET_COLUMNS)
        .outerjoin(MediaAsset, MediaAsset.id == Course.promo_media_id)
        .where(course_key_filter(course_key))
        .limit(1)
    ).first()


def _is_ready(row: Row[Any]) -> bool:
    return row.asset_id is not None and row.asset_status == READY and bool(row.hls_prefix)


def _check_lesson_access(session: Session, actor: Actor | None, row: Row[Any]) -> None:
    """Owner, admin, or an active enrollment whose drip date has come; refusal otherwise."""
    if actor is not None and (actor.is_admin or actor.id == row.instructor_id):
        return
    enrollment = catalog_repo.active_enrollment(session, actor.id, row.course_id) if actor else None
    if enrollment is None:
        # A published course's existence is public; any other is not the asker's to see.
        if row.course_status == "published":
            raise NotEnrolled("Enroll in this course to watch this lesson.")
        raise CourseNotFound("No such course.")
    opens = lesson_available_at(row.drip_days, row.drip_date, enrollment.created_at)
    if opens is not None and opens > utcnow():
        raise LessonLocked(
            f"This lesson opens on {opens:%Y-%m-%d %H:%M} UTC ({opens.isoformat()})."
        )


@dataclass(frozen=True)
class LessonGrant:
    """Who asked may watch this lesson's video: what a stream URL is signed for."""

    lesson_id: str
    course_id: str
    asset_id: str
    poster_key: str | None


def lesson_grant(session: Session, actor: Actor | None, lesson_id: str) -> LessonGrant:
    """May `actor` watch the lesson's video? The grant, or the refusal raised.

    A preview lesson of a published course: anyone, signed in or not (no
    drip: previews are the course's shop window). Otherwise the owner, an
    admin, or an active enrollment: 403 `not_enrolled` on a published
    course, 404 when the course is not the asker's to see, 409
    `lesson_locked` while drip keeps it shut. 409 `media_not_ready` when
    the lesson has no video or its video is not transcoded yet.
    """
    row = _lesson_row(session, lesson_id)
    if row is None:
        raise LessonNotFound("No such lesson.")
    if not (row.is_preview and row.course_status == "published"):
        _check_lesson_access(session, actor, row)
    if row.kind != "video" or not _is_ready(row):
        raise MediaNotReady("This lesson's video is not ready to play yet.")
    return LessonGrant(row.id, row.course_id, row.asset_id, row.poster_key)


def grant_playback(rt: Runtime, grant: LessonGrant) -> Playback:
    return _playback(rt, f"lesson:{grant.lesson_id}", grant.asset_id, grant.poster_key)


def lesson_playback(session: Session, rt: Runtime, actor: Actor | None, lesson_id: str) -> Playback:
    """A signed stream URL for a lesson's video; who may watch: `lesson_grant`."""
    return grant_playback(rt, lesson_grant(session, actor, lesson_id))


def promo_playback(session: Session, rt: Runtime, course_id: str) -> Playback | None:
    """The promo video of a published course (`course_id`: id or slug); None without one."""
    row = _promo_row(session, course_id)
    if row is None or row.status != "published" or not _is_ready(row):
        return None
    return _playback(rt, f"promo:{row.id}", row.asset_id, row.poster_key)


# --- grants remembered for a signed-in session ----------------------------------------------
#
# A grant depends on the session and account (revocation, ban, role: the
# `auth` namespace) and on the course (its lessons, media and enrollments:
# the course's namespace); a cached grant is stamped with both versions, so
# any such change is seen at the next request. The session's end is kept
# with it and checked on every use.


def grant_key(course_id: str, session_id: str, lesson_id: str) -> str:
    return f"fast:playback:{course_id}:{session_id}:{lesson_id}"


def _grant_namespaces(course_id: str) -> tuple[str, str]:
    return (AUTH_NAMESPACE, course_namespace(course_id))


def cached_grant(
    rt: Runtime, *, course_id: str, user_id: str, session_id: str, lesson_id: str
) -> tuple[LessonGrant | None, str, bytes]:
    """(the remembered grant if still good, its key, the stamp to remember one with)."""
    key = grant_key(course_id, session_id, lesson_id)
    entry, stamp = rt.cache.get_stamped(_grant_namespaces(course_id), key)
    if entry is None:
        return None, key, stamp
    saved = orjson.loads(entry)
    if saved["user"] != user_id or saved["ends"] <= time.time():
        return None, key, stamp
    return LessonGrant(lesson_id, course_id, saved["asset"], saved["poster"]), key, stamp


# Signed URLs depend on the second they are issued in, not on who asks: every
# student granted a lesson within one second gets the same answer.
_answers: BoundedMemo[tuple[str, int, str, str, str | None, int], bytes] = BoundedMemo(1024)


def grant_json(rt: Runtime, grant: LessonGrant) -> bytes:
    """The JSON body (`PlaybackOut`) for a grant, as the route would send it."""
    settings = rt.settings
    key = (
        settings.secret_key,
        settings.playback_url_ttl_seconds,
        grant.lesson_id,
        grant.asset_id,
        grant.poster_key,
        int(time.time()),
    )
    body = _answers.get(key)
    if body is None:
        body = playback_out(grant_playback(rt, grant)).model_dump_json().encode()
        _answers.put(key, body)
    return body


def remember_grant(
    session: Session,
    rt: Runtime,
    grant: LessonGrant,
    *,
    user_id: str,
    session_id: str,
    stamp: bytes,
) -> None:
    """Keep a grant for this session, with the session's end."""
    ends = session.scalar(select(UserSession.expires_at).where(UserSession.id == session_id))
    if ends is None:
        return
    entry = {
        "user": user_id,
        "asset": grant.asset_id,
        "poster": grant.poster_key,
        "ends": ends.timestamp(),
    }
    key = grant_key(grant.course_id, session_id, grant.lesson_id)
    rt.cache.set_stamped(key, stamp, orjson.dumps(entry))
