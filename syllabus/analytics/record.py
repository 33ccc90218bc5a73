"""`record_event`: one INSERT in the caller's transaction: the event exists iff its change does."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from syllabus.analytics import events
from syllabus.analytics.models import AnalyticsEvent
from syllabus.kit.db import new_id, utcnow

if TYPE_CHECKING:
    from syllabus.commerce.models import Order, OrderLine

_MAX_CONTEXT_TEXT = 200


def event_values(
    name: str,
    *,
    user_id: str | None = None,
    course_id: str | None = None,
    lesson_id: str | None = None,
    object_id: str | None = None,
    value: int | None = None,
    currency: str | None = None,
    context: dict[str, Any] | None = None,
    occurred_at: datetime | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The row of one event; `occurred_at` defaults to now (UTC)."""
    if name not in events.NAMES:
        raise ValueError(f"unknown analytics event {name!r}")
    recorded = now or utcnow()
    return {
        "id": new_id(),
        "name": name,
        "occurred_at": occurred_at or recorded,
        "recorded_at": recorded,
        "user_id": user_id,
        "course_id": course_id,
        "lesson_id": lesson_id,
        "object_id": object_id,
        "value": value,
        "currency": currency,
        "context": _bounded(context) if context else None,
    }


def record_event(session: Session, name: str, **fields: Any) -> None:
    """Append one event (see `event_values` for the fields) inside the caller's transaction."""
    session.execute(insert(AnalyticsEvent), [event_values(name, **fields)])


def record_events(session: Session, rows: Iterable[dict[str, Any]]) -> int:
    """Append several prepared `event_values` rows in one executemany; how many."""
    batch = list(rows)
    if batch:
        session.execute(insert(AnalyticsEvent), batch)
    return len(batch)


def record_purchase(session: Session, order: Order, lines: Iterable[OrderLine]) -> None:
    """A paid order: one `purchased` event per line, so revenue splits by course."""
    now = utcnow()
    record_events(
        session,
        (
            event_values(
                events.PURCHASED,
                user_id=order.user_id,
                course_id=line.course_id,
                object_id=order.id,
                value=line.amount,
                currency=order.currency,
                now=now,
            )
            for line in lines
        ),
    )


def _bounded(context: dict[str, Any]) -> dict[str, Any]:
    """Small scalar context only: the log must stay cheap to store and to export."""
    kept: dict[str, Any] = {}
    for key, item in list(context.items())[:10]:
        if isinstance(item, str):
            kept[str(key)[:40]] = item[:_MAX_CONTEXT_TEXT]
        elif item is None or isinstance(item, bool | int | float):
            kept[str(key)[:40]] = item
    return kept


def record_lesson_progress(
    session: Session,
    *,
    user_id: str,
    course_id: str,
    lesson_id: str,
    started: bool,
    completed: bool,
) -> None:
    """A progress write: `lesson_started` the first time, `lesson_completed` once; both in one
    statement, nothing when neither happened (most writes)."""
    names = [events.LESSON_STARTED] if started else []
    if completed:
        names.append(events.LESSON_COMPLETED)
    now = utcnow()
    record_events(
        session,
        (
            event_values(name, user_id=user_id, course_id=course_id, lesson_id=lesson_id, now=now)
            for name in names
        ),
    )


def record_quiz(
    session: Session,
    *,
    user_id: str,
    course_id: str,
    lesson_id: str,
    attempt_id: str,
    score_percent: int,
    passed: bool,
) -> None:
    """A graded attempt: `quiz_submitted` with its score, and `quiz_passed` on a pass."""
    now = utcnow()
    names = [events.QUIZ_SUBMITTED, events.QUIZ_PASSED] if passed else [events.QUIZ_SUBMITTED]
    record_events(
        session,
        (
            event_values(
                name,
                user_id=user_id,
                course_id=course_id,
                lesson_id=lesson_id,
                object_id=attempt_id,
                value=score_percent,
                now=now,
            )
            for name in names
        ),
    )
