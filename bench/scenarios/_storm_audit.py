"""After the webhook storm: is every order right, and did anything happen twice?

What one order's payment may leave behind, whatever the number of deliveries:
its status (paid / failed), one payment row, one state change per status in
its history, for a paid order one granted line, one active enrollment, one
ledger entry and one receipt mail; and one stored provider event, applied
once. Each course's enrollment counter must move exactly with its rows.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import InstrumentedAttribute

from bench.scenarios._webhook_storm import StormEvent, chunks
from syllabus.catalog.models import Course
from syllabus.commerce.models import (
    CommerceEvent,
    Earning,
    Order,
    OrderLine,
    Payment,
    ProviderEvent,
)
from syllabus.kit.outbox import OutboxMessage
from syllabus.learning.models import Enrollment
from syllabus.notifications.email import SEND_MAIL

RECEIPT_TEMPLATE = "order_receipt"


@dataclass
class OrderFacts:
    """What the database holds for one order (counts keyed by kind)."""

    status: str = ""
    payments: Counter[str] = field(default_factory=Counter)  # by payment status
    history: Counter[tuple[str, str]] = field(default_factory=Counter)  # (subject, to_status)
    granted_lines: int = 0
    earnings: Counter[str] = field(default_factory=Counter)  # by entry kind
    enrollments: int = 0  # active enrollments of the buyer in the course
    receipts: int = 0
    stored_events: int = 0
    applied_events: int = 0


def expected_facts(pays: bool) -> OrderFacts:
    """The facts of an order after exactly one application of its event."""
    if pays:
        return OrderFacts(
            status="paid",
            payments=Counter({"succeeded": 1}),
            history=Counter(
                {("order", "pending"): 1, ("order", "paid"): 1, ("payment", "succeeded"): 1}
            ),
            granted_lines=1,
            earnings=Counter({"sale": 1}),
            enrollments=1,
            receipts=1,
            stored_events=1,
            applied_events=1,
        )
    return OrderFacts(
        status="failed",
        payments=Counter({"failed": 1}),
        history=Counter(
            {("order", "pending"): 1, ("order", "failed"): 1, ("payment", "failed"): 1}
        ),
        stored_events=1,
        applied_events=1,
    )


def _excess(actual: Counter[object], expected: Counter[object]) -> int:
    return sum(max(0, n - expected.get(key, 0)) for key, n in actual.items())


def judge(facts: OrderFacts, pays: bool) -> tuple[int, list[str]]:
    """(side effects beyond one application, what differs from the expected facts)."""
    want = expected_facts(pays)
    duplicates = (
        _excess(Counter(facts.payments), Counter(want.payments))
        + _excess(Counter(facts.history), Counter(want.history))
        + _excess(Counter(facts.earnings), Counter(want.earnings))
        + sum(
            max(0, getattr(facts, name) - getattr(want, name))
            for name in (
                "granted_lines",
                "enrollments",
                "receipts",
                "stored_events",
                "applied_events",
            )
        )
    )
    problems = [
        name
        for name in (
            "status",
            "payments",
            "history",
            "granted_lines",
            "earnings",
            "enrollments",
            "receipts",
            "stored_events",
            "applied_events",
        )
        if getattr(facts, name) != getattr(want, name)
    ]
    return duplicates, problems


@dataclass
class StormVerdict:
    wrong_orders: int
    duplicated: int
    problems: Counter[str]  # which fact was off, over all orders
    count_drift: int  # |enrollment_count change - paid orders|, summed over courses


def verdict(
    events: list[StormEvent],
    facts: dict[str, OrderFacts],
    count_changes: dict[str, tuple[int, int]],
) -> StormVerdict:
    """Judge every order, and each course's enrollment counter against its rows.

    `count_changes` maps a course to (change of `enrollment_count`, change of its
    active enrollment rows) over the storm: the counter must move exactly with
    the rows, whoever granted them (a straggler of an earlier run included).
    """
    wrong, duplicated = 0, 0
    problems: Counter[str] = Counter()
    for event in events:
        found = facts.get(event.order.id, OrderFacts())
        extra, off = judge(found, event.pays)
        duplicated += extra
        problems.update(off)
        wrong += bool(off)
    drift = 0
    for counter_change, rows_change in count_changes.values():
        excess = counter_change - rows_change
        drift += abs(excess)
        duplicated += max(0, excess)
    return StormVerdict(wrong, duplicated, problems, drift)


# --- reading the database -------------------------------------------------------------


def enrollment_counts(engine: Engine, course_ids: Iterable[str]) -> dict[str, tuple[int, int]]:
    """Per course: (its `enrollment_count` counter, its active enrollment rows)."""
    counts: dict[str, tuple[int, int]] = {}
    with engine.connect() as conn:
        for part in chunks(sorted(set(course_ids))):
            rows = dict(
                conn.execute(
                    select(Enrollment.course_id, func.count())
                    .where(Enrollment.course_id.in_(part), Enrollment.status == "active")
                    .group_by(Enrollment.course_id)
                )
                .tuples()
                .all()
            )
            for course_id, count in conn.execute(
                select(Course.id, Course.enrollment_count).where(Course.id.in_(part))
            ).tuples():
                counts[str(course_id)] = (int(count), int(rows.get(course_id, 0)))
    return counts


def wait_until_settled(
    engine: Engine, events: list[StormEvent], max_seconds: float, poll_s: float = 0.5
) -> tuple[float, int]:
    """Seconds until no order is pending and every event is processed; what is left."""
    order_ids = [event.order.id for event in events]
    event_ids = [event.event_id for event in events]
    started = time.monotonic()
    while True:
        with engine.connect() as conn:
            left = _count(conn, Order.id, order_ids, Order.status == "pending") + _count(
                conn, ProviderEvent.event_id, event_ids, ProviderEvent.processed_at.is_(None)
            )
        elapsed = time.monotonic() - started
        if left == 0 or elapsed >= max_seconds:
            return elapsed, left
        time.sleep(poll_s)


def _count(
    conn: Connection,
    column: InstrumentedAttribute[str],
    ids: list[str],
    *where: ColumnElement[bool],
) -> int:
    """Rows whose `column` is one of `ids` and that match `where`."""
    total = 0
    for part in chunks(ids):
        total += int(conn.scalar(select(func.count()).where(column.in_(part), *where)) or 0)
    return total


def read_facts(engine: Engine, events: list[StormEvent], since: datetime) -> dict[str, OrderFacts]:
    """Every order's facts; receipts are mail messages queued since `since`."""
    facts = {event.order.id: OrderFacts() for event in events}
    buyers = {event.order.id: (event.order.user_id, event.order.course_id) for event in events}
    order_ids = list(facts)
    with engine.connect() as conn:
        for part in chunks(order_ids):
            for order_id, status in conn.execute(
                select(Order.id, Order.status).where(Order.id.in_(part))
            ).tuples():
                facts[order_id].status = status
            for order_id, status in conn.execute(
                select(Payment.order_id, Payment.status).where(Payment.order_id.in_(part))
            ).tuples():
                facts[order_id].payments[status] += 1
            for order_id, subject, to_status in conn.execute(
                select(
                    CommerceEvent.order_id, CommerceEvent.subject_type, CommerceEvent.to_status
                ).where(CommerceEvent.order_id.in_(part))
            ).tuples():
                facts[order_id].history[(subject, to_status)] += 1
            for order_id, granted in conn.execute(
                select(OrderLine.order_id, OrderLine.granted_at).where(OrderLine.order_id.in_(part))
            ).tuples():
                facts[order_id].granted_lines += granted is not None
            for order_id, kind in conn.execute(
                select(OrderLine.order_id, Earning.kind)
                .join(Earning, Earning.order_line_id == OrderLine.id)
                .where(OrderLine.order_id.in_(part))
            ).tuples():
                facts[order_id].earnings[kind] += 1
        _read_enrollments(conn, facts, buyers)
        _read_events(conn, facts, events)
        _read_receipts(conn, facts, since)
    return facts


