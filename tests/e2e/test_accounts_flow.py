"""Accounts in real Chromium: sign up, activate with the emailed code, log in, edit, log out."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from syllabus.kit import queue
from syllabus.kit.runtime import Runtime
from tests.factories import PASSWORD, activation_code

pytestmark = pytest.mark.e2e

PHONE_VIEWPORT = {"width": 375, "height": 740}


def _no_sideways_scroll(page: Any) -> None:
    width, viewport = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= viewport, f"page is {width}px wide in a {viewport}px viewport"


def test_sign_up_activate_log_in_edit_profile_and_log_out(
    page: Any, live_server: str, live_runtime: Runtime, artifacts_dir: Path
) -> None:
    email = f"erin-{uuid.uuid4().hex[:8]}@example.com"
    header = page.locator("header.site-header")

    page.goto(f"{live_server}/register", wait_until="load")
    page.get_by_label("Full name").fill("Erin Example")
    page.get_by_label("Email").fill(email)
    password = page.get_by_label("Password")
    password.fill(PASSWORD)
    # Show/Hide is an enhancement from app.js.
    toggle = page.get_by_role("button", name="Show")
    toggle.click()
    assert password.get_attribute("type") == "text"
    expect(page.get_by_role("button", name="Hide")).to_have_attribute("aria-pressed", "true")
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url("**/activate?**")
    expect(page.get_by_text("We emailed a 6-digit code to " + email)).to_be_visible()
    expect(page.get_by_label("Email")).to_have_value(email)
    queue.drain()
    page.get_by_label("Activation code").fill(activation_code(live_runtime, email))
    page.get_by_role("button", name="Activate account").click()

    page.wait_for_url(f"{live_server}/login")
    expect(page.locator("#toasts")).to_contain_text("Your account is active")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert").first).to_contain_text("The email or password is wrong.")
    expect(page.get_by_label("Email")).to_have_value(email)
    expect(page.get_by_label("Password")).to_have_value("")
    page.screenshot(path=str(artifacts_dir / "accounts-login.png"), full_page=True)

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server}/")
    cookies = {c["name"]: c for c in page.context.cookies()}
    for name in ("syl_at", "syl_rt", "syl_csrf"):
        assert cookies[name]["httpOnly"] is True
        assert cookies[name]["sameSite"] == "Lax"

    page.goto(f"{live_server}/account/profile", wait_until="load")
    expect(header.locator(".menu__label")).to_have_text("Erin Example")
    page.get_by_label("Name").fill("Erin Q. Example")
    page.get_by_label("Headline").fill("Teaches testing in real browsers")
    page.get_by_role("button", name="Save profile").click()
    page.wait_for_url(f"{live_server}/account/profile")
    expect(page.locator("#toasts")).to_contain_text("Your profile was saved.")
    expect(page.get_by_label("Name")).to_have_value("Erin Q. Example")
    expect(page.get_by_label("Headline")).to_have_value("Teaches testing in real browsers")
    expect(header.locator(".menu__label")).to_have_text("Erin Q. Example")
    page.screenshot(path=str(artifacts_dir / "accounts-profile.png"), full_page=True)

    page.set_viewport_size(PHONE_VIEWPORT)
    page.reload(wait_until="load")
    _no_sideways_scroll(page)
    expect(page.get_by_role("button", name="Save profile")).to_be_visible()
    page.screenshot(path=str(artifacts_dir / "accounts-profile-phone.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 800})

    page.goto(f"{live_server}/account/sessions", wait_until="load")
    expect(page.get_by_text("This device")).to_be_visible()

    header.locator("summary.menu__toggle").click()
    header.get_by_role("button", name="Log out").click()
    page.wait_for_url(f"{live_server}/")
    expect(header.get_by_role("link", name="Log in")).to_be_visible()
    page.goto(f"{live_server}/teach", wait_until="load")
    expect(header.get_by_role("link", name="Log in")).to_be_visible()
    expect(header.locator(".menu__label")).to_have_count(0)
    names = {c["name"] for c in page.context.cookies()}
    assert "syl_at" not in names
    assert "syl_rt" not in names

    page.goto(f"{live_server}/account/profile", wait_until="load")
    assert page.url == f"{live_server}/login?next=%2Faccount%2Fprofile"

    page.set_viewport_size(PHONE_VIEWPORT)
    page.reload(wait_until="load")
    _no_sideways_scroll(page)
    page.screenshot(path=str(artifacts_dir / "accounts-login-phone.png"), full_page=True)

    assert page.evaluate("window.__cspViolations") == []
    # Chromium logs the failed login's 401 response itself; nothing else may complain.
    unexpected = [e for e in page.console_errors if "status of 401" not in e]
    assert unexpected == []


def test_htmx_ends_another_session_with_the_csrf_header(
    page: Any, live_server: str, live_runtime: Runtime
) -> None:
    from syllabus.accounts import sessions
    from syllabus.accounts.sessions import Client
    from tests.factories import make_user

    with live_runtime.db.session_scope() as db:
        user = make_user(db, email=f"sam-{uuid.uuid4().hex[:8]}@example.com", name="Sam")
        sessions.start_session(db, live_runtime, user, Client(device="Firefox/120.0 Windows"))
        email = user.email

    page.goto(f"{live_server}/login", wait_until="load")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server}/")

    page.goto(f"{live_server}/account/sessions", wait_until="load")
    page.wait_for_function("window.htmx !== undefined")
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(2)
    with page.expect_request("**/end") as request_info:
        page.get_by_role("button", name="End session on Firefox on Windows").click()
    request = request_info.value
    assert request.headers.get("x-csrf-token")
    assert request.headers.get("hx-request") == "true"
    expect(rows).to_have_count(1)
    expect(page.get_by_text("This device")).to_be_visible()
    page.reload(wait_until="load")
    expect(rows).to_have_count(1)

    assert page.evaluate("window.__cspViolations") == []
    assert page.console_errors == []
