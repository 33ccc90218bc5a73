"""Hot read paths for courses: Core selects of just the needed columns, a fixed statement count.

A course detail is three statements whatever the curriculum's size (course
with instructor and category, its sections, its lessons); a page of
courses is two (the page and its total). Callers cache the results.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.engine import Connection, RowMapping

from syllabus.accounts.models import User
from syllabus.catalog.models import Category, Course, Lesson, Section
from syllabus.catalog.schemas import (
    CategoryOut,
    CourseDetail,
    CourseSummary,
    InstructorOut,
    LessonOutline,
    Money,
    RatingOut,
    SectionOutline,
)
from syllabus.kit.runtime import Runtime

THUMBNAIL_URL_TTL = 7 * 24 * 3600

_SUMMARY_COLUMNS = (
    Course.id,
    Course.slug,
    Course.title,
    Course.subtitle,
    Course.status,
    Course.price_amount,
    Course.currency,
    Course.list_price_amount,
    Course.level,
    Course.language,
    Course.category_id,
    Course.instructor_id,
    Course.rating_avg,
    Course.rating_count,
    Course.rating_histogram,
    Course.enrollment_count,
    Course.lesson_count,
    Course.duration_seconds,
    Course.thumbnail_key,
    Course.published_at,
    Course.revision,
    User.name.label("instructor_name"),
    User.headline.label("instructor_headline"),
    User.avatar_key.label("instructor_avatar_key"),
    Category.slug.label("category_slug"),
    Category.name.label("category_name"),
    Category.parent_id.label("category_parent_id"),
)

_DETAIL_COLUMNS = (
    *_SUMMARY_COLUMNS,
    Course.description,
    Course.description_html,
    Course.outcomes,
    Course.requirements,
    Course.audience,
    Course.tags,
    Course.has_certificate,
    Course.review_note,
    Course.created_at,
    Course.updated_at,
)


def summary_select(*columns: Any) -> Select[Any]:
    """Courses joined with their instructor and category; add filters and order."""
    return (
        select(*(columns or _SUMMARY_COLUMNS))
        .join(User, User.id == Course.instructor_id)
        .outerjoin(Category, Category.id == Course.category_id)
    )


def course_key_filter(key: str) -> Any:
    """`{course}` in a path is the id or the slug."""
    return or_(Course.id == key, Course.slug == key)


def find_course_row(conn: Connection, key: str) -> RowMapping | None:
    row = conn.execute(summary_select(*_DETAIL_COLUMNS).where(course_key_filter(key))).mappings()
    return row.first()


def load_curriculum(conn: Connection, course_id: str) -> list[SectionOutline]:
    sections = conn.execute(
        select(Section.id, Section.title, Section.position)
        .where(Section.course_id == course_id)
        .order_by(Section.position, Section.created_at)
    ).all()
    lessons = conn.execute(
        select(
            Lesson.id,
            Lesson.section_id,
            Lesson.title,
            Lesson.kind,
            Lesson.position,
            Lesson.is_preview,
            Lesson.duration_seconds,
        )
        .where(Lesson.course_id == course_id)
        .order_by(Lesson.position, Lesson.created_at)
    ).all()
    by_section: dict[str, list[LessonOutline]] = {s.id: [] for s in sections}
    for lesson in lessons:
        by_section.setdefault(lesson.section_id, []).append(
            LessonOutline(
                id=lesson.id,
                title=lesson.title,
                kind=lesson.kind,
                position=lesson.position,
                is_preview=lesson.is_preview,
                duration_seconds=lesson.duration_seconds,
            )
        )
    return [
        SectionOutline(id=s.id, title=s.title, position=s.position, lessons=by_section[s.id])
        for s in sections
    ]


def course_detail(rt: Runtime, conn: Connection, row: RowMapping) -> CourseDetail:
    summary = course_summary(rt, row)
    return CourseDetail(
        **summary.model_dump(),
        description=row["description"],
        description_html=row["description_html"],
        outcomes=list(row["outcomes"] or []),
        requirements=list(row["requirements"] or []),
        audience=list(row["audience"] or []),
        tags=list(row["tags"] or []),
        has_certificate=row["has_certificate"],
        review_note=row["review_note"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        curriculum=load_curriculum(conn, row["id"]),
    )


def course_summary(rt: Runtime, row: RowMapping) -> CourseSummary:
    currency = row["currency"]
    list_amount = row["list_price_amount"]
    category = None
    if row["category_id"]:
        category = CategoryOut(
            id=row["category_id"],
            slug=row["category_slug"],
            name=row["category_name"],
            parent_id=row["category_parent_id"],
        )
    return CourseSummary(
        id=row["id"],
        slug=row["slug"],
        title=row["title"],
        subtitle=row["subtitle"],
        status=row["status"],
        price=Money(amount=row["price_amount"], currency=currency),
        list_price=(
            Money(amount=list_amount, currency=currency)
            if list_amount is not None and list_amount > row["price_amount"]
            else None
        ),
        level=row["level"],
        language=row["language"],
        category=category,
        instructor=InstructorOut(
            id=row["instructor_id"],
            name=row["instructor_name"],
            headline=row["instructor_headline"],
            avatar_url=_url(rt, row["instructor_avatar_key"]),
        ),
        rating=RatingOut(
            average=round(float(row["rating_avg"]), 2),
            count=row["rating_count"],
            distribution={str(k): int(v) for k, v in (row["rating_histogram"] or {}).items()},
        ),
        enrollment_count=row["enrollment_count"],
        lesson_count=row["lesson_count"],
        duration_seconds=row["duration_seconds"],
        thumbnail_url=_url(rt, row["thumbnail_key"]),
        published_at=row["published_at"],
    )


def course_summaries(rt: Runtime, rows: Sequence[RowMapping]) -> list[CourseSummary]:
    return [course_summary(rt, row) for row in rows]


def count_of(conn: Connection, statement: Select[Any]) -> int:
    total = conn.execute(select(func.count()).select_from(statement.order_by(None).subquery()))
    return int(total.scalar_one())


def category_tree(conn: Connection) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(Category.id, Category.slug, Category.name, Category.parent_id).order_by(
            Category.position, Category.name
        )
    ).all()
    tops = [dict(r._mapping, children=[]) for r in rows if r.parent_id is None]
    by_id = {t["id"]: t for t in tops}
    for r in rows:
        if r.parent_id is not None and r.parent_id in by_id:
            by_id[r.parent_id]["children"].append(dict(r._mapping))
    return tops


def _url(rt: Runtime, key: str | None) -> str | None:
    return rt.storage.url(key, expires_in=THUMBNAIL_URL_TTL) if key else None
