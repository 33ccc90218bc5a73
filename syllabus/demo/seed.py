"""`syllabus seed-demo`: a believable marketplace, planned in memory and bulk-inserted.

Deterministic: one `random.Random(42)` drives every choice, row ids included.
Idempotent: when the demo admin exists, nothing is written. Every course's
aggregates (lessons, duration, enrollments, ratings) are computed from the
very rows inserted with it, so they are exact.

This module plans people and courses and writes the rows; the lessons
(`lessons`), quizzes (`quizzes`) and learners (`learners`) are planned by
their own modules, all drawing from the one `plan.Dice`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from syllabus.accounts.models import User
from syllabus.catalog.models import Category, Course, Lesson, Quiz, QuizQuestion, Section
from syllabus.commerce.models import (
    CommerceEvent,
    Coupon,
    Earning,
    Order,
    OrderLine,
    Payment,
)
from syllabus.community.models import (
    Announcement,
    Answer,
    Message,
    MessageThread,
    Question,
    Review,
)
from syllabus.demo.community import plan_community
from syllabus.demo.content import (
    ADMIN,
    COURSES,
    DEMO_STUDENTS,
    FIRST_NAMES,
    INSTRUCTORS,
    LAST_NAMES,
    LOCALES,
    CourseSpec,
    Person,
)
from syllabus.demo.learners import aggregate, enrol
from syllabus.demo.lessons import plan_curriculum
from syllabus.demo.plan import Dice, Plan, PlannedCourse, Row, cap, slugify
from syllabus.demo.sales import plan_sales
from syllabus.kit.db import utcnow
from syllabus.kit.markdown import render_markdown
from syllabus.kit.security import hash_password
from syllabus.learning.models import Enrollment
from syllabus.notifications.models import Notification

# The namespace of migration 0003, which seeds the category tree (its slug rule: slugify).
CATEGORY_NAMESPACE = uuid.UUID("5b0f8a52-6d3e-4f0e-9c36-0e7d8a1f2b41")
# RFC 2606 reserves .example: these addresses pass email validation and never deliver.
EMAIL_DOMAIN = "syllabus.example"
ADMIN_EMAIL = f"admin@{EMAIL_DOMAIN}"
STUDENT_COUNT = 60
SEED = 42
CHUNK_ROWS = 250

Progress = Callable[[int], None]


class DemoSeedError(Exception):
    """The database cannot take the demo data (missing categories, an address in use)."""


def category_id(slug: str) -> str:
    return str(uuid.uuid5(CATEGORY_NAMESPACE, slug))


def _email(name: str) -> str:
    return f"{slugify(name).replace('-', '.')}@{EMAIL_DOMAIN}"


@dataclass(frozen=True)
class DemoLogin:
    role: str
    name: str
    email: str


@dataclass(frozen=True)
class DemoLogins:
    password: str
    admin: DemoLogin
    instructors: tuple[DemoLogin, ...]
    students: tuple[DemoLogin, ...]
    # False when the demo data was already there and nothing was written.
    created: bool
    # Rows written per table (empty when nothing was written).
    counts: dict[str, int] = field(default_factory=dict)

    def shown(self) -> list[DemoLogin]:
        """The logins worth printing: the admin, two instructors, two students."""
        return [self.admin, *self.instructors[:2], *self.students[:2]]


def demo_logins(
    password: str, *, created: bool, counts: dict[str, int] | None = None
) -> DemoLogins:
    return DemoLogins(
        password=password,
        admin=DemoLogin("admin", ADMIN.name, ADMIN_EMAIL),
        instructors=tuple(DemoLogin("instructor", p.name, _email(p.name)) for p in INSTRUCTORS),
        students=tuple(DemoLogin("student", name, _email(name)) for name in DEMO_STUDENTS),
        created=created,
        counts=counts or {},
    )


def seed_demo(
    session: Session,
    *,
    password: str,
    progress: Progress | None = None,
    on_total: Progress | None = None,
) -> DemoLogins:
    """Fill the database with the demo marketplace; a no-op when the demo admin exists.

    `on_total(n)` is called once with the number of rows about to be
    inserted, then `progress(k)` after each batch of `k` rows. Only flushes:
    the caller's unit of work commits.
    """
    if session.scalar(select(User.id).where(User.email == ADMIN_EMAIL)) is not None:
        return demo_logins(password, created=False)
    plan = _Planner(utcnow(), hash_password(password)).build()
    _check_room(session, plan)
    tables: list[tuple[type[Any], list[Row]]] = [
        (User, plan.users),
        (Course, plan.courses),
        (Section, plan.sections),
        (Lesson, plan.lessons),
        (Quiz, plan.quizzes),
        (QuizQuestion, plan.questions),
        (Enrollment, plan.enrollments),
        (Review, plan.reviews),
        (Order, plan.orders),
        (OrderLine, plan.order_lines),
        (Payment, plan.payments),
        (CommerceEvent, plan.commerce_events),
        (Earning, plan.earnings),
        (Coupon, plan.coupons),
        (Question, plan.lesson_questions),
        (Answer, plan.answers),
        (Announcement, plan.announcements),
        (MessageThread, plan.message_threads),
        (Message, plan.messages),
        (Notification, plan.notifications),
    ]
    if on_total is not None:
        on_total(sum(len(rows) for _, rows in tables))
    for model, rows in tables:
        # render_nulls: None values stay in the statement, so each batch is one executemany
        # instead of one per pattern of NULL columns.
        statement = insert(model).execution_options(render_nulls=True)
        for start in range(0, len(rows), CHUNK_ROWS):
            batch = rows[start : start + CHUNK_ROWS]
            session.execute(statement, batch)
            if progress is not None:
                progress(len(batch))
    counts = {model.__tablename__: len(rows) for model, rows in tables}
    counts["published_courses"] = sum(1 for c in plan.courses if c["status"] == "published")
    return demo_logins(password, created=True, counts=counts)


def _check_room(session: Session, plan: Plan) -> None:
    """Categories exist, no demo address is taken; a taken course slug gets a suffix."""
    wanted = sorted({c["category_id"] for c in plan.courses})
    found = set(session.scalars(select(Category.id).where(Category.id.in_(wanted))))
    if set(wanted) - found:
        raise DemoSeedError("The category tree is missing; run `syllabus migrate` first.")
    emails = [u["email"] for u in plan.users]
    taken = session.scalars(select(User.email).where(User.email.in_(emails))).first()
    if taken is not None:
        raise DemoSeedError(f"{taken} already belongs to an account; demo data not added.")
    slugs = {c["slug"] for c in plan.courses}
    taken_slugs = set(session.scalars(select(Course.slug).where(Course.slug.in_(sorted(slugs)))))
    for course in plan.courses:
        if course["slug"] in taken_slugs:
            n = 2
            while f"{course['slug']}-{n}" in taken_slugs | slugs:
                n += 1
            course["slug"] = f"{course['slug']}-{n}"


# --------------------------------------------------------------------------- planning


def _price(text: str) -> tuple[str, int, int | None]:
    """ "EUR 29.99/69.99" -> ("EUR", 2999, 6999); "0" -> ("USD", 0, None)."""
    currency, _, amounts = text.rpartition(" ")
    price, _, list_price = amounts.partition("/")

    def minor(value: str) -> int:
        return int(Decimal(value) * 100)

    return currency or "USD", minor(price), minor(list_price) if list_price else None


def _curriculum(text: str) -> list[tuple[str, list[str]]]:
    sections = []
    for line in text.strip().splitlines():
        title, _, lessons = line.partition(" | ")
        sections.append((title.strip(), [t.strip() for t in lessons.split("; ") if t.strip()]))
    return sections


def _bullets(items: Sequence[str]) -> str:
    return "\n".join(f"- {item}" for item in items)


class _Planner:
    """People and courses; lessons, quizzes and learners are planned by their own modules."""

    def __init__(self, now: datetime, password_hash: str) -> None:
        self.dice = Dice(SEED, now)
        self.rng = self.dice.rng
        self.now = now
        self.password_hash = password_hash
        self.plan = Plan()

    def build(self) -> Plan:
        self._user(ADMIN, ADMIN_EMAIL, "admin", self.dice.days_ago(610))
        instructors = [
            self._user(
                p, _email(p.name), "instructor", self.dice.days_ago(self.rng.uniform(560, 600))
            )
            for p in INSTRUCTORS
        ]
        students = self._students()
        published = [spec for spec in COURSES if spec.status == "published"]
        order = list(range(len(published)))
        self.rng.shuffle(order)
        published_at: dict[int, datetime] = {}
        for rank, index in enumerate(order):
            days = 500 - rank * 495 / len(published) + self.rng.uniform(-3, 3)
            published_at[index] = self.dice.days_ago(max(1.5, days))
        courses = []
        for spec in COURSES:
            when = published_at[published.index(spec)] if spec.status == "published" else None
            courses.append(self._course(spec, instructors[spec.instructor], when))
        live = [c for c in courses if c.spec.status == "published"]
        for student in students:
            enrol(self.dice, self.plan, student, live)
        for course in courses:
            aggregate(self.plan, course)
        plan_sales(self.dice, self.plan, courses)
        plan_community(self.dice, self.plan, courses)
        return self.plan

    # ------------------------------------------------------------------ people

    def _user(self, person: Person, email: str, role: str, created_at: datetime) -> Row:
        row: Row = {
            "id": self.dice.new_id(),
            "email": email,
            "name": person.name,
            "password_hash": self.password_hash,
            "role": role,
            "status": "active",
            "headline": person.headline or None,
            "bio": person.bio or None,
            "links": [],
            "avatar_key": None,
            "ban_reason": None,
            "banned_at": None,
            "created_at": created_at,
            "updated_at": created_at,
        }
        self.plan.users.append(row)
        return row

    def _students(self) -> list[Row]:
        names = list(DEMO_STUDENTS)
        while len(names) < STUDENT_COUNT:
            name = f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(LAST_NAMES)}"
            if name not in names:
                names.append(name)
        rows = []
        for n, name in enumerate(names):
            days = 420 - 40 * n if n < len(DEMO_STUDENTS) else self.rng.uniform(3, 520)
            rows.append(self._user(Person(name), _email(name), "student", self.dice.days_ago(days)))
        return rows

    # ------------------------------------------------------------------ courses

    def _course(
        self, spec: CourseSpec, instructor: Row, published_at: datetime | None
    ) -> PlannedCourse:
        rng = self.rng
        locale = LOCALES[spec.language]
        sections = _curriculum(spec.curriculum)
        sections[0] = (sections[0][0], [locale.welcome_title, *sections[0][1]])
        if published_at is not None:
            created = published_at - timedelta(days=rng.uniform(7, 45))
            updated = self.dice.between(published_at, self.now)
            submitted: datetime | None = published_at - timedelta(hours=rng.uniform(6, 72))
        elif spec.status == "in_review":
            created, updated = self.dice.days_ago(35), self.dice.days_ago(2)
            submitted = updated
        else:
            created = self.dice.days_ago(rng.uniform(10, 60))
            updated = self.dice.days_ago(rng.uniform(0.5, 6))
            submitted = None
        currency, price, list_price = _price(spec.price)
        course_id = self.dice.new_id()
        counts = [len(lessons) + 1 for _, lessons in sections]
        ctx: Row = {
            "course": spec.title,
            "subject": spec.subject,
            "project": spec.project,
            "project_dative": spec.project_dative or spec.project,
            "blurb": spec.blurb,
            "instructor": instructor["name"],
            "outcomes_md": _bullets(spec.outcomes),
            "audience_md": _bullets(spec.audience),
            "requirements_md": _bullets(spec.requirements),
            "glossary_md": _bullets([f"**{cap(t)}**: {d}" for t, d in spec.terms]),
            "section_count": len(sections),
            "lesson_count": sum(counts),
            "sections_md": "\n".join(
                f"{n}. **{title}** ({locale.lessons_label.format(n=count)})"
                for n, ((title, _), count) in enumerate(zip(sections, counts, strict=True), 1)
            ),
        }
        description = locale.description.format(**ctx)
        row: Row = {
            "id": course_id,
            "slug": slugify(spec.title),
            "instructor_id": instructor["id"],
            "title": spec.title,
            "subtitle": spec.subtitle,
            "description": description,
            "description_html": render_markdown(description),
            "category_id": category_id(spec.category),
            "level": spec.level,
            "language": spec.language,
            "outcomes": list(spec.outcomes),
            "requirements": list(spec.requirements),
            "audience": list(spec.audience),
            "tags": list(spec.tags),
            "price_amount": price,
            "currency": currency,
            "list_price_amount": list_price,
            "thumbnail_key": None,
            "promo_media_id": None,
            "has_certificate": True,
            "is_featured": spec.featured,
            "status": spec.status,
            "review_note": None,
            "submitted_at": submitted,
            "published_at": published_at,
            "rating_avg": 0.0,
            "rating_count": 0,
            "rating_sum": 0,
            "rating_histogram": {str(n): 0 for n in range(1, 6)},
            "enrollment_count": 0,
            "lesson_count": 0,
            "duration_seconds": 0,
            "revision": 1,
            "created_at": created,
            "updated_at": updated,
        }
        self.plan.courses.append(row)
        planned = PlannedCourse(spec, row, instructor, [], rng.uniform(-1.0, 1.0))
        plan_curriculum(self.dice, self.plan, planned, locale, sections, ctx, created)
        return planned
