"""Lesson content: the author's view of lessons and curriculum, and the enrolled student's view.

`course_content` is a fixed number of statements whatever the curriculum's
size: the course, the access check, its sections, its lessons, its quizzes
and all their questions (never their answers or explanations).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Row
from sqlalchemy.orm import Session

from syllabus.accounts.actor import Actor
from syllabus.catalog import reads
from syllabus.catalog import repository as repo
from syllabus.catalog.errors import CourseNotFound, NotEnrolled
from syllabus.catalog.models import Course, Lesson, Section
from syllabus.catalog.schemas import (
    CourseContent,
    LessonContent,
    LessonKind,
    LessonOutline,
    SectionContent,
    SectionOutline,
)
from syllabus.kit.db import utcnow
from syllabus.kit.runtime import Runtime
from syllabus.learning import access


class LessonOut(BaseModel):
    """A lesson as its author sees it (POST /sections/{id}/lessons, PATCH /lessons/{id})."""

    id: str
    course_id: str
    section_id: str
    title: str
    kind: LessonKind
    position: int
    is_preview: bool
    duration_seconds: int
    body: str
    body_html: str
    media_id: str | None
    drip_days: int | None
    drip_date: datetime | None


class CurriculumOut(BaseModel):
    course_id: str
    sections: list[SectionOutline]


def lesson_out(lesson: Lesson) -> LessonOut:
    return LessonOut.model_validate(lesson, from_attributes=True)


def section_out(session: Session, section: Section) -> SectionOutline:
    lessons = [
        LessonOutline.model_validate(x, from_attributes=True)
        for x in repo.lessons_of_section(session, section.id)
    ]
    return SectionOutline(
        id=section.id, title=section.title, position=section.position, lessons=lessons
    )


def curriculum_out(session: Session, course: Course) -> CurriculumOut:
    session.flush()
    return CurriculumOut(
        course_id=course.id, sections=reads.load_curriculum(session.connection(), course.id)
    )


def course_content(session: Session, rt: Runtime, actor: Actor, course_key: str) -> CourseContent:
    """Full lessons for the owner, an admin or an actively enrolled student.

    Others get 403 `not_enrolled` on a published course (its existence is
    public) and 404 otherwise. Drip dates count from the enrollment; a lesson
    not yet available comes without its body, media or questions. The owner
    and admins see everything, with no `available_at`.
    """
    course = repo.course_head(session, course_key)
    if course is None:
        raise CourseNotFound("No such course.")
    if not access.can_read_content(
        session, actor, course_id=course.id, instructor_id=course.instructor_id
    ):
        if course.status == "published":
            raise NotEnrolled("Enroll in this course to open its lessons.")
        raise CourseNotFound("No such course.")
    enrolled_at: datetime | None = None
    if not (actor.is_admin or actor.id == course.instructor_id):
        enrollment = repo.active_enrollment(session, actor.id, course.id)
        if enrollment is None:  # revoked between the two statements
            raise NotEnrolled("Enroll in this course to open its lessons.")
        enrolled_at = enrollment.created_at

    sections = repo.content_sections(session, course.id)
    lessons = repo.content_lessons(session, course.id)
    quizzes = {q.lesson_id: q for q in repo.course_quizzes(session, course.id)}
    questions: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for question in repo.course_questions(session, course.id):
        questions[question.lesson_id].append(
            {
                "id": question.id,
                "position": question.position,
                "kind": question.kind,
                "prompt": question.prompt,
                "choices": list(question.choices or []),
            }
        )

    now = utcnow()
    by_section: dict[str, list[LessonContent]] = {s.id: [] for s in sections}
    for lesson in lessons:
        available_at = _available_at(lesson, enrolled_at)
        locked = available_at is not None and available_at > now
        quiz = quizzes.get(lesson.id)
        by_section.setdefault(lesson.section_id, []).append(
            LessonContent(
                id=lesson.id,
                title=lesson.title,
                kind=lesson.kind,
                position=lesson.position,
                is_preview=lesson.is_preview,
                duration_seconds=lesson.duration_seconds,
                body="" if locked else lesson.body,
                body_html="" if locked else lesson.body_html,
                media_id=None if locked else lesson.media_id,
                drip_days=lesson.drip_days,
                drip_date=lesson.drip_date,
                available_at=available_at,
                quiz=None
                if locked or quiz is None
                else {
                    "pass_percent": quiz.pass_percent,
                    "max_attempts": quiz.max_attempts,
                    "shuffle": quiz.shuffle,
                    "questions": questions.get(lesson.id, []),
                },
            )
        )
    return CourseContent(
        course_id=course.id,
        slug=course.slug,
        title=course.title,
        sections=[
            SectionContent(id=s.id, title=s.title, position=s.position, lessons=by_section[s.id])
            for s in sections
        ],
    )


def _available_at(lesson: Row[Any], enrolled_at: datetime | None) -> datetime | None:
    """When a drip-fed lesson opens for this student; None without a drip rule (or a student)."""
    if enrolled_at is None:
        return None
    if lesson.drip_days is not None:
        opens: datetime = enrolled_at + timedelta(days=lesson.drip_days)
        return opens
    drip_date: datetime | None = lesson.drip_date
    return drip_date
