"""Refunds: the buyer's request inside the window, per-course and partial refunds by an admin,
provider failures, and the sandbox's confirmation webhook that must change nothing more."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from syllabus.accounts.models import User
from syllabus.admin.audit import AuditEntry
from syllabus.catalog.models import Course
from syllabus.commerce.errors import ProviderError
from syllabus.commerce.models import Earning, Order, OrderLine, ProviderEvent, Refund
from syllabus.commerce.providers.sandbox import SandboxProvider
from syllabus.kit.runtime import Runtime
from tests.catalog.factories import make_course, signed_in
from tests.commerce.factories import history_of, lines_of, order_in_db
from tests.commerce.orders_factory import API, deliver, make_order, make_paid_order
from tests.factories import bearer, login, mails_to, make_user

RunJobs = Callable[[], int]
REASON = "The course covers less than its description promised."


def enrolled_course_ids(client: TestClient, headers: dict[str, str]) -> set[str]:
    response = client.get(f"{API}/me/enrollments", headers=headers)
    assert response.status_code == 200, response.text
    return {item["course"]["id"] for item in response.json()["items"]}


def enrollment_count(client: TestClient, course: Course) -> int:
    response = client.get(f"{API}/courses/{course.slug}")
    assert response.status_code == 200, response.text
    count: int = response.json()["enrollment_count"]
    return count


def ledger(db: Session, line: OrderLine) -> list[tuple[str, int, int, int]]:
    """(kind, gross, instructor, platform) of a line's earnings, sale first."""
    db.expire_all()
    return [
        (e.kind, e.gross_amount, e.instructor_amount, e.platform_amount)
        for e in db.scalars(
            select(Earning)
            .where(Earning.order_line_id == line.id)
            .order_by(Earning.kind.desc(), Earning.created_at)
        )
    ]


def count(db: Session, model: type, *conditions: object) -> int:
    db.expire_all()
    return int(db.scalar(select(func.count()).select_from(model).where(*conditions)) or 0)


def paid_days_ago(db: Session, order: Order, days: int) -> None:
    """Move the order's payment back in time, as if it had been paid `days` days ago."""
    stored = order_in_db(db, order.id)
    assert stored.paid_at is not None
    stored.paid_at = stored.paid_at - timedelta(days=days)
    db.commit()


def ask_refund(client: TestClient, headers: dict[str, str], order: Order, **body: Any) -> Any:
    return client.post(
        f"{API}/orders/{order.id}/refund-request", json={"reason": REASON, **body}, headers=headers
    )


def instructor_totals(client: TestClient, instructor: User) -> dict[str, Any]:
    response = client.get(
        f"{API}/instructor/earnings", headers=bearer(login(client, instructor.email))
    )
    assert response.status_code == 200, response.text
    totals: dict[str, Any] = {t["currency"]: t for t in response.json()["totals"]}
    return totals


