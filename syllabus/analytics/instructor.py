"""The instructor's dashboard: revenue and enrollments over time, earnings, ratings,
completion per course, and how many students reached each lesson.

Series and lesson reach come from the rollup; ratings, counts and
completion from indexed reads of the instructor's own courses.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from syllabus.accounts.actor import Actor
from syllabus.analytics import events
from syllabus.analytics.models import ALL, DailyMetric
from syllabus.analytics.rollup import ENROLLMENTS, REVENUE
from syllabus.analytics.schemas import (
    CourseStatsOut,
    DropoffOut,
    InstructorDashboardOut,
    LessonReachOut,
)
from syllabus.analytics.series import Period, series_for
from syllabus.analytics.views import series_out
from syllabus.catalog.authoring import owned_course
from syllabus.catalog.models import Course, Lesson, Section
from syllabus.commerce.earnings import instructor_earnings
from syllabus.kit.errors import Forbidden
from syllabus.kit.pagination import PageParams
from syllabus.learning.models import Enrollment


def dashboard(
    session: Session, actor: Actor, period: Period, now: datetime, tz: ZoneInfo
) -> InstructorDashboardOut:
    if not actor.is_instructor:
        raise Forbidden("Only instructors have a dashboard.", code="not_instructor")
    courses = session.execute(
        select(
            Course.id,
            Course.slug,
            Course.title,
            Course.status,
            Course.rating_avg,
            Course.rating_count,
            Course.enrollment_count,
        )
        .where(Course.instructor_id == actor.id)
        .order_by(Course.created_at.desc(), Course.id)
    ).all()
    ids = [course.id for course in courses]
    completed = _completed_by_course(session, ids)
    series = series_for(session, (REVENUE, ENROLLMENTS), period, now, tz, course_ids=ids)
    earnings = instructor_earnings(session, actor, period=period, page=PageParams(page_size=1))
    return InstructorDashboardOut(
        period=period,
        revenue=series_out(series[REVENUE]),
        enrollments=series_out(series[ENROLLMENTS]),
        earnings=earnings.totals,
        courses=[
            CourseStatsOut(
                id=course.id,
                slug=course.slug,
                title=course.title,
                status=course.status,
                rating_average=round(float(course.rating_avg), 2),
                rating_count=course.rating_count,
                enrollments=course.enrollment_count,
                completed=completed.get(course.id, 0),
                completion_percent=_percent(completed.get(course.id, 0), course.enrollment_count),
            )
            for course in courses
        ],
    )


def _completed_by_course(session: Session, course_ids: list[str]) -> dict[str, int]:
    """Active enrollments that completed, per course (the enrollments' course/status index)."""
    if not course_ids:
        return {}
    rows = session.execute(
        select(
            Enrollment.course_id,
            func.sum(case((Enrollment.completed_at.is_not(None), 1), else_=0)),
        )
        .where(Enrollment.course_id.in_(course_ids), Enrollment.status == "active")
        .group_by(Enrollment.course_id)
    ).all()
    return {course_id: int(done or 0) for course_id, done in rows}


def dropoff(session: Session, actor: Actor, course_key: str) -> DropoffOut:
    """Per lesson, in curriculum order: students who started and completed it (all time).

    The course's owner or an admin; anyone else gets the catalog's refusal.
    """
    if not actor.is_instructor:
        raise Forbidden("Only instructors have a dashboard.", code="not_instructor")
    course = owned_course(session, actor, course_key)
    lessons = session.execute(
        select(Lesson.id, Lesson.title, Section.title.label("section_title"))
        .join(Section, Section.id == Lesson.section_id)
        .where(Lesson.course_id == course.id)
        .order_by(Section.position, Section.id, Lesson.position, Lesson.id)
    ).all()
    reach: dict[tuple[str, str], int] = {}
    for metric, lesson_id, count in session.execute(
        select(DailyMetric.metric, DailyMetric.lesson_id, func.sum(DailyMetric.count))
        .where(
            DailyMetric.metric.in_((events.LESSON_STARTED, events.LESSON_COMPLETED)),
            DailyMetric.course_id == course.id,
            DailyMetric.lesson_id != ALL,
        )
        .group_by(DailyMetric.metric, DailyMetric.lesson_id)
    ).tuples():
        reach[(metric, lesson_id)] = int(count or 0)
    first = reach.get((events.LESSON_STARTED, lessons[0].id), 0) if lessons else 0
    return DropoffOut(
        course_id=course.id,
        title=course.title,
        lessons=[
            LessonReachOut(
                lesson_id=lesson.id,
                title=lesson.title,
                section_title=lesson.section_title,
                position=index,
                started=reach.get((events.LESSON_STARTED, lesson.id), 0),
                completed=reach.get((events.LESSON_COMPLETED, lesson.id), 0),
                percent_of_first=_percent(reach.get((events.LESSON_STARTED, lesson.id), 0), first),
            )
            for index, lesson in enumerate(lessons, start=1)
        ],
    )


def _percent(part: int, whole: int) -> int:
    return min(100, part * 100 // whole) if whole > 0 else 0
