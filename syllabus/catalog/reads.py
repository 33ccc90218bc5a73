"""Hot read paths for courses: Core selects of just the needed columns, a fixed statement count.

A course detail as sent is two statements whatever the curriculum's size:
the course with its instructor and category, and the curriculum, which the
database itself renders as JSON (`curriculum_json`: sections in order, each
with its lessons in order), so 500 lessons cost about what 20 do; the bytes
are spliced into the response unparsed. Statements on the hot path are
built once, with bound parameters. Callers cache the results.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Select, String, TextClause, bindparam, func, or_, select, text
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


def course_key_filter(key: Any) -> Any:
    """`{course}` in a path is the id or the slug."""
    return or_(Course.id == key, Course.slug == key)


_FIND_COURSE = summary_select(*_DETAIL_COLUMNS).where(
    course_key_filter(bindparam("key", type_=String))
)


def find_course_row(conn: Connection, key: str) -> RowMapping | None:
    return conn.execute(_FIND_COURSE, {"key": key}).mappings().first()


# The curriculum as JSON, rendered by the database: [{id, title, position, lessons:
# [{id, title, kind, position, is_preview, duration_seconds}]}], both in curriculum order
# (position, then creation). On SQLite creation order is rowid order, which the
# (section_id, position) index already holds: the lessons come out sorted, unsorted.
_CURRICULUM_JSON: dict[str, TextClause] = {
    # Strings joined, not nested JSON values: SQLite would parse each section's
    # lessons again to nest them (json()), which costs as much as writing them.
    "sqlite": text(
        """
        SELECT '[' || coalesce(group_concat(section, ','), '') || ']' FROM (
            SELECT '{"id":' || json_quote(s.id) || ',"title":' || json_quote(s.title)
                || ',"position":' || s.position || ',"lessons":[' || coalesce((
                    SELECT group_concat(lesson, ',') FROM (
                        SELECT json_object(
                            'id', id, 'title', title, 'kind', kind, 'position', position,
                            'is_preview', CASE WHEN is_preview THEN json('true')
                                               ELSE json('false') END,
                            'duration_seconds', duration_seconds) AS lesson
                        FROM lessons WHERE section_id = s.id ORDER BY position, rowid)
                ), '') || ']}' AS section
            FROM sections AS s WHERE s.course_id = :course_id
            ORDER BY s.position, s.rowid
        )
        """
    ),
    "postgresql": text(
        """
        SELECT coalesce(json_agg(json_build_object(
            'id', s.id, 'title', s.title, 'position', s.position,
            'lessons', (
                SELECT coalesce(json_agg(json_build_object(
                    'id', l.id, 'title', l.title, 'kind', l.kind, 'position', l.position,
                    'is_preview', l.is_preview, 'duration_seconds', l.duration_seconds)
                    ORDER BY l.position, l.created_at), '[]'::json)
                FROM lessons AS l WHERE l.section_id = s.id
            )) ORDER BY s.position, s.created_at), '[]'::json)::text
        FROM sections AS s WHERE s.course_id = :course_id
        """
    ),
}


def curriculum_json(conn: Connection, course_id: str) -> bytes:
    """The course's curriculum (`SectionOutline` list) as JSON bytes, in one statement."""
    rendered = conn.execute(_CURRICULUM_JSON[conn.dialect.name], {"course_id": course_id})
    return str(rendered.scalar_one()).encode()


def course_detail_json(
    rt: Runtime, conn: Connection, row: RowMapping, *, review_note: bool
) -> bytes:
    """The `CourseDetail` of a `find_course_row` row as JSON bytes (the curriculum spliced
    in as the database rendered it); `review_note` False leaves the note out (null)."""
    summary = course_summary(rt, row)
    detail = CourseDetail(
        **dict(summary),
        description=row["description"],
        description_html=row["description_html"],
        outcomes=list(row["outcomes"] or []),
        requirements=list(row["requirements"] or []),
        audience=list(row["audience"] or []),
        tags=list(row["tags"] or []),
        has_certificate=row["has_certificate"],
        review_note=row["review_note"] if review_note else None,
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        curriculum=[],
    )
    document = detail.model_dump(mode="json")
    document["curriculum"] = orjson.Fragment(curriculum_json(conn, row["id"]))
    return orjson.dumps(document)


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


@dataclass(frozen=True)
class CourseCard:
    """What a student's course card shows besides the enrollment: picture and teacher."""

    thumbnail_url: str | None
    instructor_name: str


def course_cards(rt: Runtime, conn: Connection, course_ids: Sequence[str]) -> dict[str, CourseCard]:
    """Card facts of these courses, by id (one statement for any number)."""
    if not course_ids:
        return {}
    rows = conn.execute(
        select(Course.id, Course.thumbnail_key, User.name)
        .join(User, User.id == Course.instructor_id)
        .where(Course.id.in_(course_ids))
    ).all()
    return {row.id: CourseCard(_url(rt, row.thumbnail_key), row.name) for row in rows}


def lesson_titles(conn: Connection, lesson_ids: Sequence[str]) -> dict[str, tuple[str, str]]:
    """lesson id -> (its course id, its title), for these lessons (one statement)."""
    if not lesson_ids:
        return {}
    rows = conn.execute(
        select(Lesson.id, Lesson.course_id, Lesson.title).where(Lesson.id.in_(lesson_ids))
    ).all()
    return {row.id: (row.course_id, row.title) for row in rows}


def _url(rt: Runtime, key: str | None) -> str | None:
    return rt.storage.url(key, expires_in=THUMBNAIL_URL_TTL) if key else None
