"""Payouts: batches of what instructors are owed, netting refunds made after a payout,
marking a payout paid (once), and who may do what."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from syllabus.admin.audit import AuditEntry
from syllabus.commerce.models import Earning, Order, OrderLine
from syllabus.kit.runtime import Runtime
from tests.catalog.factories import make_course, signed_in
from tests.commerce.orders_factory import API, make_paid_order
from tests.factories import mails_to, make_user

RunJobs = Callable[[], int]


def sold_days_ago(db: Session, order: Order, days: int) -> None:
    """Move a paid order and its ledger entries back in time, as if sold `days` days ago."""
    db.expire_all()
    stored = db.get(Order, order.id)
    assert stored is not None
    assert stored.paid_at is not None
    stored.paid_at -= timedelta(days=days)
    lines = select(OrderLine.id).where(OrderLine.order_id == order.id)
    for entry in db.scalars(select(Earning).where(Earning.order_line_id.in_(lines))):
        entry.created_at -= timedelta(days=days)
        entry.available_at -= timedelta(days=days)
    db.commit()


def create_batch(client: TestClient, headers: dict[str, str], status: int = 201) -> Any:
    response = client.post(
        f"{API}/admin/payouts", json={"note": "Payouts for last month"}, headers=headers
    )
    assert response.status_code == status, response.text
    return response.json()


def mark_paid(client: TestClient, headers: dict[str, str], payout_id: str, reference: str) -> Any:
    return client.post(
        f"{API}/admin/payouts/{payout_id}/mark-paid", json={"reference": reference}, headers=headers
    )


def balance(client: TestClient, headers: dict[str, str], currency: str = "USD") -> dict[str, Any]:
    response = client.get(f"{API}/instructor/earnings", headers=headers)
    assert response.status_code == 200, response.text
    totals: dict[str, Any] = {t["currency"]: t for t in response.json()["totals"]}[currency]
    return totals


def test_a_batch_pays_what_is_available(
    client: TestClient, db: Session, runtime: Runtime, run_jobs: RunJobs
) -> None:
    ada, ada_headers = signed_in(client, db, "instructor")
    bob, bob_headers = signed_in(client, db, "instructor")
    _, admin_headers = signed_in(client, db, "admin")
    settled = [
        make_paid_order(db, runtime, make_user(db), [make_course(db, ada, price=price)])
        for price in (1999, 2500)
    ]
    recent = make_paid_order(db, runtime, make_user(db), [make_course(db, ada, price=4000)])
    euro = make_paid_order(
        db, runtime, make_user(db), [make_course(db, bob, price=3000, currency="EUR")]
    )
    for order in (*settled, euro):
        sold_days_ago(db, order, 31)

    batch = create_batch(client, admin_headers)
    assert batch["note"] == "Payouts for last month"
    assert batch["cutoff_at"]
    payouts = {(p["instructor_id"], p["amount"]["currency"]): p for p in batch["payouts"]}
    assert set(payouts) == {(ada.id, "USD"), (bob.id, "EUR")}
    ada_payout = payouts[(ada.id, "USD")]
    assert ada_payout["amount"]["amount"] == 1399 + 1750
    assert (ada_payout["entry_count"], ada_payout["status"]) == (2, "pending")
    assert ada_payout["instructor_name"] == ada.name
    assert (ada_payout["reference"], ada_payout["paid_at"]) == (None, None)
    assert payouts[(bob.id, "EUR")]["amount"] == {"amount": 2100, "currency": "EUR"}

    # The sale still inside its refund window waits for a later batch.
    db.expire_all()
    recent_line = db.scalars(select(OrderLine).where(OrderLine.order_id == recent.id)).one()
    waiting = db.scalars(select(Earning).where(Earning.order_line_id == recent_line.id)).one()
    assert waiting.payout_id is None
    ada_balance = balance(client, ada_headers)
    assert (ada_balance["available"], ada_balance["in_payout"], ada_balance["pending"]) == (
        0,
        3149,
        2800,
    )
    assert balance(client, bob_headers, "EUR")["in_payout"] == 2100
    audit = db.scalars(select(AuditEntry).where(AuditEntry.action == "payout_batch.create")).one()
    assert audit.target_id == batch["id"]
    assert audit.after is not None
    assert audit.after["totals"] == {"USD": 3149, "EUR": 2100}

    # Everything available went into the batch: a second one has nothing to pay.
    again = create_batch(client, admin_headers, status=409)
    assert again["code"] == "nothing_to_pay"

    listed = client.get(f"{API}/admin/payouts?status=pending", headers=admin_headers).json()
    assert listed["total"] == 2
    assert {p["id"] for p in listed["items"]} == {p["id"] for p in batch["payouts"]}
    assert (
        client.get(f"{API}/admin/payouts?status=paid", headers=admin_headers).json()["total"] == 0
    )
    assert client.get(f"{API}/admin/payouts?status=lost", headers=admin_headers).status_code == 422


def test_mark_paid_emails_the_instructor_once(
    client: TestClient, db: Session, runtime: Runtime, run_jobs: RunJobs
) -> None:
    ada, ada_headers = signed_in(client, db, "instructor")
    admin, admin_headers = signed_in(client, db, "admin")
    order = make_paid_order(db, runtime, make_user(db), [make_course(db, ada, price=1999)])
    sold_days_ago(db, order, 40)
    (payout,) = create_batch(client, admin_headers)["payouts"]

    response = mark_paid(client, admin_headers, payout["id"], "WIRE-2025-0042")
    assert response.status_code == 200, response.text
    paid = response.json()
    assert (paid["status"], paid["reference"]) == ("paid", "WIRE-2025-0042")
    assert paid["paid_at"] is not None
    run_jobs()
    (mail,) = [m for m in mails_to(runtime, ada.email) if "WIRE-2025-0042" in m]
    assert "13.99 USD" in mail
    assert "/instructor/earnings" in mail

    twice = mark_paid(client, admin_headers, payout["id"], "WIRE-2025-0043")
    assert (twice.status_code, twice.json()["code"]) == (409, "payout_not_pending")
    missing = mark_paid(client, admin_headers, "no-such-payout", "WIRE-1")
    assert (missing.status_code, missing.json()["code"]) == (404, "payout_not_found")
    audit = db.scalars(select(AuditEntry).where(AuditEntry.action == "payout.mark_paid")).one()
    assert (audit.actor_id, audit.target_id) == (admin.id, payout["id"])
    assert audit.after == {"status": "paid", "reference": "WIRE-2025-0042"}

    mine = client.get(f"{API}/instructor/payouts", headers=ada_headers)
    assert mine.status_code == 200, mine.text
    assert mine.json()["total"] == 1
    (item,) = mine.json()["items"]
    assert (item["id"], item["status"], item["reference"]) == (
        payout["id"],
        "paid",
        "WIRE-2025-0042",
    )
    assert item["amount"] == {"amount": 1399, "currency": "USD"}
    assert (
        balance(client, ada_headers)["paid_out"],
        balance(client, ada_headers)["in_payout"],
    ) == (
        1399,
        0,
    )
    _, bob_headers = signed_in(client, db, "instructor")
    assert client.get(f"{API}/instructor/payouts", headers=bob_headers).json()["total"] == 0


def test_a_refund_after_payout_is_netted_into_the_next_batch(
    client: TestClient, db: Session, runtime: Runtime, run_jobs: RunJobs
) -> None:
    ada, _ = signed_in(client, db, "instructor")
    _, admin_headers = signed_in(client, db, "admin")
    first = make_paid_order(db, runtime, make_user(db), [make_course(db, ada, price=1999)])
    sold_days_ago(db, first, 35)
    (payout,) = create_batch(client, admin_headers)["payouts"]
    assert payout["amount"]["amount"] == 1399
    assert mark_paid(client, admin_headers, payout["id"], "WIRE-1").status_code == 200

    # After the payout, an admin refunds the sale: the instructor now owes 1399.
    refunded = client.post(
        f"{API}/admin/orders/{first.id}/refund",
        json={"reason": "Chargeback from the card issuer"},
        headers=admin_headers,
    )
    assert refunded.status_code == 202, refunded.text
    run_jobs()
    assert create_batch(client, admin_headers, status=409)["code"] == "nothing_to_pay"

    second = make_paid_order(db, runtime, make_user(db), [make_course(db, ada, price=2500)])
    sold_days_ago(db, second, 31)
    (netted,) = create_batch(client, admin_headers)["payouts"]
    assert netted["amount"]["amount"] == 1750 - 1399
    assert netted["entry_count"] == 2
    assert netted["instructor_id"] == ada.id


def test_who_may_do_what(client: TestClient, db: Session, runtime: Runtime) -> None:
    ada, ada_headers = signed_in(client, db, "instructor")
    _, student = signed_in(client, db, "student")
    _, admin_headers = signed_in(client, db, "admin")

    empty = create_batch(client, admin_headers, status=409)
    assert empty["code"] == "nothing_to_pay"
    order = make_paid_order(db, runtime, make_user(db), [make_course(db, ada, price=1999)])
    inside_window = create_batch(client, admin_headers, status=409)
    assert inside_window["code"] == "nothing_to_pay"
    sold_days_ago(db, order, 31)

    for headers in (ada_headers, student):
        refused = client.post(f"{API}/admin/payouts", json={}, headers=headers)
        assert (refused.status_code, refused.json()["code"]) == (403, "not_admin")
        assert client.get(f"{API}/admin/payouts", headers=headers).status_code == 403
    assert client.get(f"{API}/instructor/payouts", headers=student).status_code == 403
    assert client.post(f"{API}/admin/payouts").status_code == 401

    (payout,) = create_batch(client, admin_headers)["payouts"]
    denied = mark_paid(client, ada_headers, payout["id"], "SELF-PAID")
    assert (denied.status_code, denied.json()["code"]) == (403, "not_admin")
    without_body = client.post(f"{API}/admin/payouts", headers=admin_headers)
    assert (without_body.status_code, without_body.json()["code"]) == (409, "nothing_to_pay")
    blank = mark_paid(client, admin_headers, payout["id"], "   ")
    assert blank.status_code == 422
