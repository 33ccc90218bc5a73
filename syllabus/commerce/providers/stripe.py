"""Stripe Checkout through the official SDK.

Each provider owns a `stripe.StripeClient` (its own key, base address and
HTTP client with per-thread sessions), so concurrent requests never share
or mutate the SDK's module-level configuration. Webhooks are verified with
Stripe's `t=,v1=` scheme on the raw body and kept as plain dicts, so a
stored event can be read again by `parse_event` without the network.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import orjson
import stripe

from syllabus.commerce.errors import InvalidSignature, ProviderError, ProviderNotEnabled
from syllabus.commerce.providers.base import (
    CHECKOUT_EXPIRED,
    PAYMENT_FAILED,
    PAYMENT_SUCCEEDED,
    REFUND_SUCCEEDED,
    CheckoutRequest,
    CheckoutStart,
    EventKind,
    PaymentEvent,
    RefundResult,
)

if TYPE_CHECKING:
    from stripe.params import RefundCreateParams
    from stripe.params.checkout import SessionCreateParams

    from syllabus.config import Settings

SIGNATURE_HEADER = "Stripe-Signature"
# Stripe's own default: signatures older than five minutes are replays.
TOLERANCE_SECONDS = 300
# A Checkout Session must expire between 30 minutes and 24 hours after creation.
_MIN_EXPIRY_SECONDS = 31 * 60
_MAX_EXPIRY_SECONDS = 24 * 3600 - 60
_REFUND_OBJECT_EVENTS = ("refund.created", "refund.updated", "charge.refund.updated")


class StripeProvider:
    name = "stripe"

    def __init__(
        self,
        *,
        secret_key: str,
        webhook_secret: str,
        api_base: str | None = None,
        checkout_expiry_minutes: int = 60,
        max_network_retries: int = 2,
        timeout_seconds: float = 30.0,
    ) -> None:
        self._secret_key = secret_key
        self._webhook_secret = webhook_secret
        self._expiry_seconds = min(
            max(checkout_expiry_minutes * 60, _MIN_EXPIRY_SECONDS), _MAX_EXPIRY_SECONDS
        )
        self._client = stripe.StripeClient(
            secret_key,
            base_addresses={"api": api_base.rstrip("/")} if api_base else None,
            # requests-based, with one session per thread: safe to share across threads.
            http_client=stripe.RequestsClient(timeout=timeout_seconds),
            max_network_retries=max_network_retries,
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> StripeProvider:
        if not (settings.stripe_secret_key and settings.stripe_webhook_secret):
            raise ProviderNotEnabled("Stripe needs a secret key and a webhook secret.")
        return cls(
            secret_key=settings.stripe_secret_key,
            webhook_secret=settings.stripe_webhook_secret,
            api_base=settings.stripe_api_base,
            checkout_expiry_minutes=settings.checkout_expiry_minutes,
        )

    # --- checkout -------------------------------------------------------------------

    def start_checkout(self, request: CheckoutRequest) -> CheckoutStart:
        currency = request.currency.lower()
        metadata = {"order_id": request.order_id}
        params: SessionCreateParams = {
            "mode": "payment",
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": currency,
                        "unit_amount": line.amount,
                        "product_data": {
                            "name": line.title,
                            "metadata": {"course_id": line.course_id},
                        },
                    },
                }
                for line in request.lines
            ],
            "client_reference_id": request.order_id,
            "metadata": metadata,
            "payment_intent_data": {"metadata": metadata},
            "success_url": request.success_url,
            "cancel_url": request.cancel_url,
            "expires_at": int(time.time()) + self._expiry_seconds,
        }
        if request.buyer_email:
            params["customer_email"] = request.buyer_email
        try:
            session = self._client.v1.checkout.sessions.create(
                params, {"idempotency_key": f"checkout-{request.order_id}"}
            )
        except stripe.StripeError as exc:
            raise ProviderError(self._explain("start the checkout", exc)) from None
        if not session.url:
            raise ProviderError("Stripe created the checkout without a payment page URL.")
        return CheckoutStart(provider_ref=session.id, redirect_url=session.url)

    # --- webhooks -------------------------------------------------------------------

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> dict[str, Any]:
        header = _header(headers, SIGNATURE_HEADER)
        if not header:
            raise InvalidSignature("The Stripe-Signature header is missing.")
        try:
            payload = body.decode("utf-8")
            stripe.WebhookSignature.verify_header(
                payload, header, self._webhook_secret, TOLERANCE_SECONDS
            )
        except UnicodeDecodeError:
            raise InvalidSignature("The webhook body is not UTF-8.") from None
        except stripe.SignatureVerificationError as exc:
            raise InvalidSignature(f"Stripe signature refused: {exc.user_message}") from None
        try:
            event = orjson.loads(body)
        except orjson.JSONDecodeError:
            raise InvalidSignature("The signed body is not JSON.") from None
        if not isinstance(event, dict) or not isinstance(event.get("id"), str):
            raise InvalidSignature("The signed body is not a Stripe event.")
        return event

    def parse_event(self, event: dict[str, Any]) -> PaymentEvent:
        event_type = str(event.get("type", ""))
        obj = _dict((event.get("data") or {}).get("object"))
        base = PaymentEvent(event_id=str(event["id"]), provider_type=event_type, kind=None)
        if event_type.startswith("checkout.session."):
            return _session_event(base, event_type, obj)
        if event_type == "payment_intent.payment_failed":
            error = _dict(obj.get("last_payment_error"))
            return replace(
                base,
                kind=PAYMENT_FAILED,
                order_id=_dict(obj.get("metadata")).get("order_id"),
                payment_id=obj.get("id"),
                amount=_int(obj.get("amount")),
                currency=_upper(obj.get("currency")),
                detail=error.get("message") or error.get("code") or "The payment failed.",
            )
        if event_type == "charge.refunded":
            return _charge_refunded(base, obj)
        if event_type in _REFUND_OBJECT_EVENTS:
            succeeded = obj.get("status") == "succeeded"
            return _refund_event(base, obj, kind=REFUND_SUCCEEDED if succeeded else None)
        return base

    # --- refunds --------------------------------------------------------------------

    def refund(
        self, *, payment_id: str, amount: int, currency: str, refund_id: str
    ) -> RefundResult:
        params: RefundCreateParams = {"amount": amount, "metadata": {"refund_id": refund_id}}
        if payment_id.startswith("ch_"):
            params["charge"] = payment_id
        else:
            params["payment_intent"] = payment_id
        try:
            refund = self._client.v1.refunds.create(params, {"idempotency_key": refund_id})
        except stripe.StripeError as exc:
            raise ProviderError(self._explain("refund the payment", exc)) from None
        if refund.status in ("failed", "canceled"):
            reason = getattr(refund, "failure_reason", None) or refund.status
            raise ProviderError(f"Stripe could not refund the payment ({reason}).")
        return RefundResult(
            provider_refund_id=refund.id,
            status="succeeded" if refund.status == "succeeded" else "pending",
            extra={"stripe_status": refund.status},
        )

    def _explain(self, action: str, exc: stripe.StripeError) -> str:
        """A readable reason that never repeats our key (Stripe masks it; we make sure)."""
        if isinstance(exc, stripe.APIConnectionError):
            text = f"Stripe could not be reached to {action}; please try again."
        else:
            status = f" (HTTP {exc.http_status})" if exc.http_status else ""
            reason = str(exc.user_message or "no reason given")[:300]
            request = f" [request {exc.request_id}]" if exc.request_id else ""
            text = f"Stripe refused to {action}{status}: {reason}{request}"
        return text.replace(self._secret_key, "[secret key]")


def _session_event(base: PaymentEvent, event_type: str, session: dict[str, Any]) -> PaymentEvent:
    kind: EventKind | None = None
    detail = None
    if event_type == "checkout.session.completed":
        if session.get("payment_status") in ("paid", "no_payment_required"):
            kind = PAYMENT_SUCCEEDED
        else:
            detail = "The checkout is complete; the payment is still being confirmed."
    elif event_type == "checkout.session.async_payment_succeeded":
        kind = PAYMENT_SUCCEEDED
    elif event_type == "checkout.session.async_payment_failed":
        kind, detail = PAYMENT_FAILED, "The delayed payment failed."
    elif event_type == "checkout.session.expired":
        kind, detail = CHECKOUT_EXPIRED, "The Stripe checkout expired unpaid."
    metadata = _dict(session.get("metadata"))
    return replace(
        base,
        kind=kind,
        order_id=session.get("client_reference_id") or metadata.get("order_id"),
        provider_ref=session.get("id"),
        payment_id=_id_of(session.get("payment_intent")),
        amount=_int(session.get("amount_total")),
        currency=_upper(session.get("currency")),
        detail=detail,
    )


def _charge_refunded(base: PaymentEvent, charge: dict[str, Any]) -> PaymentEvent:
    refunds = [r for r in _dict(charge.get("refunds")).get("data") or [] if isinstance(r, dict)]
    if not refunds:
        # Since API version 2022-11-15 the charge no longer embeds its refunds; the
        # refund.created/refund.updated events carry them instead.
        return replace(
            base,
            payment_id=_id_of(charge.get("payment_intent")) or charge.get("id"),
            detail="charge.refunded without its refunds; the refund events carry them",
        )
    newest = max(refunds, key=lambda refund: _int(refund.get("created")) or 0)
    refund = {
        **newest,
        "payment_intent": newest.get("payment_intent") or charge.get("payment_intent"),
    }
    counted = refund.get("status") in ("succeeded", "pending")
    event = _refund_event(base, refund, kind=REFUND_SUCCEEDED if counted else None)
    return replace(event, order_id=_dict(charge.get("metadata")).get("order_id"))


def _refund_event(
    base: PaymentEvent, refund: dict[str, Any], *, kind: EventKind | None
) -> PaymentEvent:
    return replace(
        base,
        kind=kind,
        payment_id=_id_of(refund.get("payment_intent")) or _id_of(refund.get("charge")),
        refund_id=refund.get("id"),
        our_refund_id=_dict(refund.get("metadata")).get("refund_id"),
        amount=_int(refund.get("amount")),
        currency=_upper(refund.get("currency")),
        detail=refund.get("failure_reason") or refund.get("reason"),
    )


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name) or headers.get(name.lower())
    if value:
        return value
    wanted = name.lower()
    return next((v for k, v in headers.items() if k.lower() == wanted), None)


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _id_of(value: object) -> str | None:
    """An id, whether Stripe sent it bare or as an expanded object."""
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) and value else None


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _upper(value: object) -> str | None:
    return value.upper() if isinstance(value, str) else None
