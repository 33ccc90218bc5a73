"""Suggestions as you type: GET /api/v1/courses/suggest and the header's HTML dropdown."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from syllabus.catalog.models import Course
from syllabus.kit.runtime import Runtime
from syllabus.search.suggest import score
from tests.catalog_public.seed import count_statements
from tests.search.conftest import AddCourse

SUGGEST = "/api/v1/courses/suggest"


def _suggest(client: TestClient, q: str) -> list[dict[str, Any]]:
    response = client.get(SUGGEST, params={"q": q})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def _courses(items: list[dict[str, Any]]) -> list[str]:
    return [i["title"] for i in items if i["type"] == "course"]


@pytest.fixture
def titles(add_course: AddCourse, reindex: Callable[[], int]) -> dict[str, Course]:
    courses = {
        c.title: c
        for c in (
            add_course("Python for Beginners", enrollments=500),
            add_course("Advanced Python Patterns", enrollments=50),
            add_course("PyTorch Deep Learning", enrollments=900),
            add_course("JavaScript Essentials", enrollments=300),
            add_course("Java Spring Boot", enrollments=100),
            add_course("Résumé Writing", enrollments=10),
        )
    }
    add_course("Python secrets (draft)", status="draft")
    reindex()
    return courses


def test_a_typo_still_finds_python(client: TestClient, titles: dict[str, Course]) -> None:
    items = _suggest(client, "pythn")
    courses = _courses(items)
    assert courses[:2] == ["Python for Beginners", "Advanced Python Patterns"]
    assert "PyTorch Deep Learning" not in courses
    assert all("draft" not in title for title in courses)
    first = items[0]
    assert first == {
        "type": "course",
        "title": "Python for Beginners",
        "slug": titles["Python for Beginners"].slug,
        "url": f"/courses/{titles['Python for Beginners'].slug}",
    }


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("python", ["Python for Beginners", "Advanced Python Patterns"]),
        ("Pyth", ["Python for Beginners", "Advanced Python Patterns"]),  # still typing
        ("advnced pyton", ["Advanced Python Patterns"]),
        ("javascrpt", ["JavaScript Essentials"]),
        ("java", ["Java Spring Boot", "JavaScript Essentials"]),  # exact word first
        ("resume", ["Résumé Writing"]),
        ("py", ["PyTorch Deep Learning", "Python for Beginners", "Advanced Python Patterns"]),
        ("zzzz", []),
    ],
)
def test_course_suggestions(
    client: TestClient, titles: dict[str, Course], q: str, expected: list[str]
) -> None:
    assert _courses(_suggest(client, q)) == expected


def test_categories_are_suggested_too(client: TestClient, titles: dict[str, Course]) -> None:
    items = _suggest(client, "web develpment")
    assert {"type": "category", "title": "Web Development", "slug": "web-development",
            "url": "/categories/web-development"} in items  # fmt: skip
    assert [i["title"] for i in _suggest(client, "fitnes") if i["type"] == "category"][:1] == [
        "Fitness"
    ]


def test_at_most_ten_suggestions(
    client: TestClient, add_course: AddCourse, reindex: Callable[[], int]
) -> None:
    for n in range(14):
        add_course(f"Python recipes volume {n}", enrollments=n)
    reindex()
    items = _suggest(client, "python")
    assert len(items) == 10
    assert _courses(items)[0] == "Python recipes volume 13"  # the most popular first


def test_suggest_is_not_taken_for_a_course(client: TestClient) -> None:
    response = client.get(SUGGEST, params={"q": "anything"})
    assert response.status_code == 200
    assert response.json() == {"items": []}
    assert response.headers["cache-control"] == "public, max-age=60"


@pytest.mark.parametrize("q", ["", "x" * 101])
def test_suggest_text_is_bounded(client: TestClient, q: str) -> None:
    response = client.get(SUGGEST, params={"q": q})
    assert response.status_code == 422
    assert client.get(SUGGEST).status_code == 422


def test_suggestions_are_cached_briefly(
    client: TestClient, runtime: Runtime, titles: dict[str, Course]
) -> None:
    with count_statements(runtime.db.engine) as cold:
        _suggest(client, "pythn")
    assert 1 <= cold.count <= 2  # the titles (and the category tree when not cached)
    with count_statements(runtime.db.engine) as warm:
        _suggest(client, "pythn")
    assert warm.count == 0


def test_the_header_dropdown_is_a_list_of_links(
    client: TestClient, add_course: AddCourse, reindex: Callable[[], int]
) -> None:
    course = add_course("<script>alert(1)</script> Python tricks")
    reindex()
    response = client.get("/courses/suggest-box", params={"q": "pythn"})
    assert response.status_code == 200
    html = response.text
    assert f'href="/courses/{course.slug}"' in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Python tricks" in html
    assert "<script>" not in html
    assert 'href="/courses?q=pythn"' in html  # "Search for" the text itself
    assert client.get("/courses/suggest-box", params={"q": ""}).text.strip() == ""
    assert client.get("/courses/suggest-box", params={"q": "zzzz"}).text.strip() == ""


def test_the_header_search_asks_for_suggestions_as_you_type(client: TestClient) -> None:
    html = client.get("/courses").text
    assert 'hx-get="/courses/suggest-box"' in html
    assert 'hx-trigger="keyup changed delay:200ms, search"' in html
    assert 'hx-target="#site-search-suggestions"' in html
    assert 'id="site-search-suggestions"' in html


def test_score() -> None:
    assert score(["python"], "Python for Beginners") == 1.0
    assert score(["pythn"], "Python for Beginners") > 0.85
    assert score(["pyth"], "Python for Beginners") > 0.95
    assert score(["pythn"], "PyTorch Deep Learning") < 0.75
    assert score(["pyth"], "PyTorch Deep Learning") < 0.75
    assert score(["python", "for"], "Advanced Python") == 1.0  # a missing stop word is ignored
    assert score([], "Anything") == 0.0
