"""GET /api/v1/courses?q=: relevance, filters with text, facets, sorts, pages, hostile input."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from syllabus.catalog.models import Course
from syllabus.catalog.public import CourseFilters, explain_courses
from syllabus.kit.runtime import Runtime
from syllabus.search.backends import backend_for
from tests.catalog_public.seed import count_statements
from tests.factories import make_user
from tests.search.conftest import AddCourse

LIST = "/api/v1/courses"
PYTHON = {"Python for Beginners", "Data Analysis with Pandas", "Advanced Python Patterns",
          "Web Apps with Django"}  # fmt: skip


def _get(client: TestClient, **params: Any) -> dict[str, Any]:
    response = client.get(LIST, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _titles(body: dict[str, Any]) -> list[str]:
    return [item["title"] for item in body["items"]]


def _counts(facet: list[dict[str, Any]], key: str = "value") -> dict[str, int]:
    return {f[key]: f["count"] for f in facet}


@pytest.fixture
def catalog(db: Session, add_course: AddCourse, reindex: Callable[[], int]) -> dict[str, Course]:
    """Two title matches and two description matches for "python", and others."""
    guido = make_user(db, role="instructor", name="Guido van Rossum")
    courses = {
        course.title: course
        for course in (
            add_course("Python for Beginners", description="Start programming from zero.",
                       category="programming-languages", level="beginner", price_amount=0,
                       rating=(4.7, 120), enrollments=5000, days=10, tags=["coding"]),
            add_course("Data Analysis with Pandas", description="Clean data using Python.",
                       category="data-science", level="intermediate", price_amount=4999,
                       rating=(4.4, 60), enrollments=3000, days=5),
            add_course("Advanced Python Patterns", description="Decorators and generators.",
                       category="programming-languages", level="expert", price_amount=8999,
                       rating=(3.8, 10), enrollments=200, days=1, language="en-GB",
                       has_certificate=False),
            add_course("Web Apps with Django", description="Django is a **Python** framework.",
                       category="web-development", level="intermediate", price_amount=1999,
                       rating=(4.6, 80), enrollments=9000, days=3, language="es"),
            add_course("Cooking Basics", description="Knife skills and soups.",
                       category="nutrition", price_amount=999, rating=(4.9, 300),
                       enrollments=10000),
            add_course("Machine Learning in R", description="Models for tabular data.",
                       category="data-science", tags=["statistics"],
                       outcomes=["Train a random forest"], instructor_user=guido),
            add_course("Crème brûlée techniques", description="Custard, caramel, patience."),
        )
    }  # fmt: skip
    add_course("Python draft", status="draft")
    add_course("Python retired", status="unpublished")
    assert reindex() == 7
    return courses


def test_a_title_match_outranks_a_description_match(
    client: TestClient, catalog: dict[str, Course]
) -> None:
    body = _get(client, q="python")
    assert body["total"] == 4
    titles = _titles(body)
    # By relevance, not popularity: the Django course has the most enrollments.
    assert set(titles[:2]) == {"Python for Beginners", "Advanced Python Patterns"}
    assert set(titles[2:]) == {"Data Analysis with Pandas", "Web Apps with Django"}
    assert _titles(_get(client, q="python", sort="relevance")) == titles


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("PYTHON", PYTHON),
        ("beginner", {"Python for Beginners"}),  # stemmed: Beginners
        ("rossum", {"Machine Learning in R"}),  # instructor name
        ("statistics", {"Machine Learning in R"}),  # tag
        ("forest", {"Machine Learning in R"}),  # what you will learn
        ("nutrition", {"Cooking Basics"}),  # category
        ("fitness", {"Cooking Basics"}),  # parent category (Health & Fitness)
        ("custard", {"Crème brûlée techniques"}),  # description
        ("creme brulee", {"Crème brûlée techniques"}),  # diacritics folded
        ("python django", {"Web Apps with Django"}),  # every word must match
        ('"advanced python"', {"Advanced Python Patterns"}),  # a phrase
        ('"python advanced"', set()),
        ('"python beginners"', set()),  # not next to each other
        ("python -django", PYTHON - {"Web Apps with Django"}),
        ("django or pandas", {"Web Apps with Django", "Data Analysis with Pandas"}),
        ("draft", set()),  # only published courses are indexed
        ("retired", set()),
        ("zebra", set()),
    ],
)
def test_what_a_search_finds(
    client: TestClient, catalog: dict[str, Course], q: str, expected: set[str]
) -> None:
    body = _get(client, q=q)
    assert set(_titles(body)) == expected
    assert body["total"] == len(expected)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"category": "development"}, PYTHON),  # a top category includes its subcategories
        ({"category": "programming-languages"},
         {"Python for Beginners", "Advanced Python Patterns"}),
        ({"category": "data-science"}, {"Data Analysis with Pandas"}),
        ({"category": "no-such-category"}, set()),
        ({"level": "expert"}, {"Advanced Python Patterns"}),
        ({"language": "en"},
         {"Python for Beginners", "Data Analysis with Pandas", "Advanced Python Patterns"}),
        ({"language": "es"}, {"Web Apps with Django"}),
        ({"free": "true"}, {"Python for Beginners"}),
        ({"free": "false"}, PYTHON - {"Python for Beginners"}),
        ({"price_min": 2000, "price_max": 5000}, {"Data Analysis with Pandas"}),
        ({"price_max": 1999}, {"Python for Beginners", "Web Apps with Django"}),
        ({"rating_min": 4.5}, {"Python for Beginners", "Web Apps with Django"}),
        ({"has_certificate": "false"}, {"Advanced Python Patterns"}),
        ({"has_certificate": "true"}, PYTHON - {"Advanced Python Patterns"}),
        ({"level": "intermediate", "free": "false"},
         {"Data Analysis with Pandas", "Web Apps with Django"}),
        ({"category": "development", "rating_min": 4.0, "language": "en"},
         {"Python for Beginners", "Data Analysis with Pandas"}),
    ],
)  # fmt: skip
def test_every_filter_combines_with_the_text(
    client: TestClient, catalog: dict[str, Course], params: dict[str, Any], expected: set[str]
) -> None:
    body = _get(client, q="python", **params)
    assert set(_titles(body)) == expected
    assert body["total"] == len(expected)


def test_facets_count_the_query(client: TestClient, catalog: dict[str, Course]) -> None:
    facets = _get(client, q="python")["facets"]
    assert _counts(facets["category"], "slug") == {"development": 4}
    assert _counts(facets["level"]) == {"all": 0, "beginner": 1, "intermediate": 2, "expert": 1}
    assert _counts(facets["language"]) == {"en": 2, "en-GB": 1, "es": 1}
    assert _counts(facets["price"]) == {
        "free": 1,
        "under_20": 1,
        "20_50": 1,
        "50_100": 1,
        "over_100": 0,
    }
    assert _counts(facets["rating"]) == {"4.5": 2, "4.0": 3, "3.5": 4, "3.0": 4}
    assert [f["rating_min"] for f in facets["rating"]] == [4.5, 4.0, 3.5, 3.0]

    # Each facet ignores its own filter and keeps the others.
    expert = _get(client, q="python", level="expert")["facets"]
    assert _counts(expert["level"])["beginner"] == 1
    assert _counts(expert["category"], "slug") == {"development": 1}
    assert _counts(expert["rating"]) == {"4.5": 0, "4.0": 0, "3.5": 1, "3.0": 1}

    rated = _get(client, q="python", rating_min=4.5)["facets"]
    assert _counts(rated["rating"])["4.0"] == 3
    assert _counts(rated["price"]) == {
        "free": 1,
        "under_20": 1,
        "20_50": 0,
        "50_100": 0,
        "over_100": 0,
    }
    paid = _get(client, q="python", free="false")["facets"]
    assert _counts(paid["price"])["free"] == 1
    assert _counts(paid["rating"]) == {"4.5": 1, "4.0": 2, "3.5": 3, "3.0": 3}

    # Without text the same facets cover the whole catalog.
    everything = _get(client)["facets"]
    assert _counts(everything["rating"]) == {"4.5": 3, "4.0": 4, "3.5": 5, "3.0": 5}
    assert sum(_counts(everything["level"]).values()) == 7


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("newest", ["Advanced Python Patterns", "Web Apps with Django",
                    "Data Analysis with Pandas", "Python for Beginners"]),
        ("rating", ["Python for Beginners", "Web Apps with Django", "Data Analysis with Pandas",
                    "Advanced Python Patterns"]),
        ("popular", ["Web Apps with Django", "Python for Beginners", "Data Analysis with Pandas",
                     "Advanced Python Patterns"]),
        ("price_asc", ["Python for Beginners", "Web Apps with Django",
                       "Data Analysis with Pandas", "Advanced Python Patterns"]),
        ("price_desc", ["Advanced Python Patterns", "Data Analysis with Pandas",
                        "Web Apps with Django", "Python for Beginners"]),
    ],
)  # fmt: skip
def test_sorts_with_text(
    client: TestClient, catalog: dict[str, Course], sort: str, expected: list[str]
) -> None:
    assert _titles(_get(client, q="python", sort=sort)) == expected


def test_relevance_without_text_is_popular(client: TestClient, catalog: dict[str, Course]) -> None:
    assert _titles(_get(client, sort="relevance")) == _titles(_get(client, sort="popular"))
    # Text without a searchable word ("*", stop words) does not narrow the list.
    assert _get(client, q="*")["total"] == 7
    assert _get(client, q="the and of")["total"] == 7


def test_pages_of_results_do_not_overlap(client: TestClient, catalog: dict[str, Course]) -> None:
    pages = [_get(client, q="python", page=n, page_size=3) for n in (1, 2, 3)]
    assert [len(p["items"]) for p in pages] == [3, 1, 0]
    assert all(p["total"] == 4 for p in pages)
    assert set(_titles(pages[0]) + _titles(pages[1])) == PYTHON
    assert _titles(pages[0]) + _titles(pages[1]) == _titles(_get(client, q="python"))


HOSTILE = [
    "'; DROP TABLE courses; --",
    "title:foo OR",
    'python "unbalanced',
    '"',
    "*",
    "pyth*",
    "NEAR(python django)",
    "python AND OR NOT",
    "-",
    "--python",
    "course_id:1",
    "(((",
    "\\",
    "%_%",
    "python & !django | <->",
    "ab:* & 'x'",
    "\x00",
    "😀 python",
    "a" * 200,
]


@pytest.mark.parametrize("q", HOSTILE)
def test_hostile_text_is_only_words(
    client: TestClient, db: Session, catalog: dict[str, Course], q: str
) -> None:
    for path, params in (
        (LIST, {"q": q}),
        (LIST, {"q": q, "level": "beginner", "sort": "newest"}),
        ("/api/v1/courses/suggest", {"q": q[:100]}),
        ("/courses", {"q": q}),
        ("/courses/suggest-box", {"q": q}),
    ):
        response = client.get(path, params=params)
        assert response.status_code == 200, (path, response.text)
    assert db.scalar(select(func.count()).select_from(Course)) == 9


def test_overlong_text_is_422(client: TestClient) -> None:
    response = client.get(LIST, params={"q": "a" * 201})
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


def test_search_statement_count_is_fixed(
    client: TestClient,
    db: Session,
    no_cache: Runtime,
    add_course: AddCourse,
    reindex: Callable[[], int],
) -> None:
    counts = []
    for target in (3, 40):
        while db.scalar(select(func.count()).select_from(Course)) < target:
            add_course("Searchable python course", category="web-development", level="beginner")
        reindex()
        for params in (
            {"q": "python"},
            {"q": "python", "category": "development", "level": "beginner", "sort": "newest"},
            {"q": "python course", "free": "false", "rating_min": 1, "sort": "relevance"},
        ):
            with count_statements(no_cache.db.engine) as counter:
                body = _get(client, **params)
            assert body["total"] in (target, 0), params
            counts.append(counter.count)
    # Two statements (the hits with the facets, then the page's courses); one when
    # nothing is found. The same for 3 and 40 courses.
    assert max(counts) <= 2, counts
    assert counts[:3] == counts[3:], counts


def test_search_results_are_cached_under_the_lists_key(
    client: TestClient, runtime: Runtime, catalog: dict[str, Course]
) -> None:
    first = client.get(LIST, params={"q": "python", "level": "expert"})
    with count_statements(runtime.db.engine) as warm:
        second = client.get(LIST, params={"level": "expert", "q": "python"})
    assert warm.count == 0
    assert second.content == first.content
    runtime.cache.bump("catalog:lists")
    with count_statements(runtime.db.engine) as cold:
        client.get(LIST, params={"level": "expert", "q": "python"})
    assert cold.count > 0


def test_the_query_plan_starts_from_the_text_index(db: Session, catalog: dict[str, Course]) -> None:
    filters = CourseFilters(q="python", level="beginner", free=True)
    plans = explain_courses(db.connection(), filters)
    assert set(plans) == {"page", "facets"}
    # One statement reads the hits (the page's ids and the facets), then the page's
    # courses are read by primary key.
    hits, page = "\n".join(plans["facets"]), "\n".join(plans["page"])
    if backend_for(db).name == "sqlite-fts5":
        # FTS5 answers MATCH; the facts are read by rowid; courses by primary key.
        assert "VIRTUAL TABLE INDEX" in hits, hits
        assert "course_search_docs USING INTEGER PRIMARY KEY" in hits
        assert "courses USING INDEX sqlite_autoindex_courses_1 (id=?)" in page, page
        assert "SCAN courses" not in page
    else:
        # (At this size PostgreSQL may well scan; `EXPLAIN` at 100k courses uses the GIN index.)
        assert "course_search" in hits
        assert "'python'" in hits
        assert "::tsquery" in hits
        assert "courses" in page


def test_openapi_lists_the_search_parameters(client: TestClient) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    listed = {p["name"] for p in paths["/api/v1/courses"]["get"]["parameters"]}
    assert {"q", "has_certificate", "rating_min", "sort"} <= listed
    assert "get" in paths["/api/v1/courses/suggest"]
