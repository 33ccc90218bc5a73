"""Catalog authoring API: courses, sections, lessons, quizzes, review submission, content.

The public reads (GET /courses, /courses/{course}, /categories, ...) live in
courses_public.py. `{course}` is a course id or slug.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Response, UploadFile
from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session

from syllabus.api.deps import (
    CurrentActor,
    CurrentRuntime,
    DbSession,
    Pagination,
    ReadDbSession,
    RequireInstructor,
)
from syllabus.catalog import authoring, content, quizzes, reads, thumbnails, workflow
from syllabus.catalog.content import CurriculumOut, LessonOut
from syllabus.catalog.errors import CourseNotFound
from syllabus.catalog.quizzes import QuizOut
from syllabus.catalog.schemas import (
    CourseContent,
    CourseCreate,
    CourseDetail,
    CourseSummary,
    CourseUpdate,
    CurriculumOrder,
    LessonCreate,
    LessonUpdate,
    QuizIn,
    SectionIn,
    SectionOutline,
    SectionUpdate,
)
from syllabus.kit.pagination import Page
from syllabus.kit.runtime import Runtime

router = APIRouter(tags=["catalog"])


class MoveIn(BaseModel):
    """Keyboard fallback for drag and drop: one step up or down."""

    direction: Literal["up", "down"]

    model_config = ConfigDict(extra="forbid")


def course_detail_out(db: Session, rt: Runtime, course_id: str) -> CourseDetail:
    """The course as GET /courses/{course} shows it, including this request's changes."""
    db.flush()
    row = reads.find_course_row(db.connection(), course_id)
    if row is None:
        raise CourseNotFound("No such course.")
    return reads.course_detail(rt, db.connection(), row)


# --- courses -------------------------------------------------------------------------------


@router.post("/courses", status_code=201, response_model=CourseDetail)
def create_course(
    body: CourseCreate, db: DbSession, rt: CurrentRuntime, actor: RequireInstructor
) -> CourseDetail:
    course = authoring.create_course(db, rt, actor, body)
    return course_detail_out(db, rt, course.id)


@router.patch("/courses/{course}", response_model=CourseDetail)
def update_course(
    course: str, body: CourseUpdate, db: DbSession, rt: CurrentRuntime, actor: CurrentActor
) -> CourseDetail:
    updated = authoring.update_course(db, rt, actor, course, body)
    return course_detail_out(db, rt, updated.id)


@router.put("/courses/{course}/thumbnail", response_model=CourseDetail)
def set_thumbnail(
    course: str, file: UploadFile, db: DbSession, rt: CurrentRuntime, actor: CurrentActor
) -> CourseDetail:
    """JPEG, PNG or WEBP up to 5 MB, re-encoded to 750x422 without metadata."""
    updated = thumbnails.set_thumbnail(db, rt, actor, course, file.file)
    return course_detail_out(db, rt, updated.id)


@router.delete("/courses/{course}", status_code=204)
def delete_course(course: str, db: DbSession, rt: CurrentRuntime, actor: CurrentActor) -> Response:
    authoring.delete_course(db, rt, actor, course)
    return Response(status_code=204)


@router.post("/courses/{course}/submit", response_model=CourseDetail)
def submit_course(
    course: str, db: DbSession, rt: CurrentRuntime, actor: CurrentActor
) -> CourseDetail:
    return course_detail_out(db, rt, workflow.submit(db, rt, actor, course).id)


@router.post("/courses/{course}/unpublish", response_model=CourseDetail)
def unpublish_course(
    course: str, db: DbSession, rt: CurrentRuntime, actor: CurrentActor
) -> CourseDetail:
    return course_detail_out(db, rt, workflow.unpublish(db, rt, actor, course).id)


@router.post("/courses/{course}/archive", response_model=CourseDetail)
def archive_course(
    course: str, db: DbSession, rt: CurrentRuntime, actor: CurrentActor
) -> CourseDetail:
    return course_detail_out(db, rt, workflow.archive(db, rt, actor, course).id)


