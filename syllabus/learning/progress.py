"""Lesson progress: idempotent, order-independent writes and counters kept on write.

A progress write (`record_progress`) is three Core statements whatever the
course's size, and loads no ORM object: the lesson with its course and the
student's enrollment, row-locked (`FOR UPDATE OF enrollments`, so concurrent
writes of one student serialise; on SQLite the transaction's write lock does
it); one upsert of the lesson's progress row that keeps the furthest
position and decides completion in SQL; one update of the enrollment. Only
when the lesson has just become complete, one indexed COUNT of that
enrollment's completed lessons comes before the update. The transaction is
that short on purpose: SQLite writers queue on its one write lock.
`enrollments.progress_percent`, `completed_lessons`, `last_lesson_id` and
`completed_at` are kept there; nothing scans the course.

Order independence: the stored position is the furthest one reported and
completion is sticky, so a late, older report changes nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache
from typing import Any, cast

from sqlalchemy import (
    Boolean,
    Integer,
    Row,
    String,
    Table,
    and_,
    bindparam,
    case,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import ReturningInsert, ReturningUpdate

from syllabus.accounts.actor import Actor
from syllabus.analytics.record import record_lesson_progress
from syllabus.catalog.models import Course, Lesson, Section
from syllabus.kit.db import UTCDateTime, new_id, utcnow
from syllabus.kit.errors import AppError
from syllabus.kit.runtime import Runtime
from syllabus.learning import repository as repo
from syllabus.learning import tasks
from syllabus.learning.errors import CourseNotFound, LessonLocked, LessonNotFound, NotEnrolled
from syllabus.learning.models import Enrollment, LessonProgress
from syllabus.learning.schemas import LessonProgressOut, ProgressOut


def lesson_available_at(
    drip_days: int | None, drip_date: datetime | None, enrolled_at: datetime
) -> datetime | None:
    """When a drip-fed lesson opens for a student enrolled at `enrolled_at`; None: no rule."""
    if drip_days is not None:
        return enrolled_at + timedelta(days=drip_days)
    return drip_date


def is_video_complete(position_seconds: int, duration_seconds: int, percent: int) -> bool:
    """A video counts complete once `percent` of its duration has been watched."""
    return duration_seconds > 0 and position_seconds * 100 >= duration_seconds * percent


def refusal(actor: Actor, *, status: str, instructor_id: str) -> AppError:
    """Why a user without an active enrollment is turned away.

    403 `not_enrolled` where the course's existence is public (published)
    or the actor may see it anyway (owner, admin); 404 otherwise.
    """
    if status == "published" or actor.is_admin or actor.id == instructor_id:
        return NotEnrolled("Enroll in this course first.")
    return CourseNotFound("No such course.")


def enrolled_lesson(session: Session, actor: Actor, lesson_id: str) -> tuple[Row[Any], Enrollment]:
    """The lesson's context and the actor's active enrollment (locked), or the refusal.

    404 when the lesson does not exist or its course is unpublished and not
    the actor's to see; 403 `not_enrolled` otherwise without an active
    enrollment; 409 `lesson_locked` (with the date) while drip keeps it shut.
    """
    lesson = repo.lesson_context(session, lesson_id)
    if lesson is None:
        raise LessonNotFound("No such lesson.")
    enrollment = repo.enrollment_of(session, actor.id, lesson.course_id, for_update=True)
    if enrollment is None or enrollment.status != "active":
        raise refusal(actor, status=lesson.course_status, instructor_id=lesson.instructor_id)
    opens = lesson_available_at(lesson.drip_days, lesson.drip_date, enrollment.created_at)
    if opens is not None and opens > utcnow():
        raise LessonLocked(
            f"This lesson opens on {opens:%Y-%m-%d %H:%M} UTC ({opens.isoformat()})."
        )
    return lesson, enrollment


def _check_drip(row: Row[Any]) -> None:
    opens = lesson_available_at(row.drip_days, row.drip_date, row.enrolled_at)
    if opens is not None and opens > utcnow():
        raise LessonLocked(
            f"This lesson opens on {opens:%Y-%m-%d %H:%M} UTC ({opens.isoformat()})."
        )


@cache
def _locked_context() -> Any:
    """The lesson, its course and the user's enrollment, the enrollment row-locked."""
    return (
        select(
            *repo.LESSON_FACTS,
            Course.lesson_count,
            Course.has_certificate,
            Enrollment.id.label("enrollment_id"),
            Enrollment.status.label("enrollment_status"),
            Enrollment.created_at.label("enrolled_at"),
            Enrollment.completed_at.label("course_completed_at"),
        )
        .join(Course, Course.id == Lesson.course_id)
        .join(
            Enrollment,
            and_(
                Enrollment.course_id == Lesson.course_id,
                Enrollment.user_id == bindparam("user_id", type_=String),
            ),
        )
        .where(Lesson.id == bindparam("lesson_id", type_=String))
        .with_for_update(of=Enrollment.__table__)
    )


