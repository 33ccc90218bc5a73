"""Community tables: reviews and their helpful votes, lesson Q&A, direct messages, announcements."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from syllabus.kit.db import Base, IdMixin, TimestampMixin, UTCDateTime, utcnow

# A post (review, question, answer) is visible, or hidden by a moderator.
VISIBLE = "visible"
HIDDEN = "hidden"


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


class ReviewVote(Base):
    """One "helpful" vote per user per review; `Review.helpful_count` counts them."""

    __tablename__ = "review_votes"

    review_id: Mapped[str] = mapped_column(
        ForeignKey("reviews.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class Question(IdMixin, TimestampMixin, Base):
    """A Q&A thread on one lesson, asked by an enrolled student or the course's instructor."""

    __tablename__ = "questions"
    __table_args__ = (
        Index("ix_questions_lesson_id_created_at", "lesson_id", "created_at"),
        Index("ix_questions_course_id_created_at", "course_id", "created_at"),
    )

    course_id: Mapped[str] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), nullable=False
    )
    lesson_id: Mapped[str] = mapped_column(
        ForeignKey("lessons.id", ondelete="CASCADE"), nullable=False
    )
    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    body: Mapped[str] = mapped_column(Text, default="", nullable=False)
    status: Mapped[str] = mapped_column(String(20), default=VISIBLE, nullable=False)
    # Visible answers, kept on write so lists never count rows.
    answer_count: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    last_activity_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, nullable=False
    )


class Answer(IdMixin, TimestampMixin, Base):
    __tablename__ = "answers"
    __table_args__ = (Index("ix_answers_question_id_created_at", "question_id", "created_at"),)

    question_id: Mapped[str] = mapped_column(
        ForeignKey("questions.id", ondelete="CASCADE"), nullable=False
    )
    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    body: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(String(20), default=VISIBLE, nullable=False)


class MessageThread(IdMixin, TimestampMixin, Base):
    """Direct messages between one student and the instructor of a course the student takes."""

    __tablename__ = "message_threads"
    __table_args__ = (
        UniqueConstraint("course_id", "student_id"),
        Index("ix_message_threads_student_id_last_message_at", "student_id", "last_message_at"),
        Index(
            "ix_message_threads_instructor_id_last_message_at", "instructor_id", "last_message_at"
        ),
    )

    course_id: Mapped[str] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), nullable=False
    )
    student_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    instructor_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    last_message_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    # Unread counts per side, kept on write (a new message bumps the other side's).
    student_unread: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    instructor_unread: Mapped[int] = mapped_column(Integer, default=0, nullable=False)


class Message(IdMixin, Base):
    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_thread_id_created_at", "thread_id", "created_at"),)

    thread_id: Mapped[str] = mapped_column(
        ForeignKey("message_threads.id", ondelete="CASCADE"), nullable=False
    )
    sender_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    body: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class Announcement(IdMixin, TimestampMixin, Base):
    """An instructor's post to every enrolled student, delivered in batches by jobs."""

    __tablename__ = "announcements"
    __table_args__ = (Index("ix_announcements_course_id_created_at", "course_id", "created_at"),)

    course_id: Mapped[str] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), nullable=False
    )
    author_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    # Students reached so far and whether the fan-out has finished.
    recipient_count: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    delivered: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
