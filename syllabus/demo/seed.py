"""`syllabus seed-demo`: a believable marketplace, planned in memory and bulk-inserted.

Deterministic: one `random.Random(42)` drives every choice, row ids included.
Idempotent: when the demo admin exists, nothing is written. Every course's
aggregates (lessons, duration, enrollments, ratings) are computed from the
very rows inserted with it, so they are exact.
"""

from __future__ import annotations

import random
import re
import unicodedata
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
from syllabus.community.models import Review
from syllabus.demo.content import (
    ADMIN,
    COURSES,
    DEMO_STUDENTS,
    EN_STYLE_KEYWORDS,
    FIRST_NAMES,
    INSTRUCTORS,
    LAST_NAMES,
    LOCALES,
    REPLIES_CRITICAL,
    REPLIES_POSITIVE,
    REVIEW_BODIES,
    TIPS,
    CourseSpec,
    Locale,
    Person,
)
from syllabus.kit.db import utcnow
from syllabus.kit.markdown import render_markdown
from syllabus.kit.security import hash_password
from syllabus.learning.models import Enrollment

# The namespace and slug rule of migration 0003, which seeds the category tree.
CATEGORY_NAMESPACE = uuid.UUID("5b0f8a52-6d3e-4f0e-9c36-0e7d8a1f2b41")
# RFC 2606 reserves .example: these addresses pass email validation and never deliver.
EMAIL_DOMAIN = "syllabus.example"
ADMIN_EMAIL = f"admin@{EMAIL_DOMAIN}"
STUDENT_COUNT = 60
SEED = 42
CHUNK_ROWS = 250
PASS_PERCENT = 70
MAX_ATTEMPTS = 3
QUESTION_KINDS = ("single", "true_false", "multiple", "short", "single")
# The students printed with the demo logins get a full dashboard.
_DEMO_STUDENT_COURSES = dict(zip(DEMO_STUDENTS, (9, 7), strict=True))

Row = dict[str, Any]
Progress = Callable[[int], None]


class DemoSeedError(Exception):
    """The database cannot take the demo data (missing categories, an address in use)."""


