"""Community tables: course reviews (one per student per course)."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from syllabus.kit.db import Base, IdMixin, TimestampMixin


class Review(IdMixin, TimestampMixin, Base):
    __tablename__ = "reviews"
    __table_args__ = (
        UniqueConstraint("course_id", "user_id"),
        Index("ix_reviews_course_id_created_at", "course_id", "created_at"),
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),
    )

    course_id: Mapped[str] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), nullable=False
    )
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    rating: Mapped[int] = mapped_column(Integer, nullable=False)
    body: Mapped[str] = mapped_column(Text, default="", nullable=False)
    # visible, or hidden by an admin (abuse): hidden reviews leave the aggregates.
    status: Mapped[str] = mapped_column(String(20), default="visible", nullable=False)
    reply: Mapped[str | None] = mapped_column(Text, nullable=True)
    helpful_count: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    language: Mapped[str] = mapped_column(String(10), default="en", nullable=False)
