"""Catalog refusals with the stable codes of API.md."""

from __future__ import annotations

from syllabus.kit.errors import AppError, Conflict, Forbidden, NotFound


class CourseNotFound(NotFound):
    code = "course_not_found"
    title = "Course not found"


class SectionNotFound(NotFound):
    code = "section_not_found"
    title = "Section not found"


class LessonNotFound(NotFound):
    code = "lesson_not_found"
    title = "Lesson not found"


class NotCourseOwner(Forbidden):
    code = "not_course_owner"
    title = "Not your course"


class NotEnrolled(Forbidden):
    code = "not_enrolled"
    title = "Not enrolled"


class InvalidTransition(Conflict):
    code = "invalid_status_transition"
    title = "Invalid status transition"


class CourseIncomplete(Conflict):
    code = "course_incomplete"
    title = "Course incomplete"


class HasEnrollments(Conflict):
    code = "has_enrollments"
    title = "Course has enrollments"


class NotAQuizLesson(Conflict):
    code = "not_quiz_lesson"
    title = "Not a quiz lesson"


class UnknownCategory(AppError):
    code = "unknown_category"
    status = 422
    title = "Unknown category"


class CurrencyMismatch(AppError):
    code = "currency_mismatch"
    status = 422
    title = "Currency mismatch"


class CurriculumMismatch(AppError):
    code = "curriculum_mismatch"
    status = 422
    title = "Curriculum mismatch"


class InvalidQuiz(AppError):
    code = "invalid_quiz"
    status = 422
    title = "Invalid quiz"
