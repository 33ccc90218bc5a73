"""Search in real Chromium: suggestions as you type under the header's box, keyboard included."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import pytest

from syllabus.accounts.models import User
from syllabus.kit.runtime import Runtime
from syllabus.search.indexer import reindex_all
from tests.catalog_public.seed import seed_course

pytestmark = pytest.mark.e2e


@pytest.fixture
def indexed(live_runtime: Runtime) -> dict[str, Any]:
    tag = uuid.uuid4().hex[:6]
    with live_runtime.db.session_scope() as session:
        instructor = User(
            email=f"search-{tag}@example.com", name="Ada", role="instructor", status="active"
        )
        session.add(instructor)
        session.flush()
        course = seed_course(session, instructor, title=f"Python for Beginners {tag}")
        seed_course(session, instructor, title=f"Gardening basics {tag}")
        reindex_all(session)
    live_runtime.cache.bump("catalog:lists")
    return {"tag": tag, "slug": course.slug, "title": course.title}


def test_typing_shows_suggestions_and_the_keyboard_follows_one(
    page: Any,
    live_server: str,
    artifacts_dir: Path,
    indexed: dict[str, Any],
) -> None:
    page.goto(f"{live_server}/", wait_until="load")
    page.wait_for_function("window.htmx !== undefined")
    search = page.get_by_role("searchbox", name="Search courses")
    search.press_sequentially("pythn", delay=40)  # a typo

    suggestions = page.locator("#site-search-suggestions")
    link = suggestions.get_by_role("link", name=indexed["title"])
    link.wait_for()
    assert suggestions.get_by_role("link", name=re.compile("Search for")).count() == 1
    page.screenshot(path=str(artifacts_dir / "search-suggestions-desktop.png"))

    # The links follow the box in tab order: Tab, Enter opens the course.
    search.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == indexed["title"]
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server}/courses/{indexed['slug']}")

    assert page.evaluate("window.__cspViolations") == []
    assert page.console_errors == []


def test_submitting_the_box_lists_results(
    page: Any,
    live_server: str,
    artifacts_dir: Path,
    indexed: dict[str, Any],
) -> None:
    page.goto(f"{live_server}/", wait_until="load")
    search = page.get_by_role("searchbox", name="Search courses")
    search.fill(f"python {indexed['tag']}")
    search.press("Enter")
    page.wait_for_url(re.compile(r"/courses\?q=python"))
    assert page.locator("#results-title").inner_text() == (
        f"1 result for “python {indexed['tag']}”"
    )
    results = page.locator(".catalog__results")
    assert results.get_by_role("link", name=indexed["title"]).count() == 1
    page.screenshot(path=str(artifacts_dir / "search-results-desktop.png"), full_page=True)
    assert page.console_errors == []


@pytest.fixture
def python_shelf(live_runtime: Runtime) -> dict[str, Any]:
    """Three Python courses at two levels and prices, and one unrelated course."""
    tag = uuid.uuid4().hex[:6]
    with live_runtime.db.session_scope() as session:
        instructor = User(
            email=f"shelf-{tag}@example.com", name="Guido", role="instructor", status="active"
        )
        session.add(instructor)
        session.flush()
        seed_course(session, instructor, title=f"Python starter {tag}", price=1999)
        pricey = seed_course(
            session, instructor, title=f"Python in depth {tag}", price=8999, level="expert"
        )
        seed_course(
            session, instructor, title=f"Python internals {tag}", price=2999, level="expert"
        )
        seed_course(session, instructor, title=f"Gardening for all {tag}", level="expert")
        reindex_all(session)
    live_runtime.cache.bump("catalog:lists")
    return {"tag": tag, "pricey_slug": pricey.slug, "pricey_title": pricey.title}


def test_search_filter_sort_and_open_a_result(
    page: Any,
    live_server: str,
    artifacts_dir: Path,
    python_shelf: dict[str, Any],
) -> None:
    tag = python_shelf["tag"]
    page.goto(f"{live_server}/courses?q=python+{tag}", wait_until="load")
    page.wait_for_function("window.htmx !== undefined")
    title = page.locator("#results-title")
    assert title.inner_text() == f"3 results for “python {tag}”"

    # A filter applies at once (HTMX) and lands in the URL.
    page.locator(".filters").get_by_role("radio", name=re.compile("^Expert")).check()
    page.wait_for_url(re.compile(r"level=expert"))
    page.wait_for_function(
        "document.querySelector('#results-title').textContent.startsWith('2 results')"
    )
    cards = page.locator(".catalog__results .course-card__title")
    assert sorted(cards.all_inner_texts()) == [f"Python in depth {tag}", f"Python internals {tag}"]

    # So does the sort; the dearest course comes first.
    page.get_by_label("Sort by").select_option("price_desc")
    page.wait_for_url(re.compile(r"sort=price_desc"))
    assert "level=expert" in page.url
    page.wait_for_function(
        "(t) => document.querySelector('.catalog__results .course-card__title')"
        ".textContent.trim() === t",
        arg=python_shelf["pricey_title"],
    )
    page.screenshot(path=str(artifacts_dir / "search-filtered-sorted.png"), full_page=True)

    # The state survives a reload (it is all in the URL), then a result opens.
    page.reload(wait_until="load")
    assert page.locator("#results-title").inner_text() == f"2 results for “python {tag}”"
    page.locator(".catalog__results").get_by_role(
        "link", name=python_shelf["pricey_title"]
    ).first.click()
    page.wait_for_url(f"{live_server}/courses/{python_shelf['pricey_slug']}")
    assert page.get_by_role("heading", level=1).inner_text() == python_shelf["pricey_title"]
    assert page.evaluate("window.__cspViolations") == []
    assert page.console_errors == []
