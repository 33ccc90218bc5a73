"""A student in real Chromium buys a paid course: adds it to the cart, applies the
instructor's coupon, checks out with the sandbox gateway, presses Pay on its hosted page,
lands on the receipt (confirmed by the signed webhook's job) and opens the course player."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from syllabus.catalog.models import Course, Lesson, Section
from syllabus.commerce.models import Coupon, Order
from syllabus.kit import queue
from syllabus.kit.db import utcnow
from syllabus.kit.markdown import render_markdown
from syllabus.kit.runtime import Runtime
from syllabus.learning.models import Enrollment
from tests.e2e.people import PASSWORD, make_person

pytestmark = pytest.mark.e2e

LESSONS = (
    ("Meet the pandas DataFrame", "A **DataFrame** is a table with labelled rows and columns."),
    ("Filtering rows", "Use a boolean mask: `df[df.price > 10]` keeps the expensive rows."),
)


def _make_paid_course(rt: Runtime, instructor_id: str) -> tuple[str, str, str]:
    """A published $40.00 course with two text lessons and a 25% coupon of its instructor.

    Returns (course id, slug, coupon code)."""
    suffix = uuid.uuid4().hex[:6]
    code = f"SPRING{suffix.upper()}"
    with rt.db.session_scope() as db:
        course = Course(
            instructor_id=instructor_id,
            slug=f"pandas-in-practice-{suffix}",
            title=f"Pandas in practice {suffix}",
            subtitle="Clean, filter and summarise real data",
            description="Hands-on pandas.",
            description_html=render_markdown("Hands-on pandas."),
            status="published",
            published_at=utcnow(),
            price_amount=4000,
            currency="USD",
            lesson_count=len(LESSONS),
            duration_seconds=600,
        )
        db.add(course)
        db.flush()
        section = Section(course_id=course.id, title="Getting started", position=0)
        db.add(section)
        db.flush()
        for position, (title, body) in enumerate(LESSONS):
            db.add(
                Lesson(
                    section_id=section.id,
                    course_id=course.id,
                    title=title,
                    kind="text",
                    position=position,
                    duration_seconds=300,
                    body=body,
                    body_html=render_markdown(body),
                )
            )
        db.add(
            Coupon(
                code=code,
                scope_key=course.id,
                course_id=course.id,
                created_by=instructor_id,
                percent_off=25,
                created_at=utcnow(),
            )
        )
        return course.id, course.slug, code


def _log_in(page: Any, base: str, email: str, next_path: str) -> None:
    page.goto(f"{base}/login?next={next_path}", wait_until="load")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}{next_path}")


def _clean(page: Any, where: str) -> None:
    """No console errors and no CSP violations on the page now shown."""
    assert page.console_errors == [], f"{where}: {page.console_errors}"
    assert page.evaluate("window.__cspViolations") == [], where


def test_buy_a_course_with_a_coupon_through_the_sandbox(
    page: Any, live_server: str, live_runtime: Runtime, artifacts_dir: Path
) -> None:
    instructor_id, _ = make_person(live_runtime, name="Wes McKinney", role="instructor")
    student_id, email = make_person(live_runtime, name="Paula Buyer", role="student")
    course_id, slug, code = _make_paid_course(live_runtime, instructor_id)
    cart_link = page.locator("a.cart-link")

    # ------------------------------------------------------ the course page
    _log_in(page, live_server, email, f"/courses/{slug}")
    expect(page.locator(".price-card__price")).to_contain_text("$40.00")
    expect(cart_link).to_contain_text("0")
    page.get_by_role("button", name="Add to cart").click()
    page.wait_for_url(f"{live_server}/courses/{slug}")
    expect(page.locator("#toasts")).to_contain_text("The course is in your cart.")
    expect(cart_link).to_contain_text("1")
    expect(page.get_by_role("link", name="Go to cart")).to_be_visible()
    _clean(page, "course page")

    # -------------------------------------------------- the cart and coupon
    cart_link.click()
    page.wait_for_url(f"{live_server}/cart")
    expect(page.get_by_role("heading", level=1)).to_have_text("Shopping cart")
    page.get_by_label("Coupon code").fill("nope-not-a-code")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("#field-coupon-error")).to_contain_text("coupon")
    # Chromium logs the refused coupon's 409 answer itself; nothing else may complain.
    assert [e for e in page.console_errors if "status of 409" not in e] == []
    page.console_errors.clear()
    page.get_by_label("Coupon code").fill(code.lower())
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url(f"{live_server}/cart?coupon={code}")
    summary = page.locator(".cart-checkout .money-totals")
    expect(summary).to_contain_text("-$10.00")
    expect(summary.locator(".money-totals__row--total")).to_contain_text("$30.00")
    expect(page.get_by_label(re.compile("Sandbox"))).to_be_checked()
    page.screenshot(path=str(artifacts_dir / "commerce-cart.png"), full_page=True)
    _clean(page, "cart")

    # ------------------------------------------------- the sandbox gateway
    page.get_by_role("button", name="Checkout").click()
    page.wait_for_url(re.compile(rf"{live_server}/pay/sandbox/.+"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Pay $30.00")
    expect(page.locator(".sandbox-pay__line--discount")).to_contain_text(code)
    _clean(page, "sandbox page")
    page.get_by_role("button", name="Pay $30.00").click()
    page.wait_for_url(re.compile(rf"{live_server}/orders/.+\?return=1"))
    expect(page.locator(".alert")).to_contain_text("Confirming your payment")

    # The signed webhook is processed by a job; the receipt reloads itself.
    queue.drain()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Thank you for your order", timeout=15_000
    )
    receipt = page.locator(".receipt-summary")
    expect(receipt).to_contain_text(code)
    expect(receipt.locator(".money-totals__row--discount")).to_contain_text("-$10.00")
    expect(receipt.locator(".money-totals__row--total")).to_contain_text("$30.00")
    expect(page.locator(".receipt-head__status")).to_contain_text("Paid")
    expect(cart_link).to_contain_text("0")
    page.screenshot(path=str(artifacts_dir / "commerce-receipt.png"), full_page=True)
    _clean(page, "receipt")

    # ------------------------------------------------------- into the course
    page.get_by_role("link", name=re.compile("Go to course")).click()
    page.wait_for_url(re.compile(rf"{live_server}/learn/{slug}/lessons/.+"))
    expect(page.get_by_role("heading", level=1)).to_have_text(LESSONS[0][0])
    expect(page.locator(".lesson-prose strong")).to_have_text("DataFrame")
    _clean(page, "player")

    with live_runtime.db.session_scope() as db:
        order = db.scalar(select(Order).where(Order.user_id == student_id))
        assert order is not None
        assert (order.status, order.total_amount, order.discount_amount) == ("paid", 3000, 1000)
        enrollment = db.scalar(
            select(Enrollment).where(
                Enrollment.user_id == student_id, Enrollment.course_id == course_id
            )
        )
        assert enrollment is not None
        assert enrollment.source == "purchase"
