"""Playback grants from the cache: the route's answer, and gone at the next request once the
session, the account or the course says no."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest
import time_machine
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from syllabus.accounts.models import User
from syllabus.catalog.models import Course, Lesson
from syllabus.kit.db import new_id, utcnow
from syllabus.kit.runtime import Runtime
from syllabus.learning.enrollment import revoke_enrollment
from syllabus.media import keys
from syllabus.media import playback as playback_service
from syllabus.media.models import READY, MediaAsset
from syllabus.media.playback import verify_stream_token
from tests.catalog.factories import make_course, make_enrollment
from tests.factories import bearer, login, make_user

API = "/api/v1"
EXPIRY = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def visible(response: httpx.Response) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    headers = [(k, v) for k, v in response.headers.raw if k.lower() != b"x-request-id"]
    return response.status_code, headers, response.content


@pytest.fixture
def route_grants(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the grants the route decides (the fast path decides none)."""
    calls: list[int] = []
    original: Callable[..., Any] = playback_service.lesson_grant

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(playback_service, "lesson_grant", counting)
    return calls


@pytest.fixture
def instructor(db: Session) -> User:
    return make_user(db, role="instructor")


@pytest.fixture
def course(db: Session, instructor: User) -> Course:
    return make_course(db, instructor)


@pytest.fixture
def lesson(db: Session, instructor: User, course: Course) -> Lesson:
    """The course's first lesson, a video lesson whose video is transcoded (rows only)."""
    asset_id = new_id()
    db.add(
        MediaAsset(
            id=asset_id,
            owner_id=instructor.id,
            purpose="lesson_video",
            status=READY,
            filename="clip.mp4",
            content_type="video/mp4",
            size_bytes=1,
            duration_seconds=60,
            renditions=[],
            hls_prefix=keys.hls_prefix(asset_id),
            poster_key=keys.poster_key(asset_id),
            ready_at=utcnow(),
        )
    )
    found = db.scalars(
        select(Lesson).where(Lesson.course_id == course.id).order_by(Lesson.position)
    ).first()
    assert found is not None
    found.kind, found.media_id, found.is_preview = "video", asset_id, False
    db.commit()
    return found


@pytest.fixture
def student(db: Session, course: Course) -> User:
    user = make_user(db, name="Enrolled Student")
    make_enrollment(db, user, course)
    course.enrollment_count = 1  # the aggregate a real enrollment keeps
    db.commit()
    return user


def url_of(lesson: Lesson) -> str:
    return f"{API}/lessons/{lesson.id}/playback"


def warm(client: TestClient, lesson: Lesson, headers: dict[str, str]) -> None:
    for _ in range(3):
        response = client.get(url_of(lesson), headers=headers)
        assert response.status_code == 200, response.text