def slugify(text: str) -> str:
    """The slug rule of migration 0003, plus accents folded to ASCII."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", folded.lower().replace("&", "and")).strip("-")


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


def _check_room(session: Session, plan: _Plan) -> None:
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


@dataclass
class _Plan:
    users: list[Row] = field(default_factory=list)
    courses: list[Row] = field(default_factory=list)
    sections: list[Row] = field(default_factory=list)
    lessons: list[Row] = field(default_factory=list)
    quizzes: list[Row] = field(default_factory=list)
    questions: list[Row] = field(default_factory=list)
    enrollments: list[Row] = field(default_factory=list)
    reviews: list[Row] = field(default_factory=list)


@dataclass
class _PlannedCourse:
    spec: CourseSpec
    row: Row
    instructor: Row
    lesson_ids: list[str]
    quality: float


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


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
    def __init__(self, now: datetime, password_hash: str) -> None:
        self.rng = random.Random(SEED)
        self.now = now
        self.password_hash = password_hash
        self.plan = _Plan()

    def build(self) -> _Plan:
        self._user(ADMIN, ADMIN_EMAIL, "admin", self._days_ago(610))
        instructors = [
            self._user(p, _email(p.name), "instructor", self._days_ago(self.rng.uniform(560, 600)))
            for p in INSTRUCTORS
        ]
        students = self._students()
        published = [spec for spec in COURSES if spec.status == "published"]
        order = list(range(len(published)))
        self.rng.shuffle(order)
        published_at: dict[int, datetime] = {}
        for rank, index in enumerate(order):
            days = 500 - rank * 495 / len(published) + self.rng.uniform(-3, 3)
            published_at[index] = self._days_ago(max(1.5, days))
        courses = []
        for spec in COURSES:
            when = published_at[published.index(spec)] if spec.status == "published" else None
            courses.append(self._course(spec, instructors[spec.instructor], when))
        live = [c for c in courses if c.spec.status == "published"]
        for student in students:
            self._enrol(student, live)
        for course in courses:
            self._aggregate(course)
        return self.plan

    # ------------------------------------------------------------------ helpers

    def _id(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def _days_ago(self, days: float) -> datetime:
        return self.now - timedelta(days=days)

    def _between(self, start: datetime, end: datetime, low: float = 0.0) -> datetime:
        return start + (end - start) * self.rng.uniform(low, 1.0)

    # ------------------------------------------------------------------ people

    def _user(self, person: Person, email: str, role: str, created_at: datetime) -> Row:
        row: Row = {
            "id": self._id(),
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
            rows.append(self._user(Person(name), _email(name), "student", self._days_ago(days)))
        return rows

    # ------------------------------------------------------------------ courses

    def _course(
        self, spec: CourseSpec, instructor: Row, published_at: datetime | None
    ) -> _PlannedCourse:
        rng = self.rng
        locale = LOCALES[spec.language]
        sections = _curriculum(spec.curriculum)
        sections[0] = (sections[0][0], [locale.welcome_title, *sections[0][1]])
        if published_at is not None:
            created = published_at - timedelta(days=rng.uniform(7, 45))
            updated = self._between(published_at, self.now)
            submitted: datetime | None = published_at - timedelta(hours=rng.uniform(6, 72))
        elif spec.status == "in_review":
            created, updated = self._days_ago(35), self._days_ago(2)
            submitted = updated
        else:
            created = self._days_ago(rng.uniform(10, 60))
            updated = self._days_ago(rng.uniform(0.5, 6))
            submitted = None
        currency, price, list_price = _price(spec.price)
        course_id = self._id()
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
            "glossary_md": _bullets([f"**{_cap(t)}**: {d}" for t, d in spec.terms]),
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
        planned = _PlannedCourse(spec, row, instructor, [], rng.uniform(-1.0, 1.0))
        self._curriculum(planned, locale, sections, ctx, created)
        return planned

    def _curriculum(
        self,
        course: _PlannedCourse,
        locale: Locale,
        sections: list[tuple[str, list[str]]],
        ctx: Row,
        created: datetime,
    ) -> None:
        spec, rng = course.spec, self.rng
        terms = spec.terms
        used: set[str] = set()
        text_index = 0
        prev_ref = locale.intro_ref
        for s_pos, (s_title, titles) in enumerate(sections):
            stamp = created + timedelta(minutes=10 * s_pos)
            section_id = self._id()
            self.plan.sections.append(
                {
                    "id": section_id,
                    "course_id": course.row["id"],
                    "title": s_title,
                    "position": s_pos,
                    "created_at": stamp,
                    "updated_at": stamp,
                }
            )
            seen: list[tuple[str, str]] = []
            quiz_title = locale.quiz_title.format(section=s_title)
            keys = _lesson_terms(titles[1:] if s_pos == 0 else titles, s_title, terms, used)
            if s_pos == 0:
                keys = [None, *keys]
            for l_pos, title in enumerate([*titles, quiz_title]):
                lesson_id = self._id()
                course.lesson_ids.append(lesson_id)
                is_quiz = l_pos == len(titles)
                following = titles[l_pos + 1] if l_pos + 1 < len(titles) else None
                next_line = (
                    locale.next_lesson.format(next=following) if following else locale.next_quiz
                )
                if is_quiz:
                    count = rng.randint(3, 5)
                    body = locale.quiz_intro.format(
                        section=s_title,
                        count=count,
                        pass_percent=PASS_PERCENT,
                        attempts=MAX_ATTEMPTS,
                    )
                    self._quiz(locale, lesson_id, s_pos, count, seen, terms, stamp)
                    duration = 60 * count + 30 * rng.randint(0, 3)
                elif s_pos == 0 and l_pos == 0:
                    body = locale.welcome.format(**ctx, next=following)
                    duration = 30 * (len(body.split()) // 75 + rng.randint(2, 5))
                else:
                    key = keys[l_pos]
                    term_block = ""
                    if key is not None:
                        seen.append(key)
                        term_block = locale.term_block.format(
                            term=key[0], Term=_cap(key[0]), definition=key[1]
                        )
                    text_index += 1
                    style = _style(locale, title, text_index)
                    body = locale.bodies[style].format(
                        **ctx,
                        section=s_title,
                        lesson=title,
                        term_block=term_block,
                        prev_ref=prev_ref,
                        next_line=next_line,
                        tip=rng.choice(TIPS),
                    )
                    duration = 30 * (len(body.split()) // 75 + rng.randint(6, 24))
                    prev_ref = f"*{title}*"
                lesson_stamp = stamp + timedelta(seconds=l_pos)
                self.plan.lessons.append(
                    {
                        "id": lesson_id,
                        "section_id": section_id,
                        "course_id": course.row["id"],
                        "title": title,
                        "kind": "quiz" if is_quiz else "text",
                        "position": l_pos,
                        "is_preview": s_pos == 0 and l_pos == 0,
                        "duration_seconds": duration,
                        "body": body,
                        "body_html": render_markdown(body),
                        "media_id": None,
                        "drip_days": None,
                        "drip_date": None,
                        "created_at": lesson_stamp,
                        "updated_at": lesson_stamp,
                    }
                )
                course.row["lesson_count"] += 1
                course.row["duration_seconds"] += duration

    def _quiz(
        self,
        locale: Locale,
        lesson_id: str,
        section_position: int,
        count: int,
        seen: list[tuple[str, str]],
        terms: tuple[tuple[str, str], ...],
        stamp: datetime,
    ) -> None:
        self.plan.quizzes.append(
            {
                "lesson_id": lesson_id,
                "pass_percent": PASS_PERCENT,
                "max_attempts": MAX_ATTEMPTS,
                "shuffle": False,
                "created_at": stamp,
                "updated_at": stamp,
            }
        )
        rotation = section_position % 4
        kinds = (QUESTION_KINDS[rotation:] + QUESTION_KINDS[:rotation])[:count]
        others = [t for t in terms if t not in seen]
        self.rng.shuffle(others)
        pool = [*seen, *others]
        for position, kind in enumerate(kinds):
            question = self._question(locale, kind, pool[position % len(pool)], terms)
            self.plan.questions.append(
                {"id": self._id(), "lesson_id": lesson_id, "position": position, **question}
            )

    def _question(
        self,
        locale: Locale,
        kind: str,
        primary: tuple[str, str],
        terms: tuple[tuple[str, str], ...],
    ) -> Row:
        rng = self.rng
        term, definition = primary
        rest = [t for t in terms if t != primary]
        correct = locale.statement.format(term=_cap(term), definition=definition)
        if kind == "single":
            options = [definition, *(d for _, d in rng.sample(rest, 3))]
            rng.shuffle(options)
            return {
                "kind": kind,
                "prompt": locale.single_prompt.format(term=term),
                "choices": [_cap(o) for o in options],
                "answer": options.index(definition),
                "explanation": locale.single_explanation.format(
                    term=term, Term=_cap(term), definition=definition
                ),
            }
        if kind == "true_false":
            if rng.random() < 0.5:
                prompt = locale.statement.format(term=term, definition=definition)
                answer, explanation = True, locale.true_explanation.format(statement=correct)
            else:
                other, other_definition = rng.choice(rest)
                prompt = locale.statement.format(term=term, definition=other_definition)
                answer = False
                explanation = locale.false_explanation.format(other=other, statement=correct)
            return {
                "kind": kind,
                "prompt": locale.true_false_prompt.format(statement=prompt),
                "choices": [],
                "answer": answer,
                "explanation": explanation,
            }
        if kind == "multiple":
            true_pair, (a, b) = [primary, *rng.sample(rest, 1)], rng.sample(rest, 2)
            while a in true_pair or b in true_pair:
                a, b = rng.sample(rest, 2)
            statements = [
                (locale.statement.format(term=_cap(t), definition=d), True) for t, d in true_pair
            ]
            statements += [
                (locale.statement.format(term=_cap(a[0]), definition=b[1]), False),
                (locale.statement.format(term=_cap(b[0]), definition=a[1]), False),
            ]
            rng.shuffle(statements)
            return {
                "kind": kind,
                "prompt": locale.multiple_prompt,
                "choices": [text for text, _ in statements],
                "answer": [i for i, (_, true) in enumerate(statements) if true],
                "explanation": locale.multiple_explanation,
            }
        accepted = list(dict.fromkeys([term, term.replace("-", " ")]))
        return {
            "kind": "short",
            "prompt": locale.short_prompt.format(definition=definition),
            "choices": [],
            "answer": accepted,
            "explanation": locale.short_explanation.format(term=term),
        }

    # ------------------------------------------------------------------ learners

    def _enrol(self, student: Row, courses: list[_PlannedCourse]) -> None:
        rng = self.rng
        size = _DEMO_STUDENT_COURSES.get(student["name"]) or max(
            1, min(16, round(rng.triangular(1, 16, 6)))
        )
        ranked = sorted(courses, key=lambda c: rng.random() ** (1 / c.spec.popularity))
        for course in reversed(ranked[-size:]):
            start = max(student["created_at"], course.row["published_at"]) + timedelta(hours=1)
            end = self.now - timedelta(hours=1)
            if start >= end:
                continue
            created = self._between(start, end)
            roll = rng.random()
            if roll < 0.12:
                progress = 0
            elif roll < 0.35:
                progress = rng.randint(3, 30)
            elif roll < 0.70:
                progress = rng.randint(31, 95)
            else:
                progress = 100
            lessons = course.lesson_ids
            last = lessons[round(progress / 100 * (len(lessons) - 1))] if progress else None
            enrollment: Row = {
                "id": self._id(),
                "user_id": student["id"],
                "course_id": course.row["id"],
                "source": "free" if course.row["price_amount"] == 0 else "purchase",
                "status": "active",
                "progress_percent": progress,
                "completed_at": self._between(created, end, 0.3) if progress == 100 else None,
                "last_lesson_id": last,
                "created_at": created,
            }
            self.plan.enrollments.append(enrollment)
            if progress >= 15 and rng.random() < 0.22 + 0.36 * progress / 100:
                self._review(student, course, enrollment, end)

    def _review(self, student: Row, course: _PlannedCourse, enrollment: Row, end: datetime) -> None:
        rng, q = self.rng, course.quality
        weights = [max(0.5, w) for w in (3 - 2 * q, 4 - 2 * q, 10 - 4 * q, 30, 52 + 18 * q)]
        rating = rng.choices(range(1, 6), weights=weights)[0]
        english = course.spec.language == "en"
        fill = {
            "subject": course.spec.subject,
            "instructor_first": course.instructor["name"].split()[0],
            "student_first": student["name"].split()[0],
        }
        bodies = [b for b in REVIEW_BODIES[rating] if english or "{subject}" not in b]
        body = "" if rng.random() < 0.15 else rng.choice(bodies).format(**fill)
        reply = None
        if rng.random() < 0.2:
            replies = REPLIES_POSITIVE if rating >= 4 else REPLIES_CRITICAL
            reply = rng.choice([r for r in replies if english or "{subject}" not in r]).format(
                **fill
            )
        created = self._between(enrollment["created_at"], end, 0.35)
        self.plan.reviews.append(
            {
                "id": self._id(),
                "course_id": course.row["id"],
                "user_id": student["id"],
                "rating": rating,
                "body": body,
                "status": "visible",
                "reply": reply,
                "helpful_count": min(60, int(rng.expovariate(1 / 3))),
                "language": "en",
                "created_at": created,
                "updated_at": created,
            }
        )

    def _aggregate(self, course: _PlannedCourse) -> None:
        row = course.row
        enrollments = [e for e in self.plan.enrollments if e["course_id"] == row["id"]]
        ratings = [r["rating"] for r in self.plan.reviews if r["course_id"] == row["id"]]
        row["enrollment_count"] = len(enrollments)
        row["rating_count"] = len(ratings)
        row["rating_sum"] = sum(ratings)
        row["rating_avg"] = round(sum(ratings) / len(ratings), 2) if ratings else 0.0
        row["rating_histogram"] = {str(n): ratings.count(n) for n in range(1, 6)}


def _mentions(text: str, term: str) -> bool:
    """Whether a title names a term ("Dictionaries" names "dictionary", "KPIs" names "KPI")."""
    folded, key = slugify(text), slugify(term)
    if len(key) > 4:
        return re.search(rf"(?<![a-z0-9]){re.escape(key[:-1])}", folded) is not None
    return re.search(rf"(?<![a-z0-9]){re.escape(key)}s?(?![a-z0-9])", folded) is not None


def _lesson_terms(
    titles: Sequence[str],
    section_title: str,
    terms: Sequence[tuple[str, str]],
    used: set[str],
) -> list[tuple[str, str] | None]:
    """The key term each lesson teaches: one its title names (new ones first), else none.

    A section whose lessons name no term gives its first lesson the term the
    section's title names, if any. `used` collects the terms taught so far.
    """
    chosen: list[tuple[str, str] | None] = []
    for title in titles:
        named = [t for t in terms if _mentions(title, t[0])]
        fresh = [t for t in named if t[0] not in used]
        chosen.append((fresh or named)[0] if named else None)
    if titles and not any(chosen):
        named = [t for t in terms if _mentions(section_title, t[0])]
        chosen[0] = named[0] if named else None
    used.update(t[0] for t in chosen if t is not None)
    return chosen


def _style(locale: Locale, title: str, index: int) -> str:
    """The body template for a lesson: by title keywords in English, alternating otherwise."""
    styles = list(locale.bodies)
    if "intro" not in locale.bodies:
        return styles[index % len(styles)]
    lowered = f"{title.lower()} "
    for style, keywords in EN_STYLE_KEYWORDS:
        if any(k in lowered for k in keywords):
            return style
    return ("concept", "example")[index % 2]
