"""GET /api/v1/courses and /categories: filters, sorts, pages, facets, ETags, cache, SQL counts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from syllabus.accounts.models import User
from syllabus.catalog.cache import invalidate_course
from syllabus.catalog.models import Course
from syllabus.kit.db import utcnow
from syllabus.kit.runtime import Runtime
from tests.catalog_public.seed import category_id, count_statements, seed_course

LIST = "/api/v1/courses"
SUMMARY_KEYS = {
    "id",
    "slug",
    "title",
    "subtitle",
    "status",
    "price",
    "list_price",
    "level",
    "language",
    "category",
    "instructor",
    "rating",
    "enrollment_count",
}


def _get(client: TestClient, **params: Any) -> dict[str, Any]:
    response = client.get(LIST, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _titles(body: dict[str, Any]) -> list[str]:
    return [item["title"] for item in body["items"]]


@pytest.fixture
def catalog(db: Session, instructor: User) -> dict[str, Course]:
    """Six published courses with distinct prices, ratings, popularity and dates; two hidden."""
    now = utcnow()
    spec: list[tuple[str, dict[str, Any]]] = [
        ("Web basics", {"category": "web-development", "price": 0, "level": "beginner",
                        "rating": (4.8, 50), "enrollments": 900, "days": 1}),
        ("Data science", {"category": "data-science", "price": 1999, "level": "intermediate",
                          "rating": (4.2, 30), "enrollments": 300, "days": 2}),
        ("Dev tools", {"category": "development", "price": 4999, "level": "expert",
                       "rating": (3.9, 10), "enrollments": 50, "days": 3, "language": "en-GB"}),
        ("Accounting", {"category": "accounting", "price": 8999, "level": "beginner",
                        "rating": (4.6, 5), "enrollments": 10, "days": 4, "language": "es"}),
        ("Yen course", {"category": "fitness", "price": 1500, "currency": "JPY",
                        "level": "all", "rating": (0.0, 0), "enrollments": 0, "days": 5}),
        ("Expensive", {"category": None, "price": 25000, "level": "expert",
                       "rating": (3.0, 2), "enrollments": 700, "days": 6}),
    ]  # fmt: skip
    courses = {}
    for title, fields in spec:
        days = fields.pop("days")
        courses[title] = seed_course(
            db, instructor, title=title, published_at=now - timedelta(days=days), **fields
        )
    seed_course(db, instructor, title="Hidden draft", status="draft")
    seed_course(db, instructor, title="Hidden archive", status="archived")
    return courses


def test_lists_published_courses_with_the_page_shape(
    client: TestClient, catalog: dict[str, Course]
) -> None:
    body = _get(client)
    assert set(body) == {"items", "total", "page", "page_size", "facets"}
    assert body["total"] == 6
    assert body["page"] == 1
    assert body["page_size"] == 20
    assert set(_titles(body)) == set(catalog)
    for item in body["items"]:
        assert set(item) >= SUMMARY_KEYS
        assert item["status"] == "published"
        assert set(item["instructor"]) >= {"id", "name"}
        assert set(item["rating"]) >= {"average", "count"}
        assert "curriculum" not in item
        assert "description" not in item


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"category": "development"}, {"Web basics", "Data science", "Dev tools"}),
        ({"category": "web-development"}, {"Web basics"}),
        ({"category": "finance-and-accounting"}, {"Accounting"}),
        ({"category": "no-such-category"}, set()),
        ({"level": "expert"}, {"Dev tools", "Expensive"}),
        (
            {"language": "en"},
            {"Web basics", "Data science", "Dev tools", "Yen course", "Expensive"},
        ),
        ({"language": "en-GB"}, {"Dev tools"}),
        ({"language": "es"}, {"Accounting"}),
        ({"free": "true"}, {"Web basics"}),
        ({"free": "false"}, {"Data science", "Dev tools", "Accounting", "Yen course", "Expensive"}),
        # ¥1500 compares as 150000 hundredths of a yen: above $100.
        ({"price_min": 2000, "price_max": 9999}, {"Dev tools", "Accounting"}),
        ({"price_min": 10000}, {"Yen course", "Expensive"}),
        ({"price_max": 0}, {"Web basics"}),
        ({"rating_min": 4.5}, {"Web basics", "Accounting"}),
        ({"level": "beginner", "free": "false"}, {"Accounting"}),
        ({"category": "development", "level": "intermediate"}, {"Data science"}),
    ],
)
def test_filters(
    client: TestClient,
    catalog: dict[str, Course],
    params: dict[str, Any],
    expected: set[str],
) -> None:
    body = _get(client, **params)
    assert set(_titles(body)) == expected
    assert body["total"] == len(expected)


def test_category_by_id_includes_its_subcategories(
    client: TestClient, db: Session, catalog: dict[str, Course]
) -> None:
    body = _get(client, category=category_id(db, "development"))
    assert set(_titles(body)) == {"Web basics", "Data science", "Dev tools"}


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("newest", ["Web basics", "Data science", "Dev tools", "Accounting", "Yen course"]),
        ("rating", ["Web basics", "Accounting", "Data science", "Dev tools", "Expensive"]),
        ("popular", ["Web basics", "Expensive", "Data science", "Dev tools", "Accounting"]),
        ("relevance", ["Web basics", "Expensive", "Data science", "Dev tools", "Accounting"]),
        ("price_asc", ["Web basics", "Data science", "Dev tools", "Accounting", "Expensive"]),
        ("price_desc", ["Yen course", "Expensive", "Accounting", "Dev tools", "Data science"]),
    ],
)
def test_sorts(
    client: TestClient, catalog: dict[str, Course], sort: str, expected: list[str]
) -> None:
    assert _titles(_get(client, sort=sort, page_size=5)) == expected


def test_popular_is_the_default_order(client: TestClient, catalog: dict[str, Course]) -> None:
    assert _titles(_get(client)) == _titles(_get(client, sort="popular"))


def test_pages_do_not_overlap(client: TestClient, catalog: dict[str, Course]) -> None:
    pages = [_get(client, sort="newest", page=n, page_size=4) for n in (1, 2, 3)]
    assert [len(p["items"]) for p in pages] == [4, 2, 0]
    assert all(p["total"] == 6 for p in pages)
    assert pages[1]["page"] == 2
    assert pages[1]["page_size"] == 4
    seen = _titles(pages[0]) + _titles(pages[1])
    assert sorted(seen) == sorted(catalog)


@pytest.mark.parametrize(
    "params",
    [
        {"page_size": 101},
        {"page_size": 0},
        {"page": 0},
        {"price_min": -1},
        {"price_max": -5},
        {"price_min": 500, "price_max": 100},
        {"sort": "cheapest"},
        {"level": "guru"},
        {"rating_min": 6},
        {"free": "maybe"},
        {"language": "English"},
    ],
)
def test_bad_parameters_are_422(client: TestClient, params: dict[str, Any]) -> None:
    response = client.get(LIST, params=params)
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


def test_unknown_parameters_are_ignored(client: TestClient, catalog: dict[str, Course]) -> None:
    assert _get(client, colour="blue", utm_source="x")["total"] == 6


def test_facets_count_every_other_filter(client: TestClient, catalog: dict[str, Course]) -> None:
    everything = _get(client)["facets"]
    assert {f["slug"]: f["count"] for f in everything["category"]} == {
        "development": 3,
        "finance-and-accounting": 1,
        "health-and-fitness": 1,
    }
    assert {f["value"]: f["count"] for f in everything["level"]} == {
        "all": 1,
        "beginner": 2,
        "intermediate": 1,
        "expert": 2,
    }
    assert {f["value"]: f["count"] for f in everything["language"]} == {
        "en": 4,
        "en-GB": 1,
        "es": 1,
    }
    assert {f["value"]: f["count"] for f in everything["price"]} == {
        "free": 1,
        "under_20": 1,
        "20_50": 1,
        "50_100": 1,
        "over_100": 2,
    }
    bands = {f["value"]: (f["price_min"], f["price_max"]) for f in everything["price"]}
    assert bands["under_20"] == (1, 1999)
    assert bands["over_100"] == (10000, None)

    # With a level chosen, the level facet still offers the other levels,
    # while the other facets count only that level.
    expert = _get(client, level="expert")
    assert expert["total"] == 2
    assert {f["value"]: f["count"] for f in expert["facets"]["level"]}["beginner"] == 2
    assert {f["slug"]: f["count"] for f in expert["facets"]["category"]} == {"development": 1}
    assert {f["value"]: f["count"] for f in expert["facets"]["price"]} == {
        "free": 0,
        "under_20": 0,
        "20_50": 1,
        "50_100": 0,
        "over_100": 1,
    }

    in_development = _get(client, category="development", free="false")["facets"]
    assert {f["slug"]: f["count"] for f in in_development["category"]}["development"] == 2
    assert {f["value"]: f["count"] for f in in_development["price"]}["free"] == 1


def test_list_statement_count_does_not_grow_with_the_catalog(
    client: TestClient, db: Session, no_cache: Runtime, instructor: User
) -> None:
    counts = []
    for target in (5, 60):
        while db.query(Course).filter(Course.status == "published").count() < target:
            seed_course(db, instructor, category="web-development", sections=1, lessons=1)
        for params in ({}, {"category": "development", "level": "beginner", "sort": "newest"}):
            with count_statements(no_cache.db.engine) as counter:
                body = _get(client, **params)
            assert body["total"] == target
            counts.append(counter.count)
    assert max(counts) <= 5, counts
    assert len(set(counts)) == 1, counts


def test_a_second_list_read_comes_from_the_cache(
    client: TestClient, db: Session, runtime: Runtime, catalog: dict[str, Course]
) -> None:
    with count_statements(runtime.db.engine) as cold:
        first = client.get(LIST, params={"level": "expert", "page_size": 5})
    assert 0 < cold.count <= 5
    with count_statements(runtime.db.engine) as warm:
        # Same query, other parameter order: the same canonical cache entry.
        second = client.get(LIST, params={"page_size": 5, "level": "expert", "x": "1"})
    assert warm.count == 0
    assert second.content == first.content
    assert first.headers["cache-control"] == "public, max-age=60"
    not_modified = client.get(
        LIST,
        params={"level": "expert", "page_size": 5},
        headers={"If-None-Match": first.headers["etag"]},
    )
    assert not_modified.status_code == 304

    course = catalog["Dev tools"]
    db.execute(update(Course).where(Course.id == course.id).values(title="Dev tools, 2nd ed."))
    invalidate_course(db, runtime, course.id)
    db.commit()
    fresh = client.get(LIST, params={"level": "expert", "page_size": 5})
    assert "Dev tools, 2nd ed." in _titles(fresh.json())


def test_categories_are_a_cached_tree(client: TestClient, runtime: Runtime) -> None:
    response = client.get("/api/v1/categories")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=60"
    tops = response.json()["items"]
    development = next(c for c in tops if c["slug"] == "development")
    assert development["parent_id"] is None
    assert development["name"] == "Development"
    assert {"web-development", "data-science"} <= {c["slug"] for c in development["children"]}
    assert all(c["parent_id"] == development["id"] for c in development["children"])
    assert all(set(c) == {"id", "slug", "name", "parent_id", "children"} for c in tops)

    with count_statements(runtime.db.engine) as warm:
        again = client.get(
            "/api/v1/categories", headers={"If-None-Match": response.headers["etag"]}
        )
    assert warm.count == 0
    assert again.status_code == 304


def test_the_openapi_document_describes_the_catalog(client: TestClient) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "get" in paths["/api/v1/categories"]
    assert "get" in paths["/api/v1/courses/{course}"]
    listed = {p["name"] for p in paths["/api/v1/courses"]["get"]["parameters"]}
    assert {"category", "level", "language", "free", "price_min", "price_max", "sort"} <= listed
    assert {"page", "page_size"} <= listed
