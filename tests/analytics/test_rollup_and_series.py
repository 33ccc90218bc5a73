"""Rollups and series on fixed data: local days and months of the settings time zone
(across a DST change), zero-filled series of exactly 28 or 12 points, idempotent re-runs."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from syllabus.analytics import events
from syllabus.analytics.localdays import day_bounds, last_months
from syllabus.analytics.rollup import rebuild_all, rollup_day, run_rollup
from syllabus.analytics.series import series_for, summary
from syllabus.kit.runtime import Runtime
from tests.analytics.helpers import add_event, at, rollup_rows, values
from tests.catalog.factories import make_course
from tests.factories import make_user

BERLIN = ZoneInfo("Europe/Berlin")
UTC_ZONE = ZoneInfo("UTC")
NOW = at("2026-11-05T12:00")

# Around the end of summer time in Berlin: 2026-10-25 is 25 hours long there
# (2026-10-24T22:00Z to 2026-10-25T23:00Z).
ENROLLMENTS = (
    "2026-10-24T21:59",  # 23:59 CEST on the 24th
    "2026-10-24T22:30",  # 00:30 CEST on the 25th (still the 24th in UTC)
    "2026-10-25T22:59",  # 23:59 CET on the 25th
    "2026-10-25T23:00",  # 00:00 CET on the 26th
)


def _enrollments(db: Session) -> None:
    for when in ENROLLMENTS:
        add_event(db, events.ENROLLED, when, user_id="u", course_id="c1")


def test_a_dst_day_is_25_hours_long_in_berlin() -> None:
    start, end = day_bounds(at("2026-10-25T12:00").date(), BERLIN)
    assert (start, end) == (at("2026-10-24T22:00"), at("2026-10-25T23:00"))
    assert end - start == timedelta(hours=25)


def test_daily_counts_follow_the_local_calendar_across_a_dst_change(
    db: Session, runtime: Runtime
) -> None:
    _enrollments(db)
    run_rollup(db, NOW, BERLIN)
    series = series_for(db, ["enrollments"], "28d", NOW, BERLIN)["enrollments"]
    assert len(series.points) == 28
    assert series.points[0].date == "2026-10-09"
    assert series.points[-1].date == "2026-11-05"
    assert values(series.points) == {"2026-10-24": 1, "2026-10-25": 2, "2026-10-26": 1}


def test_the_same_events_counted_in_utc_fall_on_other_days(db: Session, runtime: Runtime) -> None:
    _enrollments(db)
    run_rollup(db, NOW, UTC_ZONE)
    series = series_for(db, ["enrollments"], "28d", NOW, UTC_ZONE)["enrollments"]
    assert values(series.points) == {"2026-10-24": 2, "2026-10-25": 2}


def test_monthly_revenue_and_orders_follow_local_months(db: Session, runtime: Runtime) -> None:
    # 23:30 CEST on 30 September, then 00:30 CEST on 1 October (both September in UTC).
    add_event(db, events.PURCHASED, "2026-09-30T21:30", course_id="c1", object_id="o1",
              value=1000, currency="USD")  # fmt: skip
    add_event(db, events.PURCHASED, "2026-09-30T22:30", course_id="c1", object_id="o2",
              value=2500, currency="USD")  # fmt: skip
    add_event(db, events.PURCHASED, "2026-09-30T22:30", course_id="c2", object_id="o2",
              value=500, currency="USD")  # fmt: skip
    rebuild_all(db, NOW, BERLIN)
    found = series_for(db, ["revenue", "orders"], "12m", NOW, BERLIN)
    revenue, orders = found["revenue"], found["orders"]
    assert [p.date for p in revenue.points] == [m.isoformat() for m in last_months(NOW.date())]
    assert len(revenue.points) == 12
    assert revenue.points[-1].date == "2026-11-01"
    assert revenue.currency == "USD"
    assert values(revenue.points) == {"2026-09-01": 1000, "2026-10-01": 3000}
    # Order o2 had two lines: one order.
    assert values(orders.points) == {"2026-09-01": 1, "2026-10-01": 1}
    by_course = series_for(db, ["revenue"], "12m", NOW, BERLIN, course_ids=["c2"])["revenue"]
    assert values(by_course.points) == {"2026-10-01": 500}


def test_other_currencies_are_kept_apart(db: Session, runtime: Runtime) -> None:
    add_event(db, events.PURCHASED, "2026-11-01T10:00", object_id="o1", value=9000,
              currency="USD")  # fmt: skip
    add_event(db, events.PURCHASED, "2026-11-02T10:00", object_id="o2", value=700,
              currency="EUR")  # fmt: skip
    add_event(db, events.REFUNDED, "2026-11-03T10:00", object_id="r1", value=400,
              currency="USD")  # fmt: skip
    run_rollup(db, NOW, UTC_ZONE)
    revenue = series_for(db, ["revenue"], "28d", NOW, UTC_ZONE)["revenue"]
    assert revenue.currency == "USD"
    assert values(revenue.points) == {"2026-11-01": 9000}
    assert values(revenue.other_currencies["EUR"]) == {"2026-11-02": 700}
    totals = summary(db)
    assert [(m.currency, m.amount) for m in totals.revenue] == [("USD", 9000), ("EUR", 700)]
    assert [(m.currency, m.amount) for m in totals.refunds] == [("USD", 400)]


def test_empty_series_still_have_every_point(db: Session, runtime: Runtime) -> None:
    found = series_for(db, ["users", "orders", "revenue", "enrollments"], "28d", NOW, BERLIN)
    assert all(len(s.points) == 28 and not values(s.points) for s in found.values())
    monthly = series_for(db, ["users"], "12m", NOW, BERLIN)["users"]
    assert len(monthly.points) == 12
    assert monthly.points[0].date == "2025-12-01"
    nothing = series_for(db, ["revenue"], "28d", NOW, BERLIN, course_ids=[])["revenue"]
    assert len(nothing.points) == 28
    assert nothing.currency is None


def test_new_users_are_counted_by_their_local_registration_day(
    db: Session, runtime: Runtime
) -> None:
    for when in ("2026-11-03T23:30", "2026-11-04T00:30"):  # both the 4th in Berlin
        user = make_user(db)
        user.created_at = at(when)
    db.commit()
    run_rollup(db, NOW, BERLIN)
    users = series_for(db, ["users"], "28d", NOW, BERLIN)["users"]
    assert values(users.points).get("2026-11-04") == 2
    assert "2026-11-03" not in values(users.points)


def test_rollups_are_idempotent(db: Session, runtime: Runtime) -> None:
    _enrollments(db)
    add_event(db, events.PURCHASED, "2026-10-25T10:00", course_id="c1", object_id="o1",
              value=1999, currency="USD")  # fmt: skip
    add_event(db, events.LESSON_STARTED, "2026-10-25T11:00", course_id="c1", lesson_id="l1")
    run_rollup(db, NOW, BERLIN)
    first = rollup_rows(db)
    assert first
    run_rollup(db, NOW, BERLIN)
    rollup_day(db, at("2026-10-25T12:00").date(), BERLIN)
    rebuild_all(db, NOW, BERLIN)
    assert rollup_rows(db) == first


def test_a_later_run_rebuilds_only_the_days_touched_since_the_last(
    db: Session, runtime: Runtime
) -> None:
    _enrollments(db)
    assert at("2026-10-24T12:00").date() in run_rollup(db, NOW, BERLIN)
    later = NOW + timedelta(minutes=5)
    # Stored now, but it happened (by the player's clock) just before midnight yesterday.
    add_event(db, events.ENROLLED, "2026-11-03T22:30", stored=later, user_id="u2", course_id="c1")
    rebuilt = run_rollup(db, later, BERLIN)
    assert at("2026-10-24T12:00").date() not in rebuilt
    series = series_for(db, ["enrollments"], "28d", later, BERLIN)["enrollments"]
    assert values(series.points)["2026-11-03"] == 1


def test_lesson_reach_is_rolled_up_per_lesson(db: Session, runtime: Runtime) -> None:
    for user in ("a", "b"):
        add_event(db, events.LESSON_STARTED, "2026-11-01T10:00", user_id=user, course_id="c1",
                  lesson_id="l1")  # fmt: skip
    add_event(db, events.LESSON_STARTED, "2026-11-02T10:00", user_id="a", course_id="c1",
              lesson_id="l2")  # fmt: skip
    run_rollup(db, NOW, UTC_ZONE)
    rows = {(r[0], r[3]): r[5] for r in rollup_rows(db) if r[1] == "c1" and r[3]}
    assert rows == {("lesson_started", "l1"): 2, ("lesson_started", "l2"): 1}


def test_summary_counts(db: Session, runtime: Runtime) -> None:
    instructor = make_user(db, role="instructor")
    make_user(db)
    make_course(db, instructor)
    make_course(db, instructor, status="in_review")
    totals = summary(db)
    assert totals.users >= 2
    assert totals.instructors >= 1
    assert totals.courses >= 1
    assert totals.pending_reviews >= 1
