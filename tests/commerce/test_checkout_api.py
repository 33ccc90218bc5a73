"""Checkout: pending orders with snapshotted lines, coupon reservations, refusals, the coupon
race, and zero totals paid at once."""

from __future__ import annotations

from datetime import timedelta
from functools import partial
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from syllabus.commerce import checkout as checkout_service
from syllabus.commerce import coupons
from syllabus.commerce.errors import ProviderError
from syllabus.commerce.models import CommerceEvent, Coupon, CouponRedemption, Order, OrderLine
from syllabus.commerce.providers.base import CheckoutRequest, CheckoutStart
from syllabus.commerce.schemas import CheckoutIn
from syllabus.config import Settings
from syllabus.kit.db import utcnow
from syllabus.kit.runtime import Runtime
from syllabus.learning.models import Enrollment
from tests.catalog.factories import actor_of, make_course, make_enrollment, signed_in
from tests.commerce.factories import (
    API,
    checkout_via_api,
    history_of,
    lines_of,
    make_coupon,
    order_in_db,
    quote_via_api,
    start_checkout,
)
from tests.factories import make_user
from tests.support.races import all_at_once, or_refusal


def orders_of(db: Session, user_id: str) -> list[Order]:
    db.expire_all()
    return list(db.scalars(select(Order).where(Order.user_id == user_id)))


def redemptions(db: Session, coupon: Coupon) -> tuple[int, int]:
    """(the coupon's redemption_count, its redemption rows)."""
    db.expire_all()
    counted = db.scalar(select(Coupon.redemption_count).where(Coupon.id == coupon.id))
    rows = db.scalar(select(func.count()).where(CouponRedemption.coupon_id == coupon.id))
    return int(counted or 0), int(rows or 0)


def test_sandbox_checkout_creates_a_pending_order(
    client: TestClient, db: Session, settings: Settings
) -> None:
    teacher = make_user(db, role="instructor", name="Grace Hopper")
    compilers = make_course(db, teacher, title="Compilers", price=4999)
    cobol = make_course(db, teacher, title="COBOL today", price=1999)
    buyer, headers = signed_in(client, db, "student")
    assert client.put(f"{API}/cart/items/{cobol.id}", headers=headers).status_code == 204
    before = utcnow()

    body = checkout_via_api(client, headers, [compilers.slug, cobol.id])

    order_id = body["order_id"]
    assert body["status"] == "pending"
    assert body["provider"] == "sandbox"
    assert body["redirect_url"] == f"{settings.base_url}/pay/sandbox/{order_id}"
    assert body["client_payload"] is None
    order = order_in_db(db, order_id)
    assert (order.user_id, order.status, order.provider) == (buyer.id, "pending", "sandbox")
    assert (order.currency, order.subtotal_amount, order.discount_amount) == ("USD", 6998, 0)
    assert (order.total_amount, order.refunded_amount, order.paid_at) == (6998, 0, None)
    assert order.provider_ref == f"sbx_{order_id}"
    assert order.coupon_id is None
    expected_expiry = before + timedelta(minutes=settings.checkout_expiry_minutes)
    assert expected_expiry <= order.expires_at <= expected_expiry + timedelta(minutes=1)
    lines = lines_of(db, order_id)
    assert [
        (line.course_id, line.course_title, line.instructor_id, line.list_amount, line.amount)
        for line in lines
    ] == [
        (cobol.id, "COBOL today", teacher.id, 1999, 1999),
        (compilers.id, "Compilers", teacher.id, 4999, 4999),
    ]
    assert all(line.discount_amount == 0 and not line.instructor_coupon for line in lines)
    assert all(line.granted_at is None for line in lines), "nothing granted before payment"
    assert history_of(db, order_id) == [(None, "pending", "checkout")]
    assert db.scalar(select(func.count()).where(Enrollment.user_id == buyer.id)) == 0
    cart = client.get(f"{API}/cart", headers=headers).json()
    assert [line["course_id"] for line in cart["lines"]] == [cobol.id], "kept until paid"


def test_lines_keep_the_price_paid_when_the_course_changes(client: TestClient, db: Session) -> None:
    teacher = make_user(db, role="instructor")
    course = make_course(db, teacher, title="Rust for the brave", price=3000)
    _, headers = signed_in(client, db, "student")
    order_id = checkout_via_api(client, headers, [course.id])["order_id"]
    course.price_amount = 9900
    course.title = "Rust for the brave, 2nd edition"
    db.commit()
    (line,) = lines_of(db, order_id)
    assert (line.course_title, line.list_amount, line.amount) == ("Rust for the brave", 3000, 3000)
    assert order_in_db(db, order_id).total_amount == 3000


