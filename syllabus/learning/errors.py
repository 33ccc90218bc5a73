"""Learning refusals with the stable codes of API.md."""

from __future__ import annotations

from syllabus.catalog.errors import CourseNotFound, LessonNotFound, NotEnrolled
from syllabus.kit.errors import AppError, Conflict, NotFound

__all__ = [
    "AlreadyEnrolled",
    "CertificateNotFound",
    "CourseNotFound",
    "CourseNotPublished",
    "LessonLocked",
    "LessonNotFound",
    "MaxAttemptsReached",
    "NotAQuiz",
    "NotEnrolled",
    "PaymentRequired",
    "UserNotFound",
]


class PaymentRequired(AppError):
    code = "payment_required"
    status = 402
    title = "Payment required"


class AlreadyEnrolled(Conflict):
    code = "already_enrolled"
    title = "Already enrolled"


class CourseNotPublished(Conflict):
    code = "course_not_published"
    title = "Course not published"


class LessonLocked(Conflict):
    code = "lesson_locked"
    title = "Lesson locked"


class MaxAttemptsReached(Conflict):
    code = "max_attempts_reached"
    title = "No attempts left"


class NotAQuiz(NotFound):
    code = "quiz_not_found"
    title = "Quiz not found"


class CertificateNotFound(NotFound):
    code = "certificate_not_found"
    title = "Certificate not found"


class CertificateRevoked(Conflict):
    code = "certificate_revoked"
    title = "Certificate revoked"


class UserNotFound(NotFound):
    code = "user_not_found"
    title = "User not found"
