"""Exactly once under duplicates, races and events out of order, on a really committing database."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import func, select

from syllabus.accounts.models import User
from syllabus.catalog.models import Course
from syllabus.commerce import payments, webhooks
from syllabus.commerce.models import Earning, Order, Payment, ProviderEvent, Refund
from syllabus.commerce.providers.sandbox import SIGNATURE_HEADER, event_body, sign
from syllabus.commerce.schemas import WebhookAck
from syllabus.kit import queue
from syllabus.kit.outbox import OutboxMessage
from syllabus.kit.runtime import Runtime
from syllabus.learning.models import Enrollment
from tests.catalog.factories import make_course
from tests.commerce.orders_factory import make_order
from tests.factories import make_user
from tests.support.races import all_at_once

DELIVERIES = 50


def _setup(rt: Runtime, *, price: int = 2999) -> tuple[User, User, Course, Order]:
    with rt.db.session_scope() as s:
        instructor = make_user(s, role="instructor")
        buyer = make_user(s)
        course = make_course(s, instructor, price=price)
        order = make_order(s, buyer, [course])
        s.expunge_all()
    return instructor, buyer, course, order


def _signed(rt: Runtime, kind: str, order: Order, **extra: Any) -> tuple[bytes, dict[str, str]]:
    body = event_body(
        kind, order_id=order.id, amount=order.total_amount, currency=order.currency, **extra
    )
    return body, {SIGNATURE_HEADER: sign(body, rt.settings.sandbox_webhook_secret)}


def _event_id(body: bytes) -> str:
    return str(orjson.loads(body)["id"])


def _stored_ids(rt: Runtime, bodies: list[bytes]) -> list[str]:
    """Our ids of the stored events sent with these bodies."""
    wanted = [_event_id(body) for body in bodies]
    with rt.db.session_scope() as s:
        return list(s.scalars(select(ProviderEvent.id).where(ProviderEvent.event_id.in_(wanted))))


def _receive(rt: Runtime, body: bytes, headers: dict[str, str]) -> WebhookAck:
    with rt.db.session_scope() as session:
        return webhooks.receive(session, rt, "sandbox", headers, body)


def _count(rt: Runtime, model: type, *conditions: Any) -> int:
    with rt.db.session_scope() as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*conditions)) or 0)


def _order(rt: Runtime, order_id: str) -> Order:
    with rt.db.session_scope() as s:
        order = s.get(Order, order_id)
        assert order is not None
        s.expunge(order)
        return order


def _enrollments(rt: Runtime, user_id: str) -> list[tuple[str, str]]:
    with rt.db.session_scope() as s:
        rows = s.execute(
            select(Enrollment.course_id, Enrollment.status).where(Enrollment.user_id == user_id)
        )
        return [(row.course_id, row.status) for row in rows]


def _enrollment_count(rt: Runtime, course_id: str) -> int:
    with rt.db.session_scope() as s:
        return int(s.scalar(select(Course.enrollment_count).where(Course.id == course_id)) or 0)


def test_fifty_concurrent_deliveries_of_one_event_grant_once(committed_runtime: Runtime) -> None:
    rt = committed_runtime
    instructor, buyer, course, order = _setup(rt)
    body, headers = _signed(rt, "payment.succeeded", order)
    event_id = _event_id(body)

    acks = all_at_once([lambda: _receive(rt, body, headers) for _ in range(DELIVERIES)])

    assert all(ack.received for ack in acks)
    assert sum(not ack.duplicate for ack in acks) == 1
    assert _count(rt, ProviderEvent, ProviderEvent.event_id == event_id) == 1
    assert _count(rt, OutboxMessage, OutboxMessage.task == "commerce.process_event") == 1
    queue.drain()

    assert _order(rt, order.id).status == "paid"
    assert _enrollments(rt, buyer.id) == [(course.id, "active")]
    assert _enrollment_count(rt, course.id) == 1
    sales = (Earning.instructor_id == instructor.id, Earning.kind == "sale")
    assert _count(rt, Earning, *sales) == 1
    assert _count(rt, Payment, Payment.order_id == order.id) == 1


def test_two_different_success_events_processed_at_once_grant_once(
    committed_runtime: Runtime,
) -> None:
    """A webhook and a return-page confirmation of one payment race each other."""
    rt = committed_runtime
    instructor, buyer, course, order = _setup(rt)
    bodies = []
    for _ in range(2):  # two events, two event ids, one payment
        body, headers = _signed(rt, "payment.succeeded", order)
        assert _receive(rt, body, headers).duplicate is False
        bodies.append(body)
    stored = _stored_ids(rt, bodies)
    assert len(stored) == 2
    queue.huey.flush()  # processed below, by hand and at once

    def process(provider_event_id: str) -> str:
        with rt.db.session_scope() as session:
            return webhooks.process_event(session, rt, provider_event_id)

    def verify_style() -> str:
        with rt.db.session_scope() as session:
            locked = session.get(Order, order.id)
            assert locked is not None
            return payments.apply_payment_succeeded(
                session,
                rt,
                locked,
                amount=locked.total_amount,
                currency=locked.currency,
                payment_id=f"sbx_pay_{order.id}",
                cause="razorpay:verify",
            )

    outcomes = all_at_once([*(lambda i=i: process(i) for i in stored), verify_style])

    assert sorted(outcomes) == ["applied", "ignored", "ignored"]
    assert _order(rt, order.id).status == "paid"
    assert _enrollments(rt, buyer.id) == [(course.id, "active")]
    assert _enrollment_count(rt, course.id) == 1
    assert _count(rt, Earning, Earning.instructor_id == instructor.id) == 1
    assert _count(rt, Payment, Payment.order_id == order.id) == 1


def test_a_refund_reported_before_its_payment_waits_for_it(committed_runtime: Runtime) -> None:
    rt = committed_runtime
    instructor, buyer, course, order = _setup(rt, price=4900)
    refund_body, refund_headers = _signed(
        rt, "refund.succeeded", order, refund_id="sbx_re_dashboard_1"
    )

    _receive(rt, refund_body, refund_headers)
    queue.drain()
    with rt.db.session_scope() as s:
        waiting = s.scalars(select(ProviderEvent).where(ProviderEvent.type == "refund.succeeded"))
        parked = waiting.one()
        assert (parked.outcome, parked.processed_at) == ("deferred", None)
        assert parked.order_id == order.id
    assert _order(rt, order.id).status == "pending"

    _receive(rt, *_signed(rt, "payment.succeeded", order))
    queue.drain()

    final = _order(rt, order.id)
    assert (final.status, final.refunded_amount) == ("refunded", 4900)
    assert _enrollments(rt, buyer.id) == [(course.id, "revoked")]
    assert _enrollment_count(rt, course.id) == 0
    with rt.db.session_scope() as s:
        refund = s.scalars(select(Refund).where(Refund.order_id == order.id)).one()
        assert (refund.status, refund.amount) == ("succeeded", 4900)
        outcomes = s.scalars(
            select(ProviderEvent.outcome).where(ProviderEvent.order_id == order.id)
        ).all()
        assert sorted(o or "" for o in outcomes) == ["applied", "applied"]
        ledger = s.scalars(
            select(Earning.instructor_amount).where(Earning.instructor_id == instructor.id)
        ).all()
    assert len(ledger) == 2
    assert sum(ledger) == 0


def test_refund_and_payment_processed_at_the_same_moment_end_refunded(
    committed_runtime: Runtime,
) -> None:
    rt = committed_runtime
    _, buyer, course, order = _setup(rt, price=1200)
    refund = _signed(rt, "refund.succeeded", order, refund_id="sbx_re_race_1")
    payment = _signed(rt, "payment.succeeded", order)
    _receive(rt, *refund)
    _receive(rt, *payment)
    ids = _stored_ids(rt, [refund[0], payment[0]])
    queue.huey.flush()
    assert len(ids) == 2

    def process(provider_event_id: str) -> str:
        with rt.db.session_scope() as session:
            return webhooks.process_event(session, rt, provider_event_id)

    outcomes = all_at_once([lambda i=i: process(i) for i in ids])

    assert "applied" in outcomes
    final = _order(rt, order.id)
    assert (final.status, final.refunded_amount) == ("refunded", 1200)
    assert _enrollments(rt, buyer.id) == [(course.id, "revoked")]
    assert _enrollment_count(rt, course.id) == 0


def test_processing_a_stored_event_again_changes_nothing(committed_runtime: Runtime) -> None:
    rt = committed_runtime
    instructor, buyer, course, order = _setup(rt)
    _receive(rt, *_signed(rt, "payment.succeeded", order))
    queue.drain()
    with rt.db.session_scope() as s:
        event_id = s.scalars(
            select(ProviderEvent.id).where(ProviderEvent.order_id == order.id)
        ).one()
    for _ in range(2):
        with rt.db.session_scope() as session:
            assert webhooks.process_event(session, rt, event_id) == "applied"
    assert _enrollments(rt, buyer.id) == [(course.id, "active")]
    assert _count(rt, Earning, Earning.instructor_id == instructor.id) == 1
