"""A live lesson in real Chromium: the student's countdown turns into a Join button when the
window opens and joining leads to the meeting; the instructor sees Start and who joined."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from syllabus.catalog.models import Course, Lesson, Section
from syllabus.kit.db import utcnow
from syllabus.kit.runtime import Runtime
from syllabus.learning.models import Enrollment
from syllabus.live.jitsi import new_room_name
from syllabus.live.models import LiveSession
from tests.e2e.people import PASSWORD, make_person

pytestmark = pytest.mark.e2e

# The join window opens this long after the page is first shown.
OPENS_IN = timedelta(seconds=4)


def _live_course(rt: Runtime, owner_id: str, student_id: str) -> tuple[str, str]:
    """A published course with one live lesson whose join window opens in a few seconds."""
    suffix = uuid.uuid4().hex[:6]
    with rt.db.session_scope() as db:
        course = Course(
            instructor_id=owner_id,
            slug=f"live-lab-{suffix}",
            title=f"Live lab {suffix}",
            status="published",
            published_at=utcnow(),
            price_amount=0,
            lesson_count=1,
        )
        db.add(course)
        db.flush()
        section = Section(course_id=course.id, title="Sessions", position=0)
        db.add(section)
        db.flush()
        lesson = Lesson(section_id=section.id, course_id=course.id, title="Weekly Q&A", kind="live")
        db.add(lesson)
        db.flush()
        db.add(
            LiveSession(
                lesson_id=lesson.id,
                course_id=course.id,
                provider="jitsi",
                starts_at=utcnow() + timedelta(minutes=15) + OPENS_IN,
                duration_minutes=45,
                room=new_room_name(),
            )
        )
        db.add(Enrollment(user_id=student_id, course_id=course.id, source="free"))
        return course.slug, lesson.id


def _log_in(page: Any, base: str, email: str, next_path: str) -> None:
    page.goto(f"{base}/login?next={next_path}", wait_until="load")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}{next_path}")


def test_countdown_join_and_attendees(page: Any, live_server: str, live_runtime: Runtime) -> None:
    owner_id, owner_email = make_person(live_runtime, name="Grace Host", role="instructor")
    student_id, student_email = make_person(live_runtime, name="Lin Learner", role="student")
    # The meeting service is outside: answer its page locally.
    page.route(
        re.compile(r"^https://meet\.jit\.si/.*"),
        lambda route: route.fulfill(status=200, content_type="text/html", body="<h1>Room</h1>"),
    )

    _log_in(page, live_server, student_email, "/my/learning")
    # Scheduled only now, so the whole wait for the window is spent on the lesson page.
    slug, lesson_id = _live_course(live_runtime, owner_id, student_id)
    lesson_path = f"/learn/{slug}/lessons/{lesson_id}"
    page.goto(f"{live_server}{lesson_path}", wait_until="load")
    panel = page.locator("[data-live-panel]")
    expect(panel).to_contain_text("Starts in")
    join = panel.get_by_role("button", name="Join live session")
    expect(join).to_be_hidden()
    remaining = panel.locator("[data-live-remaining]")
    first = remaining.inner_text()
    expect(remaining).not_to_have_text(first, timeout=5000)  # the countdown ticks
    expect(join).to_be_visible(timeout=10_000)  # the window opened
    join.click()
    page.wait_for_url(re.compile(r"^https://meet\.jit\.si/syllabus-[0-9a-f]{32}"))

    page.context.clear_cookies()
    _log_in(page, live_server, owner_email, lesson_path)
    panel = page.locator("[data-live-panel]")
    expect(panel.get_by_role("button", name="Start session")).to_be_visible()
    expect(panel.locator("[data-live-attendees]")).to_contain_text("Lin Learner")
    assert page.console_errors == []
    assert page.evaluate("window.__cspViolations") == []
