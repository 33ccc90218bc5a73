"""Learning tables: who is enrolled in what, and how far they got."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from syllabus.kit.db import Base, IdMixin, UTCDateTime, utcnow

ENROLLMENT_SOURCES = ("purchase", "free", "admin", "coupon")


class Enrollment(IdMixin, Base):
    __tablename__ = "enrollments"
    __table_args__ = (
        UniqueConstraint("user_id", "course_id"),
        Index("ix_enrollments_course_id_status", "course_id", "status"),
    )

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    course_id: Mapped[str] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), nullable=False
    )
    source: Mapped[str] = mapped_column(String(20), nullable=False)
    # active, or revoked (refund, admin): a revoked enrollment grants nothing.
    status: Mapped[str] = mapped_column(String(20), default="active", nullable=False)
    progress_percent: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_lesson_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    # Number of completed lessons (kept on write, with progress_percent) and the last activity.
    completed_lessons: Mapped[int] = mapped_column(
        Integer, default=0, server_default="0", nullable=False
    )
    last_activity_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class LessonProgress(IdMixin, Base):
    """One student's state in one lesson; writes only ever move it forward.

    `position_seconds` keeps the furthest position reported, so a late,
    older report never overwrites a newer one; `completed_at` is sticky.
    """

    __tablename__ = "lesson_progress"
    __table_args__ = (
        UniqueConstraint("enrollment_id", "lesson_id"),
        Index("ix_lesson_progress_enrollment_id_completed_at", "enrollment_id", "completed_at"),
    )

    enrollment_id: Mapped[str] = mapped_column(
        ForeignKey("enrollments.id", ondelete="CASCADE"), nullable=False
    )
    lesson_id: Mapped[str] = mapped_column(
        ForeignKey("lessons.id", ondelete="CASCADE"), nullable=False, index=True
    )
    position_seconds: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class QuizAttempt(IdMixin, Base):
    """One graded submission of a quiz; `number` counts from 1 per enrollment and quiz."""

    __tablename__ = "quiz_attempts"
    __table_args__ = (UniqueConstraint("enrollment_id", "lesson_id", "number"),)

    enrollment_id: Mapped[str] = mapped_column(
        ForeignKey("enrollments.id", ondelete="CASCADE"), nullable=False
    )
    lesson_id: Mapped[str] = mapped_column(
        ForeignKey("lessons.id", ondelete="CASCADE"), nullable=False, index=True
    )
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    # Per question id: whether the answer was right.
    results: Mapped[dict[str, bool]] = mapped_column(JSON, default=dict, nullable=False)
    score_percent: Mapped[int] = mapped_column(Integer, nullable=False)
    passed: Mapped[bool] = mapped_column(Boolean, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class Certificate(IdMixin, Base):
    """Proof of completion; `code` is public and unguessable, names are frozen at issue."""

    __tablename__ = "certificates"
    __table_args__ = (UniqueConstraint("user_id", "course_id"),)

    code: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    course_id: Mapped[str] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), nullable=False, index=True
    )
    student_name: Mapped[str] = mapped_column(String(200), nullable=False)
    course_title: Mapped[str] = mapped_column(String(200), nullable=False)
    instructor_name: Mapped[str] = mapped_column(String(200), nullable=False)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    # Set once the rendering job has stored the PDF.
    pdf_key: Mapped[str | None] = mapped_column(String(512), nullable=True)
    # A revoked certificate still verifies as "revoked" (with the reason), never as valid.
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    revoked_reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
