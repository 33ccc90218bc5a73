"""Webhooks end to end: a signed sandbox delivery pays the order; forged ones leave no trace."""

from __future__ import annotations

import time
from collections.abc import Callable

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from syllabus.catalog.models import Course
from syllabus.commerce.models import (
    CartItem,
    Coupon,
    CouponRedemption,
    Earning,
    Order,
    Payment,
    ProviderEvent,
)
from syllabus.commerce.providers.sandbox import SIGNATURE_HEADER, sign
from syllabus.kit.runtime import Runtime
from syllabus.learning.models import Enrollment
from tests.catalog.factories import make_course, signed_in
from tests.commerce.factories import history_of, make_coupon, order_in_db
from tests.commerce.orders_factory import API, deliver, make_order, signed_delivery
from tests.factories import bearer, login, mails_to, make_user

RunJobs = Callable[[], int]


def enrollments_of(db: Session, user_id: str) -> list[Enrollment]:
    db.expire_all()
    return list(db.scalars(select(Enrollment).where(Enrollment.user_id == user_id)))


def count(db: Session, model: type, *conditions: object) -> int:
    db.expire_all()
    return int(db.scalar(select(func.count()).select_from(model).where(*conditions)) or 0)


def test_sandbox_payment_pays_the_order_and_enrolls(
    client: TestClient, db: Session, runtime: Runtime, run_jobs: RunJobs
) -> None:
    instructor = make_user(db, role="instructor", name="Ada Teacher")
    python = make_course(db, instructor, title="Python from scratch", price=1999)
    sql = make_course(db, instructor, title="SQL for analysts", price=2500)
    buyer, headers = signed_in(client, db, "student")
    db.add_all([CartItem(user_id=buyer.id, course_id=c.id) for c in (python, sql)])
    db.commit()
    order = make_order(db, buyer, [python, sql])

    response = deliver(client, runtime, "payment.succeeded", order)
    assert response.status_code == 200, response.text
    assert response.json() == {"received": True, "duplicate": False}
    # Answered at once: the order moves when the job runs.
    assert order_in_db(db, order.id).status == "pending"
    assert run_jobs() >= 1

    paid = order_in_db(db, order.id)
    assert paid.status == "paid"
    assert paid.paid_at is not None
    assert paid.provider_payment_id == f"sbx_pay_{order.id}"
    enrolled = {e.course_id: e for e in enrollments_of(db, buyer.id)}
    assert set(enrolled) == {python.id, sql.id}
    assert {e.source for e in enrolled.values()} == {"purchase"}
    assert {e.status for e in enrolled.values()} == {"active"}
    for course in (python, sql):
        assert db.get(Course, course.id).enrollment_count == 1  # type: ignore[union-attr]
    payment = db.scalars(select(Payment).where(Payment.order_id == order.id)).one()
    assert (payment.status, payment.amount, payment.currency) == ("succeeded", 4499, "USD")
    stored = db.scalars(select(ProviderEvent).where(ProviderEvent.order_id == order.id)).one()
    assert (stored.outcome, stored.type) == ("applied", "payment.succeeded")
    assert stored.processed_at is not None
    cause = f"webhook:sandbox:{stored.event_id}"
    assert history_of(db, order.id)[-2:] == [(None, "succeeded", cause), ("pending", "paid", cause)]
    assert count(db, Earning, Earning.kind == "sale", Earning.instructor_id == instructor.id) == 2
    assert count(db, CartItem, CartItem.user_id == buyer.id) == 0

    receipts = mails_to(runtime, buyer.email)
    assert len(receipts) == 1
    assert "Python from scratch" in receipts[0]
    assert "SQL for analysts" in receipts[0]
    assert "44.99" in receipts[0]
    assert f"/orders/{order.id}" in receipts[0]

    mine = client.get(f"{API}/orders", headers=headers)
    assert mine.status_code == 200, mine.text
    assert mine.json()["total"] == 1
    listed = mine.json()["items"][0]
    assert (listed["id"], listed["status"], listed["provider"]) == (order.id, "paid", "sandbox")
    assert listed["total"] == {"amount": 4499, "currency": "USD"}
    assert {line["course_id"]: line["enrolled"] for line in listed["lines"]} == {
        python.id: True,
        sql.id: True,
    }

    one = client.get(f"{API}/orders/{order.id}", headers=headers)
    assert one.status_code == 200, one.text
    body = one.json()
    assert body["status"] == "paid"
    assert [line["price"]["amount"] for line in body["lines"]] == [1999, 2500]
    assert body["history"][-1]["to_status"] == "paid"
    assert body["history"][-1]["cause"] == cause
    assert body["refundable_until"] is not None
    assert body["flag_reason"] is None

    _, stranger = signed_in(client, db, "student")
    hidden = client.get(f"{API}/orders/{order.id}", headers=stranger)
    assert (hidden.status_code, hidden.json()["code"]) == (404, "order_not_found")
    assert client.get(f"{API}/orders", headers=stranger).json()["total"] == 0
    assert client.get(f"{API}/admin/orders", headers=stranger).status_code == 403

    admin = make_user(db, role="admin")
    admin_headers = bearer(login(client, admin.email))
    assert client.get(f"{API}/orders/{order.id}", headers=admin_headers).json()["id"] == order.id
    paid_list = client.get(f"{API}/admin/orders?status=paid", headers=admin_headers).json()
    assert order.id in [item["id"] for item in paid_list["items"]]
    pending_list = client.get(f"{API}/admin/orders?status=pending", headers=admin_headers).json()
    assert order.id not in [item["id"] for item in pending_list["items"]]
    bad_filter = client.get(f"{API}/admin/orders?status=lost", headers=admin_headers)
    assert bad_filter.status_code == 422


