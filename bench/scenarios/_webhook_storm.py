"""The webhook storm's preparation and delivery: pending orders, signed events, deliveries.

Orders are created in-process by the real checkout (`commerce.checkout`) on a
runtime built from the backend's environment, exactly the pending sandbox
order a buyer is left with before paying. Buyers are generated students past
the enrolled ones (1..ENROLLED_STUDENTS must stay as they are) while the
catalog has them (it has max(N, ENROLLED_STUDENTS) students), else accounts
made for the storm (`storm-buyer<n>@`, no password: they never sign in),
each buying generated courses they are not enrolled in and never ordered.

Events are built with the sandbox's own `event_body` and signed with `sign`
at the moment each delivery is sent (signatures expire after 5 minutes).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import orjson
from sqlalchemy import func, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from syllabus.accounts.actor import Actor
from syllabus.accounts.models import User
from syllabus.benchdata.names import (
    EMAIL_DOMAIN,
    ENROLLED_STUDENTS,
    LARGE_SLUG,
    SMALL_SLUG,
    student_email,
)
from syllabus.catalog.models import Course
from syllabus.commerce.models import Order, OrderLine
from syllabus.commerce.providers.base import PAYMENT_FAILED, PAYMENT_SUCCEEDED
from syllabus.commerce.providers.sandbox import SIGNATURE_HEADER, event_body, sign
from syllabus.learning.models import Enrollment

WEBHOOK_PATH = "/api/v1/webhooks/sandbox"
DECLINE_REASON = "Declined by the bench storm."


@dataclass(frozen=True)
class PendingOrder:
    id: str
    user_id: str
    course_id: str
    amount: int
    currency: str


@dataclass(frozen=True)
class StormEvent:
    order: PendingOrder
    kind: str  # PAYMENT_SUCCEEDED | PAYMENT_FAILED
    event_id: str
    body: bytes

    @property
    def pays(self) -> bool:
        return self.kind == PAYMENT_SUCCEEDED


# --- choosing buyers and courses -------------------------------------------------------


def chunks(items: list[str], size: int = 500) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def pick_purchases(
    buyers: list[str],
    courses: list[str],
    taken: dict[str, set[str]],
    count: int,
    per_buyer: int,
) -> list[tuple[str, str]]:
    """Up to `count` (buyer, course) pairs, at most `per_buyer` each, none in `taken`.

    Each buyer starts at another place in the course list, so purchases spread
    over the catalog; the same inputs give the same pairs.
    """
    picked: list[tuple[str, str]] = []
    if not courses:
        return picked
    for index, buyer in enumerate(buyers):
        owned = taken.get(buyer, set())
        mine = 0
        for step in range(len(courses)):
            if mine == per_buyer or len(picked) == count:
                break
            course = courses[(index * 7 + step) % len(courses)]
            if course not in owned:
                picked.append((buyer, course))
                mine += 1
        if len(picked) == count:
            break
    return picked


def buyer_email(number: int) -> str:
    """Accounts made for the storm when the catalog has no students past the enrolled ones."""
    return f"storm-buyer{number}@{EMAIL_DOMAIN}"


def candidate_emails(first_student: int, wanted: int, students: int) -> list[str]:
    """Generated students from `first_student` while they exist, then storm buyers."""
    generated = [
        student_email(n)
        for n in range(first_student, min(students, first_student + wanted - 1) + 1)
    ]
    extra = wanted - len(generated)
    return generated + [buyer_email(n) for n in range(1, extra + 1)]


def buyer_rows(conn: Connection, emails: list[str]) -> list[tuple[str, str, str, str]]:
    """(id, role, name, email) of the active accounts among `emails`, in that order."""
    found: dict[str, tuple[str, str, str, str]] = {}
    for part in chunks(emails):
        for user_id, role, name, email in conn.execute(
            select(User.id, User.role, User.name, User.email).where(
                User.email.in_(part), User.status == "active"
            )
        ).tuples():
            found[email] = (str(user_id), str(role), str(name), str(email))
    return [found[email] for email in emails if email in found]


def add_buyers(session: Session, emails: list[str]) -> None:
    """Create the storm buyers among `emails` that do not exist yet (active, no password)."""
    existing = set(session.scalars(select(User.email).where(User.email.in_(emails))))
    for email in emails:
        if email not in existing:
            name = email.split("@", 1)[0].replace("-", " ").title()
            session.add(User(email=email, name=name, role="student", status="active"))


def generated_students(conn: Connection) -> int:
    """How many generated students the catalog has (numbered 1..n)."""
    pattern = student_email(0).replace("0@", "%@")
    return int(conn.scalar(select(func.count()).where(User.email.like(pattern))) or 0)


def course_pool(conn: Connection, limit: int) -> list[str]:
    """Published, priced, generated courses (not the two fixed ones)."""
    return [
        str(course_id)
        for course_id in conn.scalars(
            select(Course.id)
            .where(
                Course.status == "published",
                Course.price_amount > 0,
                Course.slug.like("bench-%"),
                Course.slug.not_in([SMALL_SLUG, LARGE_SLUG]),
            )
            .order_by(Course.slug)
            .limit(limit)
        )
    ]


def taken_courses(conn: Connection, buyer_ids: list[str]) -> dict[str, set[str]]:
    """Per buyer: courses enrolled in or already in one of their orders."""
    taken: dict[str, set[str]] = {}
    for part in chunks(buyer_ids):
        for user_id, course_id in conn.execute(
            select(Enrollment.user_id, Enrollment.course_id).where(Enrollment.user_id.in_(part))
        ).tuples():
            taken.setdefault(str(user_id), set()).add(str(course_id))
        for user_id, course_id in conn.execute(
            select(Order.user_id, OrderLine.course_id)
            .join(OrderLine, OrderLine.order_id == Order.id)
            .where(Order.user_id.in_(part))
        ).tuples():
            taken.setdefault(str(user_id), set()).add(str(course_id))
    return taken


def create_orders(count: int, per_buyer: int = 4) -> tuple[list[PendingOrder], int]:
    """`count` pending sandbox orders through the real checkout; also how many were refused."""
    from syllabus.commerce.checkout import checkout
    from syllabus.commerce.schemas import CheckoutIn
    from syllabus.config import Settings
    from syllabus.kit.logging import configure_logging
    from syllabus.kit.runtime import Runtime

    settings = Settings()
    # The commerce code logs each state change; keep this process as quiet as the server.
    configure_logging(settings.log_level, json=settings.log_json)
    runtime = Runtime(settings)
    try:
        wanted_buyers = count // per_buyer * 2
        with runtime.db.engine.connect() as conn:
            emails = candidate_emails(
                ENROLLED_STUDENTS + 1, wanted_buyers, generated_students(conn)
            )
        with runtime.db.session_scope() as session:
            add_buyers(session, [email for email in emails if not email.startswith("student")])
        with runtime.db.engine.connect() as conn:
            buyers = buyer_rows(conn, emails)
            courses = course_pool(conn, limit=max(50, per_buyer * 20))
            taken = taken_courses(conn, [b[0] for b in buyers])
        purchases = pick_purchases([b[0] for b in buyers], courses, taken, count, per_buyer)
        actors = {b[0]: Actor(id=b[0], role=b[1], name=b[2], email=b[3]) for b in buyers}
        orders: list[PendingOrder] = []
        refused = 0
        for batch_start in range(0, len(purchases), 100):
            with runtime.db.session_scope() as session:
                for buyer, course in purchases[batch_start : batch_start + 100]:
                    body = CheckoutIn(course_ids=[course], provider="sandbox")
                    try:
                        with session.begin_nested():
                            out = checkout(session, runtime, actors[buyer], body)
                    except Exception:
                        refused += 1
                        continue
                    order = session.get(Order, out.order_id)
                    assert order is not None
                    orders.append(
                        PendingOrder(
                            id=order.id,
                            user_id=buyer,
                            course_id=course,
                            amount=order.total_amount,
                            currency=order.currency,
                        )
                    )
        return orders, refused
    finally:
        runtime.close()


# --- events and deliveries -------------------------------------------------------------


def build_events(orders: list[PendingOrder], failed_share: float, seed: int) -> list[StormEvent]:
    """One signed-to-be event per order: a seeded `failed_share` of them declined."""
    rng = random.Random(seed)
    declined = set(rng.sample(range(len(orders)), round(len(orders) * failed_share)))
    events = []
    for index, order in enumerate(orders):
        fails = index in declined
        extra = {"reason": DECLINE_REASON} if fails else {}
        body = event_body(
            PAYMENT_FAILED if fails else PAYMENT_SUCCEEDED,
            order_id=order.id,
            amount=order.amount,
            currency=order.currency,
            **extra,
        )
        event_id = str(orjson.loads(body)["id"])
        kind = PAYMENT_FAILED if fails else PAYMENT_SUCCEEDED
        events.append(StormEvent(order=order, kind=kind, event_id=event_id, body=body))
    return events


def delivery_order(event_count: int, copies: int, seed: int) -> list[int]:
    """Event indexes, each `copies` times, shuffled (seeded)."""
    order = [index for index in range(event_count) for _ in range(copies)]
    random.Random(seed).shuffle(order)
    return order


@dataclass
class DeliveryStats:
    sent: int = 0
    seconds: float = 0.0
    statuses: Counter[int] = field(default_factory=Counter)
    first_time: int = 0  # answered {"duplicate": false}
    failures: Counter[str] = field(default_factory=Counter)
    unfinished: int = 0  # not sent when the time limit struck

    @property
    def rate(self) -> float:
        return self.sent / self.seconds if self.seconds > 0 else 0.0


async def _deliver(
    base_url: str,
    events: list[StormEvent],
    order: list[int],
    secret: str,
    concurrency: int,
    max_seconds: float,
) -> DeliveryStats:
    stats = DeliveryStats()
    queue = iter(order)
    deadline = time.monotonic() + max_seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async def worker(client: httpx.AsyncClient) -> None:
        for index in queue:
            if time.monotonic() >= deadline:
                stats.unfinished += 1
                continue
            event = events[index]
            headers = {
                SIGNATURE_HEADER: sign(event.body, secret),
                "Content-Type": "application/json",
            }
            try:
                response = await client.post(WEBHOOK_PATH, content=event.body, headers=headers)
            except httpx.HTTPError as exc:
                stats.failures[type(exc).__name__] += 1
                continue
            stats.sent += 1
            stats.statuses[response.status_code] += 1
            if response.status_code == 200 and response.json().get("duplicate") is False:
                stats.first_time += 1

    started = time.monotonic()
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=30.0) as client:
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
    stats.seconds = time.monotonic() - started
    return stats


def deliver(
    base_url: str,
    events: list[StormEvent],
    order: list[int],
    secret: str,
    *,
    concurrency: int,
    max_seconds: float,
) -> DeliveryStats:
    """POST every delivery in `order` with `concurrency` at a time, within `max_seconds`."""
    return asyncio.run(_deliver(base_url, events, order, secret, concurrency, max_seconds))


def forged_delivery_refused(base_url: str, events: list[StormEvent]) -> str | None:
    """A delivery with a wrong signature must be a 400; why not, or None when it is."""
    body = events[0].body
    headers = {
        SIGNATURE_HEADER: sign(body, "not-the-secret-0123456789"),
        "Content-Type": "application/json",
    }
    response = httpx.post(base_url.rstrip("/") + WEBHOOK_PATH, content=body, headers=headers)
    if response.status_code != 400:
        return f"a forged delivery answered {response.status_code}, expected 400"
    return None