@cache
def _progress_upsert(dialect: str) -> ReturningInsert[Any]:
    """Insert the lesson's progress row or move it forward; completion is decided here.

    Parameters: the row's values, `finish` (completion asked for) and
    `video_seconds`/`percent` (the video rule; 0 seconds: no video rule).
    """
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = cast(Table, LessonProgress.__table__)
    statement = insert(table).values(
        id=bindparam("id", type_=String),
        enrollment_id=bindparam("enrollment_id", type_=String),
        lesson_id=bindparam("lesson_id", type_=String),
        position_seconds=bindparam("position_seconds", type_=Integer),
        completed_at=bindparam("completed_at", type_=UTCDateTime()),
        updated_at=bindparam("now", type_=UTCDateTime()),
    )
    furthest = case(
        (statement.excluded.position_seconds > table.c.position_seconds,
         statement.excluded.position_seconds),
        else_=table.c.position_seconds,
    )  # fmt: skip
    video_seconds = bindparam("video_seconds", type_=Integer)
    completes = or_(
        bindparam("finish", type_=Boolean),
        and_(video_seconds > 0, furthest * 100 >= video_seconds * bindparam("percent", Integer)),
    )
    return statement.on_conflict_do_update(
        index_elements=[table.c.enrollment_id, table.c.lesson_id],
        set_={
            "position_seconds": furthest,
            # Sticky: once complete, a later report keeps the first completion time.
            "completed_at": func.coalesce(
                table.c.completed_at, case((completes, statement.excluded.updated_at))
            ),
            "updated_at": statement.excluded.updated_at,
        },
    ).returning(table.c.position_seconds, table.c.completed_at, table.c.id)


@cache
def _enrollment_update(counters: bool) -> ReturningUpdate[Any]:
    """Touch the enrollment (last lesson and activity); with `counters`, also its counts."""
    table = cast(Table, Enrollment.__table__)
    values: dict[str, Any] = {
        "last_lesson_id": bindparam("lesson_id", type_=String),
        "last_activity_at": bindparam("now", type_=UTCDateTime()),
    }
    if counters:
        values["completed_lessons"] = bindparam("completed_lessons", type_=Integer)
        values["progress_percent"] = bindparam("progress_percent", type_=Integer)
        values["completed_at"] = func.coalesce(
            table.c.completed_at, bindparam("completed_at", type_=UTCDateTime())
        )
    return (
        update(table)
        .where(table.c.id == bindparam("enrollment_id", type_=String))
        .values(values)
        .returning(
            table.c.course_id,
            table.c.progress_percent,
            table.c.completed_lessons,
            table.c.completed_at,
            table.c.last_lesson_id,
        )
    )