def test_checkout_with_the_instructors_own_coupon(client: TestClient, db: Session) -> None:
    teacher = make_user(db, role="instructor")
    course = make_course(db, teacher, price=2999)
    extra = make_course(db, teacher, price=1000)
    coupon = make_coupon(db, course, code="MYSTUDENTS", percent_off=30)
    buyer, headers = signed_in(client, db, "student")
    quoted = quote_via_api(client, headers, [course.id, extra.id], "mystudents").json()

    body = checkout_via_api(client, headers, [course.id, extra.id], coupon="mystudents")

    order = order_in_db(db, body["order_id"])
    assert (order.coupon_id, order.coupon_code) == (coupon.id, "MYSTUDENTS")
    # 2999 * 30% = 899.7 -> 900.
    assert (order.subtotal_amount, order.discount_amount, order.total_amount) == (3999, 900, 3099)
    assert order.total_amount == quoted["totals"][0]["total"], "charged what was quoted"
    by_course = {line.course_id: line for line in lines_of(db, order.id)}
    assert (by_course[course.id].discount_amount, by_course[course.id].amount) == (900, 2099)
    assert by_course[course.id].instructor_coupon is True
    assert (by_course[extra.id].discount_amount, by_course[extra.id].instructor_coupon) == (
        0,
        False,
    )
    assert redemptions(db, coupon) == (1, 1)
    held = db.scalar(select(CouponRedemption).where(CouponRedemption.coupon_id == coupon.id))
    assert held is not None
    assert (held.user_id, held.order_id) == (buyer.id, order.id)


def test_an_admins_course_coupon_or_a_site_wide_one_is_not_the_instructors(
    client: TestClient, db: Session
) -> None:
    teacher = make_user(db, role="instructor")
    admin = make_user(db, role="admin")
    course = make_course(db, teacher, price=2000)
    make_coupon(db, course, code="STAFF", creator=admin, percent_off=10)
    make_coupon(db, None, code="SITEWIDE", amount_off=500, currency="USD")
    _, headers = signed_in(client, db, "student")
    _, other_headers = signed_in(client, db, "student")
    for code, h in (("STAFF", headers), ("SITEWIDE", other_headers)):
        order_id = checkout_via_api(client, h, [course.id], coupon=code)["order_id"]
        (line,) = lines_of(db, order_id)
        assert line.discount_amount in (200, 500)
        assert line.instructor_coupon is False, code


def test_mixed_currencies_are_refused(client: TestClient, db: Session) -> None:
    teacher = make_user(db, role="instructor")
    usd = make_course(db, teacher, price=1999)
    eur = make_course(db, teacher, price=1999, currency="EUR")
    coupon = make_coupon(db, None, code="ANY", percent_off=10)
    buyer, headers = signed_in(client, db, "student")
    response = start_checkout(client, headers, [usd.id, eur.id], coupon="ANY")
    assert response.status_code == 409, response.text
    assert response.json()["code"] == "mixed_currencies"
    assert orders_of(db, buyer.id) == []
    assert redemptions(db, coupon) == (0, 0)
    assert quote_via_api(client, headers, [usd.id, eur.id]).status_code == 200, "quotable"


def test_a_provider_that_is_not_enabled_is_refused(client: TestClient, db: Session) -> None:
    teacher = make_user(db, role="instructor")
    course = make_course(db, teacher)
    buyer, headers = signed_in(client, db, "student")
    for provider in ("stripe", "razorpay", "paypal"):
        response = start_checkout(client, headers, [course.id], provider=provider)
        assert response.status_code == 422, response.text
        assert response.json()["code"] == "provider_not_enabled"
    unknown = start_checkout(client, headers, [course.id], provider="bitcoin")
    assert unknown.status_code == 422
    assert orders_of(db, buyer.id) == []


