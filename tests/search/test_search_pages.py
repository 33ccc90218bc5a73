"""The catalog page searches: the search box, "N results for", facet counts, sort, tidy URLs."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from tests.search.conftest import AddCourse


@pytest.fixture
def indexed(add_course: AddCourse, reindex: Callable[[], int]) -> None:
    add_course("Python for Beginners", level="beginner", rating=(4.8, 10), enrollments=5)
    add_course("Advanced Python", level="expert", rating=(4.1, 10), enrollments=50)
    add_course("Gardening at home", level="beginner", rating=(4.9, 10), has_certificate=False)
    reindex()


def test_a_search_page_says_what_it_found(client: TestClient, indexed: None) -> None:
    html = client.get("/courses?q=python").text
    assert "2 results for “python”" in html
    assert "Python for Beginners" in html
    assert "Advanced Python" in html
    assert "Gardening at home" not in html
    # The catalog's own search box keeps the text, so filters narrow the search.
    assert 'value="python" aria-label="Search the catalog"' in html
    # Relevance is the order of a search, and offered in the menu.
    assert '<option value="relevance" selected>Most relevant</option>' in html
    # The header's search box shows the text too.
    assert 'id="site-search-q"' in html


def test_facet_counts_in_the_sidebar_follow_the_search(client: TestClient, indexed: None) -> None:
    html = client.get("/courses?q=python").text
    level = html.split('name="level" value="expert"', 1)[1]
    assert '<span class="option__count">1</span>' in level.split("</label>", 1)[0]
    rating = html.split('name="rating_min" value="4.5"', 1)[1]
    assert '<span class="option__count">1</span>' in rating.split("</label>", 1)[0]
    rating = html.split('name="rating_min" value="4.0"', 1)[1]
    assert '<span class="option__count">2</span>' in rating.split("</label>", 1)[0]
    assert 'name="has_certificate" value="true"' in html


def test_filters_narrow_a_search(client: TestClient, indexed: None) -> None:
    html = client.get("/courses?q=python&level=expert&rating_min=&sort=").text
    assert "1 result for “python”" in html
    assert "Advanced Python" in html
    assert "Python for Beginners" not in html
    empty = client.get("/courses?q=zebra").text
    assert "0 results for “zebra”" in empty
    assert "No courses match" in empty
    no_certificate = client.get("/courses?has_certificate=true&q=gardening").text
    assert "0 results for “gardening”" in no_certificate


def test_htmx_search_requests_get_a_tidy_address(client: TestClient, indexed: None) -> None:
    response = client.get(
        "/courses?q=python&category=&level=beginner&price=&sort=relevance",
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert response.headers["HX-Push-Url"] == "/courses?q=python&level=beginner"
    popular = client.get("/courses?q=python&sort=popular", headers={"HX-Request": "true"})
    assert popular.headers["HX-Push-Url"] == "/courses?q=python&sort=popular"


def test_the_search_text_is_escaped(client: TestClient, indexed: None) -> None:
    html = client.get("/courses", params={"q": '<script>alert("x")</script>'}).text
    assert '<script>alert("x")</script>' not in html
    assert "&lt;script&gt;" in html
