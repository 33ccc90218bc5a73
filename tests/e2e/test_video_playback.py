"""A student watches a video lesson in real Chromium (hls.js over the signed stream): it plays,
lists its qualities, obeys the keyboard, saves the position and resumes there, renewing its
signed URL; a visitor who is not enrolled gets only the course's preview video, and the stream
refuses a forged token."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from syllabus.catalog.models import Course, Lesson, Section
from syllabus.kit.db import utcnow
from syllabus.kit.markdown import render_markdown
from syllabus.kit.runtime import Runtime
from syllabus.learning.models import Enrollment, LessonProgress
from tests.e2e.conftest import CSP_RECORDER, DESKTOP_VIEWPORT
from tests.e2e.people import PASSWORD, make_person
from tests.media.factories import make_ready_video

pytestmark = pytest.mark.e2e

CLIP_SECONDS = 4.0
VIDEO = "[data-video-player] video"


def _video_course(rt: Runtime, instructor_id: str, student_id: str) -> tuple[str, str]:
    """A published course: a video lesson (a real HLS stream) then a text lesson; the student
    enrolled. Returns (slug, video lesson id)."""
    suffix = uuid.uuid4().hex[:6]
    with rt.db.session_scope() as db:
        video = make_ready_video(rt, db, instructor_id, seconds=CLIP_SECONDS)
        promo = make_ready_video(rt, db, instructor_id, seconds=2.0, purpose="promo_video")
        course = Course(
            instructor_id=instructor_id,
            slug=f"watch-and-learn-{suffix}",
            title=f"Watch and learn {suffix}",
            description="A short course with a video.",
            description_html=render_markdown("A short course with a video."),
            status="published",
            published_at=utcnow(),
            price_amount=0,
            lesson_count=2,
            duration_seconds=int(CLIP_SECONDS) + 300,
            promo_media_id=promo.id,
        )
        db.add(course)
        db.flush()
        section = Section(course_id=course.id, title="Start here", position=0)
        db.add(section)
        db.flush()
        lesson = Lesson(
            section_id=section.id,
            course_id=course.id,
            title="The test pattern",
            kind="video",
            position=0,
            duration_seconds=int(CLIP_SECONDS),
            media_id=video.id,
        )
        db.add(lesson)
        db.add(
            Lesson(
                section_id=section.id,
                course_id=course.id,
                title="Notes",
                kind="text",
                position=1,
                duration_seconds=300,
                body="Read me.",
                body_html=render_markdown("Read me."),
            )
        )
        db.add(Enrollment(user_id=student_id, course_id=course.id, source="free"))
        db.flush()
        return course.slug, lesson.id


def _log_in(page: Any, base: str, email: str, next_path: str) -> None:
    page.goto(f"{base}/login?next={next_path}", wait_until="load")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def _saved_position(rt: Runtime, student_id: str, lesson_id: str) -> int:
    with rt.db.session_scope() as db:
        row = db.scalar(
            select(LessonProgress.position_seconds)
            .join(Enrollment, Enrollment.id == LessonProgress.enrollment_id)
            .where(Enrollment.user_id == student_id, LessonProgress.lesson_id == lesson_id)
        )
        return int(row or 0)


def test_enrolled_student_plays_the_video_and_resumes_where_they_left(
    page: Any, browser: Any, live_server: str, live_runtime: Runtime, artifacts_dir: Path
) -> None:
    instructor_id, _ = make_person(live_runtime, name="Vera Video", role="instructor")
    student_id, email = make_person(live_runtime, name="Wanda Watcher", role="student")
    slug, lesson_id = _video_course(live_runtime, instructor_id, student_id)
    lesson_path = f"/learn/{slug}/lessons/{lesson_id}"

    _log_in(page, live_server, email, lesson_path)
    page.wait_for_url(f"{live_server}{lesson_path}")
    player = page.locator("[data-video-player]")
    expect(player).to_have_attribute("data-hls-url", re.compile(r"^/stream/.+/master\.m3u8$"))
    page.wait_for_function("() => window.Hls !== undefined && window.Hls.isSupported()")

    # hls.js read the master playlist: the quality menu lists its rendition.
    quality = player.locator("[data-quality] option")
    expect(quality).to_have_count(2)
    expect(quality.nth(1)).to_have_text("360p")
    expect(player.locator("[data-speed] option")).to_have_count(7)

    # Muted, so the autoplay policy lets a script start it.
    page.evaluate(f"document.querySelector('{VIDEO}').muted = true")
    page.locator(VIDEO).focus()
    page.keyboard.press("k")
    page.wait_for_function("(css) => document.querySelector(css).currentTime > 1.3", arg=VIDEO)
    page.locator("[data-speed]").select_option("1.5")
    assert page.evaluate(f"document.querySelector('{VIDEO}').playbackRate") == 1.5
    page.locator(VIDEO).focus()
    with page.expect_response(lambda r: r.url.endswith("/position")) as report:
        page.keyboard.press("k")
    assert report.value.status == 200
    assert page.evaluate(f"document.querySelector('{VIDEO}').paused") is True
    saved = report.value.json()["position_seconds"]
    assert saved >= 1
    assert report.value.request.headers.get("x-csrf-token")
    assert _saved_position(live_runtime, student_id, lesson_id) == saved
    # More shortcuts: m toggles the sound, < slows down a step.
    page.keyboard.press("m")
    page.keyboard.press("<")
    assert page.evaluate(f"document.querySelector('{VIDEO}').muted") is False
    assert page.evaluate(f"document.querySelector('{VIDEO}').playbackRate") == 1.25
    expect(player.locator("[data-player-status]")).to_have_text("Speed 1.25\u00d7")
    page.screenshot(path=str(artifacts_dir / "video-lesson.png"))

    # Back later: the player seeks to the saved position once the stream is loaded. The URL
    # is signed for barely more than the renewal margin, so the player renews it at once.
    settings = live_runtime.settings
    live_runtime.settings = settings.model_copy(update={"playback_url_ttl_seconds": 62})
    try:
        with page.expect_response(lambda r: r.url.endswith("/playback"), timeout=20000) as fresh:
            page.reload(wait_until="load")
            expect(player).to_have_attribute("data-start-position", str(saved))
            page.wait_for_function(
                "([css, at]) => { const v = document.querySelector(css);"
                " return v.readyState >= 1 && v.currentTime >= at - 0.5; }",
                arg=[VIDEO, saved],
            )
    finally:
        live_runtime.settings = settings
    assert fresh.value.status == 200
    renewed_url = fresh.value.json()["hls_url"]
    assert renewed_url != player.get_attribute("data-hls-url")
    # The stream is loaded again from the new URL, at the same moment.
    page.wait_for_function(
        "(url) => performance.getEntriesByType('resource').some(e => e.name.endsWith(url))",
        arg=renewed_url,
    )
    page.wait_for_function(
        "([css, at]) => { const v = document.querySelector(css);"
        " return v.readyState >= 1 && Math.abs(v.currentTime - at) < 1; }",
        arg=[VIDEO, saved],
    )
    # The speed chosen before is kept.
    expect(page.locator("[data-speed]")).to_have_value("1.25")
    assert page.evaluate("window.__cspViolations") == []
    assert page.console_errors == []

    # A visitor who is not enrolled gets the course page, not the player.
    _, outsider_email = make_person(live_runtime, name="Otto Outsider", role="student")
    context = browser.new_context(viewport=DESKTOP_VIEWPORT)
    context.add_init_script(CSP_RECORDER)
    other = context.new_page()
    try:
        _log_in(other, live_server, outsider_email, lesson_path)
        other.wait_for_url(f"{live_server}/courses/{slug}")
        expect(other.locator("#toasts")).to_contain_text("Enroll in this course")
        # The course page's preview is for everyone; the lesson's player is not.
        preview = other.locator("#course-promo")
        expect(preview).to_have_count(1)
        expect(other.locator("[data-video-player]")).to_have_count(1)
        other.wait_for_function("() => window.Hls !== undefined")
        other.evaluate("document.querySelector('#course-promo video').muted = true")
        other.locator("#course-promo video").focus()
        other.keyboard.press("k")
        other.wait_for_function(
            "() => document.querySelector('#course-promo video').currentTime > 0.5"
        )
        assert other.evaluate("window.__cspViolations") == []
        refused = other.request.get(f"{live_server}{lesson_path}/playback")
        assert refused.status == 403
        # Without a valid token the stream opens nothing.
        hls_url = player.get_attribute("data-hls-url")
        assert hls_url
        forged = re.sub(r"\.[^./]+/master\.m3u8$", ".AAAA/master.m3u8", hls_url)
        assert other.request.get(f"{live_server}{forged}").status == 403
        assert other.request.get(f"{live_server}/stream/nothing/master.m3u8").status == 403
    finally:
        context.close()
