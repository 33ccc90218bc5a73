"""Site layout: renders, styles and scripts load under the CSP, no sideways scroll on phones."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.e2e

# The baseline every page must satisfy; added when the server sends no policy of its own.
BASELINE_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; object-src 'none'"
PHONE_VIEWPORT = {"width": 375, "height": 740}


def _enforce_csp(page: Any, url: str) -> None:
    def handle(route: Any) -> None:
        response = route.fetch()
        headers = dict(response.headers)
        headers.setdefault("content-security-policy", BASELINE_CSP)
        route.fulfill(response=response, headers=headers)

    page.route(url, handle)


def test_home_layout_on_desktop_and_phone(page: Any, live_server: str, artifacts_dir: Path) -> None:
    url = f"{live_server}/"
    _enforce_csp(page, url)
    response = page.goto(url, wait_until="load")
    assert response is not None
    assert response.status == 200
    assert "content-security-policy" in response.headers

    header = page.locator("header.site-header")
    assert header.is_visible()
    assert page.locator("header a.brand").get_attribute("href") == "/"

    search = page.get_by_role("searchbox", name="Search courses")
    assert search.is_visible()
    assert search.get_attribute("name") == "q"
    assert page.locator("form.site-search").get_attribute("action") == "/courses"

    assert page.get_by_role("link", name="Browse courses").first.is_visible()
    assert page.get_by_role("link", name="Log in").is_visible()
    assert page.get_by_role("link", name="Sign up").is_visible()

    heading = page.locator("main#main h1")
    assert heading.is_visible()
    assert heading.inner_text().strip()
    assert page.locator("footer.site-footer").is_visible()
    assert page.locator("#toasts[aria-live='polite']").count() == 1

    # The stylesheet applied: not the browser's default serif font or transparent header.
    font_family = page.evaluate("getComputedStyle(document.body).fontFamily")
    assert "system-ui" in font_family
    header_bg = page.evaluate(
        "getComputedStyle(document.querySelector('.site-header')).backgroundColor"
    )
    assert header_bg not in ("rgba(0, 0, 0, 0)", "transparent")
    footer_bg = page.evaluate(
        "getComputedStyle(document.querySelector('.site-footer')).backgroundColor"
    )
    assert footer_bg == "rgb(22, 24, 39)"

    # htmx and Alpine (CSP build) are loaded.
    page.wait_for_function("window.htmx !== undefined && window.Alpine !== undefined")
    assert page.evaluate("typeof window.htmx.process") == "function"
    assert page.evaluate("typeof window.Syllabus.toast") == "function"

    page.screenshot(path=str(artifacts_dir / "layout-desktop.png"), full_page=True)

    # Phone: no horizontal overflow, header still usable.
    page.set_viewport_size(PHONE_VIEWPORT)
    page.wait_for_timeout(100)
    overflow = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert overflow[0] <= overflow[1], f"page is {overflow[0]}px wide in a {overflow[1]}px viewport"
    assert search.is_visible()
    assert page.locator("header a.brand").is_visible()
    assert page.get_by_role("link", name="Sign up").is_visible()
    page.screenshot(path=str(artifacts_dir / "layout-phone.png"), full_page=True)

    assert page.evaluate("window.__cspViolations") == []
    assert page.console_errors == []


def test_toast_dismisses_on_click(page: Any, live_server: str) -> None:
    page.goto(f"{live_server}/", wait_until="load")
    page.wait_for_function("window.Syllabus !== undefined")
    page.evaluate("window.Syllabus.toast('success', 'Saved', 'Done')")
    toast = page.locator("#toasts .toast--success")
    assert toast.is_visible()
    toast.get_by_role("button", name="Dismiss message").click()
    toast.wait_for(state="detached", timeout=2000)
    assert page.console_errors == []


def test_error_page_and_htmx_error_toast(page: Any, live_server: str) -> None:
    response = page.goto(f"{live_server}/no-such-page", wait_until="load")
    assert response is not None
    assert response.status == 404
    assert page.locator(".error-page__status").inner_text().strip() == "404"
    assert page.locator("main#main h1").is_visible()
    assert page.get_by_role("link", name="Go to the home page").get_attribute("href") == "/"
    request_id = response.headers.get("x-request-id")
    if request_id:
        assert request_id in page.locator(".error-page__reference").inner_text()

    # An htmx request that fails lands as a toast in the toast area, not in the page.
    page.goto(f"{live_server}/", wait_until="load")
    page.wait_for_function("window.htmx !== undefined")
    page.evaluate("htmx.ajax('GET', '/no-such-page', {target: '#main', swap: 'innerHTML'})")
    toast = page.locator("#toasts .toast--error")
    toast.wait_for(state="visible", timeout=5000)
    assert page.locator("main#main h1").is_visible()
    assert page.locator(".error-page").count() == 0
    # Chromium logs every 404 response itself; nothing else may complain.
    unexpected = [e for e in page.console_errors if "status of 404" not in e]
    assert unexpected == []