def test_buyer_refund_within_the_window(
    client: TestClient, db: Session, runtime: Runtime, run_jobs: RunJobs
) -> None:
    instructor = make_user(db, role="instructor")
    course = make_course(db, instructor, title="Async Python in practice", price=1999)
    buyer, headers = signed_in(client, db, "student")
    order = make_paid_order(db, runtime, buyer, [course])
    run_jobs()  # the receipt
    (line,) = lines_of(db, order.id)
    assert enrolled_course_ids(client, headers) == {course.id}
    assert enrollment_count(client, course) == 1
    assert instructor_totals(client, instructor)["USD"]["pending"] == 1399

    response = ask_refund(client, headers, order)
    assert response.status_code == 202, response.text
    body = response.json()
    assert (body["status"], body["order_id"], body["reason"]) == ("pending", order.id, REASON)
    assert body["amount"] == {"amount": 1999, "currency": "USD"}
    assert body["line_ids"] == [line.id]
    assert body["completed_at"] is None
    # Nothing moves until the provider has answered.
    assert order_in_db(db, order.id).status == "paid"
    assert enrolled_course_ids(client, headers) == {course.id}

    run_jobs()

    refund = db.get(Refund, body["id"])
    assert refund is not None
    assert (refund.status, refund.failure) == ("succeeded", None)
    assert refund.provider_refund_id == refund.id  # the sandbox echoes our id
    assert refund.completed_at is not None
    refunded = order_in_db(db, order.id)
    assert (refunded.status, refunded.refunded_amount) == ("refunded", 1999)
    (line,) = lines_of(db, order.id)
    assert (line.refunded_amount, line.revoked_at is not None) == (1999, True)
    assert enrolled_course_ids(client, headers) == set()
    assert enrollment_count(client, course) == 0
    assert ledger(db, line) == [("sale", 1999, 1399, 600), ("refund", -1999, -1399, -600)]
    usd = instructor_totals(client, instructor)["USD"]
    assert (usd["instructor"], usd["pending"], usd["available"]) == (0, 0, 0)
    cause = f"refund:{refund.id}"
    history = history_of(db, order.id)
    assert (None, "pending", f"buyer:{buyer.id}") in history
    assert ("pending", "succeeded", cause) in history
    assert ("paid", "refunded", cause) in history
    refund_mails = [m for m in mails_to(runtime, buyer.email) if "We refunded" in m]
    assert len(refund_mails) == 1
    assert "19.99 USD" in refund_mails[0]
    assert "Async Python in practice" in refund_mails[0]
    assert f"/orders/{order.id}" in refund_mails[0]

    # The sandbox's refund.succeeded webhook came through the real path and changed nothing.
    confirmation = db.scalars(
        select(ProviderEvent).where(
            ProviderEvent.order_id == order.id, ProviderEvent.type == "refund.succeeded"
        )
    ).one()
    assert confirmation.outcome == "ignored"
    assert confirmation.processed_at is not None
    assert count(db, Refund, Refund.order_id == order.id) == 1
    assert len(ledger(db, line)) == 2
    assert order_in_db(db, order.id).refunded_amount == 1999
    assert len([m for m in mails_to(runtime, buyer.email) if "We refunded" in m]) == 1

    shown = client.get(f"{API}/orders/{order.id}", headers=headers).json()
    assert shown["status"] == "refunded"
    assert [(r["id"], r["status"]) for r in shown["refunds"]] == [(refund.id, "succeeded")]

    again = ask_refund(client, headers, order)
    assert (again.status_code, again.json()["code"]) == (409, "refund_not_allowed")


def test_refund_of_one_course_of_two(
    client: TestClient, db: Session, runtime: Runtime, run_jobs: RunJobs
) -> None:
    instructor = make_user(db, role="instructor")
    keep = make_course(db, instructor, title="Keeping this one", price=2500)
    drop = make_course(db, instructor, title="Returning this one", price=1999)
    buyer, headers = signed_in(client, db, "student")
    order = make_paid_order(db, runtime, buyer, [keep, drop])
    run_jobs()

    response = ask_refund(client, headers, order, course_ids=[drop.id])
    assert response.status_code == 202, response.text
    assert response.json()["amount"] == {"amount": 1999, "currency": "USD"}
    run_jobs()

    partly = order_in_db(db, order.id)
    assert (partly.status, partly.refunded_amount) == ("partially_refunded", 1999)
    assert enrolled_course_ids(client, headers) == {keep.id}
    assert (enrollment_count(client, keep), enrollment_count(client, drop)) == (1, 0)
    by_course = {line.course_id: line for line in lines_of(db, order.id)}
    assert ledger(db, by_course[drop.id])[-1] == ("refund", -1999, -1399, -600)
    assert ledger(db, by_course[keep.id]) == [("sale", 2500, 1750, 750)]
    assert by_course[keep.id].revoked_at is None

    twice = ask_refund(client, headers, order, course_ids=[drop.id])
    assert (twice.status_code, twice.json()["code"]) == (409, "refund_not_allowed")
    stranger_course = make_course(db, instructor)
    not_in_order = ask_refund(client, headers, order, course_ids=[stranger_course.id])
    assert (not_in_order.status_code, not_in_order.json()["code"]) == (409, "refund_not_allowed")

    # The rest of the order can still be given back.
    rest = ask_refund(client, headers, order)
    assert rest.status_code == 202, rest.text
    assert rest.json()["line_ids"] == [by_course[keep.id].id]
    run_jobs()
    assert order_in_db(db, order.id).status == "refunded"
    assert enrolled_course_ids(client, headers) == set()


