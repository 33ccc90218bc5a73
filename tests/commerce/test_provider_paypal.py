"""PayPal Orders v2 over httpx against a loopback PayPal: create, capture, webhooks, refunds."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import pytest

from syllabus.commerce.errors import InvalidSignature, ProviderError, ProviderNotEnabled
from syllabus.commerce.providers import get_provider
from syllabus.commerce.providers.base import (
    CHECKOUT_EXPIRED,
    PAYMENT_FAILED,
    PAYMENT_SUCCEEDED,
    REFUND_SUCCEEDED,
    PaymentEvent,
)
from syllabus.commerce.providers.paypal import PayPalProvider
from syllabus.config import Settings
from tests.support.payment_providers import (
    PayPalServer,
    checkout_request,
    paypal_server,
    unused_port,
)


@pytest.fixture
def server() -> Iterator[PayPalServer]:
    with paypal_server() as running:
        yield running


@pytest.fixture
def provider(settings: Settings, server: PayPalServer) -> PayPalProvider:
    built = get_provider(settings.model_copy(update=server.settings()), "paypal")
    assert isinstance(built, PayPalProvider)
    return built


def _approved(provider: PayPalProvider, server: PayPalServer, outcome: str = "COMPLETED") -> str:
    start = provider.start_checkout(checkout_request())
    server.approve(start.provider_ref, outcome=outcome)
    return start.provider_ref


def _captured(provider: PayPalProvider, server: PayPalServer) -> PaymentEvent:
    return provider.capture_order(_approved(provider, server))


def _parse(provider: PayPalProvider, delivery: tuple[bytes, dict[str, str]]) -> PaymentEvent:
    body, headers = delivery
    return provider.parse_event(provider.verify_webhook(headers, body))


# --- checkout -------------------------------------------------------------------------


def test_checkout_creates_a_paypal_order(provider: PayPalProvider, server: PayPalServer) -> None:
    request = checkout_request(amounts=(1999, 1499))

    start = provider.start_checkout(request)

    [token] = server.requests_to("POST", "/v1/oauth2/token")
    credentials = base64.b64encode(f"{server.client_id}:{server.client_secret}".encode())
    assert token.header("authorization") == f"Basic {credentials.decode()}"
    assert token.params == {"grant_type": "client_credentials"}
    [sent] = server.requests_to("POST", "/v2/checkout/orders")
    assert sent.header("authorization") == f"Bearer {next(iter(server.tokens))}"
    assert sent.header("paypal-request-id") == f"create-{request.order_id}"
    assert sent.params["intent"] == "CAPTURE"
    [unit] = sent.params["purchase_units"]
    assert unit["reference_id"] == unit["custom_id"] == request.order_id
    assert unit["amount"] == {
        "currency_code": "USD",
        "value": "34.98",
        "breakdown": {"item_total": {"currency_code": "USD", "value": "34.98"}},
    }
    assert [(i["name"], i["unit_amount"]["value"], i["quantity"]) for i in unit["items"]] == [
        ("Python for Data Analysis", "19.99", "1"),
        ("Django from Zero", "14.99", "1"),
    ]
    context = sent.params["application_context"]
    assert context["return_url"] == request.success_url
    assert context["cancel_url"] == request.cancel_url
    assert context["shipping_preference"] == "NO_SHIPPING"
    assert start.provider_ref in server.orders
    assert start.redirect_url == (
        f"https://www.sandbox.paypal.com/checkoutnow?token={start.provider_ref}"
    )
    assert start.client_payload is None


def test_a_currency_without_decimals_is_sent_whole(
    provider: PayPalProvider, server: PayPalServer
) -> None:
    provider.start_checkout(checkout_request(currency="JPY", amounts=(4980,)))

    [sent] = server.requests_to("POST", "/v2/checkout/orders")
    assert sent.params["purchase_units"][0]["amount"]["value"] == "4980"


def test_the_access_token_is_reused_until_paypal_rejects_it(
    settings: Settings, server: PayPalServer
) -> None:
    configured = settings.model_copy(update=server.settings())

    get_provider(configured, "paypal").start_checkout(checkout_request())
    get_provider(configured, "paypal").start_checkout(checkout_request())
    assert server.tokens_issued == 1

    server.revoke_tokens()
    get_provider(configured, "paypal").start_checkout(checkout_request())

    assert server.tokens_issued == 2
    assert len(server.orders) == 3
    assert [r.status for r in server.requests_to("POST", "/v2/checkout/orders")] == [
        201,
        201,
        401,
        201,
    ]


# --- capture --------------------------------------------------------------------------


def test_capture_of_an_approved_order_is_a_payment(
    provider: PayPalProvider, server: PayPalServer
) -> None:
    request = checkout_request(amounts=(1999, 1499))
    start = provider.start_checkout(request)
    server.approve(start.provider_ref)

    event = provider.capture_order(start.provider_ref)

    [sent] = server.requests_to("POST", f"/v2/checkout/orders/{start.provider_ref}/capture")
    assert sent.header("paypal-request-id") == f"capture-{start.provider_ref}"
    [capture] = server.captures.values()
    assert event.kind == PAYMENT_SUCCEEDED
    assert event.event_id == f"capture:{capture['id']}"
    assert event.payment_id == capture["id"]
    assert event.order_id == request.order_id
    assert event.provider_ref == start.provider_ref
    assert (event.amount, event.currency) == (3498, "USD")


def test_a_declined_capture_is_a_failed_payment(
    provider: PayPalProvider, server: PayPalServer
) -> None:
    order_id = _approved(provider, server, outcome="DECLINED")

    event = provider.capture_order(order_id)

    assert event.kind == PAYMENT_FAILED
    assert event.provider_ref == order_id
    assert event.detail == "DECLINED_BY_RISK_FRAUD_FILTERS"


def test_a_declined_instrument_is_a_failed_payment(
    provider: PayPalProvider, server: PayPalServer
) -> None:
    order_id = _approved(provider, server, outcome="INSTRUMENT_DECLINED")

    event = provider.capture_order(order_id)

    assert event.kind == PAYMENT_FAILED
    assert event.provider_ref == order_id
    assert event.payment_id is None
    assert "declined" in (event.detail or "")


def test_a_pending_capture_is_not_yet_a_payment(
    provider: PayPalProvider, server: PayPalServer
) -> None:
    event = provider.capture_order(_approved(provider, server, outcome="PENDING"))

    assert event.kind is None
    assert event.detail == "PENDING_REVIEW"


def test_capturing_twice_reports_the_same_capture(
    provider: PayPalProvider, server: PayPalServer
) -> None:
    order_id = _approved(provider, server)

    first = provider.capture_order(order_id)
    second = provider.capture_order(order_id)

    assert second == first
    assert len(server.captures) == 1


def test_an_order_captured_elsewhere_reports_that_capture(
    provider: PayPalProvider, server: PayPalServer
) -> None:
    request = checkout_request()
    start = provider.start_checkout(request)
    server.approve(start.provider_ref)
    capture = server.capture_now(start.provider_ref)

    event = provider.capture_order(start.provider_ref)

    assert event.kind == PAYMENT_SUCCEEDED
    assert event.payment_id == capture["id"]
    assert event.order_id == request.order_id
    assert server.requests_to("GET", f"/v2/checkout/orders/{start.provider_ref}")


def test_capturing_an_unapproved_order_is_a_provider_error(
    provider: PayPalProvider, server: PayPalServer
) -> None:
    start = provider.start_checkout(checkout_request())

    with pytest.raises(ProviderError, match="ORDER_NOT_APPROVED"):
        provider.capture_order(start.provider_ref)


# --- webhooks -------------------------------------------------------------------------


def test_a_delivery_is_verified_by_paypal(provider: PayPalProvider, server: PayPalServer) -> None:
    captured = _captured(provider, server)
    body, headers = server.signed_capture_completed(str(captured.payment_id))

    event = provider.verify_webhook(headers, body)

    assert event == json.loads(body)
    [check] = server.requests_to("POST", "/v1/notifications/verify-webhook-signature")
    assert check.header("authorization") == f"Bearer {next(iter(server.tokens))}"
    assert check.params == {
        "auth_algo": "SHA256withRSA",
        "cert_url": headers["PAYPAL-CERT-URL"],
        "transmission_id": headers["PAYPAL-TRANSMISSION-ID"],
        "transmission_sig": headers["PAYPAL-TRANSMISSION-SIG"],
        "transmission_time": headers["PAYPAL-TRANSMISSION-TIME"],
        "webhook_id": server.webhook_id,
        "webhook_event": json.loads(body),
    }


def test_a_delivery_for_another_webhook_is_refused(
    provider: PayPalProvider, server: PayPalServer
) -> None:
    captured = _captured(provider, server)
    body, _ = server.signed_capture_completed(str(captured.payment_id))

    with pytest.raises(InvalidSignature):
        provider.verify_webhook(server.sign(body, webhook_id="8PT597110X687430LKGECATA"), body)


def test_a_tampered_body_is_refused(provider: PayPalProvider, server: PayPalServer) -> None:
    captured = _captured(provider, server)
    body, headers = server.signed_capture_completed(str(captured.payment_id))
    tampered = body.replace(b'"value": "34.98"', b'"value": "0.01"', 1)
    assert tampered != body

    with pytest.raises(InvalidSignature):
        provider.verify_webhook(headers, tampered)


def test_a_forged_signature_is_refused(provider: PayPalProvider, server: PayPalServer) -> None:
    captured = _captured(provider, server)
    body, headers = server.signed_capture_completed(str(captured.payment_id))
    headers["PAYPAL-TRANSMISSION-SIG"] = base64.b64encode(b"x" * 32).decode()

    with pytest.raises(InvalidSignature):
        provider.verify_webhook(headers, body)


def test_missing_transmission_headers_are_refused_without_asking_paypal(
    provider: PayPalProvider, server: PayPalServer
) -> None:
    captured = _captured(provider, server)
    body, headers = server.signed_capture_completed(str(captured.payment_id))
    del headers["PAYPAL-TRANSMISSION-SIG"]

    with pytest.raises(InvalidSignature, match="PAYPAL-TRANSMISSION-SIG"):
        provider.verify_webhook(headers, body)
    assert server.requests_to("POST", "/v1/notifications/verify-webhook-signature") == []


def test_an_unavailable_verification_is_a_provider_error(
    provider: PayPalProvider, server: PayPalServer
) -> None:
    captured = _captured(provider, server)
    body, headers = server.signed_capture_completed(str(captured.payment_id))
    outage = {
        "name": "INTERNAL_SERVER_ERROR",
        "message": "An internal server error occurred.",
        "debug_id": "90957fca61718",
    }
    server.fail_next("POST", "/v1/notifications/verify-webhook-signature", 500, outage)

    with pytest.raises(ProviderError, match=r"HTTP 500.*debug id 90957fca61718"):
        provider.verify_webhook(headers, body)


# --- events ---------------------------------------------------------------------------


def test_payment_capture_completed(provider: PayPalProvider, server: PayPalServer) -> None:
    request = checkout_request(currency="EUR", amounts=(4900,))
    start = provider.start_checkout(request)
    server.approve(start.provider_ref)
    capture = server.capture_now(start.provider_ref)
    delivery = server.signed_capture_completed(capture["id"])

    event = _parse(provider, delivery)

    assert event.kind == PAYMENT_SUCCEEDED
    assert event.event_id == json.loads(delivery[0])["id"]
    assert event.event_id.startswith("WH-")
    assert event.order_id == request.order_id
    assert event.provider_ref == start.provider_ref
    assert event.payment_id == capture["id"]
    assert (event.amount, event.currency) == (4900, "EUR")


def test_payment_capture_denied(provider: PayPalProvider, server: PayPalServer) -> None:
    request = checkout_request()
    start = provider.start_checkout(request)
    server.approve(start.provider_ref)
    capture = server.capture_now(start.provider_ref, status="PENDING")

    event = _parse(provider, server.signed_capture_denied(capture["id"]))

    assert event.kind == PAYMENT_FAILED
    assert event.order_id == request.order_id
    assert event.provider_ref == start.provider_ref
    assert event.detail == "DECLINED_BY_RISK_FRAUD_FILTERS"


def test_payment_capture_refunded(provider: PayPalProvider, server: PayPalServer) -> None:
    captured = _captured(provider, server)
    refund = server.refund(
        str(captured.payment_id), 1499, custom_id="our-refund-3", invoice_id="our-refund-3"
    )

    event = _parse(provider, server.signed_capture_refunded(refund["id"]))

    assert event.kind == REFUND_SUCCEEDED
    assert event.refund_id == refund["id"]
    assert event.our_refund_id == "our-refund-3"
    assert event.payment_id == captured.payment_id  # from the refund's "up" link
    assert (event.amount, event.currency) == (1499, "USD")


def test_a_refund_made_on_paypal_has_no_id_of_ours(
    provider: PayPalProvider, server: PayPalServer
) -> None:
    captured = _captured(provider, server)
    refund = server.refund(str(captured.payment_id), 3498)

    event = _parse(provider, server.signed_capture_refunded(refund["id"]))

    assert event.kind == REFUND_SUCCEEDED
    assert event.our_refund_id is None
    assert event.amount == 3498


def test_checkout_order_voided(provider: PayPalProvider, server: PayPalServer) -> None:
    request = checkout_request()
    start = provider.start_checkout(request)

    event = _parse(provider, server.signed_order_voided(start.provider_ref))

    assert event.kind == CHECKOUT_EXPIRED
    assert event.order_id == request.order_id
    assert event.provider_ref == start.provider_ref


def test_other_events_are_kept_but_not_acted_on(
    provider: PayPalProvider, server: PayPalServer
) -> None:
    order_id = _approved(provider, server)
    body = server.event(
        "CHECKOUT.ORDER.APPROVED",
        "checkout-order",
        server.orders[order_id],
        "An order has been approved by buyer",
    )

    event = _parse(provider, (body, server.sign(body)))

    assert event.kind is None
    assert event.provider_type == "CHECKOUT.ORDER.APPROVED"


# --- refunds --------------------------------------------------------------------------


def test_refund_asks_paypal_once_per_refund_id(
    provider: PayPalProvider, server: PayPalServer
) -> None:
    captured = _captured(provider, server)
    capture_id = str(captured.payment_id)

    result = provider.refund(
        payment_id=capture_id, amount=1499, currency="USD", refund_id="rf-0042"
    )
    again = provider.refund(payment_id=capture_id, amount=1499, currency="USD", refund_id="rf-0042")

    sent = server.requests_to("POST", f"/v2/payments/captures/{capture_id}/refund")
    assert sent[0].header("paypal-request-id") == "rf-0042"
    assert sent[0].params == {
        "amount": {"currency_code": "USD", "value": "14.99"},
        "custom_id": "rf-0042",
        "invoice_id": "rf-0042",
    }
    assert result.status == "succeeded"
    assert again.provider_refund_id == result.provider_refund_id
    assert len(server.refunds) == 1
    assert server.captures[capture_id]["status"] == "PARTIALLY_REFUNDED"


def test_a_refund_paypal_still_processes_is_pending(
    provider: PayPalProvider, server: PayPalServer
) -> None:
    captured = _captured(provider, server)
    server.refund_status = "PENDING"

    result = provider.refund(
        payment_id=str(captured.payment_id), amount=100, currency="USD", refund_id="rf-pending"
    )

    assert result.status == "pending"


# --- errors ---------------------------------------------------------------------------


def test_wrong_credentials_are_a_provider_error_without_them(
    settings: Settings, server: PayPalServer
) -> None:
    wrong = settings.model_copy(
        update={**server.settings(), "paypal_client_secret": "EWrongSecretValue0000000000"}
    )

    with pytest.raises(ProviderError) as caught:
        get_provider(wrong, "paypal").start_checkout(checkout_request())

    assert "invalid_client" in caught.value.message
    assert "Client Authentication failed" in caught.value.message
    assert "EWrongSecretValue0000000000" not in caught.value.message
    assert server.orders == {}


def test_a_refund_beyond_the_capture_is_explained(
    provider: PayPalProvider, server: PayPalServer
) -> None:
    captured = _captured(provider, server)

    with pytest.raises(ProviderError, match="UNPROCESSABLE_ENTITY; REFUND_AMOUNT_EXCEEDED"):
        provider.refund(
            payment_id=str(captured.payment_id), amount=9999, currency="USD", refund_id="rf-x"
        )


def test_a_paypal_outage_is_a_provider_error(
    provider: PayPalProvider, server: PayPalServer
) -> None:
    server.fail_next("POST", "/v2/checkout/orders", 503, "<html>Service Unavailable</html>")

    with pytest.raises(ProviderError, match="HTTP 503"):
        provider.start_checkout(checkout_request())


def test_an_unreachable_paypal_is_a_provider_error(settings: Settings) -> None:
    offline = settings.model_copy(
        update={
            "paypal_client_id": "offline-client",
            "paypal_client_secret": "offline-secret-value",
            "paypal_webhook_id": "WH-OFFLINE",
            "paypal_api_base": f"http://127.0.0.1:{unused_port()}",
        }
    )

    with pytest.raises(ProviderError, match="could not be reached") as caught:
        PayPalProvider.from_settings(offline).start_checkout(checkout_request())

    assert "offline-secret-value" not in caught.value.message


# --- settings -------------------------------------------------------------------------


COMPLETE = {
    "paypal_client_id": "client-abc",
    "paypal_client_secret": "secret-abc",
    "paypal_webhook_id": "1JE4291016473214C",
}


def test_paypal_is_offered_once_its_credentials_are_set(settings: Settings) -> None:
    configured = settings.model_copy(update=COMPLETE)

    assert "paypal" in configured.payment_providers
    assert isinstance(get_provider(configured, "paypal"), PayPalProvider)


@pytest.mark.parametrize("missing", sorted(COMPLETE))
def test_paypal_is_not_offered_with_a_setting_missing(settings: Settings, missing: str) -> None:
    partial = settings.model_copy(update={**COMPLETE, missing: None})

    assert "paypal" not in partial.payment_providers
    with pytest.raises(ProviderNotEnabled):
        get_provider(partial, "paypal")
    with pytest.raises(ProviderNotEnabled):
        PayPalProvider.from_settings(partial)


def test_only_configured_providers_are_offered(settings: Settings) -> None:
    nothing = settings.model_copy(update={"sandbox_payments_enabled": False})
    everything = settings.model_copy(
        update={
            **COMPLETE,
            "stripe_secret_key": "sk_test_abc",
            "stripe_webhook_secret": "whsec_abc",
            "razorpay_key_id": "rzp_test_abc",
            "razorpay_key_secret": "secret",
            "razorpay_webhook_secret": "webhook",
        }
    )

    assert nothing.payment_providers == []
    assert everything.payment_providers == ["sandbox", "stripe", "razorpay", "paypal"]
