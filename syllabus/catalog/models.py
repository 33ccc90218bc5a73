"""Catalog tables: categories, courses, sections, lessons, quizzes and their questions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from syllabus.kit.db import Base, IdMixin, TimestampMixin, UTCDateTime

COURSE_STATUSES = ("draft", "in_review", "published", "unpublished", "archived")
LEVELS = ("all", "beginner", "intermediate", "expert")
LESSON_KINDS = ("video", "text", "quiz", "attachment", "live")
QUESTION_KINDS = ("single", "multiple", "true_false", "short")


class Category(IdMixin, Base):
    __tablename__ = "categories"

    parent_id: Mapped[str | None] = mapped_column(
        ForeignKey("categories.id", ondelete="RESTRICT"), nullable=True, index=True
    )
    slug: Mapped[str] = mapped_column(String(80), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(80), nullable=False)
    position: Mapped[int] = mapped_column(Integer, default=0, nullable=False)


class Course(IdMixin, TimestampMixin, Base):
    __tablename__ = "courses"
    __table_args__ = (
        # Every column a facet counts or a filter reads: filtered lists count the
        # catalog's facets from this index alone, never from the table's rows.
        Index(
            "ix_courses_facets",
            "status",
            "category_id",
            "level",
            "language",
            "price_amount",
            "currency",
            "rating_avg",
            "has_certificate",
        ),
        Index("ix_courses_status_price_amount", "status", "price_amount"),
        Index("ix_courses_promo_media_id", "promo_media_id"),
        CheckConstraint("price_amount >= 0", name="price_not_negative"),
        CheckConstraint("rating_count >= 0 AND enrollment_count >= 0", name="counts_not_negative"),
    )

    slug: Mapped[str] = mapped_column(String(140), unique=True, nullable=False)
    instructor_id: Mapped[str] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    title: Mapped[str] = mapped_column(String(120), nullable=False)
    subtitle: Mapped[str] = mapped_column(String(200), default="", nullable=False)
    description: Mapped[str] = mapped_column(Text, default="", nullable=False)
    description_html: Mapped[str] = mapped_column(Text, default="", nullable=False)
    category_id: Mapped[str | None] = mapped_column(ForeignKey("categories.id"), nullable=True)
    level: Mapped[str] = mapped_column(String(20), default="all", nullable=False, index=True)
    language: Mapped[str] = mapped_column(String(10), default="en", nullable=False, index=True)
    outcomes: Mapped[list[str]] = mapped_column(JSON, default=list, nullable=False)
    requirements: Mapped[list[str]] = mapped_column(JSON, default=list, nullable=False)
    audience: Mapped[list[str]] = mapped_column(JSON, default=list, nullable=False)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list, nullable=False)
    # Money in minor units; 0 means free.
    price_amount: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    currency: Mapped[str] = mapped_column(String(3), default="USD", nullable=False)
    list_price_amount: Mapped[int | None] = mapped_column(Integer, nullable=True)
    thumbnail_key: Mapped[str | None] = mapped_column(String(512), nullable=True)
    promo_media_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    has_certificate: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    is_featured: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    status: Mapped[str] = mapped_column(String(20), default="draft", nullable=False)
    review_note: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Aggregates maintained on write, never computed on a page view.
    rating_avg: Mapped[float] = mapped_column(default=0.0, nullable=False)
    rating_count: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    rating_sum: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    rating_histogram: Mapped[dict[str, int]] = mapped_column(JSON, default=dict, nullable=False)
    enrollment_count: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    lesson_count: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    duration_seconds: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    # Bumped by every write to the course or its curriculum: the cache key version.
    revision: Mapped[int] = mapped_column(Integer, default=1, nullable=False)


# One index per catalog sort, in the sort's own order down to the id tie-break,
# so a page of any size is read in index order without sorting (migration 0009).
Index("ix_courses_popular", Course.status, Course.enrollment_count.desc(),
      Course.rating_count.desc(), Course.id)  # fmt: skip
Index("ix_courses_top_rated", Course.status, Course.rating_avg.desc(),
      Course.rating_count.desc(), Course.id)  # fmt: skip
Index("ix_courses_newest", Course.status, Course.published_at.desc(), Course.id)


class CatalogFacetCount(Base):
    """Published courses per facet value, kept by database triggers on `courses`.

    The unfiltered catalog's facets and total read these few rows instead of
    counting the whole catalog. Keys: `level`, `language`, `category` (the
    course's own category id, '' for none), `price` and `rating` (the band
    values of `syllabus.catalog.public`). The triggers (migration 0009) compute
    the bands in SQL; a table rebuild of `courses` (a batch migration) must
    create them again.
    """

    __tablename__ = "catalog_facet_counts"

    facet: Mapped[str] = mapped_column(String(20), primary_key=True)
    value: Mapped[str] = mapped_column(String(40), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0, nullable=False)


class Section(IdMixin, TimestampMixin, Base):
    __tablename__ = "sections"
    __table_args__ = (Index("ix_sections_course_id_position", "course_id", "position"),)

    course_id: Mapped[str] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(120), nullable=False)
    position: Mapped[int] = mapped_column(Integer, default=0, nullable=False)


class Lesson(IdMixin, TimestampMixin, Base):
    __tablename__ = "lessons"
    __table_args__ = (
        Index("ix_lessons_section_id_position", "section_id", "position"),
        Index("ix_lessons_course_id", "course_id"),
        # A finished transcode updates the lessons showing that video.
        Index("ix_lessons_media_id", "media_id"),
    )

    section_id: Mapped[str] = mapped_column(ForeignKey("sections.id", ondelete="CASCADE"))
    # Denormalised so a course's whole curriculum is one indexed query.
    course_id: Mapped[str] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(120), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    position: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    is_preview: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    duration_seconds: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    body: Mapped[str] = mapped_column(Text, default="", nullable=False)
    body_html: Mapped[str] = mapped_column(Text, default="", nullable=False)
    media_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    # Drip: available N days after enrollment, or from a date (not both).
    drip_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    drip_date: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Quiz(TimestampMixin, Base):
    __tablename__ = "quizzes"

    lesson_id: Mapped[str] = mapped_column(
        ForeignKey("lessons.id", ondelete="CASCADE"), primary_key=True
    )
    pass_percent: Mapped[int] = mapped_column(Integer, default=70, nullable=False)
    # None: unlimited attempts.
    max_attempts: Mapped[int | None] = mapped_column(Integer, nullable=True)
    shuffle: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)


class QuizQuestion(IdMixin, Base):
    __tablename__ = "quiz_questions"
    __table_args__ = (Index("ix_quiz_questions_lesson_id_position", "lesson_id", "position"),)

    lesson_id: Mapped[str] = mapped_column(ForeignKey("quizzes.lesson_id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    prompt: Mapped[str] = mapped_column(Text, nullable=False)
    choices: Mapped[list[str]] = mapped_column(JSON, default=list, nullable=False)
    # single: int index; multiple: sorted list of indexes; true_false: bool;
    # short: list of accepted answers (compared case- and space-insensitively).
    answer: Mapped[Any] = mapped_column(JSON, nullable=False)
    explanation: Mapped[str] = mapped_column(Text, default="", nullable=False)