def _read_enrollments(
    conn: Connection, facts: dict[str, OrderFacts], buyers: dict[str, tuple[str, str]]
) -> None:
    by_pair: dict[tuple[str, str], list[str]] = {}
    for order_id, pair in buyers.items():
        by_pair.setdefault(pair, []).append(order_id)
    users = sorted({user for user, _course in by_pair})
    for part in chunks(users):
        for user_id, course_id in conn.execute(
            select(Enrollment.user_id, Enrollment.course_id).where(
                Enrollment.user_id.in_(part), Enrollment.status == "active"
            )
        ).tuples():
            for order_id in by_pair.get((user_id, course_id), []):
                facts[order_id].enrollments += 1


def _read_events(conn: Connection, facts: dict[str, OrderFacts], events: list[StormEvent]) -> None:
    order_of = {event.event_id: event.order.id for event in events}
    for part in chunks(list(order_of)):
        for event_id, outcome in conn.execute(
            select(ProviderEvent.event_id, ProviderEvent.outcome).where(
                ProviderEvent.provider == "sandbox", ProviderEvent.event_id.in_(part)
            )
        ).tuples():
            found = facts[order_of[event_id]]
            found.stored_events += 1
            found.applied_events += outcome == "applied"


def _read_receipts(conn: Connection, facts: dict[str, OrderFacts], since: datetime) -> None:
    for payload in conn.scalars(
        select(OutboxMessage.payload).where(
            OutboxMessage.task == SEND_MAIL, OutboxMessage.created_at >= since
        )
    ):
        if not isinstance(payload, dict) or payload.get("template") != RECEIPT_TEMPLATE:
            continue
        order_id = (payload.get("context") or {}).get("order_id")
        if order_id in facts:
            facts[order_id].receipts += 1
