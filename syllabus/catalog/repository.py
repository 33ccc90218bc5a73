"""Every catalog query the authoring, workflow, quiz and content services use."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, delete, func, select
from sqlalchemy.engine import Connection, RowMapping
from sqlalchemy.orm import Session

from syllabus.accounts.models import User
from syllabus.catalog import reads
from syllabus.catalog.models import Category, Course, Lesson, Quiz, QuizQuestion, Section
from syllabus.learning.models import Enrollment

# --- courses -----------------------------------------------------------------------------


def course_by_key(session: Session, key: str, *, for_update: bool = False) -> Course | None:
    """The course whose id or slug is `key`; `for_update` locks its row until the commit."""
    statement = select(Course).where(reads.course_key_filter(key)).limit(1)
    if for_update:
        statement = statement.with_for_update().execution_options(populate_existing=True)
    return session.scalar(statement)


def course_by_id(session: Session, course_id: str, *, for_update: bool = False) -> Course | None:
    if for_update:
        return session.get(Course, course_id, with_for_update=True, populate_existing=True)
    return session.get(Course, course_id)


def slug_taken(session: Session, slug: str) -> bool:
    return session.scalar(select(Course.id).where(Course.slug == slug).limit(1)) is not None


def category_exists(session: Session, category_id: str) -> bool:
    found = select(Category.id).where(Category.id == category_id).limit(1)
    return session.scalar(found) is not None


def enrollment_count(session: Session, course_id: str) -> int:
    """Enrollments of any status: revoked ones still hold orders and history."""
    statement = select(func.count()).where(Enrollment.course_id == course_id)
    return int(session.scalar(statement) or 0)


def user_by_id(session: Session, user_id: str) -> User | None:
    return session.get(User, user_id)


def lesson_totals(session: Session, course_id: str) -> tuple[int, int]:
    """(number of lessons, their total duration in seconds) of a course."""
    row = session.execute(
        select(func.count(Lesson.id), func.coalesce(func.sum(Lesson.duration_seconds), 0)).where(
            Lesson.course_id == course_id
        )
    ).one()
    return int(row[0]), int(row[1])


def courses_page(
    conn: Connection,
    *,
    instructor_id: str | None = None,
    status: str | None = None,
    oldest_first: bool = False,
    offset: int,
    limit: int,
) -> tuple[Sequence[RowMapping], int]:
    """A page of course summary rows (any status) and the total matching."""
    statement = reads.summary_select()
    conditions: list[ColumnElement[bool]] = []
    if instructor_id is not None:
        conditions.append(Course.instructor_id == instructor_id)
    if status is not None:
        conditions.append(Course.status == status)
    if conditions:
        statement = statement.where(*conditions)
    if oldest_first:
        order: tuple[Any, ...] = (
            func.coalesce(Course.submitted_at, Course.created_at).asc(),
            Course.id,
        )
    else:
        order = (Course.updated_at.desc(), Course.id)
    total = reads.count_of(conn, statement)
    rows = conn.execute(statement.order_by(*order).offset(offset).limit(limit)).mappings().all()
    return rows, total


# --- curriculum ----------------------------------------------------------------------------


def section_by_id(session: Session, section_id: str) -> Section | None:
    return session.get(Section, section_id)


def lesson_by_id(session: Session, lesson_id: str) -> Lesson | None:
    return session.get(Lesson, lesson_id)


def sections_of(session: Session, course_id: str) -> list[Section]:
    return list(
        session.scalars(
            select(Section)
            .where(Section.course_id == course_id)
            .order_by(Section.position, Section.created_at, Section.id)
        )
    )


def lessons_of(session: Session, course_id: str) -> list[Lesson]:
    """Every lesson of the course, in order within each section."""
    return list(
        session.scalars(
            select(Lesson)
            .where(Lesson.course_id == course_id)
            .order_by(Lesson.position, Lesson.created_at, Lesson.id)
        )
    )


def lessons_of_section(session: Session, section_id: str) -> list[Lesson]:
    return list(
        session.scalars(
            select(Lesson)
            .where(Lesson.section_id == section_id)
            .order_by(Lesson.position, Lesson.created_at, Lesson.id)
        )
    )


def next_section_position(session: Session, course_id: str) -> int:
    top = session.scalar(select(func.max(Section.position)).where(Section.course_id == course_id))
    return 0 if top is None else int(top) + 1


def next_lesson_position(session: Session, section_id: str) -> int:
    top = session.scalar(select(func.max(Lesson.position)).where(Lesson.section_id == section_id))
    return 0 if top is None else int(top) + 1


def delete_lessons_of_section(session: Session, section_id: str) -> None:
    session.execute(
        delete(Lesson).where(Lesson.section_id == section_id),
        execution_options={"synchronize_session": False},
    )


# --- quizzes --------------------------------------------------------------------------------


def quiz_of(session: Session, lesson_id: str) -> Quiz | None:
    return session.get(Quiz, lesson_id)


def questions_of(session: Session, lesson_id: str) -> list[QuizQuestion]:
    return list(
        session.scalars(
            select(QuizQuestion)
            .where(QuizQuestion.lesson_id == lesson_id)
            .order_by(QuizQuestion.position)
        )
    )


def delete_questions(session: Session, lesson_id: str) -> None:
    session.execute(
        delete(QuizQuestion).where(QuizQuestion.lesson_id == lesson_id),
        execution_options={"synchronize_session": False},
    )


# --- content (Core rows: one statement each, whatever the curriculum's size) --------------


def course_head(session: Session, key: str) -> Row[Any] | None:
    """Just what an access decision needs: id, slug, title, status, owner."""
    return session.execute(
        select(Course.id, Course.slug, Course.title, Course.status, Course.instructor_id)
        .where(reads.course_key_filter(key))
        .limit(1)
    ).first()


def active_enrollment(session: Session, user_id: str, course_id: str) -> Row[Any] | None:
    return session.execute(
        select(Enrollment.id, Enrollment.created_at).where(
            Enrollment.user_id == user_id,
            Enrollment.course_id == course_id,
            Enrollment.status == "active",
        )
    ).first()


def content_sections(session: Session, course_id: str) -> Sequence[Row[Any]]:
    return session.execute(
        select(Section.id, Section.title, Section.position)
        .where(Section.course_id == course_id)
        .order_by(Section.position, Section.created_at, Section.id)
    ).all()


def content_lessons(session: Session, course_id: str) -> Sequence[Row[Any]]:
    return session.execute(
        select(
            Lesson.id,
            Lesson.section_id,
            Lesson.title,
            Lesson.kind,
            Lesson.position,
            Lesson.is_preview,
            Lesson.duration_seconds,
            Lesson.body,
            Lesson.body_html,
            Lesson.media_id,
            Lesson.drip_days,
            Lesson.drip_date,
        )
        .where(Lesson.course_id == course_id)
        .order_by(Lesson.position, Lesson.created_at, Lesson.id)
    ).all()


def course_quizzes(session: Session, course_id: str) -> Sequence[Row[Any]]:
    return session.execute(
        select(Quiz.lesson_id, Quiz.pass_percent, Quiz.max_attempts, Quiz.shuffle)
        .join(Lesson, Lesson.id == Quiz.lesson_id)
        .where(Lesson.course_id == course_id)
    ).all()


def course_questions(session: Session, course_id: str) -> Sequence[Row[Any]]:
    """Questions of every quiz in the course, without answers or explanations."""
    return session.execute(
        select(
            QuizQuestion.id,
            QuizQuestion.lesson_id,
            QuizQuestion.position,
            QuizQuestion.kind,
            QuizQuestion.prompt,
            QuizQuestion.choices,
        )
        .join(Lesson, Lesson.id == QuizQuestion.lesson_id)
        .where(Lesson.course_id == course_id)
        .order_by(QuizQuestion.lesson_id, QuizQuestion.position)
    ).all()


# --- review state of a page of courses (one statement, not one per row) -------------------


def review_states(
    session: Session, course_ids: Sequence[str]
) -> dict[str, tuple[datetime | None, str | None]]:
    """`{course_id: (submitted_at, review_note)}` of the given courses; missing ids are left out."""
    if not course_ids:
        return {}
    rows = session.execute(
        select(Course.id, Course.submitted_at, Course.review_note).where(
            Course.id.in_(list(course_ids))
        )
    ).all()
    return {row.id: (row.submitted_at, row.review_note) for row in rows}