def refused(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == code


def test_repeat_grants_come_from_the_cache_byte_for_byte(
    client: TestClient,
    runtime: Runtime,
    lesson: Lesson,
    student: User,
    route_grants: list[int],
) -> None:
    headers = bearer(login(client, student.email))
    with time_machine.travel(datetime.now(UTC) + timedelta(seconds=2), tick=False):
        answers = [visible(client.get(url_of(lesson), headers=headers)) for _ in range(3)]
        decided = len(route_grants)
        answers += [visible(client.get(url_of(lesson), headers=headers)) for _ in range(3)]

    assert answers[0][0] == 200
    assert all(answer == answers[0] for answer in answers), "same status, headers and bytes"
    assert 1 <= decided <= 2, "the route decides at most twice"
    assert len(route_grants) == decided, "then the grant comes from the cache"
    body = httpx.Response(200, content=answers[-1][2]).json()
    assert EXPIRY.fullmatch(body["expires_at"])
    assert body["poster_url"]
    token = body["hls_url"].split("/")[2]
    assert verify_stream_token(runtime, token).scope == f"lesson:{lesson.id}"


def test_each_grant_is_signed_for_its_own_time(
    client: TestClient, runtime: Runtime, lesson: Lesson, student: User
) -> None:
    headers = bearer(login(client, student.email))
    warm(client, lesson, headers)
    now = datetime.now(UTC)
    with time_machine.travel(now + timedelta(seconds=30), tick=False):
        later = client.get(url_of(lesson), headers=headers).json()
    expires = datetime.fromisoformat(later["expires_at"])
    ttl = runtime.settings.playback_url_ttl_seconds
    assert abs((expires - now).total_seconds() - (30 + ttl)) < 3


def test_logging_out_everywhere_ends_cached_grants(
    client: TestClient, lesson: Lesson, student: User
) -> None:
    headers = bearer(login(client, student.email))
    warm(client, lesson, headers)
    assert client.post(f"{API}/auth/logout-all", headers=headers).status_code == 204
    refused(client.get(url_of(lesson), headers=headers), 401, "invalid_token")


def test_ending_one_session_from_another_device_ends_its_grants(
    client: TestClient, lesson: Lesson, student: User
) -> None:
    laptop = login(client, student.email)
    phone = bearer(login(client, student.email))
    warm(client, lesson, bearer(laptop))
    laptop_session = jwt.decode(laptop["access_token"], options={"verify_signature": False})["sid"]

    ended = client.delete(f"{API}/users/me/sessions/{laptop_session}", headers=phone)
    assert ended.status_code == 204
    refused(client.get(url_of(lesson), headers=bearer(laptop)), 401, "invalid_token")
    assert client.get(url_of(lesson), headers=phone).status_code == 200


def test_a_ban_ends_cached_grants(
    client: TestClient, db: Session, lesson: Lesson, student: User
) -> None:
    headers = bearer(login(client, student.email))
    warm(client, lesson, headers)
    admin = make_user(db, role="admin")
    banned = client.post(
        f"{API}/admin/users/{student.id}/ban",
        json={"reason": "Sharing paid videos"},
        headers=bearer(login(client, admin.email)),
    )
    assert banned.status_code == 200, banned.text
    refused(client.get(url_of(lesson), headers=headers), 401, "invalid_token")


def test_a_demoted_admin_loses_what_only_admins_may_watch(
    client: TestClient, db: Session, lesson: Lesson
) -> None:
    demoted = make_user(db, role="admin")
    headers = bearer(login(client, demoted.email))
    warm(client, lesson, headers)
    other_admin = make_user(db, role="admin")
    changed = client.patch(
        f"{API}/admin/users/{demoted.id}",
        json={"role": "student"},
        headers=bearer(login(client, other_admin.email)),
    )
    assert changed.status_code == 200, changed.text
    refused(client.get(url_of(lesson), headers=headers), 403, "not_enrolled")


def test_a_revoked_enrollment_ends_cached_grants(
    client: TestClient,
    db: Session,
    runtime: Runtime,
    course: Course,
    lesson: Lesson,
    student: User,
) -> None:
    headers = bearer(login(client, student.email))
    warm(client, lesson, headers)
    revoke_enrollment(db, runtime, user_id=student.id, course_id=course.id)
    db.commit()
    refused(client.get(url_of(lesson), headers=headers), 403, "not_enrolled")


def test_a_session_ended_in_the_database_is_refused(
    client: TestClient, db: Session, lesson: Lesson, student: User
) -> None:
    from syllabus.accounts.models import UserSession

    headers = bearer(login(client, student.email))
    warm(client, lesson, headers)
    for user_session in db.scalars(select(UserSession).where(UserSession.user_id == student.id)):
        user_session.expires_at = utcnow() - timedelta(seconds=1)
    db.commit()
    refused(client.get(url_of(lesson), headers=headers), 401, "invalid_token")


def test_a_deleted_lesson_is_gone_at_the_next_request(
    client: TestClient, instructor: User, lesson: Lesson, student: User
) -> None:
    headers = bearer(login(client, student.email))
    warm(client, lesson, headers)
    owner = bearer(login(client, instructor.email))
    assert client.delete(f"{API}/lessons/{lesson.id}", headers=owner).status_code == 204
    refused(client.get(url_of(lesson), headers=headers), 404, "lesson_not_found")


def test_an_expired_access_token_is_refused(
    client: TestClient, runtime: Runtime, lesson: Lesson, student: User
) -> None:
    headers = bearer(login(client, student.email))
    warm(client, lesson, headers)
    later = datetime.now(UTC) + timedelta(seconds=runtime.settings.access_token_ttl_seconds + 60)
    with time_machine.travel(later, tick=False):
        refused(client.get(url_of(lesson), headers=headers), 401, "invalid_token")


@pytest.mark.parametrize(
    ("authorization", "status", "code"),
    [
        ("Bearer not-a-token", 401, "invalid_token"),
        ("Basic dXNlcjpwYXNz", 403, "not_enrolled"),
        ("Bearer", 403, "not_enrolled"),
    ],
)
def test_bad_credentials_are_refused_every_time(
    client: TestClient,
    lesson: Lesson,
    student: User,
    authorization: str,
    status: int,
    code: str,
) -> None:
    warm(client, lesson, bearer(login(client, student.email)))
    for _ in range(3):
        refused(client.get(url_of(lesson), headers={"Authorization": authorization}), status, code)


def test_another_students_token_gets_no_grant(
    client: TestClient, db: Session, lesson: Lesson, student: User
) -> None:
    warm(client, lesson, bearer(login(client, student.email)))
    stranger = bearer(login(client, make_user(db).email))
    for _ in range(3):
        refused(client.get(url_of(lesson), headers=stranger), 403, "not_enrolled")


def test_refreshing_the_session_keeps_cached_grants(
    client: TestClient, lesson: Lesson, student: User, route_grants: list[int]
) -> None:
    tokens = login(client, student.email)
    warm(client, lesson, bearer(tokens))
    decided = len(route_grants)
    renewed = client.post(f"{API}/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert renewed.status_code == 200, renewed.text
    assert client.get(url_of(lesson), headers=bearer(tokens)).status_code == 200
    assert len(route_grants) == decided, "a refresh ends nothing: the grant stays cached"


def test_logging_out_one_session_ends_its_grants(
    client: TestClient, lesson: Lesson, student: User
) -> None:
    tokens = login(client, student.email)
    warm(client, lesson, bearer(tokens))
    body = {"refresh_token": tokens["refresh_token"]}
    out = client.post(f"{API}/auth/logout", json=body, headers=bearer(tokens))
    assert out.status_code == 204
    refused(client.get(url_of(lesson), headers=bearer(tokens)), 401, "invalid_token")
