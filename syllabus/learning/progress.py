"""Lesson progress: idempotent, order-independent writes and counters kept on write.

A write is a fixed number of statements whatever the course's size: the
lesson with its course, the enrollment (row-locked, so concurrent writes of
one student serialise), the lesson's progress row, an insert or update, and
only when a lesson becomes complete one indexed COUNT of that enrollment's
completed lessons. `enrollments.progress_percent`, `completed_lessons`,
`last_lesson_id` and `completed_at` are kept there; nothing scans the course.

Order independence: the stored position is the furthest one reported and
completion is sticky, so a late, older report changes nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row
from sqlalchemy.orm import Session

from syllabus.accounts.actor import Actor
from syllabus.kit.db import utcnow
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
    this lesson.
    """
    lesson, enrollment = enrolled_lesson(session, actor, lesson_id)
    now = utcnow()
    row = _progress_row(session, enrollment, lesson.id, now)
    if position_seconds is not None and position_seconds > row.position_seconds:
        row.position_seconds = position_seconds
    row.updated_at = now
    finish = bool(completed) and lesson.kind != "quiz"
    if lesson.kind == "video":
        percent = rt.settings.video_complete_percent
        finish = finish or is_video_complete(row.position_seconds, lesson.duration_seconds, percent)
    if finish and row.completed_at is None:
        _mark_complete(session, enrollment, row, lesson, now)
    enrollment.last_lesson_id, enrollment.last_activity_at = lesson.id, now
    session.flush()
    return _progress_out(
        enrollment,
        lesson.lesson_count,
        [
            LessonProgressOut(
                lesson_id=lesson.id,
                completed=row.completed_at is not None,
                position_seconds=row.position_seconds,
                completed_at=row.completed_at,
            )
        ],
    )


def complete_lesson(session: Session, enrollment: Enrollment, lesson: Row[Any]) -> bool:
    """Mark a lesson complete (a passed quiz); True if it just became complete.

    `lesson` is a `repository.lesson_context` row; the enrollment is locked.
    """
    now = utcnow()
    row = _progress_row(session, enrollment, lesson.id, now)
    row.updated_at = now
    just_completed = row.completed_at is None
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
    """GET /courses/{course}/progress: every lesson in order with its state and drip lock."""
    course = repo.course_for_enrollment(session, course_key)
    if course is None:
        raise CourseNotFound("No such course.")
    enrollment = repo.enrollment_of(session, actor.id, course.id)
    if enrollment is None or enrollment.status != "active":
        raise refusal(actor, status=course.status, instructor_id=course.instructor_id)
    states = {row.lesson_id: row for row in repo.progress_rows(session, enrollment.id)}
    lessons = repo.course_lessons(session, course.id)
    now = utcnow()
    items = []
    for lesson in lessons:
        state = states.get(lesson.id)
        opens = lesson_available_at(lesson.drip_days, lesson.drip_date, enrollment.created_at)
        items.append(
            LessonProgressOut(
                lesson_id=lesson.id,
                completed=state is not None and state.completed_at is not None,
                position_seconds=state.position_seconds if state else 0,
                completed_at=state.completed_at if state else None,
                available_at=opens,
                locked=opens is not None and opens > now,
            )
        )
    return _progress_out(enrollment, len(lessons), items)


def _progress_out(
    enrollment: Enrollment, lesson_count: int, lessons: list[LessonProgressOut]
) -> ProgressOut:
    return ProgressOut(
        course_id=enrollment.course_id,
        enrollment_id=enrollment.id,
        percent=enrollment.progress_percent,
        completed_lessons=enrollment.completed_lessons,
        lesson_count=lesson_count,
        completed_at=enrollment.completed_at,
        last_lesson_id=enrollment.last_lesson_id,
        lessons=lessons,
    )
