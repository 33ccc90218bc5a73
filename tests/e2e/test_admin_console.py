"""An admin in real Chromium runs the marketplace: sees the dashboard's charts drawn, bans a
user (whose open session stops working at once), approves a course waiting in the review queue
(it appears in the catalog), and refunds an order through the sandbox provider (refunded, the
enrollment revoked)."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from syllabus.accounts.models import User
from syllabus.catalog.models import Course
from syllabus.commerce.models import Order
from syllabus.kit import queue
from syllabus.kit.runtime import Runtime
from syllabus.learning.models import Enrollment
from tests.catalog.factories import make_course
from tests.commerce.orders_factory import make_paid_order
from tests.e2e.people import PASSWORD, make_person

pytestmark = pytest.mark.e2e


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


def _setup(rt: Runtime) -> dict[str, str]:
    """A course in review, and a buyer's paid order for another course."""
    suffix = uuid.uuid4().hex[:6]
    teacher_id, _ = make_person(rt, name="Iris Instructor", role="instructor")
    buyer_id, _ = make_person(rt, name="Bruno Buyer", role="student")
    with rt.db.session_scope() as db:
        teacher = db.get(User, teacher_id)
        buyer = db.get(User, buyer_id)
        assert teacher is not None
        assert buyer is not None
        waiting = make_course(db, teacher, status="in_review", title=f"Watercolour basics {suffix}")
        sold = make_course(db, teacher, title=f"Ink drawing {suffix}", price=3000)
        order = make_paid_order(db, rt, buyer, [sold])
        return {
            "waiting_id": waiting.id,
            "waiting_slug": waiting.slug,
            "waiting_title": waiting.title,
            "order_id": order.id,
            "buyer_id": buyer_id,
            "sold_id": sold.id,
        }


def test_admin_bans_approves_and_refunds(
    page: Any, browser: Any, live_server: str, live_runtime: Runtime, artifacts_dir: Path
) -> None:
    base = live_server
    data = _setup(live_runtime)
    _admin_id, admin_email = make_person(live_runtime, name="Ada Admin", role="admin")
    victim_id, victim_email = make_person(live_runtime, name="Vic Spammer", role="student")
    queue.drain()

    # The user to be banned is signed in elsewhere.
    victim_context = browser.new_context()
    victim = victim_context.new_page()
    try:
        _log_in(victim, base, victim_email, "/account/profile")

        # 0. The dashboard opens first, its four charts drawn.
        _log_in(page, base, admin_email, "/admin")
        expect(page.locator('canvas[data-chart-drawn="true"]')).to_have_count(4)
        _clean(page, "dashboard")

        # 1. Ban.
        page.goto(f"{base}/admin/users", wait_until="load")
        page.get_by_label("Name or email").fill(victim_email)
        page.get_by_role("button", name="Find users").click()
        page.get_by_role("link", name="Vic Spammer").click()
        page.wait_for_url(f"{base}/admin/users/{victim_id}")
        _clean(page, "user page")
        page.get_by_label("Reason").fill("Posting spam links in every course")
        page.get_by_role("button", name="Ban user").click()
        expect(page.locator("body")).to_contain_text("every session was logged out")
        expect(page.locator('[data-count="sessions"]')).to_have_text("0")
        page.screenshot(path=str(artifacts_dir / "admin-user-banned.png"), full_page=True)

        victim.goto(f"{base}/account/profile", wait_until="load")
        assert "/login" in victim.url, "the banned user's session ended"
    finally:
        victim_context.close()

    # 2. Approve a course waiting for review.
    page.goto(f"{base}/admin/reviews", wait_until="load")
    _clean(page, "review queue")
    page.get_by_role("link", name=data["waiting_title"], exact=True).click()
    page.get_by_role("button", name="Approve and publish").click()
    page.wait_for_url(f"{base}/admin/reviews")
    expect(page.locator("body")).to_contain_text("approved and is now published")
    queue.drain()
    page.goto(f"{base}/courses", wait_until="load")
    expect(page.get_by_role("link", name=data["waiting_title"]).first).to_be_visible()

    # 3. Refund an order in full.
    page.goto(f"{base}/admin/orders/{data['order_id']}", wait_until="load")
    expect(page.get_by_role("heading", name="Payment events")).to_be_visible()
    _clean(page, "order page")
    page.get_by_label("Whole courses").check()
    page.locator('input[name="course_id"]').first.check()
    page.get_by_label("Reason").fill("The course was not what the buyer expected")
    page.get_by_role("button", name="Refund").click()
    page.wait_for_url(re.compile(rf"{base}/admin/orders/{data['order_id']}"))
    expect(page.locator("body")).to_contain_text("The refund was started")
    queue.drain()
    page.reload(wait_until="load")
    expect(page.locator(".studio-page-head")).to_contain_text("Refunded")
    page.screenshot(path=str(artifacts_dir / "admin-order-refunded.png"), full_page=True)

    # 4. Each of those actions is in the audit log, newest first.
    page.goto(f"{base}/admin/audit-log", wait_until="load")
    _clean(page, "audit log")
    actions = page.locator(".audit-entry").evaluate_all(
        "entries => entries.map(e => e.dataset.action)"
    )
    assert actions[:3] == ["order.refund", "course.approved", "user.banned"]
    expect(page.locator(".audit-entry").nth(2)).to_contain_text("Posting spam links")
    page.screenshot(path=str(artifacts_dir / "admin-audit-log.png"), full_page=True)

    with live_runtime.db.session_scope() as db:
        order = db.get(Order, data["order_id"])
        assert order is not None
        assert order.status == "refunded"
        enrollment = db.scalar(
            select(Enrollment).where(
                Enrollment.user_id == data["buyer_id"], Enrollment.course_id == data["sold_id"]
            )
        )
        assert enrollment is not None
        assert enrollment.status == "revoked"
        course = db.get(Course, data["waiting_id"])
        assert course is not None
        assert course.status == "published"