@router.get("/instructor/courses", response_model=Page[CourseSummary])
def my_courses(
    db: DbSession, rt: CurrentRuntime, actor: RequireInstructor, page: Pagination
) -> Page[CourseSummary]:
    return workflow.instructor_courses(db, rt, actor, page)


@router.get("/courses/{course}/content", response_model=CourseContent)
def course_content(
    course: str, db: ReadDbSession, rt: CurrentRuntime, actor: CurrentActor
) -> CourseContent:
    return content.course_content(db, rt, actor, course)


# --- curriculum ----------------------------------------------------------------------------


@router.put("/courses/{course}/curriculum", response_model=CurriculumOut)
def reorder_curriculum(
    course: str, body: CurriculumOrder, db: DbSession, rt: CurrentRuntime, actor: CurrentActor
) -> CurriculumOut:
    reordered = authoring.reorder_curriculum(db, rt, actor, course, body)
    return content.curriculum_out(db, reordered)


@router.post("/courses/{course}/sections", status_code=201, response_model=SectionOutline)
def add_section(
    course: str, body: SectionIn, db: DbSession, rt: CurrentRuntime, actor: CurrentActor
) -> SectionOutline:
    return content.section_out(db, authoring.add_section(db, rt, actor, course, body))


@router.patch("/sections/{section_id}", response_model=SectionOutline)
def update_section(
    section_id: str, body: SectionUpdate, db: DbSession, rt: CurrentRuntime, actor: CurrentActor
) -> SectionOutline:
    return content.section_out(db, authoring.update_section(db, rt, actor, section_id, body))


@router.delete("/sections/{section_id}", status_code=204)
def delete_section(
    section_id: str, db: DbSession, rt: CurrentRuntime, actor: CurrentActor
) -> Response:
    authoring.delete_section(db, rt, actor, section_id)
    return Response(status_code=204)


@router.post("/sections/{section_id}/move", response_model=CurriculumOut)
def move_section(
    section_id: str, body: MoveIn, db: DbSession, rt: CurrentRuntime, actor: CurrentActor
) -> CurriculumOut:
    course = authoring.move_section(db, rt, actor, section_id, body.direction)
    return content.curriculum_out(db, course)


@router.post("/sections/{section_id}/lessons", status_code=201, response_model=LessonOut)
def add_lesson(
    section_id: str, body: LessonCreate, db: DbSession, rt: CurrentRuntime, actor: CurrentActor
) -> LessonOut:
    return content.lesson_out(authoring.add_lesson(db, rt, actor, section_id, body))


@router.patch("/lessons/{lesson_id}", response_model=LessonOut)
def update_lesson(
    lesson_id: str, body: LessonUpdate, db: DbSession, rt: CurrentRuntime, actor: CurrentActor
) -> LessonOut:
    return content.lesson_out(authoring.update_lesson(db, rt, actor, lesson_id, body))


@router.delete("/lessons/{lesson_id}", status_code=204)
def delete_lesson(
    lesson_id: str, db: DbSession, rt: CurrentRuntime, actor: CurrentActor
) -> Response:
    authoring.delete_lesson(db, rt, actor, lesson_id)
    return Response(status_code=204)


@router.post("/lessons/{lesson_id}/move", response_model=CurriculumOut)
def move_lesson(
    lesson_id: str, body: MoveIn, db: DbSession, rt: CurrentRuntime, actor: CurrentActor
) -> CurriculumOut:
    course = authoring.move_lesson(db, rt, actor, lesson_id, body.direction)
    return content.curriculum_out(db, course)


@router.put("/lessons/{lesson_id}/quiz", response_model=QuizOut)
def set_quiz(
    lesson_id: str, body: QuizIn, db: DbSession, rt: CurrentRuntime, actor: CurrentActor
) -> QuizOut:
    return quizzes.quiz_out(db, quizzes.set_quiz(db, rt, actor, lesson_id, body))


@router.get("/lessons/{lesson_id}/quiz", response_model=QuizOut)
def get_quiz(lesson_id: str, db: DbSession, actor: CurrentActor) -> QuizOut:
    return quizzes.quiz_for_owner(db, actor, lesson_id)
