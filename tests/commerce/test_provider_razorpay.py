"""Razorpay through the real SDK against a loopback Razorpay: orders, signatures, refunds."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterator

import pytest

from syllabus.commerce.errors import InvalidSignature, ProviderError, ProviderNotEnabled
from syllabus.commerce.providers import get_provider
from syllabus.commerce.providers.base import (
    PAYMENT_FAILED,
    PAYMENT_SUCCEEDED,
    REFUND_SUCCEEDED,
    CheckoutRequest,
    PaymentEvent,
)
from syllabus.commerce.providers.razorpay import RazorpayProvider
from syllabus.config import Settings
from tests.support.payment_providers import (
    RazorpayServer,
    checkout_request,
    razorpay_server,
    unused_port,
)


@pytest.fixture
def server() -> Iterator[RazorpayServer]:
    with razorpay_server() as running:
        yield running


@pytest.fixture
def provider(settings: Settings, server: RazorpayServer) -> RazorpayProvider:
    built = get_provider(settings.model_copy(update=server.settings()), "razorpay")
    assert isinstance(built, RazorpayProvider)
    return built


def _inr_request() -> CheckoutRequest:
    return checkout_request(currency="INR", amounts=(49900, 29900))


def _parse(provider: RazorpayProvider, delivery: tuple[bytes, dict[str, str]]) -> PaymentEvent:
    body, headers = delivery
    return provider.parse_event(provider.verify_webhook(headers, body))


# --- checkout -------------------------------------------------------------------------


def test_checkout_creates_a_razorpay_order_for_checkout_js(
    provider: RazorpayProvider, server: RazorpayServer
) -> None:
    request = _inr_request()

    start = provider.start_checkout(request)

    [sent] = server.requests_to("POST", "/v1/orders")
    expected_auth = base64.b64encode(f"{server.key_id}:{server.key_secret}".encode()).decode()
    assert sent.header("authorization") == f"Basic {expected_auth}"
    assert sent.header("content-type") == "application/json"
    assert sent.params == {
        "amount": 79800,
        "currency": "INR",
        "receipt": request.order_id,
        "notes": {"order_id": request.order_id},
    }
    order = server.orders[start.provider_ref]
    assert start.provider_ref.startswith("order_")
    assert order["amount_due"] == 79800
    assert start.redirect_url is None
    assert start.client_payload == {
        "key": server.key_id,
        "order_id": start.provider_ref,
        "amount": 79800,
        "currency": "INR",
        "name": "Syllabus",
        "description": "2 courses",
        "prefill": {"email": "ada@example.com", "name": "Ada Lovelace"},
        "notes": {"order_id": request.order_id},
    }
    assert server.key_secret not in json.dumps(start.client_payload)


def test_a_single_course_is_described_by_its_title(
    provider: RazorpayProvider, server: RazorpayServer
) -> None:
    request = checkout_request(currency="INR", amounts=(49900,), titles=("Pandas in Depth",))

    start = provider.start_checkout(request)

    assert start.client_payload is not None
    assert start.client_payload["description"] == "Pandas in Depth"


# --- checkout.js handler signature ----------------------------------------------------


def test_the_handler_signature_of_a_real_payment_is_valid(
    provider: RazorpayProvider, server: RazorpayServer
) -> None:
    start = provider.start_checkout(_inr_request())
    handed = server.pay(start.provider_ref)

    assert provider.verify_payment_signature(
        handed["razorpay_order_id"], handed["razorpay_payment_id"], handed["razorpay_signature"]
    )


def test_the_signature_is_hmac_of_order_and_payment_with_the_key_secret(
    provider: RazorpayProvider, server: RazorpayServer
) -> None:
    signature = hmac.new(
        server.key_secret.encode(), b"order_IluGWxBm9U8zJ8|pay_29QQoUBi66xm2f", hashlib.sha256
    ).hexdigest()

    assert provider.verify_payment_signature(
        "order_IluGWxBm9U8zJ8", "pay_29QQoUBi66xm2f", signature
    )


@pytest.mark.parametrize(
    "change",
    ["other_payment", "other_order", "other_secret", "truncated", "non_ascii", "empty"],
)
def test_a_wrong_handler_signature_is_invalid(
    provider: RazorpayProvider, server: RazorpayServer, change: str
) -> None:
    start = provider.start_checkout(_inr_request())
    handed = server.pay(start.provider_ref)
    order_id, payment_id = handed["razorpay_order_id"], handed["razorpay_payment_id"]
    signature = handed["razorpay_signature"]
    if change == "other_payment":
        payment_id = "pay_SomeoneElses01"
    elif change == "other_order":
        order_id = "order_SomeoneElses1"
    elif change == "other_secret":
        message = f"{order_id}|{payment_id}".encode()
        signature = hmac.new(b"not-our-secret", message, hashlib.sha256).hexdigest()
    elif change == "truncated":
        signature = signature[:-2]
    elif change == "non_ascii":
        signature = "ü" * 64
    else:
        signature = ""

    assert provider.verify_payment_signature(order_id, payment_id, signature) is False


# --- webhooks -------------------------------------------------------------------------


def test_a_signed_delivery_is_accepted_with_its_event_id(
    provider: RazorpayProvider, server: RazorpayServer
) -> None:
    start = provider.start_checkout(_inr_request())
    payment_id = server.pay(start.provider_ref)["razorpay_payment_id"]
    body, headers = server.signed_payment_captured(payment_id)

    event = provider.verify_webhook(headers, body)

    assert event["event"] == "payment.captured"
    assert event["_event_id"] == headers["X-Razorpay-Event-Id"]
    assert {k: v for k, v in event.items() if k != "_event_id"} == json.loads(body)


def test_lower_case_header_names_work_too(
    provider: RazorpayProvider, server: RazorpayServer
) -> None:
    start = provider.start_checkout(_inr_request())
    body, headers = server.signed_payment_captured(
        server.pay(start.provider_ref)["razorpay_payment_id"]
    )

    event = provider.verify_webhook({k.lower(): v for k, v in headers.items()}, body)

    assert event["_event_id"] == headers["X-Razorpay-Event-Id"]


def test_without_an_event_id_header_the_body_names_the_delivery(
    provider: RazorpayProvider, server: RazorpayServer
) -> None:
    start = provider.start_checkout(_inr_request())
    body, headers = server.signed_payment_captured(
        server.pay(start.provider_ref)["razorpay_payment_id"]
    )
    del headers["X-Razorpay-Event-Id"]

    first = provider.verify_webhook(headers, body)
    again = provider.verify_webhook(headers, body)

    assert first["_event_id"] == again["_event_id"] == hashlib.sha256(body).hexdigest()


def test_a_signature_with_another_secret_is_refused(
    provider: RazorpayProvider, server: RazorpayServer
) -> None:
    start = provider.start_checkout(_inr_request())
    body, _ = server.signed_payment_captured(server.pay(start.provider_ref)["razorpay_payment_id"])

    with pytest.raises(InvalidSignature):
        provider.verify_webhook(server.sign(body, secret="someone-elses-secret"), body)


def test_a_tampered_body_is_refused(provider: RazorpayProvider, server: RazorpayServer) -> None:
    start = provider.start_checkout(_inr_request())
    body, headers = server.signed_payment_captured(
        server.pay(start.provider_ref)["razorpay_payment_id"]
    )
    tampered = body.replace(b'"amount": 79800', b'"amount": 100', 1)
    assert tampered != body

    with pytest.raises(InvalidSignature):
        provider.verify_webhook(headers, tampered)


@pytest.mark.parametrize("signature", [None, "", "deadbeef", "ü"])
def test_a_missing_or_malformed_signature_is_refused(
    provider: RazorpayProvider, server: RazorpayServer, signature: str | None
) -> None:
    start = provider.start_checkout(_inr_request())
    body, headers = server.signed_payment_captured(
        server.pay(start.provider_ref)["razorpay_payment_id"]
    )
    del headers["X-Razorpay-Signature"]
    if signature is not None:
        headers["X-Razorpay-Signature"] = signature

    with pytest.raises(InvalidSignature):
        provider.verify_webhook(headers, body)


# --- events ---------------------------------------------------------------------------


def test_payment_captured_is_a_payment(provider: RazorpayProvider, server: RazorpayServer) -> None:
    request = _inr_request()
    start = provider.start_checkout(request)
    payment_id = server.pay(start.provider_ref)["razorpay_payment_id"]
    delivery = server.signed_payment_captured(payment_id)

    event = _parse(provider, delivery)

    assert event.kind == PAYMENT_SUCCEEDED
    assert event.provider_type == "payment.captured"
    assert event.event_id == delivery[1]["X-Razorpay-Event-Id"]
    assert event.order_id == request.order_id
    assert event.provider_ref == start.provider_ref
    assert event.payment_id == payment_id
    assert (event.amount, event.currency) == (79800, "INR")


def test_payment_failed(provider: RazorpayProvider, server: RazorpayServer) -> None:
    request = _inr_request()
    start = provider.start_checkout(request)
    payment_id = server.fail_payment(start.provider_ref, description="Your payment was declined.")

    event = _parse(provider, server.signed_payment_failed(payment_id))

    assert event.kind == PAYMENT_FAILED
    assert event.order_id == request.order_id
    assert event.provider_ref == start.provider_ref
    assert event.detail == "Your payment was declined."


def test_refund_processed(provider: RazorpayProvider, server: RazorpayServer) -> None:
    request = _inr_request()
    start = provider.start_checkout(request)
    payment_id = server.pay(start.provider_ref)["razorpay_payment_id"]
    refund = server.refund(payment_id, 29900, notes={"refund_id": "our-refund-7"})

    event = _parse(provider, server.signed_refund_processed(refund["id"]))

    assert event.kind == REFUND_SUCCEEDED
    assert event.refund_id == refund["id"]
    assert event.our_refund_id == "our-refund-7"
    assert event.payment_id == payment_id
    assert event.provider_ref == start.provider_ref
    assert event.order_id == request.order_id
    assert (event.amount, event.currency) == (29900, "INR")


def test_a_dashboard_refund_has_no_notes_of_ours(
    provider: RazorpayProvider, server: RazorpayServer
) -> None:
    start = provider.start_checkout(_inr_request())
    payment_id = server.pay(start.provider_ref)["razorpay_payment_id"]
    refund = server.refund(payment_id, 10000)  # Razorpay sends empty notes as []

    event = _parse(provider, server.signed_refund_processed(refund["id"]))

    assert event.kind == REFUND_SUCCEEDED
    assert event.our_refund_id is None
    assert event.amount == 10000


def test_other_events_are_kept_but_not_acted_on(
    provider: RazorpayProvider, server: RazorpayServer
) -> None:
    start = provider.start_checkout(_inr_request())
    payment_id = server.pay(start.provider_ref)["razorpay_payment_id"]
    body = server.event(
        "order.paid", payment=server.payments[payment_id], order=server.orders[start.provider_ref]
    )

    event = _parse(provider, (body, server.sign(body)))

    assert event.kind is None
    assert event.provider_type == "order.paid"


# --- refunds --------------------------------------------------------------------------


def test_refund_asks_razorpay_once_per_refund_id(
    provider: RazorpayProvider, server: RazorpayServer
) -> None:
    start = provider.start_checkout(_inr_request())
    payment_id = server.pay(start.provider_ref)["razorpay_payment_id"]

    result = provider.refund(
        payment_id=payment_id, amount=29900, currency="INR", refund_id="5f0c8a2e-refund-0001"
    )
    again = provider.refund(
        payment_id=payment_id, amount=29900, currency="INR", refund_id="5f0c8a2e-refund-0001"
    )

    sent = server.requests_to("POST", f"/v1/payments/{payment_id}/refund")
    assert sent[0].header("x-refund-idempotency") == "5f0c8a2e-refund-0001"
    assert sent[0].params == {
        "amount": 29900,
        "speed": "normal",
        "receipt": "5f0c8a2e-refund-0001",
        "notes": {"refund_id": "5f0c8a2e-refund-0001"},
    }
    assert result.status == "succeeded"
    assert result.provider_refund_id.startswith("rfnd_")
    assert again.provider_refund_id == result.provider_refund_id
    assert len(server.refunds) == 1


def test_a_refund_not_yet_processed_is_pending(
    provider: RazorpayProvider, server: RazorpayServer
) -> None:
    start = provider.start_checkout(_inr_request())
    payment_id = server.pay(start.provider_ref)["razorpay_payment_id"]
    server.refund_status = "pending"

    result = provider.refund(
        payment_id=payment_id, amount=10000, currency="INR", refund_id="rf-pending-1"
    )

    assert result.status == "pending"


# --- errors ---------------------------------------------------------------------------


def test_a_wrong_secret_is_a_provider_error_without_the_secret(
    settings: Settings, server: RazorpayServer
) -> None:
    wrong = settings.model_copy(
        update={**server.settings(), "razorpay_key_secret": "a-wrong-but-secret-value"}
    )

    with pytest.raises(ProviderError) as caught:
        get_provider(wrong, "razorpay").start_checkout(_inr_request())

    assert caught.value.message == "Razorpay refused to create the order: Authentication failed"
    assert "a-wrong-but-secret-value" not in caught.value.message


def test_an_amount_below_the_minimum_is_explained(
    provider: RazorpayProvider, server: RazorpayServer
) -> None:
    with pytest.raises(ProviderError, match="less than minimum amount allowed"):
        provider.start_checkout(checkout_request(currency="INR", amounts=(50,)))
    assert server.orders == {}


def test_a_refund_beyond_the_payment_is_explained(
    provider: RazorpayProvider, server: RazorpayServer
) -> None:
    start = provider.start_checkout(_inr_request())
    payment_id = server.pay(start.provider_ref)["razorpay_payment_id"]

    with pytest.raises(ProviderError, match="greater than amount captured"):
        provider.refund(
            payment_id=payment_id, amount=80000, currency="INR", refund_id="rf-too-much"
        )


def test_a_server_error_is_a_provider_error(
    provider: RazorpayProvider, server: RazorpayServer
) -> None:
    outage = {
        "error": {
            "code": "SERVER_ERROR",
            "description": "We are facing some trouble "
            "completing your request at the moment. Please try again shortly.",
        }
    }
    server.fail_next("POST", "/v1/orders", 500, outage)

    with pytest.raises(ProviderError, match="facing some trouble"):
        provider.start_checkout(_inr_request())


def test_an_html_error_page_is_a_provider_error(
    provider: RazorpayProvider, server: RazorpayServer
) -> None:
    server.fail_next("POST", "/v1/orders", 502, "<html><body>502 Bad Gateway</body></html>")

    with pytest.raises(ProviderError, match="unreadable answer"):
        provider.start_checkout(_inr_request())


def test_an_unreachable_razorpay_is_a_provider_error(settings: Settings) -> None:
    offline = settings.model_copy(
        update={
            "razorpay_key_id": "rzp_test_offline",
            "razorpay_key_secret": "offline-secret-value",
            "razorpay_webhook_secret": "offline-webhook-secret",
            "razorpay_api_base": f"http://127.0.0.1:{unused_port()}",
        }
    )

    with pytest.raises(ProviderError, match="could not be reached") as caught:
        RazorpayProvider.from_settings(offline).start_checkout(_inr_request())

    assert "offline-secret-value" not in caught.value.message


# --- settings -------------------------------------------------------------------------


COMPLETE = {
    "razorpay_key_id": "rzp_test_abc",
    "razorpay_key_secret": "secret-abc",
    "razorpay_webhook_secret": "webhook-abc",
}


def test_razorpay_is_offered_once_its_keys_are_set(settings: Settings) -> None:
    configured = settings.model_copy(update=COMPLETE)

    assert "razorpay" in configured.payment_providers
    assert isinstance(get_provider(configured, "razorpay"), RazorpayProvider)


@pytest.mark.parametrize("missing", sorted(COMPLETE))
def test_razorpay_is_not_offered_with_a_key_missing(settings: Settings, missing: str) -> None:
    partial = settings.model_copy(update={**COMPLETE, missing: None})

    assert "razorpay" not in partial.payment_providers
    with pytest.raises(ProviderNotEnabled):
        get_provider(partial, "razorpay")
    with pytest.raises(ProviderNotEnabled):
        RazorpayProvider.from_settings(partial)
