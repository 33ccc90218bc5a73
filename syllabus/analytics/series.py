"""The dashboards' numbers, read from `analytics_daily` only (plus indexed counts for KPI cards).

A series has exactly 28 daily points (28d) or 12 monthly points (12m) in
the settings time zone, oldest first, zeros included, ending with today's
day or month. Money series are per currency: `points` hold the main one
(largest in the window) and `other_currencies` the rest.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from syllabus.accounts.models import User
from syllabus.analytics.localdays import last_days, last_months, local_day, month_start
from syllabus.analytics.models import ALL, DailyMetric
from syllabus.analytics.rollup import ENROLLMENTS, ORDERS, REFUNDS, REVENUE, USERS
from syllabus.catalog.models import Course

Period = Literal["28d", "12m"]
PERIODS: tuple[Period, ...] = ("28d", "12m")
ADMIN_METRICS = (USERS, ORDERS, REVENUE, ENROLLMENTS)
MONEY_METRICS = (REVENUE, REFUNDS)


@dataclass(frozen=True)
class Point:
    date: str
    value: int


@dataclass
class Series:
    metric: str
    period: Period
    points: list[Point]
    currency: str | None = None
    other_currencies: dict[str, list[Point]] = field(default_factory=dict)


@dataclass(frozen=True)
class Money:
    amount: int
    currency: str


@dataclass(frozen=True)
class Summary:
    users: int
    instructors: int
    courses: int
    enrollments: int
    pending_reviews: int
    revenue: list[Money]
    refunds: list[Money]


def buckets(period: Period, today: date) -> list[date]:
    """The first day of each point: 28 days, or 12 months."""
    return last_days(today) if period == "28d" else last_months(today)


def series_for(
    session: Session,
    metrics: Sequence[str],
    period: Period,
    now: datetime,
    tz: ZoneInfo,
    *,
    course_ids: Sequence[str] | None = None,
) -> dict[str, Series]:
    """Several metrics over one period in one statement; site-wide, or summed over `course_ids`."""
    starts = buckets(period, local_day(now, tz))
    scope = (
        DailyMetric.course_id == ALL
        if course_ids is None
        else DailyMetric.course_id.in_(list(course_ids))
    )
    rows: Iterable[tuple[str, date, str, int, int]] = (
        session.execute(
            select(
                DailyMetric.metric,
                DailyMetric.day,
                DailyMetric.currency,
                func.sum(DailyMetric.count),
                func.sum(DailyMetric.amount),
            )
            .where(
                DailyMetric.metric.in_(list(metrics)),
                scope,
                DailyMetric.lesson_id == ALL,
                DailyMetric.day >= starts[0],
            )
            .group_by(DailyMetric.metric, DailyMetric.day, DailyMetric.currency)
        ).tuples()
        if course_ids is None or course_ids
        else ()
    )
    # metric -> currency -> bucket -> value
    values: dict[str, dict[str, dict[date, int]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(int))
    )
    for metric, day, currency, count, amount in rows:
        bucket = day if period == "28d" else month_start(day)
        value = int(amount or 0) if metric in MONEY_METRICS else int(count or 0)
        values[metric][currency][bucket] += value
    return {metric: _series(metric, period, starts, values[metric]) for metric in metrics}


def _series(
    metric: str, period: Period, starts: list[date], by_currency: dict[str, dict[date, int]]
) -> Series:
    def points(found: dict[date, int]) -> list[Point]:
        return [Point(date=start.isoformat(), value=found.get(start, 0)) for start in starts]

    if metric not in MONEY_METRICS:
        return Series(metric, period, points(by_currency.get(ALL, {})))
    ranked = sorted(by_currency, key=lambda code: (-sum(by_currency[code].values()), code))
    if not ranked:
        return Series(metric, period, points({}), currency=None)
    main, others = ranked[0], ranked[1:]
    return Series(
        metric,
        period,
        points(by_currency[main]),
        currency=main or None,
        other_currencies={code: points(by_currency[code]) for code in others},
    )


def summary(session: Session) -> Summary:
    """The admin's KPI cards in two statements.

    Counts come from indexed columns (users.role, courses.status,
    enrollments' course/status index); money totals from the rollup.
    """
    users = select(func.count()).select_from(User).scalar_subquery()
    instructors = (
        select(func.count()).select_from(User).where(User.role == "instructor").scalar_subquery()
    )
    courses = (
        select(func.count())
        .select_from(Course)
        .where(Course.status == "published")
        .scalar_subquery()
    )
    in_review = (
        select(func.count())
        .select_from(Course)
        .where(Course.status == "in_review")
        .scalar_subquery()
    )
    # Active enrollments: each course keeps its count on write.
    enrollments = select(func.coalesce(func.sum(Course.enrollment_count), 0)).scalar_subquery()
    counts = session.execute(select(users, instructors, courses, enrollments, in_review)).one()
    money: dict[str, list[Money]] = {REVENUE: [], REFUNDS: []}
    for metric, currency, amount in session.execute(
        select(DailyMetric.metric, DailyMetric.currency, func.sum(DailyMetric.amount))
        .where(
            DailyMetric.metric.in_(MONEY_METRICS),
            DailyMetric.course_id == ALL,
            DailyMetric.lesson_id == ALL,
        )
        .group_by(DailyMetric.metric, DailyMetric.currency)
        .order_by(DailyMetric.metric, DailyMetric.currency)
    ).tuples():
        money[metric].append(Money(amount=int(amount or 0), currency=currency))
    return Summary(
        users=int(counts[0]),
        instructors=int(counts[1]),
        courses=int(counts[2]),
        enrollments=int(counts[3]),
        pending_reviews=int(counts[4]),
        revenue=sorted(money[REVENUE], key=lambda m: -m.amount),
        refunds=sorted(money[REFUNDS], key=lambda m: -m.amount),
    )
