"""Catalog rows straight through the ORM, and a SQL statement counter, for the public-read tests."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import event, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from syllabus.accounts.models import User
from syllabus.catalog.models import Category, Course, Lesson, Section
from syllabus.kit.db import utcnow
from syllabus.kit.markdown import render_markdown
from syllabus.learning.models import Enrollment
from tests.factories import login

_counter = itertools.count(1)

SECRET_BODY = "SECRET-LESSON-BODY"
SECRET_MEDIA = "secret-media"


def category_id(db: Session, slug: str) -> str:
    found = db.scalar(select(Category.id).where(Category.slug == slug))
    assert found, f"category {slug} exists (seeded by the migration)"
    return found


def seed_course(
    db: Session,
    instructor: User,
    *,
    title: str | None = None,
    status: str = "published",
    price: int = 1999,
    currency: str = "USD",
    list_price: int | None = None,
    level: str = "beginner",
    language: str = "en",
    category: str | None = None,
    sections: int = 2,
    lessons: int = 3,
    lesson_seconds: int = 300,
    rating: tuple[float, int] = (0.0, 0),
    enrollments: int = 0,
    featured: bool = False,
    published_at: datetime | None = None,
    **fields: Any,
) -> Course:
    """A course with `sections` sections of `lessons` lessons each; every lesson has a
    private body and media id (`SECRET_BODY`/`SECRET_MEDIA` plus the lesson number)."""
    n = next(_counter)
    title = title or f"Course number {n}"
    fields.setdefault("subtitle", f"Subtitle of course {n}")
    course = Course(
        slug=f"course-{n}-{uuid.uuid4().hex[:6]}",
        instructor_id=instructor.id,
        title=title,
        description=f"Learn **everything** about topic {n}.",
        description_html=render_markdown(f"Learn **everything** about topic {n}."),
        category_id=category_id(db, category) if category else None,
        level=level,
        language=language,
        outcomes=["Build things", "Ship things"],
        requirements=["A computer"],
        audience=["Beginners"],
        price_amount=price,
        currency=currency,
        list_price_amount=list_price,
        status=status,
        is_featured=featured,
        published_at=(published_at or utcnow() - timedelta(minutes=n))
        if status in ("published", "unpublished", "archived")
        else None,
        rating_avg=rating[0],
        rating_count=rating[1],
        rating_sum=round(rating[0] * rating[1]),
        enrollment_count=enrollments,
        lesson_count=sections * lessons,
        duration_seconds=sections * lessons * lesson_seconds,
        **fields,
    )
    db.add(course)
    db.flush()
    position = 0
    for s in range(sections):
        section = Section(course_id=course.id, title=f"Section {s + 1}", position=s)
        db.add(section)
        db.flush()
        for _ in range(lessons):
            position += 1
            db.add(
                Lesson(
                    section_id=section.id,
                    course_id=course.id,
                    title=f"Lesson {position}",
                    kind="video" if position % 2 else "text",
                    position=position,
                    is_preview=position == 1,
                    duration_seconds=lesson_seconds,
                    body=f"{SECRET_BODY}-{position}",
                    body_html=f"<p>{SECRET_BODY}-{position}</p>",
                    media_id=f"{SECRET_MEDIA}-{position}",
                )
            )
    db.commit()
    return course


def enroll(db: Session, user: User, course: Course, *, status: str = "active") -> Enrollment:
    enrollment = Enrollment(user_id=user.id, course_id=course.id, source="free", status=status)
    db.add(enrollment)
    db.commit()
    return enrollment


def web_login(client: TestClient, user: User) -> None:
    """Sign the test client's pages in as `user` (the access cookie the login form sets)."""
    tokens = login(client, user.email)
    client.cookies.set("syl_at", tokens["access_token"])


class StatementCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)


@contextmanager
def count_statements(engine: Engine) -> Iterator[StatementCounter]:
    """Every SQL statement sent through `engine` (and its connections) inside the block."""
    counter = StatementCounter()

    def record(*args: Any) -> None:
        counter.statements.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", record)
