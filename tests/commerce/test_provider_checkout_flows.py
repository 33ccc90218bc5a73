"""Whole purchases through Stripe, Razorpay and PayPal, over the API and loopback providers.

Each provider's happy path (checkout, the buyer pays, the provider's signed
webhook or return call, the order is paid and the courses are granted),
its decline, a delivery with a bad signature, and a refund that goes back
through the provider's API.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from syllabus.accounts.models import User
from syllabus.catalog.models import Course
from syllabus.commerce.models import Payment, ProviderEvent
from syllabus.config import Settings
from syllabus.learning.models import Enrollment
from tests.catalog.factories import make_course, signed_in
from tests.commerce.factories import API, checkout_via_api, history_of, order_in_db
from tests.factories import make_user
from tests.support.payment_providers import (
    PayPalServer,
    RazorpayServer,
    StripeServer,
    paypal_server,
    razorpay_server,
    stripe_server,
)

RunJobs = Callable[[], int]


@pytest.fixture
def stripe() -> Iterator[StripeServer]:
    with stripe_server() as server:
        yield server


@pytest.fixture
def razorpay() -> Iterator[RazorpayServer]:
    with razorpay_server() as server:
        yield server


@pytest.fixture
def paypal() -> Iterator[PayPalServer]:
    with paypal_server() as server:
        yield server


@pytest.fixture
def settings(
    settings: Settings, stripe: StripeServer, razorpay: RazorpayServer, paypal: PayPalServer
) -> Settings:
    """Every provider configured, each pointed at its loopback server."""
    return settings.model_copy(
        update={**stripe.settings(), **razorpay.settings(), **paypal.settings()}
    )


@pytest.fixture
def shop(db: Session) -> dict[str, Course]:
    teacher = make_user(db, role="instructor", name="Grace Hopper")
    return {
        "python": make_course(db, teacher, title="Python from scratch", price=1999),
        "sql": make_course(db, teacher, title="SQL for analysts", price=2500),
        "pandas": make_course(db, teacher, title="Pandas in depth", price=49900, currency="INR"),
    }


def enrolled_courses(db: Session, user: User) -> set[str]:
    db.expire_all()
    rows = db.scalars(
        select(Enrollment.course_id).where(
            Enrollment.user_id == user.id, Enrollment.status == "active"
        )
    )
    return set(rows)


def stored_events(db: Session) -> int:
    db.expire_all()
    return int(db.scalar(select(func.count()).select_from(ProviderEvent)) or 0)


def deliver(client: TestClient, provider: str, delivery: tuple[bytes, dict[str, str]]) -> Any:
    body, headers = delivery
    return client.post(f"{API}/webhooks/{provider}", content=body, headers=headers)


def order_over_api(client: TestClient, headers: dict[str, str], order_id: str) -> dict[str, Any]:
    response = client.get(f"{API}/orders/{order_id}", headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


# --- Stripe ---------------------------------------------------------------------------


def test_stripe_checkout_paid_by_webhook_grants_the_courses(
    client: TestClient,
    db: Session,
    settings: Settings,
    stripe: StripeServer,
    shop: dict[str, Course],
    run_jobs: RunJobs,
) -> None:
    buyer, headers = signed_in(client, db, "student")
    courses = [shop["python"].id, shop["sql"].id]

    started = checkout_via_api(client, headers, courses, provider="stripe")

    order_id = started["order_id"]
    session = stripe.last_session
    assert (started["status"], started["provider"]) == ("pending", "stripe")
    assert started["redirect_url"] == session["url"]
    assert started["client_payload"] is None
    assert session["client_reference_id"] == order_id
    assert session["metadata"] == {"order_id": order_id}
    assert (session["amount_total"], session["currency"]) == (4499, "usd")
    assert session["customer_email"] == buyer.email
    assert session["success_url"] == f"{settings.base_url}/orders/{order_id}?return=1"
    assert session["cancel_url"] == f"{settings.base_url}/cart"
    assert order_in_db(db, order_id).provider_ref == session["id"]

    delivery = stripe.signed_checkout_completed(session["id"])
    response = deliver(client, "stripe", delivery)
    assert response.status_code == 200, response.text
    assert response.json() == {"received": True, "duplicate": False}
    assert run_jobs() >= 1

    order = order_over_api(client, headers, order_id)
    assert order["status"] == "paid"
    assert order["total"] == {"amount": 4499, "currency": "USD"}
    assert enrolled_courses(db, buyer) == set(courses)
    assert order_in_db(db, order_id).provider_payment_id == stripe.last_session["payment_intent"]
    assert history_of(db, order_id)[-1][1:] == ("paid", f"webhook:stripe:{_event_id(delivery)}")

    again = deliver(client, "stripe", delivery)
    assert again.json() == {"received": True, "duplicate": True}


def test_stripe_declined_card_fails_the_order(
    client: TestClient,
    db: Session,
    stripe: StripeServer,
    shop: dict[str, Course],
    run_jobs: RunJobs,
) -> None:
    buyer, headers = signed_in(client, db, "student")
    order_id = checkout_via_api(client, headers, [shop["python"].id], provider="stripe")["order_id"]

    response = deliver(client, "stripe", stripe.signed_payment_failed(stripe.last_session["id"]))
    assert response.status_code == 200, response.text
    run_jobs()

    assert order_over_api(client, headers, order_id)["status"] == "failed"
    assert enrolled_courses(db, buyer) == set()


def test_stripe_reporting_another_amount_is_flagged_not_granted(
    client: TestClient,
    db: Session,
    stripe: StripeServer,
    shop: dict[str, Course],
    run_jobs: RunJobs,
) -> None:
    buyer, headers = signed_in(client, db, "student")
    order_id = checkout_via_api(client, headers, [shop["python"].id], provider="stripe")["order_id"]

    delivery = stripe.signed_checkout_completed(stripe.last_session["id"], amount_total=199)
    assert deliver(client, "stripe", delivery).status_code == 200
    run_jobs()

    order = order_over_api(client, headers, order_id)
    assert order["status"] == "pending"
    assert order["flag_reason"]
    assert enrolled_courses(db, buyer) == set()
    payment = db.scalars(select(Payment).where(Payment.order_id == order_id)).one()
    assert (payment.status, payment.amount) == ("flagged", 199)


def test_stripe_delivery_with_a_bad_signature_is_refused_and_not_stored(
    client: TestClient,
    db: Session,
    stripe: StripeServer,
    shop: dict[str, Course],
    run_jobs: RunJobs,
) -> None:
    buyer, headers = signed_in(client, db, "student")
    order_id = checkout_via_api(client, headers, [shop["python"].id], provider="stripe")["order_id"]
    body, signed = stripe.signed_checkout_completed(stripe.last_session["id"])
    forged = stripe.sign(body, secret="whsec_not_the_shops_secret")

    cheaper = body.replace(b'"amount_total": 1999', b'"amount_total": 1')
    assert cheaper != body
    tampered = client.post(f"{API}/webhooks/stripe", content=cheaper, headers=signed)
    wrong_key = client.post(f"{API}/webhooks/stripe", content=body, headers=forged)

    for response in (tampered, wrong_key):
        assert response.status_code == 400, response.text
        assert response.json()["code"] == "invalid_signature"
    run_jobs()
    assert stored_events(db) == 0
    assert order_over_api(client, headers, order_id)["status"] == "pending"
    assert enrolled_courses(db, buyer) == set()


def test_stripe_expired_checkout_expires_the_order(
    client: TestClient,
    db: Session,
    stripe: StripeServer,
    shop: dict[str, Course],
    run_jobs: RunJobs,
) -> None:
    _, headers = signed_in(client, db, "student")
    order_id = checkout_via_api(client, headers, [shop["sql"].id], provider="stripe")["order_id"]

    assert deliver(client, "stripe", stripe.signed_checkout_expired(stripe.last_session["id"]))
    run_jobs()

    assert order_over_api(client, headers, order_id)["status"] == "expired"


# --- Razorpay -------------------------------------------------------------------------


def test_razorpay_checkout_verified_by_the_handler_signature(
    client: TestClient,
    db: Session,
    settings: Settings,
    razorpay: RazorpayServer,
    shop: dict[str, Course],
    run_jobs: RunJobs,
) -> None:
    buyer, headers = signed_in(client, db, "student")

    started = checkout_via_api(client, headers, [shop["pandas"].id], provider="razorpay")

    order_id = started["order_id"]
    rzp_order = razorpay.last_order
    assert (rzp_order["amount"], rzp_order["currency"]) == (49900, "INR")
    assert rzp_order["receipt"] == order_id
    assert rzp_order["notes"] == {"order_id": order_id}
    assert started["redirect_url"] is None
    payload = started["client_payload"]
    assert payload["key"] == settings.razorpay_key_id
    assert (payload["order_id"], payload["amount"], payload["currency"]) == (
        rzp_order["id"],
        49900,
        "INR",
    )
    assert payload["prefill"]["email"] == buyer.email
    assert settings.razorpay_key_secret not in str(payload)

    handed = razorpay.pay(rzp_order["id"])  # checkout.js's handler result
    verified = client.post(
        f"{API}/payments/razorpay/verify", json={"order_id": order_id, **handed}, headers=headers
    )
    assert verified.status_code == 200, verified.text
    assert verified.json()["status"] == "paid"
    assert enrolled_courses(db, buyer) == {shop["pandas"].id}

    # Razorpay's own payment.captured webhook follows; it changes nothing.
    delivery = razorpay.signed_payment_captured(handed["razorpay_payment_id"])
    assert deliver(client, "razorpay", delivery).status_code == 200
    run_jobs()
    order = order_in_db(db, order_id)
    assert (order.status, order.provider_payment_id) == ("paid", handed["razorpay_payment_id"])
    db.expire_all()
    assert (
        db.scalar(
            select(func.count()).select_from(Enrollment).where(Enrollment.user_id == buyer.id)
        )
        == 1
    )


def test_razorpay_webhook_alone_pays_the_order(
    client: TestClient,
    db: Session,
    razorpay: RazorpayServer,
    shop: dict[str, Course],
    run_jobs: RunJobs,
) -> None:
    """The buyer closed the tab before the handler ran: payment.captured still pays."""
    buyer, headers = signed_in(client, db, "student")
    order_id = checkout_via_api(client, headers, [shop["pandas"].id], provider="razorpay")[
        "order_id"
    ]
    handed = razorpay.pay(razorpay.last_order["id"])

    response = deliver(
        client, "razorpay", razorpay.signed_payment_captured(handed["razorpay_payment_id"])
    )
    assert response.status_code == 200, response.text
    run_jobs()

    assert order_over_api(client, headers, order_id)["status"] == "paid"
    assert enrolled_courses(db, buyer) == {shop["pandas"].id}


def test_razorpay_failed_payment_fails_the_order(
    client: TestClient,
    db: Session,
    razorpay: RazorpayServer,
    shop: dict[str, Course],
    run_jobs: RunJobs,
) -> None:
    buyer, headers = signed_in(client, db, "student")
    order_id = checkout_via_api(client, headers, [shop["pandas"].id], provider="razorpay")[
        "order_id"
    ]
    payment_id = razorpay.fail_payment(razorpay.last_order["id"])

    assert (
        deliver(client, "razorpay", razorpay.signed_payment_failed(payment_id)).status_code == 200
    )
    run_jobs()

    assert order_over_api(client, headers, order_id)["status"] == "failed"
    assert enrolled_courses(db, buyer) == set()


def test_razorpay_bad_signatures_are_refused(
    client: TestClient,
    db: Session,
    razorpay: RazorpayServer,
    shop: dict[str, Course],
    run_jobs: RunJobs,
) -> None:
    buyer, headers = signed_in(client, db, "student")
    order_id = checkout_via_api(client, headers, [shop["pandas"].id], provider="razorpay")[
        "order_id"
    ]
    handed = razorpay.pay(razorpay.last_order["id"])
    body, signed = razorpay.signed_payment_captured(handed["razorpay_payment_id"])

    forged_handler = client.post(
        f"{API}/payments/razorpay/verify",
        json={"order_id": order_id, **handed, "razorpay_signature": "0" * 64},
        headers=headers,
    )
    forged_webhook = client.post(
        f"{API}/webhooks/razorpay", content=body, headers=razorpay.sign(body, secret="not-ours")
    )
    cheaper = body.replace(b'"amount": 49900', b'"amount": 100')
    assert cheaper != body
    tampered_webhook = client.post(f"{API}/webhooks/razorpay", content=cheaper, headers=signed)

    for response in (forged_handler, forged_webhook, tampered_webhook):
        assert response.status_code == 400, response.text
        assert response.json()["code"] == "invalid_signature"
    run_jobs()
    assert stored_events(db) == 0
    assert order_over_api(client, headers, order_id)["status"] == "pending"
    assert enrolled_courses(db, buyer) == set()


# --- PayPal ---------------------------------------------------------------------------


def test_paypal_checkout_captured_on_return(
    client: TestClient,
    db: Session,
    settings: Settings,
    paypal: PayPalServer,
    shop: dict[str, Course],
    run_jobs: RunJobs,
) -> None:
    buyer, headers = signed_in(client, db, "student")
    courses = [shop["python"].id, shop["sql"].id]

    started = checkout_via_api(client, headers, courses, provider="paypal")

    order_id = started["order_id"]
    paypal_order = paypal.last_order
    unit = paypal_order["purchase_units"][0]
    assert unit["custom_id"] == order_id
    assert unit["amount"]["value"] == "44.99"
    assert unit["amount"]["currency_code"] == "USD"
    context = paypal_order["_application_context"]
    assert context["return_url"] == f"{settings.base_url}/orders/{order_id}?return=1"
    assert context["cancel_url"] == f"{settings.base_url}/cart"
    assert started["redirect_url"] == (
        f"https://www.sandbox.paypal.com/checkoutnow?token={paypal_order['id']}"
    )

    paypal.approve(paypal_order["id"])  # the buyer approves on PayPal and comes back
    captured = client.post(
        f"{API}/payments/paypal/capture",
        json={"order_id": order_id, "paypal_order_id": paypal_order["id"]},
        headers=headers,
    )
    assert captured.status_code == 200, captured.text
    assert captured.json()["status"] == "paid"
    assert enrolled_courses(db, buyer) == set(courses)
    [capture] = paypal.captures.values()
    assert order_in_db(db, order_id).provider_payment_id == capture["id"]

    # PayPal's PAYMENT.CAPTURE.COMPLETED webhook follows; it changes nothing.
    assert (
        deliver(client, "paypal", paypal.signed_capture_completed(capture["id"])).status_code == 200
    )
    run_jobs()
    assert order_in_db(db, order_id).status == "paid"
    assert enrolled_courses(db, buyer) == set(courses)


def test_paypal_declined_capture_fails_the_order(
    client: TestClient,
    db: Session,
    paypal: PayPalServer,
    shop: dict[str, Course],
) -> None:
    buyer, headers = signed_in(client, db, "student")
    order_id = checkout_via_api(client, headers, [shop["python"].id], provider="paypal")["order_id"]
    paypal_order_id = paypal.last_order["id"]
    paypal.approve(paypal_order_id, outcome="DECLINED")

    response = client.post(
        f"{API}/payments/paypal/capture",
        json={"order_id": order_id, "paypal_order_id": paypal_order_id},
        headers=headers,
    )

    assert response.status_code == 200, response.text
    assert response.json()["status"] == "failed"
    assert enrolled_courses(db, buyer) == set()


def test_paypal_webhook_with_a_bad_signature_is_refused(
    client: TestClient,
    db: Session,
    paypal: PayPalServer,
    shop: dict[str, Course],
    run_jobs: RunJobs,
) -> None:
    buyer, headers = signed_in(client, db, "student")
    order_id = checkout_via_api(client, headers, [shop["python"].id], provider="paypal")["order_id"]
    paypal.approve(paypal.last_order["id"])
    capture = paypal.capture_now(paypal.last_order["id"])
    body, signed = paypal.signed_capture_completed(capture["id"])

    cheaper = body.replace(b'"value": "19.99"', b'"value": "0.01"')
    assert cheaper != body
    tampered = client.post(f"{API}/webhooks/paypal", content=cheaper, headers=signed)
    other_webhook = client.post(
        f"{API}/webhooks/paypal", content=body, headers=paypal.sign(body, webhook_id="WH-OTHER")
    )

    for response in (tampered, other_webhook):
        assert response.status_code == 400, response.text
        assert response.json()["code"] == "invalid_signature"
    run_jobs()
    assert stored_events(db) == 0
    assert order_over_api(client, headers, order_id)["status"] == "pending"
    assert enrolled_courses(db, buyer) == set()


def test_paypal_webhook_alone_pays_the_order(
    client: TestClient,
    db: Session,
    paypal: PayPalServer,
    shop: dict[str, Course],
    run_jobs: RunJobs,
) -> None:
    """The buyer never came back to the return URL; the capture webhook still pays."""
    buyer, headers = signed_in(client, db, "student")
    order_id = checkout_via_api(client, headers, [shop["sql"].id], provider="paypal")["order_id"]
    paypal.approve(paypal.last_order["id"])
    capture = paypal.capture_now(paypal.last_order["id"])

    assert (
        deliver(client, "paypal", paypal.signed_capture_completed(capture["id"])).status_code == 200
    )
    run_jobs()

    assert order_over_api(client, headers, order_id)["status"] == "paid"
    assert enrolled_courses(db, buyer) == {shop["sql"].id}


# --- refunds through each provider ----------------------------------------------------


def _paid_through(
    name: str,
    client: TestClient,
    headers: dict[str, str],
    servers: dict[str, Any],
    course: Course,
    run_jobs: RunJobs,
) -> str:
    order_id: str = checkout_via_api(client, headers, [course.id], provider=name)["order_id"]
    if name == "stripe":
        stripe: StripeServer = servers[name]
        deliver(client, name, stripe.signed_checkout_completed(stripe.last_session["id"]))
        run_jobs()
    elif name == "razorpay":
        razorpay: RazorpayServer = servers[name]
        handed = razorpay.pay(razorpay.last_order["id"])
        body = {"order_id": order_id, **handed}
        client.post(f"{API}/payments/razorpay/verify", json=body, headers=headers)
    else:
        paypal: PayPalServer = servers[name]
        paypal.approve(paypal.last_order["id"])
        body = {"order_id": order_id, "paypal_order_id": paypal.last_order["id"]}
        client.post(f"{API}/payments/paypal/capture", json=body, headers=headers)
    return order_id


@pytest.mark.parametrize("name", ["stripe", "razorpay", "paypal"])
def test_a_refund_goes_back_through_the_provider(
    client: TestClient,
    db: Session,
    stripe: StripeServer,
    razorpay: RazorpayServer,
    paypal: PayPalServer,
    shop: dict[str, Course],
    run_jobs: RunJobs,
    name: str,
) -> None:
    servers: dict[str, Any] = {"stripe": stripe, "razorpay": razorpay, "paypal": paypal}
    course = shop["pandas"] if name == "razorpay" else shop["python"]
    buyer, headers = signed_in(client, db, "student")
    order_id = _paid_through(name, client, headers, servers, course, run_jobs)
    assert enrolled_courses(db, buyer) == {course.id}

    requested = client.post(
        f"{API}/orders/{order_id}/refund-request",
        json={"reason": "The course was not what I expected."},
        headers=headers,
    )
    assert requested.status_code == 202, requested.text
    refund_id = requested.json()["id"]
    run_jobs()

    server = servers[name]
    [provider_refund] = server.refunds.values()
    assert provider_refund["amount"] == (
        {"currency_code": "USD", "value": "19.99"} if name == "paypal" else course.price_amount
    )
    ours = provider_refund.get("metadata") or provider_refund.get("notes") or provider_refund
    assert refund_id in (ours.get("refund_id"), ours.get("invoice_id"))
    order = order_over_api(client, headers, order_id)
    assert order["status"] == "refunded"
    assert [r["status"] for r in order["refunds"]] == ["succeeded"]
    assert enrolled_courses(db, buyer) == set()

    # The provider's own refund webhook follows; applying it again changes nothing.
    confirmations = {
        "stripe": lambda: stripe.signed_charge_refunded(provider_refund["id"]),
        "razorpay": lambda: razorpay.signed_refund_processed(provider_refund["id"]),
        "paypal": lambda: paypal.signed_capture_refunded(provider_refund["id"]),
    }
    assert deliver(client, name, confirmations[name]()).status_code == 200
    run_jobs()
    after = order_over_api(client, headers, order_id)
    assert after["status"] == "refunded"
    assert after["refunded"] == after["total"]
    assert len(after["refunds"]) == 1


def _event_id(delivery: tuple[bytes, dict[str, str]]) -> str:
    import json

    return str(json.loads(delivery[0])["id"])
