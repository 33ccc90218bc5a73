"""Stripe through the real SDK against a loopback Stripe: checkout, webhooks, refunds, errors."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator

import pytest
import stripe

from syllabus.commerce.errors import InvalidSignature, ProviderError, ProviderNotEnabled
from syllabus.commerce.providers import get_provider
from syllabus.commerce.providers.base import (
    CHECKOUT_EXPIRED,
    PAYMENT_FAILED,
    PAYMENT_SUCCEEDED,
    REFUND_SUCCEEDED,
    PaymentEvent,
)
from syllabus.commerce.providers.stripe import StripeProvider
from syllabus.config import Settings
from tests.support.payment_providers import (
    STRIPE_API_VERSION,
    StripeServer,
    checkout_request,
    stripe_server,
    unused_port,
)


@pytest.fixture
def server() -> Iterator[StripeServer]:
    with stripe_server() as running:
        yield running


@pytest.fixture
def provider(settings: Settings, server: StripeServer) -> StripeProvider:
    built = get_provider(settings.model_copy(update=server.settings()), "stripe")
    assert isinstance(built, StripeProvider)
    return built


def _paid_session(provider: StripeProvider, server: StripeServer) -> dict[str, object]:
    start = provider.start_checkout(checkout_request())
    return server.complete_session(start.provider_ref)


# --- checkout -------------------------------------------------------------------------


def test_checkout_creates_a_session_with_the_order(
    provider: StripeProvider, server: StripeServer
) -> None:
    request = checkout_request(amounts=(1999, 1499))
    before = int(time.time())

    start = provider.start_checkout(request)

    [sent] = server.requests_to("POST", "/v1/checkout/sessions")
    assert sent.header("authorization") == f"Bearer {server.secret_key}"
    assert sent.header("stripe-version") == STRIPE_API_VERSION
    assert sent.header("idempotency-key") == f"checkout-{request.order_id}"
    params = sent.params
    assert params["mode"] == "payment"
    assert [item["price_data"]["unit_amount"] for item in params["line_items"]] == [
        "1999",
        "1499",
    ]
    assert {item["price_data"]["currency"] for item in params["line_items"]} == {"usd"}
    assert [item["price_data"]["product_data"]["name"] for item in params["line_items"]] == [
        "Python for Data Analysis",
        "Django from Zero",
    ]
    assert [item["quantity"] for item in params["line_items"]] == ["1", "1"]
    assert params["client_reference_id"] == request.order_id
    assert params["metadata"] == {"order_id": request.order_id}
    assert params["payment_intent_data"]["metadata"] == {"order_id": request.order_id}
    assert params["customer_email"] == "ada@example.com"
    assert params["success_url"] == request.success_url
    assert params["cancel_url"] == request.cancel_url
    # checkout_expiry_minutes (60) from now, within Stripe's 30 min .. 24 h window.
    assert before + 3600 <= int(params["expires_at"]) <= int(time.time()) + 3600

    session = server.sessions[start.provider_ref]
    assert session["amount_total"] == 3498
    assert start.provider_ref.startswith("cs_test_")
    assert start.redirect_url == session["url"]
    assert start.redirect_url.startswith("https://checkout.stripe.com/c/pay/cs_test_")
    assert start.client_payload is None


def test_a_short_checkout_expiry_is_raised_to_stripes_minimum(
    settings: Settings, server: StripeServer
) -> None:
    short = settings.model_copy(update={**server.settings(), "checkout_expiry_minutes": 10})
    get_provider(short, "stripe").start_checkout(checkout_request())

    [sent] = server.requests_to("POST", "/v1/checkout/sessions")
    assert int(sent.params["expires_at"]) - time.time() > 30 * 60


def test_each_provider_uses_its_own_key_from_any_thread() -> None:
    """Two accounts used at once never see each other's key; the SDK's globals stay unset."""
    with (
        stripe_server(secret_key="sk_test_account_one") as one,
        stripe_server(secret_key="sk_test_account_two") as two,
    ):
        providers = [
            StripeProvider(secret_key=s.secret_key, webhook_secret="whsec_x", api_base=s.url)
            for s in (one, two)
        ]
        errors: list[Exception] = []

        def buy(provider: StripeProvider) -> None:
            try:
                for _ in range(5):
                    provider.start_checkout(checkout_request())
            except Exception as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=buy, args=(p,)) for p in providers * 2]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert errors == []
    assert len(one.sessions) == len(two.sessions) == 10
    assert {r.header("authorization") for r in one.requests} == {"Bearer sk_test_account_one"}
    assert {r.header("authorization") for r in two.requests} == {"Bearer sk_test_account_two"}
    assert stripe.api_key is None


# --- webhooks -------------------------------------------------------------------------


def test_a_signed_delivery_is_accepted_and_parsed(
    provider: StripeProvider, server: StripeServer
) -> None:
    start = provider.start_checkout(checkout_request())
    body, headers = server.signed_checkout_completed(start.provider_ref)

    event = provider.verify_webhook(headers, body)

    assert event == json.loads(body)
    assert event["type"] == "checkout.session.completed"


def test_header_names_are_matched_in_any_case(
    provider: StripeProvider, server: StripeServer
) -> None:
    start = provider.start_checkout(checkout_request())
    body, headers = server.signed_checkout_completed(start.provider_ref)

    lowered = {name.lower(): value for name, value in headers.items()}

    assert provider.verify_webhook(lowered, body)["id"] == json.loads(body)["id"]


def test_a_signature_made_with_another_secret_is_refused(
    provider: StripeProvider, server: StripeServer
) -> None:
    start = provider.start_checkout(checkout_request())
    body, _ = server.signed_checkout_completed(start.provider_ref)
    forged = server.sign(body, secret="whsec_someone_elses_secret")

    with pytest.raises(InvalidSignature):
        provider.verify_webhook(forged, body)


def test_a_tampered_body_is_refused(provider: StripeProvider, server: StripeServer) -> None:
    start = provider.start_checkout(checkout_request())
    body, headers = server.signed_checkout_completed(start.provider_ref)
    tampered = body.replace(b'"amount_total": 3498', b'"amount_total": 1')
    assert tampered != body

    with pytest.raises(InvalidSignature):
        provider.verify_webhook(headers, tampered)


def test_a_stale_signature_is_refused_as_a_replay(
    provider: StripeProvider, server: StripeServer
) -> None:
    start = provider.start_checkout(checkout_request())
    ten_minutes_ago = int(time.time()) - 600
    body, headers = server.signed_checkout_completed(start.provider_ref, timestamp=ten_minutes_ago)

    with pytest.raises(InvalidSignature, match="tolerance"):
        provider.verify_webhook(headers, body)


@pytest.mark.parametrize("header", [None, "", "garbage", "t=notanumber,v1=abc", "t=1700000000"])
def test_a_missing_or_malformed_signature_header_is_refused(
    provider: StripeProvider, server: StripeServer, header: str | None
) -> None:
    start = provider.start_checkout(checkout_request())
    body, _ = server.signed_checkout_completed(start.provider_ref)
    headers = {} if header is None else {"Stripe-Signature": header}

    with pytest.raises(InvalidSignature):
        provider.verify_webhook(headers, body)


# --- events ---------------------------------------------------------------------------


def _parse(provider: StripeProvider, delivery: tuple[bytes, dict[str, str]]) -> PaymentEvent:
    body, headers = delivery
    return provider.parse_event(provider.verify_webhook(headers, body))


def test_checkout_session_completed_is_a_payment(
    provider: StripeProvider, server: StripeServer
) -> None:
    request = checkout_request(currency="EUR", amounts=(4900,))
    start = provider.start_checkout(request)

    event = _parse(provider, server.signed_checkout_completed(start.provider_ref))

    session = server.sessions[start.provider_ref]
    assert event.kind == PAYMENT_SUCCEEDED
    assert event.provider_type == "checkout.session.completed"
    assert event.event_id.startswith("evt_")
    assert event.order_id == request.order_id
    assert event.provider_ref == start.provider_ref
    assert event.payment_id == session["payment_intent"]
    assert event.payment_id.startswith("pi_")
    assert (event.amount, event.currency) == (4900, "EUR")


def test_a_completed_checkout_still_awaiting_payment_is_not_a_payment(
    provider: StripeProvider, server: StripeServer
) -> None:
    start = provider.start_checkout(checkout_request())
    session = dict(server.complete_session(start.provider_ref))
    session["payment_status"] = "unpaid"  # e.g. a bank debit still being confirmed

    event = _parse(provider, server.signed("checkout.session.completed", session))

    assert event.kind is None
    assert event.order_id == session["client_reference_id"]


def test_async_payment_outcomes_of_a_checkout(
    provider: StripeProvider, server: StripeServer
) -> None:
    session = _paid_session(provider, server)

    succeeded = _parse(provider, server.signed("checkout.session.async_payment_succeeded", session))
    failed = _parse(provider, server.signed("checkout.session.async_payment_failed", session))

    assert succeeded.kind == PAYMENT_SUCCEEDED
    assert succeeded.amount == session["amount_total"]
    assert failed.kind == PAYMENT_FAILED
    assert failed.order_id == session["client_reference_id"]


def test_checkout_session_expired(provider: StripeProvider, server: StripeServer) -> None:
    request = checkout_request()
    start = provider.start_checkout(request)

    event = _parse(provider, server.signed_checkout_expired(start.provider_ref))

    assert event.kind == CHECKOUT_EXPIRED
    assert event.order_id == request.order_id
    assert event.provider_ref == start.provider_ref
    assert event.payment_id is None


def test_payment_intent_payment_failed(provider: StripeProvider, server: StripeServer) -> None:
    request = checkout_request()
    start = provider.start_checkout(request)

    event = _parse(
        provider,
        server.signed_payment_failed(
            start.provider_ref, message="Your card has insufficient funds."
        ),
    )

    assert event.kind == PAYMENT_FAILED
    assert event.order_id == request.order_id  # from payment_intent_data.metadata
    assert event.payment_id == server.sessions[start.provider_ref]["payment_intent"]
    assert (event.amount, event.currency) == (request.total_amount, "USD")
    assert event.detail == "Your card has insufficient funds."


def test_charge_refunded_reports_the_newest_refund(
    provider: StripeProvider, server: StripeServer
) -> None:
    session = _paid_session(provider, server)
    intent = str(session["payment_intent"])
    first = server.refund(intent, 1000, metadata={"refund_id": "first-refund"})
    first["created"] -= 3600  # made an hour earlier
    newest = server.refund(intent, 499, metadata={"refund_id": "second-refund"})

    event = _parse(provider, server.signed_charge_refunded(newest["id"]))

    assert event.kind == REFUND_SUCCEEDED
    assert event.payment_id == intent
    assert event.refund_id == newest["id"]
    assert event.our_refund_id == "second-refund"
    assert (event.amount, event.currency) == (499, "USD")


def test_charge_refunded_without_its_refunds_is_left_to_the_refund_events(
    provider: StripeProvider, server: StripeServer
) -> None:
    session = _paid_session(provider, server)
    refund = server.refund(str(session["payment_intent"]), 700)

    event = _parse(provider, server.signed_charge_refunded(refund["id"], embed_refunds=False))

    assert event.kind is None
    assert event.payment_id == session["payment_intent"]


def test_refund_events_carry_dashboard_refunds(
    provider: StripeProvider, server: StripeServer
) -> None:
    session = _paid_session(provider, server)
    server.refund_status = "pending"
    refund = server.refund(str(session["payment_intent"]), 700)  # made in the Dashboard

    created = _parse(provider, server.signed("refund.created", refund))
    updated = _parse(provider, server.signed_refund_updated(refund["id"], status="succeeded"))

    assert created.kind is None  # still pending
    assert updated.kind == REFUND_SUCCEEDED
    assert updated.refund_id == refund["id"]
    assert updated.our_refund_id is None
    assert (updated.payment_id, updated.amount) == (session["payment_intent"], 700)


def test_other_events_are_kept_but_not_acted_on(
    provider: StripeProvider, server: StripeServer
) -> None:
    customer = {"id": "cus_NffrFeUfNV2Hib", "object": "customer", "email": "ada@example.com"}

    event = _parse(provider, server.signed("customer.created", customer))

    assert event.kind is None
    assert event.provider_type == "customer.created"


# --- refunds --------------------------------------------------------------------------


def test_refund_asks_stripe_for_that_amount_once(
    provider: StripeProvider, server: StripeServer
) -> None:
    session = _paid_session(provider, server)
    intent = str(session["payment_intent"])

    result = provider.refund(
        payment_id=intent, amount=1500, currency="USD", refund_id="rf-0001-abc"
    )
    again = provider.refund(payment_id=intent, amount=1500, currency="USD", refund_id="rf-0001-abc")

    sent = server.requests_to("POST", "/v1/refunds")
    assert sent[0].header("idempotency-key") == "rf-0001-abc"
    assert sent[0].params == {
        "amount": "1500",
        "metadata": {"refund_id": "rf-0001-abc"},
        "payment_intent": intent,
    }
    assert result.status == "succeeded"
    assert result.provider_refund_id.startswith("re_")
    # The retry is answered from Stripe's idempotency cache: one refund, not two.
    assert again.provider_refund_id == result.provider_refund_id
    assert len(server.refunds) == 1


def test_a_refund_still_in_flight_is_pending(
    provider: StripeProvider, server: StripeServer
) -> None:
    session = _paid_session(provider, server)
    server.refund_status = "pending"

    result = provider.refund(
        payment_id=str(session["payment_intent"]), amount=100, currency="USD", refund_id="rf-02"
    )

    assert result.status == "pending"


# --- errors ---------------------------------------------------------------------------


def test_a_wrong_key_is_a_provider_error_without_the_key(
    settings: Settings, server: StripeServer
) -> None:
    wrong_key = "sk_test_51WrongKeyThatIsSecret000000000000000000000000000000"
    wrong = settings.model_copy(update={**server.settings(), "stripe_secret_key": wrong_key})

    with pytest.raises(ProviderError) as caught:
        get_provider(wrong, "stripe").start_checkout(checkout_request())

    assert "Invalid API Key" in caught.value.message
    assert "HTTP 401" in caught.value.message
    assert wrong_key not in caught.value.message
    assert caught.value.status == 502


def test_a_refused_parameter_is_explained(provider: StripeProvider, server: StripeServer) -> None:
    session = _paid_session(provider, server)

    with pytest.raises(ProviderError) as caught:
        provider.refund(
            payment_id=str(session["payment_intent"]),
            amount=999_999,
            currency="USD",
            refund_id="rf-too-much",
        )

    assert "greater than unrefunded amount" in caught.value.message
    assert "HTTP 400" in caught.value.message
    assert server.secret_key not in caught.value.message


def test_a_stripe_outage_is_retried_with_the_same_key_then_reported(
    provider: StripeProvider, server: StripeServer
) -> None:
    outage = {"error": {"message": "An unknown error occurred", "type": "api_error"}}
    server.fail_next("POST", "/v1/checkout/sessions", 500, outage, times=3)

    with pytest.raises(ProviderError, match=r"HTTP 500.*An unknown error occurred"):
        provider.start_checkout(checkout_request())

    attempts = server.requests_to("POST", "/v1/checkout/sessions")
    assert len(attempts) == 3
    assert len({a.header("idempotency-key") for a in attempts}) == 1
    assert server.sessions == {}


def test_an_unreachable_stripe_is_a_provider_error(settings: Settings) -> None:
    offline = settings.model_copy(
        update={
            "stripe_secret_key": "sk_test_offline",
            "stripe_webhook_secret": "whsec_offline",
            "stripe_api_base": f"http://127.0.0.1:{unused_port()}",
        }
    )
    provider = StripeProvider.from_settings(offline)

    with pytest.raises(ProviderError, match="could not be reached") as caught:
        provider.start_checkout(checkout_request())

    assert "sk_test_offline" not in caught.value.message


# --- settings -------------------------------------------------------------------------


COMPLETE = {"stripe_secret_key": "sk_test_abc", "stripe_webhook_secret": "whsec_abc"}


def test_stripe_is_offered_once_its_keys_are_set(settings: Settings) -> None:
    configured = settings.model_copy(update=COMPLETE)

    assert "stripe" in configured.payment_providers
    assert isinstance(get_provider(configured, "stripe"), StripeProvider)


@pytest.mark.parametrize("missing", sorted(COMPLETE))
def test_stripe_is_not_offered_with_a_key_missing(settings: Settings, missing: str) -> None:
    partial = settings.model_copy(update={**COMPLETE, missing: None})

    assert "stripe" not in partial.payment_providers
    with pytest.raises(ProviderNotEnabled):
        get_provider(partial, "stripe")
    with pytest.raises(ProviderNotEnabled):
        StripeProvider.from_settings(partial)
