"""Analytics tables: the append-only event log, its daily rollups and the rollup's watermark.

Events are written in the same transaction as the business change they
describe and never updated. Dashboards read only `analytics_daily`, which
the rollup job rebuilds day by day (local days of `SYLLABUS_TIMEZONE`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from syllabus.kit.db import Base, IdMixin, UTCDateTime

# The rollup's "whole site" and "no lesson"/"no currency" key value (keys cannot be NULL).
ALL = ""


class AnalyticsEvent(IdMixin, Base):
    """Something a person did, shaped as actor + verb + object (+ context) so it maps to xAPI."""

    __tablename__ = "analytics_events"
    __table_args__ = (
        # The rollup reads one local day of events at a time.
        Index("ix_analytics_events_occurred_at", "occurred_at"),
        # ... and finds the days touched since its last run.
        Index("ix_analytics_events_recorded_at", "recorded_at"),
    )

    name: Mapped[str] = mapped_column(String(40), nullable=False)
    # When it happened (the player's own clock, bounded) and when it was stored; both UTC.
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    # No foreign keys: the log outlives deleted users and courses.
    user_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    course_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    lesson_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    # The thing acted on when it is not the course or lesson (order, refund, certificate).
    object_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # A money amount in minor units (with `currency`), a score, or a position in seconds.
    value: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    currency: Mapped[str | None] = mapped_column(String(3), nullable=True)
    context: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True), nullable=True)


class DailyMetric(Base):
    """One metric's exact totals for one local day, site-wide (course '') or per course/lesson."""

    __tablename__ = "analytics_daily"
    __table_args__ = (
        # The rollup replaces whole days.
        Index("ix_analytics_daily_day", "day"),
    )

    # Key order serves the dashboards: one metric, the site or a course, a range of days.
    metric: Mapped[str] = mapped_column(String(40), primary_key=True)
    course_id: Mapped[str] = mapped_column(String(36), primary_key=True, default=ALL)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    lesson_id: Mapped[str] = mapped_column(String(36), primary_key=True, default=ALL)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True, default=ALL)
    count: Mapped[int] = mapped_column(BigInteger, default=0, nullable=False)
    amount: Mapped[int] = mapped_column(BigInteger, default=0, nullable=False)


class RollupWatermark(Base):
    """Where the last rollup run started, so the next one knows which days changed."""

    __tablename__ = "analytics_rollup_state"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
