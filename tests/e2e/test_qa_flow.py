"""Lesson Q&A in real Chromium: a student asks on a lesson page, the instructor (another
browser) answers from the notification, and the student's open page shows the unread
badge by polling, then the answer through the bell."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from syllabus.catalog.models import Course, Lesson, Section
from syllabus.kit.db import utcnow
from syllabus.kit.markdown import render_markdown
from syllabus.kit.runtime import Runtime
from syllabus.learning.models import Enrollment
from tests.e2e.conftest import CSP_RECORDER, DESKTOP_VIEWPORT
from tests.e2e.people import PASSWORD, make_person

pytestmark = pytest.mark.e2e

PHONE_VIEWPORT = {"width": 375, "height": 740}
QUESTION = "Why does a commit need a message?"
DETAILS = "The diff already shows what changed.\nWhat is the message for?"
ANSWER = "The diff says what changed; the message says why you changed it."


@pytest.fixture
def fast_badge(live_runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    """Poll the unread badge every second (the pages read the setting when they render)."""
    monkeypatch.setattr(live_runtime.settings, "notification_poll_seconds", 1)


@pytest.fixture
def second_page(browser: Any) -> Iterator[Any]:
    """Another browser context: a second person signed in at the same time."""
    context = browser.new_context(viewport=DESKTOP_VIEWPORT)
    context.add_init_script(CSP_RECORDER)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(f"pageerror: {error}"))
    page.on(
        "console",
        lambda message: (
            errors.append(f"console: {message.text}") if message.type == "error" else None
        ),
    )
    page.console_errors = errors
    try:
        yield page
    finally:
        context.close()


def _make_course(rt: Runtime, instructor_id: str, student_id: str) -> tuple[str, str, str]:
    """A free, published course of two text lessons, the student enrolled.

    Returns (slug, title, first lesson id).
    """
    suffix = uuid.uuid4().hex[:6]
    title = f"Git basics {suffix}"
    with rt.db.session_scope() as db:
        course = Course(
            instructor_id=instructor_id,
            slug=f"git-basics-{suffix}",
            title=title,
            description="Learn Git.",
            description_html=render_markdown("Learn Git."),
            status="published",
            published_at=utcnow(),
            price_amount=0,
            lesson_count=2,
            duration_seconds=600,
        )
        db.add(course)
        db.flush()
        section = Section(course_id=course.id, title="Getting started", position=0)
        db.add(section)
        db.flush()
        lessons = [
            Lesson(
                section_id=section.id,
                course_id=course.id,
                title=lesson_title,
                kind="text",
                position=position,
                duration_seconds=300,
                body=body,
                body_html=render_markdown(body),
            )
            for position, (lesson_title, body) in enumerate(
                (
                    ("Your first commit", "Run `git commit` with a message that says why."),
                    ("Branches", "A branch is a movable pointer to a commit."),
                )
            )
        ]
        db.add_all(lessons)
        db.add(Enrollment(user_id=student_id, course_id=course.id, source="free", status="active"))
        db.flush()
        return course.slug, title, lessons[0].id


def _log_in(page: Any, base: str, email: str, next_path: str) -> None:
    page.goto(f"{base}/login?next={next_path}", wait_until="load")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}{next_path}")


def _clean(page: Any) -> None:
    """No script errors and nothing blocked by the Content Security Policy."""
    assert page.console_errors == []
    assert page.evaluate("window.__cspViolations") == []


def _screenshot(page: Any, path: Path) -> None:
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(path), full_page=True)


def _no_sideways_scroll(page: Any) -> None:
    width, viewport = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= viewport, f"page is {width}px wide in a {viewport}px viewport"


def test_a_student_asks_the_instructor_answers_and_the_badge_tells_the_student(
    page: Any,
    second_page: Any,
    live_server: str,
    live_runtime: Runtime,
    artifacts_dir: Path,
    fast_badge: None,
) -> None:
    instructor_id, instructor_email = make_person(
        live_runtime, name="Grace Hopper", role="instructor"
    )
    student_id, student_email = make_person(live_runtime, name="Linus Learner", role="student")
    slug, _title, lesson_id = _make_course(live_runtime, instructor_id, student_id)
    lesson_path = f"/learn/{slug}/lessons/{lesson_id}"
    badge = page.get_by_test_id("unread-count")

    # ------------------------------------------------ the student asks
    _log_in(page, live_server, student_email, lesson_path)
    panel = page.locator("#questions")
    expect(panel.get_by_role("heading", name="Questions about this lesson")).to_be_visible()
    # The list arrives by htmx in place of the no-script link.
    expect(panel).to_contain_text("No questions about this lesson yet")
    expect(badge).to_have_text("0")
    panel.get_by_label("Your question").fill(QUESTION)
    panel.get_by_label("Details").fill(DETAILS)
    panel.get_by_role("button", name="Post question").click()
    page.wait_for_url(re.compile(rf"{live_server}{lesson_path}/questions/[0-9a-f-]+$"))
    question_url = page.url
    expect(page.locator("#toasts")).to_contain_text("Your question is posted")
    expect(page.get_by_role("heading", level=1)).to_have_text(QUESTION)
    expect(page.locator(".qa-thread .qa-text")).to_have_text(DETAILS)
    expect(page.locator("#answers-title")).to_have_text("0 answers")
    _screenshot(page, artifacts_dir / "qa-question-asked.png")

    # ---------------- the instructor hears of it and answers (another browser)
    teacher = second_page
    _log_in(teacher, live_server, instructor_email, "/notifications")
    expect(teacher.get_by_test_id("unread-count")).to_have_text("1")
    teacher.get_by_role("button", name=re.compile("^New question on")).click()
    teacher.wait_for_url(question_url)
    expect(teacher.get_by_role("heading", level=1)).to_have_text(QUESTION)
    expect(teacher.get_by_role("button", name="Hide question")).to_be_visible()
    teacher.get_by_label("Your answer").fill(ANSWER)
    teacher.get_by_role("button", name="Post answer").click()
    teacher.wait_for_url(re.compile(r".+#answer-[0-9a-f-]+$"))
    expect(teacher.locator("#toasts")).to_contain_text("Your answer is posted")
    answer = teacher.locator(".qa-answer")
    expect(answer).to_contain_text(ANSWER)
    expect(answer.locator(".qa-badge")).to_have_text("Instructor")
    _screenshot(teacher, artifacts_dir / "qa-instructor-answered.png")
    _clean(teacher)

    # ------------- the student's page, left open, learns of it by polling
    expect(badge).to_have_text("1", timeout=10_000)
    expect(page.locator(".qa-answer")).to_have_count(0)  # the page itself was not reloaded
    page.locator("a.notif-link").click()  # the bell
    page.wait_for_url(f"{live_server}/notifications")
    page.get_by_role("button", name="Grace Hopper answered your question", exact=True).click()
    page.wait_for_url(re.compile(rf"{re.escape(question_url)}#answer-[0-9a-f-]+$"))
    reply = page.locator(".qa-answer")
    expect(reply).to_contain_text(ANSWER)
    expect(reply.locator(".qa-badge")).to_have_text("Instructor")
    expect(page.locator("#answers-title")).to_have_text("1 answer")
    expect(badge).to_have_text("0")
    _screenshot(page, artifacts_dir / "qa-student-sees-answer.png")

    # Back on the lesson: the panel lists the question with its answer.
    page.goto(f"{live_server}{lesson_path}", wait_until="load")
    item = page.locator("#questions .qa-item", has_text=QUESTION)
    expect(item).to_contain_text("Linus Learner")
    expect(item.locator(".qa-item__count")).to_contain_text("1")
    page.set_viewport_size(PHONE_VIEWPORT)
    _no_sideways_scroll(page)
    page.goto(question_url, wait_until="load")
    _no_sideways_scroll(page)
    _screenshot(page, artifacts_dir / "qa-question-phone.png")
    _clean(page)
