"""Catalog in the browser: home -> course card -> landing page, and filtering the catalog."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import pytest

from syllabus.accounts.models import User
from syllabus.catalog.cache import invalidate_course
from syllabus.kit.runtime import Runtime
from tests.catalog_public.seed import seed_course

pytestmark = pytest.mark.e2e

PHONE_VIEWPORT = {"width": 375, "height": 740}


@pytest.fixture(scope="module")
def catalog(live_runtime: Runtime) -> dict[str, Any]:
    """A few published courses in the live database (real commits)."""
    tag = uuid.uuid4().hex[:6]
    titles = {
        "django": f"Django for busy people {tag}",
        "sql": f"SQL you can trust {tag}",
        "compilers": f"Compilers from scratch {tag}",
        "yoga": f"Morning yoga {tag}",
    }
    with live_runtime.db.session_scope() as session:
        instructor = User(
            email=f"teacher-{tag}@example.com",
            name="Grace Hopper",
            role="instructor",
            status="active",
        )
        session.add(instructor)
        session.flush()
        courses = {
            "django": seed_course(
                session,
                instructor,
                title=titles["django"],
                subtitle="Build and ship a real web app in a weekend.",
                price=1999,
                list_price=8999,
                rating=(4.7, 1520),
                enrollments=12840,
                category="web-development",
                featured=True,
                sections=3,
                lessons=4,
                lesson_seconds=420,
            ),
            "sql": seed_course(
                session,
                instructor,
                title=titles["sql"],
                price=0,
                rating=(4.4, 310),
                enrollments=5300,
                category="databases",
                level="intermediate",
            ),
            "compilers": seed_course(
                session,
                instructor,
                title=titles["compilers"],
                price=4999,
                rating=(4.9, 87),
                enrollments=940,
                category="programming-languages",
                level="expert",
                sections=4,
            ),
            "yoga": seed_course(
                session,
                instructor,
                title=titles["yoga"],
                price=49900,
                currency="INR",
                category="yoga",
                enrollments=75,
            ),
        }
        for course in courses.values():
            invalidate_course(session, live_runtime, course.id)
        slugs = {key: course.slug for key, course in courses.items()}
    return {"titles": titles, "slugs": slugs}


def _shoot(page: Any, path: Path) -> None:
    """A full-page screenshot from the top (sticky parts sit where a visitor first sees them)."""
    page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_timeout(50)
    page.screenshot(path=str(path), full_page=True)


def _no_sideways_scroll(page: Any) -> None:
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"page is {widths[0]}px wide in a {widths[1]}px viewport"


def test_home_to_course_landing_page(
    page: Any, live_server: str, catalog: dict[str, Any], artifacts_dir: Path
) -> None:
    titles, slugs = catalog["titles"], catalog["slugs"]
    page.goto(f"{live_server}/", wait_until="load")
    _shoot(page, artifacts_dir / "catalog-home-desktop.png")

    page.get_by_role("link", name=titles["django"]).first.click()
    page.wait_for_url(f"{live_server}/courses/{slugs['django']}")
    assert page.locator("h1").inner_text().strip() == titles["django"]
    assert page.title().startswith(titles["django"])
    assert page.locator('link[rel="canonical"]').get_attribute("href").endswith(slugs["django"])

    # Price card: price, struck list price, discount and the button.
    card = page.locator(".price-card")
    assert card.is_visible()
    assert "$19.99" in card.inner_text()
    assert "$89.99" in card.locator(".price--old").inner_text()
    assert "78% off" in card.inner_text()
    buy = card.get_by_role("link", name="Buy now")
    assert buy.get_attribute("href") == f"/login?next=%2Fcourses%2F{slugs['django']}"

    # Curriculum: the first section is open, the others expand on click.
    sections = page.locator("details.outline__section")
    assert sections.count() == 3
    assert sections.nth(0).get_attribute("open") is not None
    second = sections.nth(1)
    assert second.get_attribute("open") is None
    assert not second.get_by_text("Lesson 5", exact=True).is_visible()
    second.locator("summary").click()
    assert second.get_attribute("open") is not None
    assert second.get_by_text("Lesson 5", exact=True).is_visible()
    assert page.locator(".outline__preview").first.inner_text().strip() == "Preview"
    _shoot(page, artifacts_dir / "catalog-course-desktop.png")

    page.set_viewport_size(PHONE_VIEWPORT)
    page.wait_for_timeout(100)
    _no_sideways_scroll(page)
    assert page.locator(".price-card").is_visible()
    _shoot(page, artifacts_dir / "catalog-course-phone.png")

    page.goto(f"{live_server}/", wait_until="load")
    _no_sideways_scroll(page)
    _shoot(page, artifacts_dir / "catalog-home-phone.png")

    assert page.evaluate("window.__cspViolations") == []
    assert page.console_errors == []


def test_catalog_filters_by_level(
    page: Any, live_server: str, catalog: dict[str, Any], artifacts_dir: Path
) -> None:
    titles = catalog["titles"]
    page.goto(f"{live_server}/courses", wait_until="load")
    results = page.locator(".catalog__results")
    for title in titles.values():
        assert results.get_by_role("link", name=title).count() == 1
    page.wait_for_function("window.htmx !== undefined")
    _shoot(page, artifacts_dir / "catalog-list-desktop.png")

    page.locator(".filters").get_by_role("radio", name=re.compile(r"Expert")).check()
    page.wait_for_url(re.compile(r"/courses\?level=expert$"))
    results = page.locator(".catalog__results")
    results.get_by_role("link", name=titles["compilers"]).wait_for()
    assert results.get_by_role("link", name=titles["django"]).count() == 0
    assert results.get_by_role("link", name=titles["sql"]).count() == 0
    assert page.locator(".filters").get_by_role("radio", name=re.compile(r"Expert")).is_checked()

    # The sort select works the same way, keeping the level.
    page.locator("select[name=sort]").select_option("newest")
    page.wait_for_url(re.compile(r"/courses\?level=expert&sort=newest$"))
    assert page.locator(".catalog__results").get_by_role("link", name=titles["compilers"]).count()

    page.set_viewport_size(PHONE_VIEWPORT)
    page.goto(f"{live_server}/courses", wait_until="load")
    _no_sideways_scroll(page)
    _shoot(page, artifacts_dir / "catalog-list-phone.png")

    page.goto(f"{live_server}/categories/development", wait_until="load")
    assert page.locator("h1").inner_text().strip() == "Development courses"
    _no_sideways_scroll(page)
    _shoot(page, artifacts_dir / "catalog-category-phone.png")

    assert page.evaluate("window.__cspViolations") == []
    assert page.console_errors == []