def test_courses_that_cannot_be_bought(client: TestClient, db: Session) -> None:
    teacher, teacher_headers = signed_in(client, db, "instructor")
    course = make_course(db, teacher)
    unpublished = make_course(db, teacher, status="unpublished")
    draft = make_course(db, teacher, status="draft")
    owned = make_course(db, teacher)
    buyer, headers = signed_in(client, db, "student")
    make_enrollment(db, buyer, owned, source="purchase")

    own = start_checkout(client, teacher_headers, [course.id])
    assert (own.status_code, own.json()["code"]) == (409, "course_not_purchasable")
    for ids in ([unpublished.id], [course.id, draft.slug], ["no-such-course"]):
        response = start_checkout(client, headers, ids)
        assert (response.status_code, response.json()["code"]) == (404, "course_not_found")
    enrolled = start_checkout(client, headers, [course.id, owned.id])
    assert (enrolled.status_code, enrolled.json()["code"]) == (409, "already_enrolled")
    assert orders_of(db, buyer.id) == []
    assert orders_of(db, teacher.id) == []
    assert client.post(f"{API}/checkout", json={"course_ids": [course.id]}).status_code == 401


def test_coupon_refusals_at_checkout_store_nothing(client: TestClient, db: Session) -> None:
    teacher = make_user(db, role="instructor")
    course = make_course(db, teacher)
    make_coupon(db, course, code="EXPIRED", expires_at=utcnow() - timedelta(hours=1))
    buyer, headers = signed_in(client, db, "student")
    for code, expected in (("EXPIRED", "coupon_expired"), ("UNKNOWN", "coupon_not_found")):
        response = start_checkout(client, headers, [course.id], coupon=code)
        assert (response.status_code, response.json()["code"]) == (409, expected)
    assert orders_of(db, buyer.id) == []


def test_max_redemptions_and_one_use_per_buyer(client: TestClient, db: Session) -> None:
    teacher = make_user(db, role="instructor")
    course = make_course(db, teacher, price=5000)
    second_course = make_course(db, teacher, price=5000)
    coupon = make_coupon(db, None, code="FIRSTTWO", percent_off=50, max_redemptions=2)
    first, first_headers = signed_in(client, db, "student")
    _, second_headers = signed_in(client, db, "student")
    third, third_headers = signed_in(client, db, "student")

    for h in (first_headers, second_headers):
        order = order_in_db(
            db, checkout_via_api(client, h, [course.id], coupon="FIRSTTWO")["order_id"]
        )
        assert (order.total_amount, order.coupon_id) == (2500, coupon.id)
    again = start_checkout(client, first_headers, [second_course.id], coupon="FIRSTTWO")
    assert (again.status_code, again.json()["code"]) == (409, "coupon_already_used")
    late = start_checkout(client, third_headers, [course.id], coupon="FIRSTTWO")
    assert (late.status_code, late.json()["code"]) == (409, "coupon_exhausted")
    assert redemptions(db, coupon) == (2, 2)
    assert len(orders_of(db, first.id)) == 1
    assert orders_of(db, third.id) == []
    # Without the coupon the late buyer can still check out, at full price.
    full = order_in_db(db, checkout_via_api(client, third_headers, [course.id])["order_id"])
    assert (full.total_amount, full.coupon_id) == (5000, None)


def test_a_released_use_can_be_taken_again(
    client: TestClient, db: Session, runtime: Runtime
) -> None:
    teacher = make_user(db, role="instructor")
    course = make_course(db, teacher)
    coupon = make_coupon(db, course, code="ONLYONE", max_redemptions=1)
    _, headers = signed_in(client, db, "student")
    _, next_headers = signed_in(client, db, "student")
    order_id = checkout_via_api(client, headers, [course.id], coupon="ONLYONE")["order_id"]
    blocked = start_checkout(client, next_headers, [course.id], coupon="ONLYONE")
    assert blocked.json()["code"] == "coupon_exhausted"

    for _ in range(2):  # releasing twice gives back one use
        with runtime.db.session_scope() as session:
            order = session.get(Order, order_id)
            assert order is not None
            coupons.release_for_order(session, order)
    assert redemptions(db, coupon) == (0, 0)
    taken = checkout_via_api(client, next_headers, [course.id], coupon="ONLYONE")
    assert order_in_db(db, taken["order_id"]).coupon_id == coupon.id
    assert redemptions(db, coupon) == (1, 1)


class _RefusingProvider:
    name = "sandbox"

    def start_checkout(self, request: CheckoutRequest) -> CheckoutStart:
        raise ProviderError("The card network is down.")


