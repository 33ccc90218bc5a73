"""Every learning query: enrollments, lesson progress, quiz attempts, certificates.

Writes on the hot path (progress) are a fixed number of statements: the
lesson with its course, the enrollment (locked), the lesson's progress row,
and on completion one indexed COUNT over that enrollment's progress rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from syllabus.accounts.models import User
from syllabus.catalog import reads
from syllabus.catalog.models import Course, Lesson, Quiz, QuizQuestion, Section
from syllabus.kit.db import new_id, utcnow
from syllabus.learning.models import Certificate, Enrollment, LessonProgress, QuizAttempt

# --- courses and lessons -----------------------------------------------------------------


def course_for_enrollment(session: Session, key: str) -> Row[Any] | None:
    """What enrolling needs to know of the course whose id or slug is `key`."""
    return session.execute(
        select(
            Course.id,
            Course.slug,
            Course.title,
            Course.status,
            Course.instructor_id,
            Course.price_amount,
            Course.currency,
        )
        .where(reads.course_key_filter(key))
        .limit(1)
    ).first()


# The lesson's columns a progress write or a quiz attempt decides by (kind, length, drip).
LESSON_FACTS = (
    Lesson.id,
    Lesson.course_id,
    Lesson.kind,
    Lesson.duration_seconds,
    Lesson.drip_days,
    Lesson.drip_date,
)


def lesson_context(session: Session, lesson_id: str) -> Row[Any] | None:
    """The lesson and the course facts a progress write or a quiz attempt needs (one statement)."""
    return session.execute(
        select(
            *LESSON_FACTS,
            Course.status.label("course_status"),
            Course.instructor_id,
            Course.lesson_count,
            Course.has_certificate,
        )
        .join(Course, Course.id == Lesson.course_id)
        .where(Lesson.id == lesson_id)
    ).first()


def course_lessons(session: Session, course_id: str) -> Sequence[Row[Any]]:
    """Every lesson of the course in curriculum order (section, then lesson position)."""
    return session.execute(
        select(Lesson.id, Lesson.kind, Lesson.drip_days, Lesson.drip_date)
        .join(Section, Section.id == Lesson.section_id)
        .where(Lesson.course_id == course_id)
        .order_by(Section.position, Section.created_at, Lesson.position, Lesson.created_at)
    ).all()


def user_by_id(session: Session, user_id: str) -> User | None:
    return session.get(User, user_id)


def user_name(session: Session, user_id: str) -> str:
    return str(session.scalar(select(User.name).where(User.id == user_id)) or "")


def adjust_enrollment_count(session: Session, course_id: str, delta: int) -> None:
    """Atomic `enrollment_count = enrollment_count + delta` (no read-modify-write race)."""
    session.execute(
        update(Course)
        .where(Course.id == course_id)
        .values(enrollment_count=Course.enrollment_count + delta),
        execution_options={"synchronize_session": False},
    )


# --- enrollments ---------------------------------------------------------------------------


def enrollment_of(
    session: Session, user_id: str, course_id: str, *, for_update: bool = False
) -> Enrollment | None:
    statement = select(Enrollment).where(
        Enrollment.user_id == user_id, Enrollment.course_id == course_id
    )
    if for_update:
        statement = statement.with_for_update().execution_options(populate_existing=True)
    return session.scalar(statement)


def insert_enrollment(session: Session, *, user_id: str, course_id: str, source: str) -> bool:
    """Insert unless the user already has an enrollment in the course; True when inserted.

    `ON CONFLICT DO NOTHING` makes two concurrent grants end with one row
    instead of an integrity error.
    """
    values = {
        "id": new_id(),
        "user_id": user_id,
        "course_id": course_id,
        "source": source,
        "status": "active",
        "progress_percent": 0,
        "completed_lessons": 0,
        "created_at": utcnow(),
    }
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(Enrollment).values(values).on_conflict_do_nothing()
    # RETURNING, not rowcount: an ORM-executed INSERT reports no rowcount on psycopg.
    return session.execute(statement.returning(Enrollment.id)).first() is not None


def my_enrollment_rows(
    session: Session, user_id: str, *, offset: int = 0, limit: int | None = None
) -> Sequence[Row[Any]]:
    """A user's active enrollments with their course, most recently active first."""
    last = func.coalesce(Enrollment.last_activity_at, Enrollment.created_at)
    statement = (
        select(
            Enrollment.id,
            Enrollment.status,
            Enrollment.source,
            Enrollment.progress_percent,
            Enrollment.completed_lessons,
            Enrollment.completed_at,
            Enrollment.last_lesson_id,
            Enrollment.last_activity_at,
            Enrollment.created_at,
            Course.id.label("course_id"),
            Course.slug.label("course_slug"),
            Course.title.label("course_title"),
        )
        .join(Course, Course.id == Enrollment.course_id)
        .where(Enrollment.user_id == user_id, Enrollment.status == "active")
        .order_by(last.desc(), Enrollment.id)
        .offset(offset)
        .limit(limit)
    )
    return session.execute(statement).all()