def test_the_signature_covers_the_exact_bytes_sent(
    client: TestClient, db: Session, runtime: Runtime, run_jobs: RunJobs
) -> None:
    """A body formatted differently from ours (spaces, key order) is still verified as sent."""
    course = make_course(db, make_user(db, role="instructor"), price=1500)
    buyer = make_user(db)
    order = make_order(db, buyer, [course])
    body = (
        b'{\n  "type": "payment.succeeded",\n  "id": "sbx_evt_pretty_1",\n'
        b'  "data": {"currency": "USD", "amount": 1500,\n'
        b'           "order_id": "' + order.id.encode() + b'"}\n}'
    )
    headers = {SIGNATURE_HEADER: sign(body, runtime.settings.sandbox_webhook_secret)}
    response = client.post(f"{API}/webhooks/sandbox", content=body, headers=headers)
    assert response.status_code == 200, response.text
    run_jobs()
    assert order_in_db(db, order.id).status == "paid"
    stored = db.scalars(select(ProviderEvent).where(ProviderEvent.event_id == "sbx_evt_pretty_1"))
    assert stored.one().payload["data"]["amount"] == 1500


def _stale(runtime: Runtime, body: bytes) -> dict[str, str]:
    old = int(time.time()) - 3600
    return {SIGNATURE_HEADER: sign(body, runtime.settings.sandbox_webhook_secret, old)}


def _wrong_secret(runtime: Runtime, body: bytes) -> dict[str, str]:
    return {SIGNATURE_HEADER: sign(body, "not-the-sandbox-secret-at-all")}


def _missing(runtime: Runtime, body: bytes) -> dict[str, str]:
    return {"Content-Type": "application/json"}


def _garbled(runtime: Runtime, body: bytes) -> dict[str, str]:
    return {SIGNATURE_HEADER: "v1=deadbeef"}


@pytest.mark.parametrize(
    "headers_for",
    [_stale, _wrong_secret, _missing, _garbled],
    ids=["stale-timestamp", "wrong-secret", "missing-header", "malformed-header"],
)
def test_bad_signatures_are_refused_and_nothing_is_stored(
    client: TestClient,
    db: Session,
    runtime: Runtime,
    run_jobs: RunJobs,
    headers_for: Callable[[Runtime, bytes], dict[str, str]],
) -> None:
    course = make_course(db, make_user(db, role="instructor"))
    buyer = make_user(db)
    order = make_order(db, buyer, [course])
    body, _ = signed_delivery(runtime, "payment.succeeded", order)

    response = client.post(
        f"{API}/webhooks/sandbox", content=body, headers=headers_for(runtime, body)
    )
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "invalid_signature"
    run_jobs()
    assert count(db, ProviderEvent) == 0
    assert order_in_db(db, order.id).status == "pending"
    assert enrollments_of(db, buyer.id) == []


