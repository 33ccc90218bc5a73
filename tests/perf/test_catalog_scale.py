"""The catalog's read paths that must not grow with its size stay exact.

- The unfiltered catalog's facets come from counts kept by triggers on
  `courses` (migration 0009): after any mix of writes (single rows, many
  rows in one statement, band boundaries, other currencies, unpublishing,
  deleting) they equal counting the courses, and equal what the counting
  path answers for a filter every course passes.
- Each sort reads its index in order (no sort step) on the default page.
- The curriculum rendered as JSON by the database equals the one built row
  by row.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.orm import Session

from syllabus.accounts.models import User
from syllabus.catalog import reads
from syllabus.catalog.facets import PRICE_BANDS, RATING_BANDS, minor_per_major
from syllabus.catalog.listing import recount_facets
from syllabus.catalog.models import CatalogFacetCount, Category, Course, Lesson, Section
from syllabus.catalog.public import CourseFilters, explain_courses
from syllabus.kit.cache import NullCache
from syllabus.kit.db import new_id, utcnow
from syllabus.kit.runtime import Runtime
from syllabus.search.backends import backend_for
from tests.catalog_public.seed import category_id, seed_course
from tests.factories import make_user

LIST = "/api/v1/courses"


@pytest.fixture
def no_cache(runtime: Runtime) -> Runtime:
    runtime.cache = NullCache()
    return runtime


@pytest.fixture
def instructor(db: Session) -> User:
    return make_user(db, role="instructor", name="Katherine Johnson")


def _band(price: int) -> str:
    for value, _label, _low, high in PRICE_BANDS:
        if high is not None and price <= high:
            return value
    return PRICE_BANDS[-1][0]


def counted_facets(db: Session) -> dict[str, Any]:
    """The facets of the whole published catalog, counted here course by course."""
    tops = {c.id: c.parent_id or c.id for c in db.scalars(select(Category))}
    top_slugs = {c.id: c.slug for c in db.scalars(select(Category))}
    levels: Counter[str] = Counter()
    languages: Counter[str] = Counter()
    categories: Counter[str] = Counter()
    prices: Counter[str] = Counter()
    ratings: Counter[str] = Counter()
    for course in db.scalars(select(Course).where(Course.status == "published")):
        levels[course.level] += 1
        languages[course.language] += 1
        if course.category_id:
            categories[top_slugs[tops[course.category_id]]] += 1
        prices[_band(course.price_amount * (100 // minor_per_major(course.currency)))] += 1
        for value, _label, low in RATING_BANDS:
            if course.rating_avg >= low:
                ratings[value] += 1  # cumulative
    return {
        "total": sum(levels.values()),
        "level": {k: v for k, v in levels.items() if v},
        "language": dict(languages),
        "category": dict(categories),
        "price": {k: v for k, v in prices.items() if v},
        "rating": {k: v for k, v in ratings.items() if v},
    }


def answered_facets(client: TestClient, **params: Any) -> dict[str, Any]:
    response = client.get(LIST, params={"page_size": 1, **params})
    assert response.status_code == 200, response.text
    body = response.json()
    facets = body["facets"]

    def counts(name: str, key: str = "value") -> dict[str, int]:
        return {f[key]: f["count"] for f in facets[name] if f["count"]}

    return {
        "total": body["total"],
        "level": counts("level"),
        "language": counts("language"),
        "category": counts("category", "slug"),
        "price": counts("price"),
        "rating": counts("rating"),
    }


def assert_facets_exact(client: TestClient, db: Session) -> None:
    db.expire_all()
    expected = counted_facets(db)
    assert answered_facets(client) == expected, "kept counts"
    # A filter every course passes takes the counting path: the same answer.
    assert answered_facets(client, price_min=0) == expected, "counted"


def test_kept_facet_counts_follow_every_kind_of_write(
    client: TestClient, db: Session, no_cache: Runtime, instructor: User
) -> None:
    assert_facets_exact(client, db)  # whatever the database held before

    # Prices on both sides of every band edge, a currency without minor units,
    # ratings on both sides of every band floor.
    edges = [0, 1, 1999, 2000, 4999, 5000, 9999, 10000, 25000]
    ratings = [0.0, 2.99, 3.0, 3.49, 3.5, 3.99, 4.0, 4.49, 4.5, 5.0]
    courses = [
        seed_course(
            db,
            instructor,
            price=price,
            rating=(ratings[i % len(ratings)], 3),
            level=("all", "beginner", "intermediate", "expert")[i % 4],
            language=("en", "en-GB", "fr")[i % 3],
            category=("web-development", "data-science", "accounting", None)[i % 4],
            sections=1,
            lessons=1,
        )
        for i, price in enumerate(edges)
    ]
    seed_course(db, instructor, price=50, currency="JPY", sections=1, lessons=1)  # ¥50: 5000
    seed_course(db, instructor, title="Still a draft", status="draft", sections=1, lessons=1)
    assert_facets_exact(client, db)

    # One row at a time: across bands, categories, levels; leaving and rejoining the catalog.
    first, second, third = courses[0], courses[1], courses[2]
    first.price_amount, first.rating_avg = 12000, 4.7
    second.category_id = category_id(db, "accounting")
    second.level, second.language = "expert", "de"
    third.status = "unpublished"
    db.commit()
    assert_facets_exact(client, db)
    third.status = "published"
    first.status = "archived"
    db.commit()
    assert_facets_exact(client, db)

    # Many rows in one statement, then a delete.
    db.execute(update(Course).values(rating_avg=Course.rating_avg / 2))
    db.execute(
        insert(Course),
        [_course_row(instructor, n) for n in range(5)],
    )
    db.execute(delete(Course).where(Course.id == courses[3].id))
    db.commit()
    assert_facets_exact(client, db)


def _course_row(instructor: User, n: int) -> dict[str, Any]:
    return {
        "id": new_id(),
        "slug": f"bulk-{new_id()[:8]}",
        "instructor_id": instructor.id,
        "title": f"Bulk course {n}",
        "status": "published",
        "level": "beginner",
        "language": "pt",
        "price_amount": 1500 * n,
        "rating_avg": 3.9 + n / 10,
        "published_at": utcnow(),
    }


def test_recounting_rebuilds_counts_written_without_triggers(
    client: TestClient, db: Session, no_cache: Runtime, instructor: User
) -> None:
    for n in range(4):
        seed_course(db, instructor, price=1500 * n, level=("beginner", "expert")[n % 2])
    # As after a bulk load that skipped the triggers.
    db.execute(delete(CatalogFacetCount))
    db.commit()
    assert answered_facets(client)["total"] == 0
    recount_facets(db.connection())
    db.commit()
    assert_facets_exact(client, db)


@pytest.mark.parametrize(
    ("sort", "index"),
    [
        ("relevance", "ix_courses_popular"),
        ("popular", "ix_courses_popular"),
        ("newest", "ix_courses_newest"),
        ("rating", "ix_courses_top_rated"),
    ],
)
def test_a_catalog_page_is_read_in_index_order(
    db: Session, instructor: User, sort: str, index: str
) -> None:
    for n in range(3):
        seed_course(db, instructor, title=f"Indexed {n}", sections=1, lessons=1)
    conn = db.connection()
    if conn.dialect.name == "postgresql":
        # At this size a scan and a sort are cheaper; at 100k courses the plan is the
        # index's (the planner is told the tiny table's scan and sort cost as much).
        conn.execute(text("SET LOCAL enable_seqscan = off"))
        conn.execute(text("SET LOCAL enable_sort = off"))
    plan = "\n".join(explain_courses(conn, CourseFilters(sort=sort))["page"])
    assert index in plan, plan
    if backend_for(conn).name == "sqlite-fts5":
        assert "TEMP B-TREE" not in plan, plan
    else:
        assert "Sort" not in plan.split("->")[0], plan


def test_the_curriculum_rendered_by_the_database_is_the_one_built_in_python(
    db: Session, instructor: User
) -> None:
    course = seed_course(db, instructor, title="Ordered course", sections=3, lessons=4)
    # An empty section, and two lessons at the same position (ordered by creation).
    db.add(Section(course_id=course.id, title="Coming soon", position=9))
    section = db.scalars(select(Section).where(Section.course_id == course.id)).first()
    assert section is not None
    db.add(
        Lesson(
            section_id=section.id,
            course_id=course.id,
            title='Quotes " and ünïcode ✓',
            kind="text",
            position=1,
            is_preview=False,
        )
    )
    db.commit()
    conn = db.connection()
    rendered = reads.curriculum_json(conn, course.id)
    built = [s.model_dump(mode="json") for s in reads.load_curriculum(conn, course.id)]
    assert orjson.loads(rendered) == built
    assert built[-1]["lessons"] == []
    assert [len(s["lessons"]) for s in built] == [5, 4, 4, 0]
