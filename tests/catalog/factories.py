"""Catalog test data straight through the ORM (no HTTP), for any test that needs a course.

    instructor = make_user(db, role="instructor")
    course = make_course(db, instructor)                      # published, 3 text lessons, $19.99
    draft = make_course(db, instructor, status="draft", lessons=0)
    free = make_course(db, instructor, price=0)
    make_enrollment(db, student, course)

Each helper commits (inside the test's rolled-back transaction), like
`tests.factories.make_user`, so the API sees the rows at once.
"""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from syllabus.accounts.actor import Actor
from syllabus.accounts.models import User
from syllabus.catalog.models import Category, Course, Lesson, Section
from syllabus.kit.db import utcnow
from syllabus.kit.markdown import render_markdown
from syllabus.learning.models import Enrollment
from tests.factories import bearer, login, make_user

_counter = itertools.count(1)


def make_category(
    db: Session, *, name: str | None = None, parent: Category | None = None
) -> Category:
    n = next(_counter)
    category = Category(
        name=name or f"Category {n}",
        slug=f"test-category-{n}",
        parent_id=parent.id if parent else None,
    )
    db.add(category)
    db.commit()
    return category


def make_course(
    db: Session,
    instructor: User,
    *,
    status: str = "published",
    title: str | None = None,
    price: int = 1999,
    currency: str = "USD",
    lessons: int = 3,
    lesson_seconds: int = 300,
    category: Category | None = None,
    **fields: Any,
) -> Course:
    """A course with one section ("Getting started") holding `lessons` text lessons.

    `price` is in minor units (0: free). `published_at` is set for a published
    course. Any other Course column can be passed in `fields` (level="beginner", ...).
    """
    n = next(_counter)
    title = title or f"Test course {n}"
    now = utcnow()
    course = Course(
        instructor_id=instructor.id,
        slug=f"test-course-{n}",
        title=title,
        description=f"About {title}.",
        description_html=render_markdown(f"About {title}."),
        status=status,
        price_amount=price,
        currency=currency,
        category_id=category.id if category else None,
        published_at=now if status == "published" else None,
        lesson_count=lessons,
        duration_seconds=lessons * lesson_seconds,
        **fields,
    )
    db.add(course)
    db.flush()
    section = Section(course_id=course.id, title="Getting started", position=0)
    db.add(section)
    db.flush()
    for position in range(lessons):
        body = f"Lesson {position + 1} of *{title}*."
        db.add(
            Lesson(
                section_id=section.id,
                course_id=course.id,
                title=f"Lesson {position + 1}",
                kind="text",
                position=position,
                duration_seconds=lesson_seconds,
                body=body,
                body_html=render_markdown(body),
            )
        )
    db.commit()
    return course


def make_enrollment(
    db: Session,
    user: User,
    course: Course,
    *,
    source: str = "free",
    status: str = "active",
    created_at: datetime | None = None,
    days_ago: int = 0,
) -> Enrollment:
    """An enrollment (no order behind it); `days_ago` back-dates it for drip tests.

    The course's `enrollment_count` aggregate is left as it is.
    """
    enrollment = Enrollment(
        user_id=user.id,
        course_id=course.id,
        source=source,
        status=status,
        created_at=created_at or utcnow() - timedelta(days=days_ago),
    )
    db.add(enrollment)
    db.commit()
    return enrollment


def signed_in(
    client: TestClient, db: Session, role: str = "instructor"
) -> tuple[User, dict[str, str]]:
    """A new active user of `role` and the Authorization header of a fresh login."""
    user = make_user(db, role=role)
    return user, bearer(login(client, user.email))


def actor_of(user: User) -> Actor:
    """The Actor a service receives for `user` (for tests that call services directly)."""
    return Actor(id=user.id, role=user.role, name=user.name, email=user.email)