def test_a_body_changed_after_signing_is_refused(
    client: TestClient, db: Session, runtime: Runtime
) -> None:
    course = make_course(db, make_user(db, role="instructor"), price=9900)
    order = make_order(db, make_user(db), [course])
    body, headers = signed_delivery(runtime, "payment.succeeded", order)
    tampered = orjson.loads(body)
    tampered["data"]["amount"] = 1
    response = client.post(
        f"{API}/webhooks/sandbox", content=orjson.dumps(tampered), headers=headers
    )
    assert (response.status_code, response.json()["code"]) == (400, "invalid_signature")
    assert count(db, ProviderEvent) == 0


def test_unknown_and_unconfigured_providers_are_404(
    client: TestClient, db: Session, runtime: Runtime
) -> None:
    order = make_order(db, make_user(db), [make_course(db, make_user(db, role="instructor"))])
    body, headers = signed_delivery(runtime, "payment.succeeded", order)
    for provider in ("bitpay", "paypal"):  # paypal has no settings in tests
        response = client.post(f"{API}/webhooks/{provider}", content=body, headers=headers)
        assert response.status_code == 404, response.text
        assert response.json()["code"] == "provider_not_found"
    assert count(db, ProviderEvent) == 0


def test_payment_failed_fails_the_order_and_frees_the_coupon(
    client: TestClient, db: Session, runtime: Runtime, run_jobs: RunJobs
) -> None:
    course = make_course(db, make_user(db, role="instructor"), price=4000)
    coupon = make_coupon(db, course, percent_off=25, max_redemptions=1)
    buyer = make_user(db)
    order = make_order(db, buyer, [course], coupon=coupon)
    assert order.total_amount == 3000
    assert count(db, CouponRedemption, CouponRedemption.order_id == order.id) == 1

    response = deliver(client, runtime, "payment.failed", order, reason="Card declined")
    assert response.status_code == 200, response.text
    run_jobs()

    failed = order_in_db(db, order.id)
    assert failed.status == "failed"
    assert db.get(Coupon, coupon.id).redemption_count == 0  # type: ignore[union-attr]
    assert count(db, CouponRedemption, CouponRedemption.coupon_id == coupon.id) == 0
    last = db.scalars(select(Payment).where(Payment.order_id == order.id)).one()
    assert (last.status, last.detail) == ("failed", "Card declined")
    assert history_of(db, order.id)[-1][:2] == ("pending", "failed")
    assert enrollments_of(db, buyer.id) == []
    assert mails_to(runtime, buyer.email) == []


@pytest.mark.parametrize(
    ("amount", "currency"), [(100, None), (None, "EUR")], ids=["amount", "currency"]
)
def test_a_payment_that_does_not_match_the_order_is_flagged(
    client: TestClient,
    db: Session,
    runtime: Runtime,
    run_jobs: RunJobs,
    amount: int | None,
    currency: str | None,
) -> None:
    instructor = make_user(db, role="instructor")
    course = make_course(db, instructor, price=1999)
    buyer, headers = signed_in(client, db, "student")
    order = make_order(db, buyer, [course])

    response = deliver(
        client, runtime, "payment.succeeded", order, amount=amount, currency=currency
    )
    assert response.status_code == 200, response.text
    run_jobs()

    flagged = order_in_db(db, order.id)
    assert flagged.status == "pending"
    assert flagged.paid_at is None
    reported = "1.00 USD" if amount else "19.99 EUR"
    assert flagged.flag_reason is not None
    assert reported in flagged.flag_reason
    assert "19.99 USD" in flagged.flag_reason
    assert enrollments_of(db, buyer.id) == []
    assert count(db, Earning, Earning.instructor_id == instructor.id) == 0
    payment = db.scalars(select(Payment).where(Payment.order_id == order.id)).one()
    assert payment.status == "flagged"
    stored = db.scalars(select(ProviderEvent).where(ProviderEvent.order_id == order.id)).one()
    assert stored.outcome == "flagged"
    assert history_of(db, order.id)[-1][1] == "flagged"
    assert mails_to(runtime, buyer.email) == []
    shown = client.get(f"{API}/orders/{order.id}", headers=headers).json()
    assert (shown["status"], shown["flag_reason"]) == ("pending", flagged.flag_reason)