def test_refusals(client: TestClient, db: Session, runtime: Runtime, run_jobs: RunJobs) -> None:
    instructor = make_user(db, role="instructor")
    course = make_course(db, instructor, price=1999)
    free_course = make_course(db, instructor, price=0)
    buyer, headers = signed_in(client, db, "student")
    late = make_paid_order(db, runtime, buyer, [course])
    paid_days_ago(db, late, 31)

    closed = ask_refund(client, headers, late)
    assert (closed.status_code, closed.json()["code"]) == (409, "refund_window_closed")
    assert "30 days" in closed.json()["detail"]

    _, stranger = signed_in(client, db, "student")
    hidden = ask_refund(client, stranger, late)
    assert (hidden.status_code, hidden.json()["code"]) == (404, "order_not_found")
    assert ask_refund(client, headers, make_order(db, buyer, [course])).status_code == 409
    pending = make_order(db, make_user(db), [course])
    assert ask_refund(client, stranger, pending).status_code == 404

    other = make_course(db, instructor, price=2900)
    not_paid = make_order(db, buyer, [other])
    refused = ask_refund(client, headers, not_paid)
    assert (refused.status_code, refused.json()["code"]) == (409, "refund_not_allowed")
    free = make_order(db, buyer, [free_course], provider="free", status="paid")
    nothing = ask_refund(client, headers, free)
    assert (nothing.status_code, nothing.json()["code"]) == (409, "refund_not_allowed")
    assert (
        client.post(f"{API}/orders/{late.id}/refund-request", json={"reason": REASON}).status_code
        == 401
    )
    unknown_field = ask_refund(client, headers, late, amount=100)
    assert unknown_field.status_code == 422

    # A line already in a pending refund cannot be asked for again.
    fresh = make_paid_order(db, runtime, buyer, [make_course(db, instructor, price=4900)])
    assert ask_refund(client, headers, fresh).status_code == 202
    racing = ask_refund(client, headers, fresh)
    assert (racing.status_code, racing.json()["code"]) == (409, "refund_not_allowed")

    assert count(db, Refund, Refund.order_id.in_([late.id, not_paid.id, free.id])) == 0
    run_jobs()
    assert order_in_db(db, fresh.id).status == "refunded"
    assert order_in_db(db, late.id).status == "paid"


def test_admin_partial_refund_by_amount(
    client: TestClient, db: Session, runtime: Runtime, run_jobs: RunJobs
) -> None:
    instructor = make_user(db, role="instructor")
    first = make_course(db, instructor, title="Pandas basics", price=1999)
    second = make_course(db, instructor, title="NumPy deep dive", price=2500)
    buyer, headers = signed_in(client, db, "student")
    order = make_paid_order(db, runtime, buyer, [first, second])
    # Admins are not bound by the buyer's window.
    paid_days_ago(db, order, 45)
    admin = make_user(db, role="admin")
    admin_headers = bearer(login(client, admin.email))
    goodwill = {"amount": 1000, "reason": "Goodwill: two lessons had broken audio"}

    denied = client.post(f"{API}/admin/orders/{order.id}/refund", json=goodwill, headers=headers)
    assert (denied.status_code, denied.json()["code"]) == (403, "not_admin")
    _, teacher = signed_in(client, db, "instructor")
    assert (
        client.post(f"{API}/admin/orders/{order.id}/refund", json=goodwill, headers=teacher)
    ).status_code == 403
    too_much = {"amount": 4500, "reason": "More than was paid"}
    over = client.post(
        f"{API}/admin/orders/{order.id}/refund", json=too_much, headers=admin_headers
    )
    assert (over.status_code, over.json()["code"]) == (409, "refund_not_allowed")
    assert (
        client.post(
            f"{API}/admin/orders/nope/refund", json=goodwill, headers=admin_headers
        ).status_code
        == 404
    )

    response = client.post(
        f"{API}/admin/orders/{order.id}/refund", json=goodwill, headers=admin_headers
    )
    assert response.status_code == 202, response.text
    refund_id = response.json()["id"]
    assert (response.json()["line_ids"], response.json()["amount"]["amount"]) == ([], 1000)
    run_jobs()

    partly = order_in_db(db, order.id)
    assert (partly.status, partly.refunded_amount) == ("partially_refunded", 1000)
    assert enrolled_course_ids(client, headers) == {first.id, second.id}
    by_course = {line.course_id: line for line in lines_of(db, order.id)}
    # 1000 spread over 1999 and 2500: 444 and 556; each instructor share reversed to the unit.
    assert by_course[first.id].refunded_amount == 444
    assert by_course[second.id].refunded_amount == 556
    assert ledger(db, by_course[first.id])[-1] == ("refund", -444, -310, -134)
    assert ledger(db, by_course[second.id])[-1] == ("refund", -556, -389, -167)
    assert by_course[first.id].revoked_at is None
    audit = db.scalars(select(AuditEntry).where(AuditEntry.action == "order.refund")).one()
    assert (audit.actor_id, audit.target_id) == (admin.id, order.id)
    assert audit.reason == goodwill["reason"]
    assert audit.after == {
        "refund_id": refund_id,
        "amount": 1000,
        "currency": "USD",
        "line_ids": [],
    }
    assert (None, "pending", f"admin:{admin.id}") in history_of(db, order.id)
    mail = [m for m in mails_to(runtime, buyer.email) if "We refunded" in m][-1]
    assert "10.00 USD" in mail
    assert "Pandas basics" not in mail, "no course is taken away by a partial refund"
    assert "NumPy deep dive" not in mail

    # Refunding what is left, by amount, gives back the whole order: access goes too.
    rest = {"amount": 3499, "reason": "Closing the order"}
    assert (
        client.post(f"{API}/admin/orders/{order.id}/refund", json=rest, headers=admin_headers)
    ).status_code == 202
    run_jobs()
    assert order_in_db(db, order.id).status == "refunded"
    assert enrolled_course_ids(client, headers) == set()
    for line in lines_of(db, order.id):
        assert sum(entry[2] for entry in ledger(db, line)) == 0, "the instructor keeps nothing"
        assert sum(entry[3] for entry in ledger(db, line)) == 0


