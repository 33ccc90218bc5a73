"""Learning shapes in and out (API.md: enrollment, progress, certificate)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

MAX_POSITION_SECONDS = 7 * 24 * 3600
MAX_ANSWERS = 500


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- in ----------------------------------------------------------------------------------


class ProgressIn(StrictModel):
    """PUT /lessons/{id}/progress: the player's position and/or "mark complete"."""

    position_seconds: int | None = Field(None, ge=0, le=MAX_POSITION_SECONDS)
    completed: bool | None = None


class AttemptIn(StrictModel):
    """POST /quizzes/{lesson_id}/attempts: an answer per question id (unanswered: wrong)."""

    answers: dict[str, Any] = Field(default_factory=dict, max_length=MAX_ANSWERS)


class AdminEnrollIn(StrictModel):
    user_id: str = Field(min_length=1, max_length=36)
    course_id: str = Field(min_length=1, max_length=140)


# --- out ---------------------------------------------------------------------------------


class CourseRef(BaseModel):
    id: str
    slug: str
    title: str


class EnrollmentOut(BaseModel):
    id: str
    course: CourseRef
    status: str
    source: str
    progress_percent: int
    completed_lessons: int
    completed_at: datetime | None
    last_lesson_id: str | None
    last_activity_at: datetime | None
    created_at: datetime


class LessonProgressOut(BaseModel):
    lesson_id: str
    completed: bool
    position_seconds: int
    completed_at: datetime | None = None
    # Drip: when the lesson opens for this student (None: no drip rule); `locked` until then.
    available_at: datetime | None = None
    locked: bool = False


class ProgressOut(BaseModel):
    """A student's progress in a course.

    From GET /courses/{course}/progress `lessons` holds every lesson of the
    course in curriculum order; from PUT /lessons/{id}/progress it holds just
    the lesson written (the write never reads the whole course).
    """

    course_id: str
    enrollment_id: str
    percent: int
    completed_lessons: int
    lesson_count: int
    completed_at: datetime | None
    last_lesson_id: str | None
    lessons: list[LessonProgressOut]


class QuestionResult(BaseModel):
    """One graded question: shown only after a submission, with the right answer."""

    question_id: str
    correct: bool
    given: Any = None
    answer: Any
    explanation: str


class AttemptResult(BaseModel):
    id: str
    lesson_id: str
    number: int
    score_percent: int
    passed: bool
    pass_percent: int
    # question id -> whether the answer was right.
    correct: dict[str, bool]
    questions: list[QuestionResult]
    attempts_used: int
    # None: unlimited.
    attempts_left: int | None
    lesson_completed: bool
    course_percent: int
    created_at: datetime


class AttemptOut(BaseModel):
    """A past attempt as listed to its student (no answers, so it cannot leak a key)."""

    id: str
    number: int
    score_percent: int
    passed: bool
    created_at: datetime


class CertificateOut(BaseModel):
    """A certificate; also the public verification shape (GET /certificates/{code})."""

    code: str
    student_name: str
    course_title: str
    instructor_name: str
    course_id: str
    issued_at: datetime
    # None until the rendering job has stored the PDF, and once revoked.
    pdf_url: str | None
    verify_url: str
    # "valid", or "revoked" (an admin withdrew it; it no longer proves anything).
    status: Literal["valid", "revoked"] = "valid"
    revoked_at: datetime | None = None


class RevokeCertificateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=3, max_length=500)
