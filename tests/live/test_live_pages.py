"""The live lesson in the player: countdown, Join, recording; Start, End and attendees."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from syllabus.kit.db import utcnow
from syllabus.live.models import LiveSession
from tests.live.conftest import LiveCourse, add_live_lesson
from tests.web.test_account_pages import web_login


def player(client: TestClient, setup: LiveCourse, lesson_id: str) -> str:
    response = client.get(f"/learn/{setup.course.slug}/lessons/{lesson_id}")
    assert response.status_code == 200, response.text
    return response.text


def post(client: TestClient, url: str) -> tuple[int, str]:
    response = client.post(
        url, data={"csrf_token": client.cookies["syl_csrf"]}, follow_redirects=False
    )
    return response.status_code, response.headers.get("location", "")


def test_student_sees_countdown_before_the_window(
    client: TestClient, live_course: LiveCourse
) -> None:
    lesson_id, _ = add_live_lesson(client, live_course, starts_in=timedelta(hours=2))
    web_login(client, live_course.student.email)
    page = player(client, live_course, lesson_id)
    assert "data-live-countdown" in page
    assert "Starts in" in page
    assert 'action="/learn/' in page
    assert "/live/join" in page
    assert "data-live-when-open hidden" in page  # Join shows itself when the window opens
    assert "Start session" not in page
    assert "Attendees" not in page
    # Posting anyway is refused by the server and comes back to the lesson.
    status, location = post(
        client, f"/learn/{live_course.course.slug}/lessons/{lesson_id}/live/join"
    )
    assert status == 303
    assert location.endswith(f"/lessons/{lesson_id}")


def test_student_joins_inside_the_window_and_owner_sees_them(
    client: TestClient, live_course: LiveCourse
) -> None:
    lesson_id, _ = add_live_lesson(client, live_course, starts_in=timedelta(minutes=5))
    base = f"/learn/{live_course.course.slug}/lessons/{lesson_id}"
    web_login(client, live_course.student.email)
    page = player(client, live_course, lesson_id)
    assert "Join live session" in page
    assert "data-live-when-open hidden" not in page
    status, location = post(client, f"{base}/live/join")
    assert status == 303
    assert location.startswith("https://meet.jit.si/syllabus-")

    client.cookies.clear()
    web_login(client, live_course.owner.email)
    page = player(client, live_course, lesson_id)
    assert "Start session" in page
    assert "Attendees (1)" in page
    assert "Sam Student" in page
    status, location = post(client, f"{base}/live/start")
    assert status == 303
    assert location.startswith("https://meet.jit.si/")
    page = player(client, live_course, lesson_id)
    assert "End session for everyone" in page
    assert "Ada Teacher" in page
    assert "(moderator)" in page


def test_recording_shown_after_the_end(
    client: TestClient, db: Session, live_course: LiveCourse
) -> None:
    lesson_id, _ = add_live_lesson(client, live_course, starts_in=timedelta(minutes=5))
    live = db.get(LiveSession, lesson_id)
    assert live is not None
    live.ended_at = utcnow()
    live.recording_url = "https://videos.example.com/office-hours"
    db.commit()
    web_login(client, live_course.student.email)
    page = player(client, live_course, lesson_id)
    assert "This live session has ended." in page
    assert 'href="https://videos.example.com/office-hours"' in page
    assert "Join live session" not in page


def test_owner_schedules_from_the_studio(
    client: TestClient, db: Session, live_course: LiveCourse
) -> None:
    response = client.post(
        f"/api/v1/sections/{live_course.section_id}/lessons",
        json={"title": "Kick-off call", "kind": "live"},
        headers=live_course.owner_headers,
    )
    lesson_id = response.json()["id"]
    web_login(client, live_course.owner.email)
    page = client.get(f"/studio/lessons/{lesson_id}").text
    assert "Not scheduled yet" in page
    assert 'name="starts_at"' in page

    later = (utcnow() + timedelta(days=2)).replace(second=0, microsecond=0)
    status, _ = post_form(
        client,
        f"/studio/lessons/{lesson_id}/live",
        {"starts_at": later.strftime("%Y-%m-%dT%H:%M"), "duration_minutes": "45"},
    )
    assert status == 303
    db.expire_all()
    live = db.get(LiveSession, lesson_id)
    assert live is not None
    assert live.starts_at == later
    assert live.duration_minutes == 45
    page = client.get(f"/studio/lessons/{lesson_id}").text
    assert "schedule was saved" in page
    assert later.strftime("%Y-%m-%dT%H:%M") in page

    # A start in the past is refused and nothing changes.
    status, _ = post_form(
        client,
        f"/studio/lessons/{lesson_id}/live",
        {"starts_at": "2020-01-01T10:00", "duration_minutes": "45"},
    )
    assert status == 303
    db.expire_all()
    live = db.get(LiveSession, lesson_id)
    assert live is not None
    assert live.starts_at == later
    assert "a future start time" in client.get(f"/studio/lessons/{lesson_id}").text


def post_form(client: TestClient, url: str, data: dict[str, str]) -> tuple[int, str]:
    response = client.post(
        url, data={**data, "csrf_token": client.cookies["syl_csrf"]}, follow_redirects=False
    )
    return response.status_code, response.headers.get("location", "")
