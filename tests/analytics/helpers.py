"""Analytics test data: events at exact instants, and reading the rollup table back."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from syllabus.analytics.models import DailyMetric
from syllabus.analytics.record import event_values, record_events


def at(text: str) -> datetime:
    """An aware UTC instant from '2026-10-25T22:59'."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def add_event(
    db: Session, name: str, when: str, *, stored: datetime | None = None, **fields: Any
) -> None:
    """An event that happened at `when` (UTC), stored then or at `stored`."""
    moment = at(when)
    record_events(db, [event_values(name, occurred_at=moment, now=stored or moment, **fields)])
    db.commit()


def rollup_rows(db: Session) -> list[tuple[Any, ...]]:
    return [
        tuple(row)
        for row in db.execute(
            select(
                DailyMetric.metric,
                DailyMetric.course_id,
                DailyMetric.day,
                DailyMetric.lesson_id,
                DailyMetric.currency,
                DailyMetric.count,
                DailyMetric.amount,
            ).order_by(
                DailyMetric.metric,
                DailyMetric.course_id,
                DailyMetric.day,
                DailyMetric.lesson_id,
                DailyMetric.currency,
            )
        )
    ]


def values(points: list[Any]) -> dict[str, int]:
    """{date: value} of the points that are not zero."""
    return {p.date: p.value for p in points if p.value}