def test_provider_failure_changes_nothing(
    client: TestClient,
    db: Session,
    runtime: Runtime,
    run_jobs: RunJobs,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    instructor = make_user(db, role="instructor")
    course = make_course(db, instructor, price=1999)
    buyer, headers = signed_in(client, db, "student")
    order = make_paid_order(db, runtime, buyer, [course])
    run_jobs()
    mails_before = len(mails_to(runtime, buyer.email))

    def refuse(self: SandboxProvider, **_: object) -> None:
        raise ProviderError("The card issuer refused the refund: account closed.")

    monkeypatch.setattr(SandboxProvider, "refund", refuse)
    response = ask_refund(client, headers, order)
    assert response.status_code == 202, response.text
    run_jobs()

    shown = client.get(f"{API}/orders/{order.id}", headers=headers).json()
    (refund,) = shown["refunds"]
    assert refund["status"] == "failed"
    assert refund["failure"] == "The card issuer refused the refund: account closed."
    assert (shown["status"], shown["refunded"]["amount"]) == ("paid", 0)
    assert enrolled_course_ids(client, headers) == {course.id}
    assert enrollment_count(client, course) == 1
    (line,) = lines_of(db, order.id)
    assert (line.refunded_amount, line.revoked_at) == (0, None)
    assert ledger(db, line) == [("sale", 1999, 1399, 600)]
    assert history_of(db, order.id)[-1] == ("pending", "failed", f"refund:{refund['id']}")
    assert len(mails_to(runtime, buyer.email)) == mails_before

    # A failed refund does not block asking again once the provider works.
    monkeypatch.undo()
    assert ask_refund(client, headers, order).status_code == 202
    run_jobs()
    assert order_in_db(db, order.id).status == "refunded"


def test_a_refund_made_in_the_provider_dashboard(
    client: TestClient, db: Session, runtime: Runtime, run_jobs: RunJobs
) -> None:
    instructor = make_user(db, role="instructor")
    course = make_course(db, instructor, price=1999)
    buyer, headers = signed_in(client, db, "student")
    order = make_paid_order(db, runtime, buyer, [course])
    run_jobs()

    response = deliver(
        client, runtime, "refund.succeeded", order, amount=500, refund_id="re_dash_1"
    )
    assert response.status_code == 200, response.text
    run_jobs()

    refund = db.scalars(select(Refund).where(Refund.order_id == order.id)).one()
    assert (refund.status, refund.amount, refund.provider_refund_id) == (
        "succeeded",
        500,
        "re_dash_1",
    )
    assert refund.requested_by is None
    partly = order_in_db(db, order.id)
    assert (partly.status, partly.refunded_amount) == ("partially_refunded", 500)
    assert enrolled_course_ids(client, headers) == {course.id}
    (line,) = lines_of(db, order.id)
    assert ledger(db, line)[-1] == ("refund", -500, -349, -151)

    # More than is left is not applied: the order is flagged for a person to look at.
    deliver(client, runtime, "refund.succeeded", order, amount=1600, refund_id="re_dash_2")
    run_jobs()
    flagged = order_in_db(db, order.id)
    assert flagged.refunded_amount == 500
    assert flagged.flag_reason is not None
    assert "exceed" in flagged.flag_reason
    assert count(db, Refund, Refund.order_id == order.id) == 1, "nothing left pending"

    # What is left on the line can still be asked for; access goes with it.
    rest = ask_refund(client, headers, order)
    assert rest.status_code == 202, rest.text
    assert rest.json()["amount"]["amount"] == 1499
    run_jobs()
    assert order_in_db(db, order.id).status == "refunded"
    assert enrolled_course_ids(client, headers) == set()
    assert sum(entry[2] for entry in ledger(db, line)) == 0
