"""Scenario 8: webhook storm, 1,000 signed events each delivered 3 times, shuffled, 16 at once.

1,000 pending sandbox orders are created by the real checkout; ~90% get a
payment.succeeded event and ~10% a payment.failed one. All 3,000 deliveries go
to the sandbox webhook route in a seeded random order, 16 concurrent; then the
scenario waits (bounded) until the jobs have settled every order and checks
what each order left behind (bench/scenarios/_storm_audit.py).
"""

from __future__ import annotations

from datetime import timedelta

from bench.harness import Context, Row
from bench.scenarios._storm_audit import (
    StormVerdict,
    enrollment_counts,
    read_facts,
    verdict,
    wait_until_settled,
)
from bench.scenarios._unmeasured import error_text, problem_row
from bench.scenarios._webhook_storm import (
    DeliveryStats,
    StormEvent,
    build_events,
    create_orders,
    deliver,
    delivery_order,
    forged_delivery_refused,
)
from syllabus.kit.db import build_engine, utcnow

SCENARIO = "8 webhook storm, 1,000 events x 3, 16 concurrent"
ORDERS = 1000
COPIES = 3
CONCURRENCY = 16
FAILED_SHARE = 0.1
SEED = 8
MAX_DELIVERY_S = 180.0
MAX_SETTLE_S = 180.0
SECRET_SETTING = "SYLLABUS_SANDBOX_WEBHOOK_SECRET"  # noqa: S105 - a setting name
FIGURE_DUPLICATES = "side effects duplicated"
FIGURE_FINAL = "final state: wrong orders"
TARGET_FINAL = "0 (every order correct)"


def run(ctx: Context) -> list[Row]:
    try:
        return _storm(ctx)
    except Exception as exc:
        note = error_text(exc)
        return [
            problem_row(ctx, scenario=SCENARIO, figure=FIGURE_DUPLICATES, target="0", note=note),
            problem_row(
                ctx, scenario=SCENARIO, figure=FIGURE_FINAL, target=TARGET_FINAL, note=note
            ),
        ]


def webhook_secret(ctx: Context) -> str:
    secret = ctx.env.get(SECRET_SETTING)
    if secret:
        return secret
    from syllabus.config import Settings

    return Settings().sandbox_webhook_secret


def _storm(ctx: Context) -> list[Row]:
    # Receipts are looked up from here on (a little earlier: clocks of processes differ).
    since = utcnow() - timedelta(seconds=5)
    orders, refused = create_orders(ORDERS)
    if len(orders) < ORDERS:
        raise RuntimeError(
            f"only {len(orders)} of {ORDERS} orders could be created ({refused} checkouts refused)"
        )
    events = build_events(orders, FAILED_SHARE, SEED)
    forged = forged_delivery_refused(ctx.base_url, events)
    if forged:
        raise RuntimeError(forged)

    # Only reads from here on: a reader engine never queues behind the server's writers.
    engine = build_engine(ctx.database_url(), pool_size=2, writer=False)
    try:
        courses = [order.course_id for order in orders]
        counts_before = enrollment_counts(engine, courses)
        stats = deliver(
            ctx.base_url,
            events,
            delivery_order(len(events), COPIES, SEED),
            webhook_secret(ctx),
            concurrency=CONCURRENCY,
            max_seconds=MAX_DELIVERY_S,
        )
        settle_s, unsettled = wait_until_settled(engine, events, MAX_SETTLE_S)
        facts = read_facts(engine, events, since)
        counts_after = enrollment_counts(engine, courses)
    finally:
        engine.dispose()
    changes = {
        course: (after[0] - before[0], after[1] - before[1])
        for course, before in counts_before.items()
        if (after := counts_after.get(course)) is not None
    }
    found = verdict(events, facts, changes)
    note = storm_note(events, stats, settle_s, unsettled, found)
    return [
        Row(
            scenario=SCENARIO,
            backend=ctx.backend,
            figure=FIGURE_DUPLICATES,
            ours=f"{found.duplicated}",
            reference="—",
            value=float(found.duplicated),
            target="0",
            passed=found.duplicated == 0 and stats.sent > 0,
            note=note,
        ),
        Row(
            scenario=SCENARIO,
            backend=ctx.backend,
            figure=FIGURE_FINAL,
            ours=f"{found.wrong_orders}",
            reference="—",
            value=float(found.wrong_orders),
            target=TARGET_FINAL,
            passed=found.wrong_orders == 0 and unsettled == 0 and stats.first_time == len(events),
            note=final_note(found, unsettled, stats, len(events)),
        ),
    ]


def delivered_all(stats: DeliveryStats, events: int) -> bool:
    """Every delivery answered 200, and exactly one per event was taken as new.

    Not required for the final state to pass: a delivery that failed is retried
    by a real provider, and here its two other copies stand in for the retry.
    """
    return stats.statuses.get(200, 0) == events * COPIES and stats.first_time == events


def storm_note(
    events: list[StormEvent],
    stats: DeliveryStats,
    settle_s: float,
    unsettled: int,
    found: StormVerdict,
) -> str:
    paid = sum(event.pays for event in events)
    parts = [
        f"{len(events):,} orders ({paid:,} paid, {len(events) - paid:,} declined)",
        f"{stats.sent:,} deliveries in {stats.seconds:.1f} s ({stats.rate:,.0f}/s)",
        f"settled {settle_s:.1f} s after the last delivery"
        + (f", {unsettled} still open" if unsettled else ""),
        f"answers {dict(sorted(stats.statuses.items()))}, {stats.first_time:,} taken as new",
    ]
    if stats.failures:
        parts.append(f"request errors {dict(stats.failures)}")
    if stats.unfinished:
        parts.append(f"{stats.unfinished} deliveries not sent within {MAX_DELIVERY_S:.0f} s")
    if found.count_drift:
        parts.append(f"enrollment counters off from their rows by {found.count_drift}")
    return "; ".join(parts)


def final_note(found: StormVerdict, unsettled: int, stats: DeliveryStats, events: int) -> str:
    parts = []
    if found.wrong_orders or unsettled:
        wrong = ", ".join(f"{name} x{n}" for name, n in found.problems.most_common())
        parts.append(f"facts off: {wrong}" if wrong else "")
        if unsettled:
            parts.append(f"{unsettled} orders/events unsettled")
    else:
        parts.append("every order paid or failed as its event said, each effect once")
    if not delivered_all(stats, events):
        answered = stats.statuses.get(200, 0)
        failed = events * COPIES - answered
        parts.append(
            f"{failed:,} of {events * COPIES:,} deliveries not answered 200 (a provider retries "
            f"those); {stats.first_time:,} taken as new for {events:,} events"
        )
    return "; ".join(part for part in parts if part)
