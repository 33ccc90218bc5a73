"""The admin dashboard in real Chromium: the four charts are drawn on their canvases from the
page's JSON, with no console errors and no CSP violations."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from syllabus.analytics import events
from syllabus.analytics.record import event_values, record_events
from syllabus.analytics.tasks import rollup_now
from syllabus.kit.db import utcnow
from syllabus.kit.runtime import Runtime
from tests.e2e.people import PASSWORD, make_person

pytestmark = pytest.mark.e2e

# Whether a canvas has any painted (non-transparent) pixel.
PAINTED = """(canvas) => {
  const ctx = canvas.getContext("2d");
  const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
  for (let i = 3; i < data.length; i += 4) { if (data[i] !== 0) return true; }
  return false;
}"""


def _sales_today(rt: Runtime) -> None:
    now = utcnow()
    with rt.db.session_scope() as db:
        record_events(
            db,
            [
                event_values(
                    events.PURCHASED,
                    object_id=f"order-{n}",
                    course_id="course",
                    value=1500,
                    currency="USD",
                    now=now,
                )
                for n in range(3)
            ]
            + [
                event_values(events.ENROLLED, user_id=f"u{n}", course_id="course") for n in range(3)
            ],
        )
    rollup_now()


def test_admin_sees_the_charts_drawn(page: Any, live_server: str, live_runtime: Runtime) -> None:
    _sales_today(live_runtime)
    _, email = make_person(live_runtime, name="Dana Admin", role="admin")
    page.goto(f"{live_server}/login?next=/admin", wait_until="load")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server}/admin")

    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    drawn = page.locator('canvas[data-chart-drawn="true"]')
    expect(drawn).to_have_count(4)
    for canvas in drawn.all():
        assert canvas.evaluate(PAINTED), "the chart painted its canvas"
    expect(page.get_by_role("link", name="Download CSV")).to_be_visible()
    assert page.locator("table.dashboard-table tbody tr").count() == 28

    page.get_by_label("Period").select_option("12m")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(f"{live_server}/admin?period=12m")
    expect(page.locator('canvas[data-chart-drawn="true"]')).to_have_count(4)
    assert page.locator("table.dashboard-table tbody tr").count() == 12

    assert page.console_errors == []
    assert page.evaluate("window.__cspViolations") == []
