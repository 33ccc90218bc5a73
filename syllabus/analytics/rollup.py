"""Rolling events up into `analytics_daily`, one local day at a time.

A day is rebuilt whole (its rows deleted, then inserted from the day's
events in one transaction), so running the rollup twice gives the same
table. Each run rebuilds today and yesterday (new users, late commits)
plus every day touched by events stored since the previous run started
(less an overlap for transactions that were still open then). The run
locks its watermark row first, so two workers' runs take turns.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, distinct, func, insert, select
from sqlalchemy.orm import Session

from syllabus.accounts.models import User
from syllabus.analytics import events
from syllabus.analytics.localdays import day_bounds, days_between, local_day
from syllabus.analytics.models import ALL, AnalyticsEvent, DailyMetric, RollupWatermark

WATERMARK = "daily"
# A transaction open longer than this when a run starts may have its events
# rolled up only by the nightly run.
OVERLAP = timedelta(minutes=10)
# The most days one run rebuilds (the first run over old data, or a backlog).
MAX_DAYS_PER_RUN = 800

# Metrics the dashboards read; every other event's metric is its own name.
USERS = "users"
ORDERS = "orders"
REVENUE = "revenue"
REFUNDS = "refunds"
ENROLLMENTS = "enrollments"
METRIC_OF_EVENT = {
    events.ENROLLED: ENROLLMENTS,
    events.PURCHASED: REVENUE,
    events.REFUNDED: REFUNDS,
}
MONEY_EVENTS = (events.PURCHASED, events.REFUNDED)
LESSON_EVENTS = (events.LESSON_STARTED, events.LESSON_COMPLETED)

Key = tuple[str, str, str, str]  # metric, course_id, lesson_id, currency


def rollup_day(session: Session, day: date, tz: ZoneInfo) -> int:
    """Rebuild one local day's rows from the events and users of that day; rows written."""
    start, end = day_bounds(day, tz)
    in_day = (AnalyticsEvent.occurred_at >= start, AnalyticsEvent.occurred_at < end)
    totals: dict[Key, list[int]] = defaultdict(lambda: [0, 0])

    def add(key: Key, count: int, amount: int) -> None:
        totals[key][0] += count
        totals[key][1] += amount

    grouped = session.execute(
        select(
            AnalyticsEvent.name,
            AnalyticsEvent.course_id,
            AnalyticsEvent.currency,
            func.count(),
            func.coalesce(func.sum(AnalyticsEvent.value), 0),
        )
        .where(*in_day)
        .group_by(AnalyticsEvent.name, AnalyticsEvent.course_id, AnalyticsEvent.currency)
    ).all()
    for name, course_id, currency, count, total in grouped:
        metric = METRIC_OF_EVENT.get(name, name)
        money = name in MONEY_EVENTS
        code = (currency or ALL) if money else ALL
        amount = int(total) if money else 0
        add((metric, ALL, ALL, code), int(count), amount)
        if course_id:
            add((metric, course_id, ALL, code), int(count), amount)

    orders = session.scalar(
        select(func.count(distinct(AnalyticsEvent.object_id))).where(
            *in_day, AnalyticsEvent.name == events.PURCHASED
        )
    )
    if orders:
        add((ORDERS, ALL, ALL, ALL), int(orders), 0)

    reached = session.execute(
        select(
            AnalyticsEvent.name, AnalyticsEvent.course_id, AnalyticsEvent.lesson_id, func.count()
        )
        .where(
            *in_day,
            AnalyticsEvent.name.in_(LESSON_EVENTS),
            AnalyticsEvent.course_id.is_not(None),
            AnalyticsEvent.lesson_id.is_not(None),
        )
        .group_by(AnalyticsEvent.name, AnalyticsEvent.course_id, AnalyticsEvent.lesson_id)
    ).all()
    for name, course_id, lesson_id, count in reached:
        add((name, course_id, lesson_id, ALL), int(count), 0)

    new_users = session.scalar(
        select(func.count())
        .select_from(User)
        .where(User.created_at >= start, User.created_at < end)
    )
    if new_users:
        add((USERS, ALL, ALL, ALL), int(new_users), 0)

    session.execute(delete(DailyMetric).where(DailyMetric.day == day))
    rows = [
        {
            "metric": metric,
            "course_id": course_id,
            "lesson_id": lesson_id,
            "currency": currency,
            "day": day,
            "count": count,
            "amount": amount,
        }
        for (metric, course_id, lesson_id, currency), (count, amount) in totals.items()
    ]
    if rows:
        session.execute(insert(DailyMetric), rows)
    return len(rows)


def rollup_days(session: Session, days: Iterable[date], tz: ZoneInfo) -> list[date]:
    done = sorted(set(days))
    for day in done:
        rollup_day(session, day, tz)
    return done


def run_rollup(session: Session, now: datetime, tz: ZoneInfo) -> list[date]:
    """One run of the periodic job: rebuild the days changed since the last run; which."""
    state = session.get(RollupWatermark, WATERMARK, with_for_update=True)
    today = local_day(now, tz)
    days = {today, today - timedelta(days=1)}
    since = None if state is None else state.started_at - OVERLAP
    first, last = session.execute(
        select(func.min(AnalyticsEvent.occurred_at), func.max(AnalyticsEvent.occurred_at)).where(
            *(() if since is None else (AnalyticsEvent.recorded_at >= since,))
        )
    ).one()
    if first is not None and last is not None:
        touched = days_between(local_day(first, tz), local_day(last, tz))
        days.update(touched[-MAX_DAYS_PER_RUN:])
    if state is None:
        # First run ever: users who registered before any event (or before now) count too.
        days.update(_user_days(session, tz, since=first or now))
    done = rollup_days(session, days, tz)
    if state is None:
        session.add(RollupWatermark(name=WATERMARK, started_at=now))
    else:
        state.started_at = now
    session.flush()
    return done


def rebuild_recent(session: Session, now: datetime, tz: ZoneInfo, days: int = 3) -> list[date]:
    """The nightly run: rebuild the last `days` local days whatever the watermark says."""
    today = local_day(now, tz)
    return rollup_days(session, (today - timedelta(days=n) for n in range(days)), tz)


def rebuild_all(session: Session, now: datetime, tz: ZoneInfo) -> list[date]:
    """Every day since the first event or user (after changing `SYLLABUS_TIMEZONE`)."""
    first_event = session.scalar(select(func.min(AnalyticsEvent.occurred_at)))
    first_user = session.scalar(select(func.min(User.created_at)))
    starts = [moment for moment in (first_event, first_user) if moment is not None]
    if not starts:
        return []
    session.execute(delete(DailyMetric))
    days = days_between(local_day(min(starts), tz), local_day(now, tz))
    return rollup_days(session, days[-MAX_DAYS_PER_RUN:], tz)


def _user_days(session: Session, tz: ZoneInfo, *, since: datetime) -> set[date]:
    first = session.scalar(select(func.min(User.created_at)))
    if first is None or first >= since:
        return set()
    return set(days_between(local_day(first, tz), local_day(since, tz))[-MAX_DAYS_PER_RUN:])
