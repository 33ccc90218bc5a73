"""Live lesson tables: one session per live lesson, and who joined it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from syllabus.kit.db import Base, IdMixin, TimestampMixin, UTCDateTime

PROVIDERS = ("bbb", "jitsi")


class LiveSession(TimestampMixin, Base):
    """The schedule and provider state of one live lesson (created with the lesson)."""

    __tablename__ = "live_sessions"
    __table_args__ = (Index("ix_live_sessions_starts_at", "starts_at"),)

    lesson_id: Mapped[str] = mapped_column(
        ForeignKey("lessons.id", ondelete="CASCADE"), primary_key=True
    )
    course_id: Mapped[str] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), nullable=False, index=True
    )
    provider: Mapped[str] = mapped_column(String(10), nullable=False)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    duration_minutes: Mapped[int] = mapped_column(Integer, nullable=False)
    # Random, never derived from ids: the BBB meeting id or the Jitsi room name.
    room: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    recording_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    recordings_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # The start time each reminder went out for: a rescheduled session is reminded again.
    day_reminder_for: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    soon_reminder_for: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class LiveAttendance(IdMixin, Base):
    """One row per person per live lesson: when they first and last asked to join."""

    __tablename__ = "live_attendance"
    __table_args__ = (UniqueConstraint("lesson_id", "user_id"),)

    lesson_id: Mapped[str] = mapped_column(
        ForeignKey("live_sessions.lesson_id", ondelete="CASCADE"), nullable=False
    )
    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    role: Mapped[str] = mapped_column(String(12), nullable=False)
    first_joined_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    last_joined_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    join_count: Mapped[int] = mapped_column(Integer, default=1, nullable=False)
