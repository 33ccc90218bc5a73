"""The studio in real Chromium: build a course, drag a lesson across sections, submit, approve."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from syllabus.accounts.models import User
from syllabus.kit.runtime import Runtime
from tests.e2e.people import PASSWORD, make_person

pytestmark = pytest.mark.e2e

PHONE_VIEWPORT = {"width": 375, "height": 740}
DESKTOP_VIEWPORT = {"width": 1280, "height": 800}


def _log_in(page: Any, base: str, email: str, next_path: str) -> None:
    page.goto(f"{base}/login?next={next_path}", wait_until="load")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}{next_path}")


def _log_out(page: Any, base: str) -> None:
    header = page.locator("header.site-header")
    header.locator("summary.menu__toggle").click()
    header.get_by_role("button", name="Log out").click()
    page.wait_for_url(f"{base}/")


def _screenshot(page: Any, path: Path) -> None:
    page.evaluate("window.scrollTo(0, 0)")  # the sticky header belongs at the top
    page.screenshot(path=str(path), full_page=True)


def _no_sideways_scroll(page: Any) -> None:
    width, viewport = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= viewport, f"page is {width}px wide in a {viewport}px viewport"


def _section(page: Any, title: str) -> Any:
    return page.locator(".cur-section").filter(
        has=page.locator(".cur-section__title", has_text=title)
    )


def _lesson_titles(page: Any, section_title: str) -> list[str]:
    titles: list[str] = (
        _section(page, section_title).locator(".cur-lesson__title").all_inner_texts()
    )
    return [t.strip() for t in titles]


def _add_section(page: Any, title: str) -> None:
    page.get_by_label("New section").fill(title)
    page.get_by_role("button", name="Add section").click()
    expect(page.locator(".cur-section__title", has_text=title)).to_be_visible()


def _add_lesson(page: Any, section_title: str, title: str, kind: str) -> None:
    section = _section(page, section_title)
    section.get_by_label(f"New lesson in {section_title}").fill(title)
    section.get_by_label("Type").select_option(kind)
    section.get_by_role("button", name="Add lesson").click()
    expect(
        _section(page, section_title).locator(".cur-lesson__title", has_text=title)
    ).to_be_visible()


def _drag(page: Any, handle: Any, target: Any) -> None:
    """A real pointer drag: press on the handle, move in small steps, release over the target."""
    start = handle.bounding_box()
    assert start is not None
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    page.mouse.move(start["x"] + start["width"] / 2 + 4, start["y"] + start["height"] / 2 + 6)
    end = target.bounding_box()
    assert end is not None
    page.mouse.move(end["x"] + 40, end["y"] + end["height"] * 0.3, steps=25)
    page.mouse.move(end["x"] + 42, end["y"] + end["height"] * 0.25, steps=5)
    page.mouse.up()


def test_build_drag_submit_and_approve_a_course(
    page: Any, live_server: str, live_runtime: Runtime, artifacts_dir: Path
) -> None:
    instructor = make_person(live_runtime, name="Iris Instructor", role="instructor")[1]
    admin = make_person(live_runtime, name="Ada Admin", role="admin")[1]
    title = f"Shipping Web APIs {uuid.uuid4().hex[:6]}"

    # ----------------------------------------------------------- create
    _log_in(page, live_server, instructor, "/studio")
    expect(page.get_by_role("heading", name="Your courses")).to_be_visible()
    page.get_by_role("link", name="New course").first.click()
    page.wait_for_url(f"{live_server}/studio/courses/new")
    page.get_by_label("Course title").fill(title)
    page.get_by_label("Category").select_option(label="Web Development")
    page.get_by_label("Level").select_option("beginner")
    page.get_by_role("button", name="Create course").click()
    page.wait_for_url(f"{live_server}/studio/courses/*")
    course_url = page.url
    expect(page.locator("#toasts")).to_contain_text("Your course was created.")
    expect(page.get_by_role("heading", level=1)).to_have_text(title)

    # ------------------------------------------------ details + live preview
    page.get_by_label("Subtitle").fill("From the first route to production")
    page.get_by_label("Course description").fill(
        "## What you build\n\nA **real** API, deployed.\n\n- routing\n- tests"
    )
    preview = page.locator("#field-description-preview")
    expect(preview.locator("strong")).to_have_text("real")
    expect(preview.locator("li")).to_have_count(2)
    page.get_by_label("What students will learn").fill("Design routes\nWrite tests")
    page.get_by_label("Price", exact=True).fill("24.99")
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_url(course_url)
    expect(page.locator("#toasts")).to_contain_text("The course details were saved.")
    expect(page.get_by_label("Price", exact=True)).to_have_value("24.99")
    expect(preview.locator("strong")).to_have_text("real")
    _screenshot(page, artifacts_dir / "studio-editor.png")
    page.set_viewport_size(PHONE_VIEWPORT)
    page.reload(wait_until="load")
    _no_sideways_scroll(page)
    _screenshot(page, artifacts_dir / "studio-editor-phone.png")
    page.set_viewport_size(DESKTOP_VIEWPORT)

    # ---------------------------------------------------- curriculum (htmx)
    page.get_by_role("link", name="Curriculum", exact=True).click()
    page.wait_for_url(f"{course_url}/curriculum")
    page.wait_for_function("window.htmx !== undefined && window.Sortable !== undefined")
    expect(page.locator("[data-curriculum].is-sortable")).to_be_visible()
    _add_section(page, "Getting started")
    _add_lesson(page, "Getting started", "Welcome", "video")
    _add_lesson(page, "Getting started", "Install the tools", "text")
    _add_section(page, "Building the API")
    _add_lesson(page, "Building the API", "First endpoint", "text")
    expect(page.locator("[data-curriculum].is-sortable")).to_be_visible()
    assert _lesson_titles(page, "Getting started") == ["Welcome", "Install the tools"]
    assert _lesson_titles(page, "Building the API") == ["First endpoint"]

    # --------------------------------------- drag a lesson to the other section
    moving = _section(page, "Getting started").locator(".cur-lesson", has_text="Install the tools")
    target = _section(page, "Building the API").locator(".cur-lesson", has_text="First endpoint")
    # Both rows well inside the viewport, so SortableJS does not auto-scroll under the pointer.
    page.set_viewport_size({"width": 1280, "height": 1200})
    _section(page, "Getting started").evaluate("el => el.scrollIntoView({block: 'start'})")
    with page.expect_response(lambda r: r.url.endswith("/curriculum/order")) as saved:
        _drag(page, moving.locator("[data-drag-handle='lesson']"), target)
    page.set_viewport_size(DESKTOP_VIEWPORT)
    assert saved.value.status == 200
    assert saved.value.request.headers.get("x-csrf-token")
    expect(page.locator("#curriculum-status")).to_have_text("Order saved.")
    assert _lesson_titles(page, "Getting started") == ["Welcome"]
    dropped = _lesson_titles(page, "Building the API")
    assert sorted(dropped) == ["First endpoint", "Install the tools"]
    page.reload(wait_until="load")
    assert _lesson_titles(page, "Getting started") == ["Welcome"]
    assert _lesson_titles(page, "Building the API") == dropped

    # The keyboard fallback: real buttons, swapped in by htmx, focus kept on the moved row.
    page.get_by_role("button", name="Move lesson Welcome down").focus()
    page.keyboard.press("Enter")
    expect(_section(page, "Building the API").locator(".cur-lesson__title").first).to_have_text(
        "Welcome"
    )
    expect(page.get_by_role("button", name="Move lesson Welcome down")).to_be_focused()
    page.reload(wait_until="load")
    assert _lesson_titles(page, "Getting started") == []
    assert _lesson_titles(page, "Building the API") == ["Welcome", *dropped]
    page.get_by_role("button", name="Move lesson Welcome up").focus()
    page.keyboard.press("Enter")
    expect(_section(page, "Getting started").locator(".cur-lesson__title")).to_have_text(
        ["Welcome"]
    )
    # Back at the very top, "up" is disabled: focus goes to its twin.
    expect(page.get_by_role("button", name="Move lesson Welcome down")).to_be_focused()
    page.reload(wait_until="load")
    assert _lesson_titles(page, "Getting started") == ["Welcome"]
    assert _lesson_titles(page, "Building the API") == dropped

    _screenshot(page, artifacts_dir / "studio-curriculum.png")
    page.set_viewport_size(PHONE_VIEWPORT)
    page.reload(wait_until="load")
    _no_sideways_scroll(page)
    _screenshot(page, artifacts_dir / "studio-curriculum-phone.png")
    page.set_viewport_size(DESKTOP_VIEWPORT)
    page.reload(wait_until="load")

    # ------------------------------------------------------------- submit
    page.get_by_role("button", name="Submit for review").click()
    page.wait_for_url(f"{course_url}/curriculum")
    expect(page.locator("#toasts")).to_contain_text("Submitted for review.")
    expect(page.locator(".studio-head .status-badge")).to_have_text("In review")
    page.get_by_role("link", name="Studio", exact=True).click()
    page.wait_for_url(f"{live_server}/studio")
    course_card = page.locator(".studio-course", has_text=title)
    expect(course_card.locator(".status-badge")).to_have_text("In review")
    expect(course_card.locator(".studio-course__stats dd").first).to_have_text("3")
    _screenshot(page, artifacts_dir / "studio-courses.png")
    _log_out(page, live_server)

    # ------------------------------------------------------------ approve
    _log_in(page, live_server, admin, "/admin/reviews")
    page.get_by_role("link", name=title, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.get_by_text("Install the tools")).to_be_visible()
    page.locator(".review-lesson__summary", has_text="First endpoint").click()
    _screenshot(page, artifacts_dir / "admin-review.png")
    page.set_viewport_size(PHONE_VIEWPORT)
    _no_sideways_scroll(page)
    _screenshot(page, artifacts_dir / "admin-review-phone.png")
    page.set_viewport_size(DESKTOP_VIEWPORT)
    page.get_by_role("button", name="Approve and publish").click()
    page.wait_for_url(f"{live_server}/admin/reviews")
    expect(page.locator("#toasts")).to_contain_text("approved and is now published")
    expect(page.get_by_role("link", name=title, exact=True)).to_have_count(0)

    # ------------------------------------------------- in the public catalog
    page.goto(f"{live_server}/courses", wait_until="load")
    expect(page.get_by_role("link", name=title).first).to_be_visible()

    assert page.evaluate("window.__cspViolations") == []
    assert page.console_errors == []


def test_lesson_and_quiz_editors(
    page: Any, live_server: str, live_runtime: Runtime, artifacts_dir: Path
) -> None:
    from syllabus.accounts.actor import Actor
    from syllabus.catalog import authoring
    from syllabus.catalog.schemas import CourseCreate, LessonCreate, SectionIn

    email = make_person(live_runtime, name="Quinn Quizmaster", role="instructor")[1]
    with live_runtime.db.session_scope() as db:
        user = db.query(User).filter_by(email=email).one()
        actor = Actor(id=user.id, role=user.role, name=user.name, email=user.email)
        course = authoring.create_course(
            db, live_runtime, actor, CourseCreate(title="Testing in practice")
        )
        section = authoring.add_section(
            db, live_runtime, actor, course.id, SectionIn(title="Basics")
        )
        text = authoring.add_lesson(
            db, live_runtime, actor, section.id, LessonCreate(title="Why tests", kind="text")
        )
        quiz = authoring.add_lesson(
            db, live_runtime, actor, section.id, LessonCreate(title="Check yourself", kind="quiz")
        )
        text_id, quiz_id = text.id, quiz.id

    _log_in(page, live_server, email, f"/studio/lessons/{text_id}")
    page.get_by_label("Duration (minutes)").fill("8")
    page.get_by_label("Free preview").check()
    page.get_by_label("Lesson text").fill("Tests let you **change** code without fear.")
    expect(page.locator("#field-body-preview strong")).to_have_text("change")
    page.get_by_label("A number of days after they enroll").check()
    page.get_by_label("Days after enrollment").fill("3")
    page.get_by_role("button", name="Save lesson").click()
    page.wait_for_url(f"{live_server}/studio/lessons/{text_id}")
    expect(page.locator("#toasts")).to_contain_text("The lesson was saved.")
    expect(page.get_by_label("Days after enrollment")).to_have_value("3")
    _screenshot(page, artifacts_dir / "studio-lesson.png")

    page.goto(f"{live_server}/studio/lessons/{quiz_id}/quiz", wait_until="load")
    expect(page.get_by_text("No questions yet")).to_be_visible()
    page.get_by_role("button", name="Single choice").click()
    page.get_by_label("Question", exact=True).fill("What does a failing test tell you?")
    page.get_by_label("Choice 1", exact=True).fill("Nothing")
    page.get_by_label("Choice 2", exact=True).fill("Where the behaviour changed")
    page.get_by_label("Choice 2 is the right answer").check()
    page.get_by_role("button", name="True or false").click()
    expect(page.locator(".quiz-question")).to_have_count(2)
    expect(page.get_by_label("Choice 2", exact=True)).to_have_value("Where the behaviour changed")
    page.get_by_label("Statement", exact=True).fill("Tests replace code review.")
    page.get_by_label("False", exact=True).check()
    page.get_by_label("Pass mark (%)").fill("50")
    page.get_by_role("button", name="Save quiz").last.click()
    page.wait_for_url(f"{live_server}/studio/lessons/{quiz_id}/quiz")
    expect(page.locator("#toasts")).to_contain_text("The quiz was saved.")
    expect(page.locator(".quiz-question")).to_have_count(2)
    expect(page.get_by_label("Choice 2 is the right answer")).to_be_checked()
    _screenshot(page, artifacts_dir / "studio-quiz.png")
    page.set_viewport_size(PHONE_VIEWPORT)
    page.reload(wait_until="load")
    _no_sideways_scroll(page)
    _screenshot(page, artifacts_dir / "studio-quiz-phone.png")

    assert page.evaluate("window.__cspViolations") == []
    assert page.console_errors == []


def test_a_student_is_pointed_to_teach(page: Any, live_server: str, live_runtime: Runtime) -> None:
    email = make_person(live_runtime, name="Sid Student", role="student")[1]
    _log_in(page, live_server, email, "/")
    response = page.goto(f"{live_server}/studio", wait_until="load")
    assert response is not None
    assert response.status == 403
    expect(
        page.get_by_role("heading", name="Become an instructor to build courses")
    ).to_be_visible()
    page.get_by_role("link", name="Apply to teach").click()
    page.wait_for_url(f"{live_server}/teach")
    assert page.evaluate("window.__cspViolations") == []
    assert [e for e in page.console_errors if "status of 403" not in e] == []