def record_progress(
    session: Session,
    rt: Runtime,
    actor: Actor,
    lesson_id: str,
    *,
    position_seconds: int | None,
    completed: bool | None,
) -> ProgressOut:
    """PUT /lessons/{id}/progress: keep the furthest position; complete by rule or by request.

    Videos complete at `video_complete_percent` of their duration; any lesson
    but a quiz completes on `completed: true` (a quiz only by passing it).
    `completed: false` never un-completes. The result's `lessons` holds just
    this lesson. Refusals as `enrolled_lesson`.
    """
    conn = session.connection()
    ctx = conn.execute(_locked_context(), {"user_id": actor.id, "lesson_id": lesson_id}).first()
    if ctx is None or ctx.enrollment_status != "active":
        enrolled_lesson(session, actor, lesson_id)  # raises the refusal
        raise LessonNotFound("No such lesson.")  # pragma: no cover - enrolled_lesson raised
    _check_drip(ctx)

    now = utcnow()
    position = position_seconds or 0
    finish = bool(completed) and ctx.kind != "quiz"
    video_seconds = ctx.duration_seconds if ctx.kind == "video" else 0
    percent = rt.settings.video_complete_percent
    complete_now = finish or is_video_complete(position, video_seconds, percent)
    row_id = new_id()
    saved = conn.execute(
        _progress_upsert(conn.dialect.name),
        {
            "id": row_id,
            "enrollment_id": ctx.enrollment_id,
            "lesson_id": ctx.id,
            "position_seconds": position,
            "completed_at": now if complete_now else None,
            "now": now,
            "finish": finish,
            "video_seconds": video_seconds,
            "percent": percent,
        },
    ).one()
    # Under the enrollment's lock only this write can have set the time to `now`.
    just_completed = saved.completed_at == now
    record_lesson_progress(
        session,
        user_id=actor.id,
        course_id=ctx.course_id,
        lesson_id=ctx.id,
        started=saved.id == row_id,  # the upsert inserted: the first progress in this lesson
        completed=just_completed,
    )

    values: dict[str, Any] = {"enrollment_id": ctx.enrollment_id, "lesson_id": ctx.id, "now": now}
    finished_course = False
    if just_completed:
        done = repo.completed_count(session, ctx.enrollment_id)
        lesson_count = ctx.lesson_count
        finished_course = bool(lesson_count) and done >= lesson_count
        finished_course = finished_course and ctx.course_completed_at is None
        values.update(
            completed_lessons=done,
            progress_percent=min(100, done * 100 // lesson_count) if lesson_count else 0,
            completed_at=now if finished_course else None,
        )
    enrollment = conn.execute(_enrollment_update(just_completed), values).one()
    if finished_course and ctx.has_certificate:
        # Same transaction: the certificate is queued if, and only if, this commits.
        tasks.queue_certificate(session, ctx.enrollment_id)
    return ProgressOut(
        course_id=enrollment.course_id,
        enrollment_id=ctx.enrollment_id,
        percent=enrollment.progress_percent,
        completed_lessons=enrollment.completed_lessons,
        lesson_count=ctx.lesson_count,
        completed_at=enrollment.completed_at,
        last_lesson_id=enrollment.last_lesson_id,
        lessons=[
            LessonProgressOut(
                lesson_id=ctx.id,
                completed=saved.completed_at is not None,
                position_seconds=saved.position_seconds,
                completed_at=saved.completed_at,
            )
        ],
    )


def complete_lesson(session: Session, enrollment: Enrollment, lesson: Row[Any]) -> bool:
    """Mark a lesson complete (a passed quiz); True if it just became complete.

    `lesson` is a `repository.lesson_context` row; the enrollment is locked.
    """
    now = utcnow()
    row = _progress_row(session, enrollment, lesson.id, now)
    started = row in session.new
    row.updated_at = now
    just_completed = row.completed_at is None
    record_lesson_progress(
        session,
        user_id=enrollment.user_id,
        course_id=enrollment.course_id,
        lesson_id=lesson.id,
        started=started,
        completed=just_completed,
    )
    if just_completed:
        _mark_complete(session, enrollment, row, lesson, now)
    enrollment.last_lesson_id, enrollment.last_activity_at = lesson.id, now
    session.flush()
    return just_completed


def _progress_row(
    session: Session, enrollment: Enrollment, lesson_id: str, now: datetime
) -> LessonProgress:
    row = repo.progress_of(session, enrollment.id, lesson_id)
    if row is None:
        row = LessonProgress(
            enrollment_id=enrollment.id, lesson_id=lesson_id, position_seconds=0, updated_at=now
        )
        session.add(row)
    return row


def _mark_complete(
    session: Session, enrollment: Enrollment, row: LessonProgress, lesson: Row[Any], now: datetime
) -> None:
    row.completed_at = now
    session.flush()
    finished_course = update_counters(
        session, enrollment, lesson_count=lesson.lesson_count, now=now
    )
    if finished_course and lesson.has_certificate:
        # Same transaction: the certificate is queued if, and only if, this commits.
        tasks.queue_certificate(session, enrollment.id)


def update_counters(
    session: Session, enrollment: Enrollment, *, lesson_count: int, now: datetime
) -> bool:
    """Recount this enrollment's completed lessons (one indexed COUNT) and set the percent.

    The course is complete when every lesson is (quizzes complete only when
    passed); `completed_at` is set once and kept even if lessons are added
    later. True when this call completed the course.
    """
    done = repo.completed_count(session, enrollment.id)
    enrollment.completed_lessons = done
    enrollment.progress_percent = min(100, done * 100 // lesson_count) if lesson_count else 0
    if lesson_count and done >= lesson_count and enrollment.completed_at is None:
        enrollment.completed_at = now
        return True
    return False


def course_progress(session: Session, rt: Runtime, actor: Actor, course_key: str) -> ProgressOut:
    """GET /courses/{course}/progress: every lesson in order with its state and drip lock.

    Two statements whatever the course's size: the course with the actor's
    enrollment, then its lessons in curriculum order with their progress rows.
    """
    found = session.execute(
        select(
            Course.id,
            Course.status,
            Course.instructor_id,
            Enrollment.id.label("enrollment_id"),
            Enrollment.status.label("enrollment_status"),
            Enrollment.created_at.label("enrolled_at"),
            Enrollment.progress_percent,
            Enrollment.completed_lessons,
            Enrollment.completed_at,
            Enrollment.last_lesson_id,
        )
        .outerjoin(
            Enrollment, and_(Enrollment.course_id == Course.id, Enrollment.user_id == actor.id)
        )
        .where(or_(Course.id == course_key, Course.slug == course_key))
        .limit(1)
    ).first()
    if found is None:
        raise CourseNotFound("No such course.")
    if found.enrollment_status != "active":
        raise refusal(actor, status=found.status, instructor_id=found.instructor_id)
    state = LessonProgress.__table__.c
    lessons = session.execute(
        select(
            Lesson.id,
            Lesson.drip_days,
            Lesson.drip_date,
            state.position_seconds,
            state.completed_at,
        )
        .join(Section, Section.id == Lesson.section_id)
        .outerjoin(
            LessonProgress.__table__,
            and_(state.lesson_id == Lesson.id, state.enrollment_id == found.enrollment_id),
        )
        .where(Lesson.course_id == found.id)
        .order_by(Section.position, Section.created_at, Lesson.position, Lesson.created_at)
    ).all()
    now = utcnow()
    items = []
    for lesson in lessons:
        opens = lesson_available_at(lesson.drip_days, lesson.drip_date, found.enrolled_at)
        items.append(
            LessonProgressOut(
                lesson_id=lesson.id,
                completed=lesson.completed_at is not None,
                position_seconds=lesson.position_seconds or 0,
                completed_at=lesson.completed_at,
                available_at=opens,
                locked=opens is not None and opens > now,
            )
        )
    return ProgressOut(
        course_id=found.id,
        enrollment_id=found.enrollment_id,
        percent=found.progress_percent,
        completed_lessons=found.completed_lessons,
        lesson_count=len(lessons),
        completed_at=found.completed_at,
        last_lesson_id=found.last_lesson_id,
        lessons=items,
    )