def test_a_provider_error_stores_nothing(
    client: TestClient, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    teacher = make_user(db, role="instructor")
    course = make_course(db, teacher)
    coupon = make_coupon(db, course, code="HALF", percent_off=50)
    buyer, headers = signed_in(client, db, "student")
    monkeypatch.setattr(checkout_service, "get_provider", lambda *_: _RefusingProvider())
    response = start_checkout(client, headers, [course.id], coupon="HALF")
    assert response.status_code == 502
    assert response.json()["code"] == "provider_error"
    assert orders_of(db, buyer.id) == []
    assert redemptions(db, coupon) == (0, 0)
    assert db.scalar(select(func.count()).select_from(CommerceEvent)) == 0


# --- the last use of a coupon, raced by 50 buyers ------------------------------------------------

RACERS = 50


def test_fifty_buyers_race_for_the_last_coupon_use(committed_runtime: Runtime) -> None:
    rt = committed_runtime
    with rt.db.session_scope() as session:
        teacher = make_user(session, role="instructor")
        course = make_course(session, teacher, price=4000)
        coupon = make_coupon(session, course, code="LASTONE", percent_off=75, max_redemptions=1)
        buyers = [actor_of(make_user(session)) for _ in range(RACERS)]
    body = CheckoutIn(course_ids=[course.id], coupon="LASTONE", provider="sandbox")

    def buy(actor: Any) -> Any:
        with rt.db.session_scope() as session:
            return checkout_service.checkout(session, rt, actor, body)

    results = all_at_once([or_refusal(partial(buy, actor)) for actor in buyers])
    outcomes = {actor.id: result for actor, result in zip(buyers, results, strict=True)}

    assert len(outcomes) == RACERS
    codes = sorted(v for v in outcomes.values() if isinstance(v, str))
    winners = [v for v in outcomes.values() if not isinstance(v, str)]
    assert len(winners) == 1, codes
    assert codes == ["coupon_exhausted"] * (RACERS - 1)
    with rt.db.session_scope() as session:
        assert session.scalar(select(Coupon.redemption_count).where(Coupon.id == coupon.id)) == 1
        discounted = session.scalars(select(Order).where(Order.coupon_id == coupon.id)).all()
        assert [order.id for order in discounted] == [winners[0].order_id]
        assert discounted[0].total_amount == 1000
        orders = session.scalar(
            select(func.count()).select_from(OrderLine).where(OrderLine.course_id == course.id)
        )
        assert orders == 1, "the refused checkouts left no order behind"
        held = session.scalars(
            select(CouponRedemption.user_id).where(CouponRedemption.coupon_id == coupon.id)
        ).all()
        assert held == [discounted[0].user_id]


# --- zero totals: paid at once (uses the payment service) ----------------------------------------


def test_zero_totals_are_paid_at_once_and_enroll(client: TestClient, db: Session) -> None:
    teacher = make_user(db, role="instructor")
    free = make_course(db, teacher, price=0)
    paid = make_course(db, teacher, price=2500)
    coupon = make_coupon(db, paid, code="ONTHEHOUSE", percent_off=100)
    buyer, headers = signed_in(client, db, "student")
    assert client.put(f"{API}/cart/items/{paid.id}", headers=headers).status_code == 204

    gift = checkout_via_api(client, headers, [paid.id], coupon="ONTHEHOUSE", provider="stripe")
    at_once = checkout_via_api(client, headers, [free.slug])

    for body in (gift, at_once):
        assert body["status"] == "paid", body
        assert body["provider"] == "free"
        order = order_in_db(db, body["order_id"])
        assert (order.status, order.provider, order.total_amount) == ("paid", "free", 0)
        assert order.paid_at is not None
        causes = [cause for _, _, cause in history_of(db, order.id)]
        assert causes[0] == "checkout"
        assert "checkout:free" in causes
        (line,) = lines_of(db, order.id)
        assert line.granted_at is not None
    assert order_in_db(db, gift["order_id"]).discount_amount == 2500
    assert redemptions(db, coupon) == (1, 1)
    db.expire_all()
    enrolled = {
        e.course_id: (e.status, e.source)
        for e in db.scalars(select(Enrollment).where(Enrollment.user_id == buyer.id))
    }
    assert enrolled == {paid.id: ("active", "coupon"), free.id: ("active", "free")}
    assert client.get(f"{API}/cart", headers=headers).json()["lines"] == [], "bought: cart cleared"
    again = start_checkout(client, headers, [free.id])
    assert (again.status_code, again.json()["code"]) == (409, "already_enrolled")
