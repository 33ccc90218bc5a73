"""Fixtures for the search tests: courses written straight through the ORM, then indexed."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from syllabus.accounts.models import User
from syllabus.catalog.models import Category, Course
from syllabus.kit.cache import NullCache
from syllabus.kit.db import utcnow
from syllabus.kit.markdown import render_markdown
from syllabus.kit.runtime import Runtime
from syllabus.search.indexer import reindex_all
from tests.factories import make_user

_counter = itertools.count(1)

AddCourse = Callable[..., Course]


def category_id(db: Session, slug: str) -> str:
    found = db.scalar(select(Category.id).where(Category.slug == slug))
    assert found, f"category {slug} exists (seeded by the migration)"
    return found


@pytest.fixture
def instructor(db: Session) -> User:
    return make_user(db, role="instructor", name="Grace Hopper")


@pytest.fixture
def add_course(db: Session, instructor: User) -> AddCourse:
    """`add_course(title, description=..., category="web-development", rating=(4.5, 10),
    enrollments=3, days=2, status="published", **Course columns)`; committed, not indexed."""

    def add(
        title: str,
        *,
        description: str = "",
        category: str | None = None,
        rating: tuple[float, int] = (0.0, 0),
        enrollments: int = 0,
        days: int = 1,
        status: str = "published",
        instructor_user: User | None = None,
        **fields: Any,
    ) -> Course:
        n = next(_counter)
        text = description or f"Notes number {n}."
        course = Course(
            slug=f"search-{n}-{uuid.uuid4().hex[:6]}",
            instructor_id=(instructor_user or instructor).id,
            title=title,
            description=text,
            description_html=render_markdown(text),
            category_id=category_id(db, category) if category else None,
            status=status,
            published_at=utcnow() - timedelta(days=days) if status == "published" else None,
            rating_avg=rating[0],
            rating_count=rating[1],
            rating_sum=round(rating[0] * rating[1]),
            enrollment_count=enrollments,
            **fields,
        )
        db.add(course)
        db.commit()
        return course

    return add


@pytest.fixture
def reindex(db: Session) -> Callable[[], int]:
    """Rebuild the index from the committed courses (what `syllabus reindex` does)."""

    def run() -> int:
        count = reindex_all(db)
        db.commit()
        return count

    return run


@pytest.fixture
def no_cache(runtime: Runtime) -> Runtime:
    """Caching switched off, as with `SYLLABUS_CACHE_ENABLED=false`."""
    runtime.cache = NullCache()
    return runtime
