"""A student in real Chromium: enroll in a free course, complete lessons, pass the quiz, get
the certificate (issued by the queued jobs), download its PDF and open its verification page."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from syllabus.catalog.models import Course, Lesson, Quiz, QuizQuestion, Section
from syllabus.kit import queue
from syllabus.kit.db import utcnow
from syllabus.kit.markdown import render_markdown
from syllabus.kit.runtime import Runtime
from syllabus.learning.models import Certificate
from tests.e2e.people import PASSWORD, make_person

pytestmark = pytest.mark.e2e

PHONE_VIEWPORT = {"width": 375, "height": 740}
DESKTOP_VIEWPORT = {"width": 1280, "height": 800}
LESSONS = (
    (
        "Why version control",
        "Version control keeps **every change** you make, so you can go back in time.\n\n"
        "- See who changed what\n- Undo mistakes\n- Work together without emailing files",
    ),
    (
        "Your first commit",
        "## Setting up\n\nRun `git init`, then `git add` your files and `git commit`.\n\n"
        "A commit is a snapshot of your project with a message that says why.",
    ),
)


def _make_course(rt: Runtime, instructor_id: str) -> tuple[str, str]:
    """A free, published course: two text lessons and a quiz. Returns (slug, title)."""
    suffix = uuid.uuid4().hex[:6]
    title = f"Git for beginners {suffix}"
    with rt.db.session_scope() as db:
        course = Course(
            instructor_id=instructor_id,
            slug=f"git-for-beginners-{suffix}",
            title=title,
            subtitle="Save your work, undo mistakes and collaborate",
            description="Learn Git step by step.",
            description_html=render_markdown("Learn Git step by step."),
            status="published",
            published_at=utcnow(),
            price_amount=0,
            lesson_count=3,
            duration_seconds=900,
        )
        db.add(course)
        db.flush()
        section = Section(course_id=course.id, title="Getting started", position=0)
        db.add(section)
        db.flush()
        for position, (lesson_title, body) in enumerate(LESSONS):
            db.add(
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
            )
        quiz = Lesson(
            section_id=section.id,
            course_id=course.id,
            title="Check your understanding",
            kind="quiz",
            position=len(LESSONS),
            duration_seconds=300,
        )
        db.add(quiz)
        db.flush()
        db.add(Quiz(lesson_id=quiz.id, pass_percent=70, max_attempts=3))
        db.flush()
        db.add_all(
            [
                QuizQuestion(
                    lesson_id=quiz.id,
                    position=0,
                    kind="single",
                    prompt="Which command records a snapshot of your staged changes?",
                    choices=["git add", "git commit", "git status"],
                    answer=1,
                    explanation="`git add` stages changes; `git commit` records them.",
                ),
                QuizQuestion(
                    lesson_id=quiz.id,
                    position=1,
                    kind="true_false",
                    prompt="A commit message should say why the change was made.",
                    choices=[],
                    answer=True,
                    explanation="The diff shows what changed; the message explains why.",
                ),
                QuizQuestion(
                    lesson_id=quiz.id,
                    position=2,
                    kind="multiple",
                    prompt="Which of these does version control help with?",
                    choices=["Undoing mistakes", "Working together", "Making code faster"],
                    answer=[0, 1],
                    explanation="It tracks changes; it does not make your code run faster.",
                ),
            ]
        )
        return course.slug, title


def _log_in(page: Any, base: str, email: str, next_path: str) -> None:
    page.goto(f"{base}/login?next={next_path}", wait_until="load")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}{next_path}")


def _screenshot(page: Any, path: Path, *, full_page: bool = True) -> None:
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(path), full_page=full_page)


def _no_sideways_scroll(page: Any) -> None:
    width, viewport = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= viewport, f"page is {width}px wide in a {viewport}px viewport"


def _mark_complete(page: Any, title: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    with page.expect_response(lambda r: r.url.endswith("/complete")) as done:
        page.get_by_role("button", name="Mark complete").click()
    assert done.value.status == 200
    assert done.value.request.headers.get("x-csrf-token")
    expect(page.locator("#lesson-complete")).to_contain_text("Completed")
    row = page.locator(".outline-item.is-current")
    expect(row).to_have_class(re.compile(r"outline-item--done"))


def _next(page: Any, title: str) -> None:
    page.get_by_role("navigation", name="Lessons").get_by_role(
        "link", name=re.compile(rf"Next.*{title}")
    ).click()


def _run_jobs(rt: Runtime, student_id: str) -> Certificate:
    """Run the queued jobs until the certificate is issued and its PDF stored."""
    for _ in range(10):
        queue.drain()
        with rt.db.session_scope() as db:
            cert = db.scalar(select(Certificate).where(Certificate.user_id == student_id))
            if cert is not None and cert.pdf_key:
                db.expunge(cert)
                return cert
    pytest.fail("the certificate was not issued by the queued jobs")


def test_enroll_learn_pass_the_quiz_and_verify_the_certificate(
    page: Any, live_server: str, live_runtime: Runtime, artifacts_dir: Path
) -> None:
    instructor_id, _ = make_person(live_runtime, name="Grace Hopper", role="instructor")
    student_id, email = make_person(live_runtime, name="Linus Learner", role="student")
    slug, title = _make_course(live_runtime, instructor_id)

    # ------------------------------------------------------------- enroll
    _log_in(page, live_server, email, f"/courses/{slug}")
    page.get_by_role("button", name="Enroll now").click()
    page.wait_for_url(re.compile(rf"{live_server}/learn/{slug}/lessons/.+"))
    expect(page.locator("#toasts")).to_contain_text("You are enrolled")
    expect(page.get_by_role("heading", level=1)).to_have_text(LESSONS[0][0])
    expect(page.locator(".lesson-prose strong")).to_have_text("every change")
    expect(page.locator(".outline-item")).to_have_count(3)
    expect(page.locator(".player-progress")).to_contain_text("0%")
    page.wait_for_function("window.htmx !== undefined")

    # ------------------------------------------------------ text lessons
    _mark_complete(page, LESSONS[0][0])
    expect(page.locator(".player-progress")).to_contain_text("33%")
    expect(page.locator(".outline-section__count")).to_have_text("1/3")
    _next(page, "Your first commit")
    page.wait_for_load_state("load")
    _mark_complete(page, LESSONS[1][0])
    expect(page.locator(".player-progress")).to_contain_text("66%")
    _screenshot(page, artifacts_dir / "learning-player.png")

    # Phones: the curriculum folds behind a button; nothing scrolls sideways.
    page.set_viewport_size(PHONE_VIEWPORT)
    page.reload(wait_until="load")
    _no_sideways_scroll(page)
    outline = page.locator("#player-outline")
    toggle = page.get_by_role("button", name="Course content")
    expect(outline).to_be_hidden()
    _screenshot(page, artifacts_dir / "learning-player-phone.png")
    toggle.click()
    expect(outline).to_be_visible()
    expect(page.locator("[data-outline-toggle]")).to_have_attribute("aria-expanded", "true")
    _no_sideways_scroll(page)
    _screenshot(page, artifacts_dir / "learning-player-phone-outline.png")
    page.set_viewport_size(DESKTOP_VIEWPORT)
    page.reload(wait_until="load")

    # ---------------------------------------------------------------- quiz
    _next(page, "Check your understanding")
    page.wait_for_load_state("load")
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your understanding")
    expect(page.get_by_text("Pass the quiz to complete this lesson.")).to_be_visible()
    _screenshot(page, artifacts_dir / "learning-quiz.png")
    # A first try with one wrong answer: graded, explained, with attempts left.
    page.get_by_label("git add").check()
    page.get_by_label("True", exact=True).check()
    page.get_by_label("Undoing mistakes").check()
    page.get_by_label("Working together").check()
    page.get_by_role("button", name="Submit answers").click()
    panel = page.locator("#quiz-panel")
    expect(panel).to_contain_text("Not quite there yet")
    expect(panel).to_contain_text("66%")
    expect(panel).to_contain_text("`git add` stages changes")
    expect(panel).to_contain_text("2 of 3 attempts left")
    expect(panel.locator(".quiz-review__item--wrong")).to_have_count(1)
    _screenshot(page, artifacts_dir / "learning-quiz-failed.png")

    page.get_by_role("link", name="Try again").click()
    page.wait_for_load_state("load")
    expect(page.get_by_text("Your best score so far is 66%")).to_be_visible()
    page.get_by_label("git commit").check()
    page.get_by_label("True", exact=True).check()
    page.get_by_label("Undoing mistakes").check()
    page.get_by_label("Working together").check()
    page.get_by_role("button", name="Submit answers").click()
    expect(panel).to_contain_text("You passed!")
    expect(panel).to_contain_text("100%")
    expect(page.locator(".player-progress")).to_contain_text("100%")
    expect(page.locator(".player-progress")).to_contain_text("Course complete")
    expect(page.locator(".outline-item--done")).to_have_count(3)
    expect(page.locator("#lesson-complete")).to_contain_text("Quiz passed")
    _screenshot(page, artifacts_dir / "learning-quiz-result.png")
    page.set_viewport_size(PHONE_VIEWPORT)
    _no_sideways_scroll(page)
    _screenshot(page, artifacts_dir / "learning-quiz-result-phone.png")
    page.set_viewport_size(DESKTOP_VIEWPORT)

    # ------------------------------------------------------- certificate
    cert = _run_jobs(live_runtime, student_id)
    page.goto(f"{live_server}/my/learning", wait_until="load")
    card = page.locator(".learning-card", has_text=title)
    expect(card).to_contain_text("100% complete")
    expect(card.locator(".learning-card__badge")).to_have_text("Completed")
    _screenshot(page, artifacts_dir / "learning-my-learning.png")

    page.get_by_role("link", name="Certificates", exact=True).click()
    page.wait_for_url(f"{live_server}/my/certificates")
    entry = page.locator(".cert-card", has_text=title)
    expect(entry).to_contain_text(cert.code)
    with page.expect_download() as download_info:
        entry.get_by_role("link", name=re.compile("Download PDF")).click()
    pdf = Path(download_info.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    _screenshot(page, artifacts_dir / "learning-certificates.png")

    entry.get_by_role("link", name=re.compile("View")).click()
    page.wait_for_url(f"{live_server}/certificates/{cert.code}")
    certificate = page.locator(".certificate")
    expect(certificate).to_contain_text("Linus Learner")
    expect(certificate).to_contain_text(title)
    expect(certificate).to_contain_text("Grace Hopper")
    expect(certificate).to_contain_text(cert.code)
    assert page.locator('meta[name="robots"]').get_attribute("content") == "noindex"
    _screenshot(page, artifacts_dir / "learning-certificate.png")
    page.set_viewport_size(PHONE_VIEWPORT)
    _no_sideways_scroll(page)
    _screenshot(page, artifacts_dir / "learning-certificate-phone.png")

    assert page.evaluate("window.__cspViolations") == []
    assert page.console_errors == []