def test_the_same_event_three_times_is_applied_once(
    client: TestClient, db: Session, runtime: Runtime, run_jobs: RunJobs
) -> None:
    instructor = make_user(db, role="instructor")
    course = make_course(db, instructor, price=2999)
    buyer = make_user(db)
    order = make_order(db, buyer, [course])
    body, headers = signed_delivery(runtime, "payment.succeeded", order)

    answers = [
        client.post(f"{API}/webhooks/sandbox", content=body, headers=headers) for _ in range(3)
    ]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert [a.json()["duplicate"] for a in answers] == [False, True, True]
    run_jobs()
    # A redelivery after processing is still only acknowledged.
    late = client.post(f"{API}/webhooks/sandbox", content=body, headers=headers)
    assert late.json() == {"received": True, "duplicate": True}
    run_jobs()

    assert count(db, ProviderEvent) == 1
    assert len(enrollments_of(db, buyer.id)) == 1
    assert count(db, Earning, Earning.instructor_id == instructor.id, Earning.kind == "sale") == 1
    assert count(db, Payment, Payment.order_id == order.id) == 1
    assert db.get(Course, course.id).enrollment_count == 1  # type: ignore[union-attr]
    assert [h[1] for h in history_of(db, order.id)].count("paid") == 1
    assert len(mails_to(runtime, buyer.email)) == 1


def test_a_late_payment_of_an_expired_order_is_taken(
    client: TestClient, db: Session, runtime: Runtime, run_jobs: RunJobs
) -> None:
    """The buyer paid after the checkout expired: the money was taken, so the order is paid
    and the coupon use it had given back is taken again."""
    course = make_course(db, make_user(db, role="instructor"), price=5000)
    coupon = make_coupon(db, course, amount_off=1000, max_redemptions=1)
    buyer = make_user(db)
    order = make_order(db, buyer, [course], status="expired", coupon=coupon)
    assert db.get(Coupon, coupon.id).redemption_count == 0  # type: ignore[union-attr]

    assert deliver(client, runtime, "payment.succeeded", order).status_code == 200
    run_jobs()

    assert order_in_db(db, order.id).status == "paid"
    assert [e.course_id for e in enrollments_of(db, buyer.id)] == [course.id]
    assert db.get(Coupon, coupon.id).redemption_count == 1  # type: ignore[union-attr]
    assert count(db, CouponRedemption, CouponRedemption.order_id == order.id) == 1
    assert history_of(db, order.id)[-1][:2] == ("expired", "paid")


def test_an_event_for_no_known_order_is_stored_and_ignored(
    client: TestClient, db: Session, runtime: Runtime, run_jobs: RunJobs
) -> None:
    order = make_order(db, make_user(db), [make_course(db, make_user(db, role="instructor"))])
    db.delete(db.get(Order, order.id))
    db.commit()
    assert deliver(client, runtime, "payment.succeeded", order).status_code == 200
    run_jobs()
    stored = db.scalars(select(ProviderEvent)).one()
    assert (stored.outcome, stored.order_id) == ("ignored", None)
    assert stored.detail == "No order matches this event."
    assert stored.processed_at is not None


def test_the_payment_routes_are_in_the_api_document(client: TestClient) -> None:
    paths = client.get(f"{API}/openapi.json").json()["paths"]
    webhook = paths[f"{API}/webhooks/{{provider}}"]["post"]
    assert "application/json" in webhook["requestBody"]["content"]
    assert {"400", "404"} <= set(webhook["responses"])
    for path in ("/orders", "/orders/{order_id}", "/admin/orders", "/payments/razorpay/verify"):
        assert f"{API}{path}" in paths
