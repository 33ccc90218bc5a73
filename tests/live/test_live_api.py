"""Live lessons through the API: scheduling, join links and their window, rights, attendance."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy.orm import Session

from syllabus.kit.db import utcnow
from syllabus.kit.runtime import Runtime
from syllabus.live import service
from syllabus.live.errors import LiveNotOpen
from syllabus.live.models import LiveSession
from tests.catalog.factories import actor_of, signed_in
from tests.live.conftest import API, LiveCourse, add_live_lesson, configure
from tests.support.providers.bbb_server import BBBServer, FakeRecording

JITSI_KEY = "jitsi-shared-secret-for-tests-0123456789"


def live_of(client: TestClient, lesson_id: str, headers: dict[str, str]) -> httpx.Response:
    return client.get(f"{API}/lessons/{lesson_id}/live", headers=headers)


def join(client: TestClient, lesson_id: str, headers: dict[str, str]) -> httpx.Response:
    return client.post(f"{API}/lessons/{lesson_id}/live/join", headers=headers)


# ------------------------------------------------------------------ scheduling


def test_owner_schedules_and_student_sees_the_session(
    client: TestClient, live_course: LiveCourse
) -> None:
    lesson_id, starts_at = add_live_lesson(client, live_course, starts_in=timedelta(hours=2))
    body = live_of(client, lesson_id, live_course.student_headers).json()
    assert body["provider"] == "jitsi"  # BigBlueButton is not configured
    assert body["state"] == "scheduled"
    assert body["can_join"] is False
    assert body["duration_minutes"] == 60
    assert body["starts_at"].startswith(starts_at.strftime("%Y-%m-%dT%H:%M:%S"))
    assert 7000 < body["seconds_to_start"] <= 7200
    assert body["recording_url"] is None


@pytest.mark.parametrize(
    ("live", "code"),
    [
        ({"starts_at": "2020-01-01T10:00:00Z", "duration_minutes": 30}, "invalid_live_schedule"),
        ({"duration_minutes": 30}, "invalid_live_schedule"),
        ({"starts_at": "2099-01-01T10:00:00Z", "duration_minutes": 4}, None),
        ({"starts_at": "2099-01-01T10:00:00Z", "duration_minutes": 601}, None),
        ({"starts_at": "2099-01-01T10:00:00Z", "duration_minutes": 30, "provider": "bbb"},
         "live_provider_unavailable"),
    ],
)  # fmt: skip
def test_bad_schedules_are_refused(
    client: TestClient, live_course: LiveCourse, live: dict[str, object], code: str | None
) -> None:
    response = client.post(
        f"{API}/sections/{live_course.section_id}/lessons",
        json={"title": "Office hours", "kind": "live", "live": live},
        headers=live_course.owner_headers,
    )
    assert response.status_code == 422, response.text
    if code:
        assert response.json()["code"] == code


def test_live_object_only_for_live_lessons(client: TestClient, live_course: LiveCourse) -> None:
    response = client.post(
        f"{API}/sections/{live_course.section_id}/lessons",
        json={
            "title": "Reading",
            "kind": "text",
            "live": {"starts_at": "2099-01-01T10:00:00Z", "duration_minutes": 30},
        },
        headers=live_course.owner_headers,
    )
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_live_schedule"


def test_owner_reschedules_through_patch(client: TestClient, live_course: LiveCourse) -> None:
    lesson_id, _ = add_live_lesson(client, live_course, starts_in=timedelta(hours=2))
    later = (utcnow() + timedelta(days=3)).replace(microsecond=0)
    response = client.patch(
        f"{API}/lessons/{lesson_id}",
        json={"live": {"starts_at": later.isoformat(), "duration_minutes": 90}},
        headers=live_course.owner_headers,
    )
    assert response.status_code == 200, response.text
    body = live_of(client, lesson_id, live_course.owner_headers).json()
    assert body["duration_minutes"] == 90
    assert body["starts_at"].startswith(later.strftime("%Y-%m-%dT%H:%M"))
    assert body["can_manage"] is True


# ------------------------------------------------------------------ rights


def test_not_enrolled_and_other_instructors_are_refused(
    client: TestClient, db: Session, live_course: LiveCourse
) -> None:
    lesson_id, _ = add_live_lesson(client, live_course)
    _stranger, stranger_headers = signed_in(client, db, role="student")
    response = join(client, lesson_id, stranger_headers)
    assert response.status_code == 403
    assert response.json()["code"] == "not_enrolled"
    assert live_of(client, lesson_id, stranger_headers).status_code == 403

    _other, other_headers = signed_in(client, db, role="instructor")
    for action in ("start", "end"):
        refused = client.post(f"{API}/lessons/{lesson_id}/live/{action}", headers=other_headers)
        assert refused.status_code == 403
        assert refused.json()["code"] == "not_course_owner"
    attendance = client.get(f"{API}/lessons/{lesson_id}/live/attendance", headers=other_headers)
    assert attendance.status_code == 403
    students = client.get(
        f"{API}/lessons/{lesson_id}/live/attendance", headers=live_course.student_headers
    )
    assert students.status_code == 403
    assert client.post(f"{API}/lessons/{lesson_id}/live/join").status_code == 401


def test_draft_course_lesson_is_not_found_for_strangers(
    client: TestClient, db: Session, live_course: LiveCourse
) -> None:
    lesson_id, _ = add_live_lesson(client, live_course)
    live_course.course.status = "draft"
    db.commit()
    _stranger, stranger_headers = signed_in(client, db, role="student")
    assert join(client, lesson_id, stranger_headers).status_code == 404
    assert live_of(client, lesson_id, stranger_headers).status_code == 404


# ------------------------------------------------------------------ window


def test_join_window_boundaries(
    client: TestClient, db: Session, runtime: Runtime, live_course: LiveCourse
) -> None:
    lesson_id, _ = add_live_lesson(client, live_course, starts_in=timedelta(hours=3))
    live = db.get(LiveSession, lesson_id)
    assert live is not None
    start, student = live.starts_at, actor_of(live_course.student)
    opens, ends = start - timedelta(minutes=15), start + timedelta(minutes=60)

    with pytest.raises(LiveNotOpen):
        service.join(db, runtime, student, lesson_id, now=opens - timedelta(seconds=1))
    assert service.join(db, runtime, student, lesson_id, now=opens).role == "attendee"
    assert service.join(db, runtime, student, lesson_id, now=ends).join_url
    with pytest.raises(LiveNotOpen) as late:
        service.join(db, runtime, student, lesson_id, now=ends + timedelta(seconds=1))
    assert late.value.status == 403
    assert late.value.code == "live_not_open"


def test_join_too_early_over_http(client: TestClient, live_course: LiveCourse) -> None:
    lesson_id, _ = add_live_lesson(client, live_course, starts_in=timedelta(minutes=20))
    response = join(client, lesson_id, live_course.student_headers)
    assert response.status_code == 403
    assert response.json()["code"] == "live_not_open"


# ------------------------------------------------------------------ jitsi


def test_jitsi_links_and_attendance(client: TestClient, live_course: LiveCourse) -> None:
    lesson_id, _ = add_live_lesson(client, live_course)
    first = join(client, lesson_id, live_course.student_headers)
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["role"] == "attendee"
    assert body["join_url"].startswith("https://meet.jit.si/syllabus-")
    assert "jwt=" not in body["join_url"]  # no app id and key configured
    assert lesson_id not in body["join_url"]
    assert join(client, lesson_id, live_course.student_headers).status_code == 200
    owner = join(client, lesson_id, live_course.owner_headers).json()
    assert owner["role"] == "moderator"

    listed = client.get(
        f"{API}/lessons/{lesson_id}/live/attendance", headers=live_course.owner_headers
    ).json()
    assert listed["total"] == 2
    by_name = {item["name"]: item for item in listed["items"]}
    assert by_name["Sam Student"]["join_count"] == 2
    assert by_name["Sam Student"]["role"] == "attendee"
    assert by_name["Ada Teacher"]["role"] == "moderator"


def test_jitsi_jwt_carries_name_and_moderator_flag(
    client: TestClient, runtime: Runtime, live_course: LiveCourse
) -> None:
    configure(
        runtime,
        jitsi_url="https://meet.example.com",
        jitsi_app_id="syllabus",
        jitsi_key=SecretStr(JITSI_KEY),
    )
    lesson_id, _ = add_live_lesson(client, live_course)
    for headers, name, moderator in (
        (live_course.student_headers, "Sam Student", False),
        (live_course.owner_headers, "Ada Teacher", True),
    ):
        url = join(client, lesson_id, headers).json()["join_url"]
        assert url.startswith("https://meet.example.com/syllabus-")
        token = parse_qs(urlsplit(url).query)["jwt"][0]
        claims = jwt.decode(token, JITSI_KEY, algorithms=["HS256"], audience="jitsi")
        assert claims["context"]["user"]["name"] == name
        assert claims["context"]["user"]["moderator"] is moderator
        assert claims["room"] == urlsplit(url).path.lstrip("/")


def test_recording_link_only_after_the_end(client: TestClient, live_course: LiveCourse) -> None:
    lesson_id, _ = add_live_lesson(client, live_course)
    patch = {"live": {"recording_url": "https://videos.example.com/office-hours"}}
    early = client.patch(
        f"{API}/lessons/{lesson_id}", json=patch, headers=live_course.owner_headers
    )
    assert early.status_code == 409
    assert early.json()["code"] == "live_not_ended"
    insecure = client.patch(
        f"{API}/lessons/{lesson_id}",
        json={"live": {"recording_url": "http://videos.example.com/x"}},
        headers=live_course.owner_headers,
    )
    assert insecure.status_code == 422

    ended = client.post(f"{API}/lessons/{lesson_id}/live/end", headers=live_course.owner_headers)
    assert ended.json()["state"] == "ended"
    assert join(client, lesson_id, live_course.student_headers).status_code == 403
    saved = client.patch(
        f"{API}/lessons/{lesson_id}", json=patch, headers=live_course.owner_headers
    )
    assert saved.status_code == 200, saved.text
    body = live_of(client, lesson_id, live_course.student_headers).json()
    assert body["recording_url"] == "https://videos.example.com/office-hours"


# ------------------------------------------------------------------ bigbluebutton


def test_bbb_session_from_start_to_recording(
    client: TestClient, with_bbb: BBBServer, live_course: LiveCourse
) -> None:
    lesson_id, _ = add_live_lesson(client, live_course)
    assert live_of(client, lesson_id, live_course.owner_headers).json()["provider"] == "bbb"
    started = client.post(
        f"{API}/lessons/{lesson_id}/live/start", headers=live_course.owner_headers
    )
    assert started.status_code == 200, started.text
    assert started.json()["started_at"] is not None
    (meeting,) = with_bbb.meetings.values()
    assert "Live Python" in meeting.name
    assert lesson_id not in meeting.meeting_id

    student_url = join(client, lesson_id, live_course.student_headers).json()["join_url"]
    owner_url = join(client, lesson_id, live_course.owner_headers).json()["join_url"]
    assert parse_qs(urlsplit(student_url).query)["role"] == ["VIEWER"]
    assert parse_qs(urlsplit(owner_url).query)["role"] == ["MODERATOR"]
    for url in (student_url, owner_url):  # the checksums satisfy the server
        assert httpx.get(url, follow_redirects=False).status_code == 302
    assert [(j.full_name, j.role) for j in with_bbb.joins] == [
        ("Sam Student", "VIEWER"),
        ("Ada Teacher", "MODERATOR"),
    ]

    ended = client.post(f"{API}/lessons/{lesson_id}/live/end", headers=live_course.owner_headers)
    assert ended.status_code == 200
    assert meeting.ended
    with_bbb.recordings[meeting.meeting_id] = [
        FakeRecording("rec-1", "https://bbb.example.com/playback/presentation/2.3/rec-1")
    ]
    fetched = client.post(
        f"{API}/lessons/{lesson_id}/live/recordings", headers=live_course.owner_headers
    )
    assert fetched.status_code == 200, fetched.text
    assert fetched.json()["recording_url"].endswith("/rec-1")


def test_recordings_job_fetches_after_the_end(
    client: TestClient, db: Session, with_bbb: BBBServer, live_course: LiveCourse
) -> None:
    from syllabus.live.tasks import fetch_due_recordings

    lesson_id, _ = add_live_lesson(client, live_course)
    client.post(f"{API}/lessons/{lesson_id}/live/start", headers=live_course.owner_headers)
    client.post(f"{API}/lessons/{lesson_id}/live/end", headers=live_course.owner_headers)
    (meeting_id,) = with_bbb.meetings
    assert fetch_due_recordings() == 0  # not processed yet
    with_bbb.recordings[meeting_id] = [FakeRecording("rec-9", "https://bbb.example.com/p/rec-9")]
    assert fetch_due_recordings(utcnow() + timedelta(minutes=11)) == 1
    db.expire_all()
    live = db.get(LiveSession, lesson_id)
    assert live is not None
    assert live.recording_url == "https://bbb.example.com/p/rec-9"


def test_wrong_bbb_secret_is_a_clear_provider_error(
    client: TestClient, runtime: Runtime, with_bbb: BBBServer, live_course: LiveCourse
) -> None:
    lesson_id, _ = add_live_lesson(client, live_course)
    configure(runtime, bbb_secret=SecretStr("wrong-secret"))
    response = join(client, lesson_id, live_course.student_headers)
    assert response.status_code == 502
    assert response.json()["code"] == "live_provider_error"
    assert "checksumError" in response.json()["detail"]
    assert with_bbb.meetings == {}


def test_unscheduled_live_lesson_has_no_session(
    client: TestClient, live_course: LiveCourse
) -> None:
    response = client.post(
        f"{API}/sections/{live_course.section_id}/lessons",
        json={"title": "To be announced", "kind": "live"},
        headers=live_course.owner_headers,
    )
    assert response.status_code == 201
    lesson_id = response.json()["id"]
    missing = live_of(client, lesson_id, live_course.student_headers)
    assert missing.status_code == 404
    assert missing.json()["code"] == "live_session_not_found"
