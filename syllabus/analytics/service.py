"""Admin analytics and the player's events: rights checked here, numbers from series.py."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from syllabus.accounts.actor import Actor
from syllabus.analytics import events
from syllabus.analytics.record import event_values, record_events
from syllabus.analytics.schemas import PlayerEventIn, SeriesOut, SummaryOut
from syllabus.analytics.series import ADMIN_METRICS, Period, series_for, summary
from syllabus.analytics.views import series_out, summary_out
from syllabus.catalog.models import Lesson
from syllabus.kit.errors import Forbidden
from syllabus.learning.errors import NotEnrolled
from syllabus.learning.models import Enrollment

# A player's clock further than this from the server's is not believed.
MAX_CLOCK_SKEW = timedelta(minutes=10)


def _require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise Forbidden("Only admins can do this.", code="not_admin")


def admin_summary(session: Session, actor: Actor) -> SummaryOut:
    _require_admin(actor)
    return summary_out(summary(session))


def admin_series(
    session: Session,
    actor: Actor,
    metrics: tuple[str, ...],
    period: Period,
    now: datetime,
    tz: ZoneInfo,
) -> list[SeriesOut]:
    """Admin metrics over a period, in the order asked (one statement for all of them)."""
    _require_admin(actor)
    unknown = [metric for metric in metrics if metric not in ADMIN_METRICS]
    if unknown:  # pragma: no cover - the routes only pass known metrics
        raise ValueError(f"unknown metrics {unknown}")
    found = series_for(session, metrics, period, now, tz)
    return [series_out(found[metric]) for metric in metrics]


def record_player_events(
    session: Session, actor: Actor, batch: list[PlayerEventIn], now: datetime
) -> int:
    """Store a player's batch of play/pause/ended; every lesson must be one the actor is
    actively enrolled in (403 `not_enrolled` otherwise, nothing stored)."""
    lesson_ids = {event.lesson_id for event in batch}
    courses = dict(
        session.execute(
            select(Lesson.id, Lesson.course_id)
            .join(
                Enrollment,
                (Enrollment.course_id == Lesson.course_id) & (Enrollment.user_id == actor.id),
            )
            .where(Lesson.id.in_(lesson_ids), Enrollment.status == "active")
        )
        .tuples()
        .all()
    )
    if set(courses) != lesson_ids:
        raise NotEnrolled("You are not enrolled in the course of every lesson sent.")
    rows = [
        event_values(
            events.PLAYER_KINDS[event.kind],
            user_id=actor.id,
            course_id=courses[event.lesson_id],
            lesson_id=event.lesson_id,
            value=event.position_seconds,
            occurred_at=_believed(event.at, now),
            now=now,
        )
        for event in batch
    ]
    return record_events(session, rows)


def _believed(at: datetime | None, now: datetime) -> datetime:
    if at is None or at.tzinfo is None or abs(at - now) > MAX_CLOCK_SKEW:
        return now
    return at