def count_my_enrollments(session: Session, user_id: str) -> int:
    statement = select(func.count()).where(
        Enrollment.user_id == user_id, Enrollment.status == "active"
    )
    return int(session.scalar(statement) or 0)


# --- lesson progress -------------------------------------------------------------------------


def progress_of(session: Session, enrollment_id: str, lesson_id: str) -> LessonProgress | None:
    return session.scalar(
        select(LessonProgress).where(
            LessonProgress.enrollment_id == enrollment_id, LessonProgress.lesson_id == lesson_id
        )
    )


def completed_count(session: Session, enrollment_id: str) -> int:
    """Completed lessons of one enrollment: an index range of at most the course's lessons."""
    return int(
        session.scalar(
            select(func.count()).where(
                LessonProgress.enrollment_id == enrollment_id,
                LessonProgress.completed_at.is_not(None),
            )
        )
        or 0
    )


def lesson_completed(session: Session, enrollment_id: str, lesson_id: str) -> bool:
    found = session.scalar(
        select(LessonProgress.completed_at).where(
            LessonProgress.enrollment_id == enrollment_id, LessonProgress.lesson_id == lesson_id
        )
    )
    return found is not None


def progress_rows(session: Session, enrollment_id: str) -> Sequence[Row[Any]]:
    return session.execute(
        select(
            LessonProgress.lesson_id,
            LessonProgress.position_seconds,
            LessonProgress.completed_at,
        ).where(LessonProgress.enrollment_id == enrollment_id)
    ).all()


# --- quizzes -----------------------------------------------------------------------------------


def quiz_of(session: Session, lesson_id: str) -> Quiz | None:
    return session.get(Quiz, lesson_id)


def questions_with_answers(session: Session, lesson_id: str) -> Sequence[Row[Any]]:
    return session.execute(
        select(
            QuizQuestion.id,
            QuizQuestion.kind,
            QuizQuestion.choices,
            QuizQuestion.answer,
            QuizQuestion.explanation,
        )
        .where(QuizQuestion.lesson_id == lesson_id)
        .order_by(QuizQuestion.position)
    ).all()


def attempts_used(session: Session, enrollment_id: str, lesson_id: str) -> int:
    top = session.scalar(
        select(func.max(QuizAttempt.number)).where(
            QuizAttempt.enrollment_id == enrollment_id, QuizAttempt.lesson_id == lesson_id
        )
    )
    return int(top or 0)


def attempts_of(session: Session, enrollment_id: str, lesson_id: str) -> list[QuizAttempt]:
    return list(
        session.scalars(
            select(QuizAttempt)
            .where(QuizAttempt.enrollment_id == enrollment_id, QuizAttempt.lesson_id == lesson_id)
            .order_by(QuizAttempt.number)
        )
    )


# --- certificates ------------------------------------------------------------------------------


def certificate_by_code(session: Session, code: str) -> Certificate | None:
    return session.scalar(select(Certificate).where(Certificate.code == code))


def certificate_of(session: Session, user_id: str, course_id: str) -> Certificate | None:
    mine = (Certificate.user_id == user_id, Certificate.course_id == course_id)
    return session.scalar(select(Certificate).where(*mine))


def certificates_of_user(
    session: Session, user_id: str, *, offset: int = 0, limit: int | None = None
) -> list[Certificate]:
    return list(
        session.scalars(
            select(Certificate)
            .where(Certificate.user_id == user_id)
            .order_by(Certificate.issued_at.desc(), Certificate.id)
            .offset(offset)
            .limit(limit)
        )
    )


def count_certificates(session: Session, user_id: str) -> int:
    return int(session.scalar(select(func.count()).where(Certificate.user_id == user_id)) or 0)


def enrollment_by_id(session: Session, enrollment_id: str) -> Enrollment | None:
    return session.get(Enrollment, enrollment_id)


def course_by_id(session: Session, course_id: str) -> Course | None:
    return session.get(Course, course_id)
