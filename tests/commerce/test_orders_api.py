"""Orders as buyers and admins see them, the sandbox's Pay / Decline, and checkout expiry."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from syllabus.accounts.models import User
from syllabus.catalog.models import Course
from syllabus.commerce import sandbox_gateway, tasks
from syllabus.commerce.errors import OrderNotFound, OrderNotPayable
from syllabus.commerce.models import Coupon, CouponRedemption, Payment, ProviderEvent, Refund
from syllabus.kit.db import utcnow
from syllabus.kit.runtime import Runtime
from syllabus.learning.models import Enrollment
from tests.catalog.factories import actor_of, make_course, signed_in
from tests.commerce.factories import history_of, make_coupon, order_in_db
from tests.commerce.orders_factory import API, make_order, make_paid_order
from tests.factories import mails_to, make_user
from tests.support.queries import counted_statements

RunJobs = Callable[[], int]


def _courses(db: Session, count: int, *, price: int = 1999) -> list[Course]:
    instructor = make_user(db, role="instructor")
    return [make_course(db, instructor, price=price + n * 100) for n in range(count)]


def _active_courses(db: Session, user: User) -> list[str]:
    db.expire_all()
    return list(
        db.scalars(
            select(Enrollment.course_id).where(
                Enrollment.user_id == user.id, Enrollment.status == "active"
            )
        )
    )


# --- the sandbox's hosted checkout ---------------------------------------------------------


def test_pay_on_the_sandbox_page_pays_through_the_webhook_path(
    db: Session, runtime: Runtime, run_jobs: RunJobs
) -> None:
    course = _courses(db, 1)[0]
    buyer = make_user(db)
    order = make_order(db, buyer, [course])

    sandbox_gateway.decide(db, runtime, actor_of(buyer), order.id, "pay")
    db.commit()
    stored = db.scalars(select(ProviderEvent)).one()
    assert (stored.provider, stored.type, stored.outcome) == ("sandbox", "payment.succeeded", None)
    assert stored.payload["data"] == {"order_id": order.id, "amount": 1999, "currency": "USD"}
    run_jobs()

    paid = order_in_db(db, order.id)
    assert paid.status == "paid"
    assert _active_courses(db, buyer) == [course.id]
    assert history_of(db, order.id)[-1] == ("pending", "paid", f"webhook:sandbox:{stored.event_id}")
    receipts = mails_to(runtime, buyer.email)
    assert len(receipts) == 1
    assert course.title in receipts[0]


def test_decline_on_the_sandbox_page_fails_the_order(
    db: Session, runtime: Runtime, run_jobs: RunJobs
) -> None:
    course = _courses(db, 1)[0]
    coupon = make_coupon(db, course, percent_off=50)
    buyer = make_user(db)
    order = make_order(db, buyer, [course], coupon=coupon)

    sandbox_gateway.decide(db, runtime, actor_of(buyer), order.id, "decline")
    db.commit()
    run_jobs()

    failed = order_in_db(db, order.id)
    assert failed.status == "failed"
    assert _active_courses(db, buyer) == []
    payment = db.scalars(select(Payment).where(Payment.order_id == order.id)).one()
    assert (payment.status, payment.detail) == ("failed", sandbox_gateway.DECLINE_REASON)
    assert db.get(Coupon, coupon.id).redemption_count == 0  # type: ignore[union-attr]
    assert history_of(db, order.id)[-1][:2] == ("pending", "failed")


def test_the_sandbox_page_refuses_orders_it_cannot_pay(db: Session, runtime: Runtime) -> None:
    courses = _courses(db, 2)
    buyer, stranger = make_user(db), make_user(db)
    order = make_order(db, buyer, courses[:1])
    stripe_order = make_order(db, buyer, courses[1:], provider="stripe", provider_ref="cs_test_1")

    with pytest.raises(OrderNotFound) as not_theirs:
        sandbox_gateway.decide(db, runtime, actor_of(stranger), order.id, "pay")
    assert not_theirs.value.status == 404
    with pytest.raises(OrderNotFound):
        sandbox_gateway.decide(db, runtime, actor_of(buyer), stripe_order.id, "pay")
    with pytest.raises(OrderNotFound):
        sandbox_gateway.decide(db, runtime, actor_of(buyer), "no-such-order", "pay")
    db.rollback()

    paid = make_paid_order(db, runtime, buyer, [make_course(db, make_user(db, role="instructor"))])
    with pytest.raises(OrderNotPayable) as settled:
        sandbox_gateway.decide(db, runtime, actor_of(buyer), paid.id, "pay")
    assert (settled.value.status, settled.value.code) == (409, "order_not_payable")
    db.rollback()
    assert db.scalar(select(func.count()).select_from(ProviderEvent)) == 0


# --- expiry --------------------------------------------------------------------------------


def test_the_expiry_job_expires_unpaid_checkouts_past_their_deadline(
    db: Session, runtime: Runtime
) -> None:
    courses = _courses(db, 3)
    coupon = make_coupon(db, courses[0], percent_off=10, max_redemptions=1)
    buyer = make_user(db)
    past = utcnow() - timedelta(minutes=1)
    overdue = make_order(db, buyer, courses[:1], coupon=coupon, expires_at=past)
    still_open = make_order(db, buyer, courses[1:2], expires_at=utcnow() + timedelta(minutes=30))
    paid = make_order(db, make_user(db), courses[2:], status="paid", expires_at=past)
    assert db.get(Coupon, coupon.id).redemption_count == 1  # type: ignore[union-attr]

    assert tasks.expire_pending_orders.call_local() == 1

    assert order_in_db(db, overdue.id).status == "expired"
    assert history_of(db, overdue.id)[-1] == ("pending", "expired", "expiry")
    assert db.get(Coupon, coupon.id).redemption_count == 0  # type: ignore[union-attr]
    assert db.scalar(select(func.count()).select_from(CouponRedemption)) == 0
    assert order_in_db(db, still_open.id).status == "pending"
    assert order_in_db(db, paid.id).status == "paid"
    # Nothing is left to do on a second run.
    assert tasks.expire_orders_now() == 0


def test_an_expired_checkout_can_no_longer_be_paid_on_the_sandbox_page(
    db: Session, runtime: Runtime
) -> None:
    buyer = make_user(db)
    order = make_order(db, buyer, _courses(db, 1), expires_at=utcnow() - timedelta(seconds=5))
    assert tasks.expire_orders_now() == 1
    db.expire_all()
    with pytest.raises(OrderNotPayable):
        sandbox_gateway.decide(db, runtime, actor_of(buyer), order.id, "pay")


# --- reading orders ------------------------------------------------------------------------


def test_orders_are_listed_newest_first_and_filtered(client: TestClient, db: Session) -> None:
    courses = _courses(db, 3)
    buyer, headers = signed_in(client, db, "student")
    start = utcnow() - timedelta(days=3)
    statuses = ["failed", "paid", "pending"]
    made = [
        make_order(db, buyer, [course], status=status, created_at=start + timedelta(hours=n))
        for n, (course, status) in enumerate(zip(courses, statuses, strict=True))
    ]

    first = client.get(f"{API}/orders?page_size=2", headers=headers).json()
    assert (first["total"], first["page"], first["page_size"]) == (3, 1, 2)
    assert [o["id"] for o in first["items"]] == [made[2].id, made[1].id]
    second = client.get(f"{API}/orders?page_size=2&page=2", headers=headers).json()
    assert [o["id"] for o in second["items"]] == [made[0].id]
    only_paid = client.get(f"{API}/orders?status=paid", headers=headers).json()
    assert [o["id"] for o in only_paid["items"]] == [made[1].id]
    assert client.get(f"{API}/orders").status_code == 401


def test_an_order_shows_refunds_and_the_refund_deadline(
    client: TestClient, db: Session, runtime: Runtime
) -> None:
    courses = _courses(db, 2, price=3000)
    buyer, headers = signed_in(client, db, "student")
    order = make_paid_order(db, runtime, buyer, courses)
    pending = make_order(db, buyer, [make_course(db, make_user(db, role="instructor"))])
    assert order.paid_at is not None

    body = client.get(f"{API}/orders/{order.id}", headers=headers).json()
    assert body["refundable_until"].startswith(
        (order.paid_at + timedelta(days=runtime.settings.refund_window_days)).date().isoformat()
    )
    assert body["subtotal"] == body["total"] == {"amount": 6100, "currency": "USD"}
    assert [line["enrolled"] for line in body["lines"]] == [True, True]
    assert body["refunds"] == []
    not_paid = client.get(f"{API}/orders/{pending.id}", headers=headers).json()
    assert not_paid["refundable_until"] is None

    refund = Refund(
        order_id=order.id,
        provider="sandbox",
        amount=6100,
        currency="USD",
        status="succeeded",
        line_ids=[],
        reason="Bought by mistake",
        completed_at=utcnow(),
    )
    db.add(refund)
    order_row = order_in_db(db, order.id)
    order_row.refunded_amount, order_row.status = 6100, "refunded"
    db.commit()
    refunded = client.get(f"{API}/orders/{order.id}", headers=headers).json()
    assert refunded["refundable_until"] is None
    assert refunded["refunded"] == {"amount": 6100, "currency": "USD"}
    assert [(r["id"], r["status"], r["amount"]["amount"]) for r in refunded["refunds"]] == [
        (refund.id, "succeeded", 6100)
    ]


def _orders_with_lines_and_refunds(db: Session, buyer: User, courses: list[Course], n: int) -> None:
    for index in range(n):
        order = make_order(db, buyer, courses, status="partially_refunded" if index % 2 else "paid")
        if index % 2:
            db.add(
                Refund(
                    order_id=order.id,
                    provider="sandbox",
                    amount=500,
                    currency="USD",
                    status="succeeded",
                    line_ids=[],
                    reason="Goodwill",
                )
            )
    db.commit()


def test_a_page_of_orders_costs_the_same_queries_whatever_its_size(
    client: TestClient, db: Session, runtime: Runtime
) -> None:
    courses = _courses(db, 2)
    few_buyer, few_headers = signed_in(client, db, "student")
    many_buyer, many_headers = signed_in(client, db, "student")
    _orders_with_lines_and_refunds(db, few_buyer, courses, 2)
    _orders_with_lines_and_refunds(db, many_buyer, courses, 20)
    url = f"{API}/orders?page_size=20"
    for headers in (few_headers, many_headers):  # warm any per-user caches first
        assert client.get(url, headers=headers).status_code == 200

    with counted_statements(runtime) as few:
        few_page = client.get(url, headers=few_headers).json()
    with counted_statements(runtime) as many:
        many_page = client.get(url, headers=many_headers).json()

    assert len(few_page["items"]) == 2
    assert len(many_page["items"]) == 20
    assert all(len(item["lines"]) == 2 for item in many_page["items"])
    assert sum(len(item["refunds"]) for item in many_page["items"]) == 10
    # The count, the orders, their lines, their refunds (plus the sign-in check).
    assert 4 <= len(few) <= 8, few
    assert len(many) == len(few), many
