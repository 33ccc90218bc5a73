"""Simultaneous final progress writes: the course completes once, with one certificate."""

from __future__ import annotations

from functools import partial

from sqlalchemy import func, select

from syllabus.kit import queue
from syllabus.kit.outbox import OutboxMessage
from syllabus.kit.runtime import Runtime
from syllabus.learning import progress
from syllabus.learning.models import Certificate, Enrollment, LessonProgress
from tests.catalog.factories import actor_of, make_course, make_enrollment
from tests.factories import make_user
from tests.learning.helpers import lessons_of
from tests.support.races import all_at_once

# Two writers finish the last two lessons, and two more repeat the very last one.
RACERS = 4


def test_simultaneous_final_lessons_complete_the_course_once(committed_runtime: Runtime) -> None:
    rt = committed_runtime
    with rt.db.session_scope() as session:
        teacher = make_user(session, role="instructor")
        course = make_course(session, teacher, lessons=4, price=0)
        student = make_user(session, name="Ada Lovelace")
        enrollment_id = make_enrollment(session, student, course).id
        lesson_ids = [lesson.id for lesson in lessons_of(session, course)]
        actor = actor_of(student)
        student_id, course_id = student.id, course.id
    for lesson_id in lesson_ids[:2]:
        with rt.db.session_scope() as session:
            progress.record_progress(
                session, rt, actor, lesson_id, position_seconds=None, completed=True
            )
    targets = [lesson_ids[2], lesson_ids[3], lesson_ids[3], lesson_ids[3]]

    def finish(lesson_id: str) -> int:
        with rt.db.session_scope() as session:
            return progress.record_progress(
                session, rt, actor, lesson_id, position_seconds=None, completed=True
            ).percent

    outcomes = all_at_once([partial(finish, target) for target in targets])

    assert len(outcomes) == RACERS
    assert all(isinstance(value, int) for value in outcomes), outcomes
    assert max(outcomes) == 100
    queue.drain()
    with rt.db.session_scope() as session:
        row = session.get(Enrollment, enrollment_id)
        assert row is not None
        assert (row.completed_lessons, row.progress_percent) == (4, 100)
        assert row.completed_at is not None
        rows = session.scalar(
            select(func.count())
            .select_from(LessonProgress)
            .where(LessonProgress.enrollment_id == enrollment_id)
        )
        assert rows == 4, "one progress row per lesson, none doubled"
        issue_jobs = session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.task == "learning.issue_certificate")
        )
        assert issue_jobs == 1
        certificates = session.scalars(
            select(Certificate).where(Certificate.user_id == student_id)
        ).all()
        assert [c.course_id for c in certificates] == [course_id]
