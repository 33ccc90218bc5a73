"""Razorpay through the official SDK: an order server-side, checkout.js on the page.

The buyer pays in Razorpay's script; its handler hands the page
`razorpay_order_id|razorpay_payment_id` signed with our key secret, which
`verify_payment_signature` checks. Webhooks carry `X-Razorpay-Signature`,
a hex HMAC-SHA256 of the raw body keyed by the webhook secret, and
`X-Razorpay-Event-Id`, the id deliveries are deduplicated by.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import orjson
import razorpay
import requests
from razorpay.errors import BadRequestError, GatewayError, ServerError, SignatureVerificationError

from syllabus.commerce.errors import InvalidSignature, ProviderError, ProviderNotEnabled
from syllabus.commerce.providers.base import (
    PAYMENT_FAILED,
    PAYMENT_SUCCEEDED,
    REFUND_SUCCEEDED,
    CheckoutRequest,
    CheckoutStart,
    PaymentEvent,
    RefundResult,
)

if TYPE_CHECKING:
    from syllabus.config import Settings

SIGNATURE_HEADER = "X-Razorpay-Signature"
EVENT_ID_HEADER = "X-Razorpay-Event-Id"
# Where verify_webhook puts the delivery's event id inside the returned event.
EVENT_ID_KEY = "_event_id"
SITE_NAME = "Syllabus"


class RazorpayProvider:
    name = "razorpay"

    def __init__(
        self,
        *,
        key_id: str,
        key_secret: str,
        webhook_secret: str,
        api_base: str | None = None,
        timeout_seconds: float = 30.0,
    ) -> None:
        self._key_id = key_id
        self._key_secret = key_secret
        self._webhook_secret = webhook_secret
        self._timeout = timeout_seconds
        options = {"base_url": api_base.rstrip("/")} if api_base else {}
        # One client (and requests session) per provider instance, never shared.
        self._client = razorpay.Client(auth=(key_id, key_secret), **options)

    @classmethod
    def from_settings(cls, settings: Settings) -> RazorpayProvider:
        if not (
            settings.razorpay_key_id
            and settings.razorpay_key_secret
            and settings.razorpay_webhook_secret
        ):
            raise ProviderNotEnabled("Razorpay needs a key id, key secret and webhook secret.")
        return cls(
            key_id=settings.razorpay_key_id,
            key_secret=settings.razorpay_key_secret,
            webhook_secret=settings.razorpay_webhook_secret,
            api_base=settings.razorpay_api_base,
        )

    # --- checkout -------------------------------------------------------------------

    def start_checkout(self, request: CheckoutRequest) -> CheckoutStart:
        currency = request.currency.upper()
        notes = {"order_id": request.order_id}
        body = {
            "amount": request.total_amount,
            "currency": currency,
            "receipt": request.order_id,
            "notes": notes,
        }
        try:
            order = self._client.order.create(body, timeout=self._timeout)
        except Exception as exc:
            raise ProviderError(self._explain("create the order", exc)) from None
        rzp_order_id = order.get("id") if isinstance(order, dict) else None
        if not isinstance(rzp_order_id, str):
            raise ProviderError("Razorpay answered the order request without an order id.")
        # The options checkout.js opens with; the key id is public by design.
        payload = {
            "key": self._key_id,
            "order_id": rzp_order_id,
            "amount": request.total_amount,
            "currency": currency,
            "name": SITE_NAME,
            "description": _description(request),
            "prefill": {"email": request.buyer_email, "name": request.buyer_name},
            "notes": notes,
        }
        return CheckoutStart(provider_ref=rzp_order_id, client_payload=payload)

    def verify_payment_signature(
        self, razorpay_order_id: str, razorpay_payment_id: str, signature: str
    ) -> bool:
        """True when checkout.js's handler result was signed with our key secret."""
        try:
            return bool(
                self._client.utility.verify_payment_signature(
                    {
                        "razorpay_order_id": razorpay_order_id,
                        "razorpay_payment_id": razorpay_payment_id,
                        "razorpay_signature": signature,
                    }
                )
            )
        except (SignatureVerificationError, TypeError, ValueError):
            # TypeError: compare_digest refuses non-ASCII text, which is no signature either.
            return False

    # --- webhooks -------------------------------------------------------------------

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> dict[str, Any]:
        signature = _header(headers, SIGNATURE_HEADER)
        if not signature:
            raise InvalidSignature("The X-Razorpay-Signature header is missing.")
        try:
            self._client.utility.verify_webhook_signature(
                body.decode("utf-8"), signature, self._webhook_secret
            )
        except (SignatureVerificationError, UnicodeDecodeError, TypeError, ValueError):
            raise InvalidSignature("The Razorpay signature does not match the body.") from None
        try:
            event = orjson.loads(body)
        except orjson.JSONDecodeError:
            raise InvalidSignature("The signed body is not JSON.") from None
        if not isinstance(event, dict) or not isinstance(event.get("event"), str):
            raise InvalidSignature("The signed body is not a Razorpay event.")
        event_id = _header(headers, EVENT_ID_HEADER) or hashlib.sha256(body).hexdigest()
        return {**event, EVENT_ID_KEY: event_id}

    def parse_event(self, event: dict[str, Any]) -> PaymentEvent:
        event_type = str(event.get("event", ""))
        payload = _dict(event.get("payload"))
        payment = _dict(_dict(payload.get("payment")).get("entity"))
        base = PaymentEvent(event_id=_event_id(event), provider_type=event_type, kind=None)
        paid = replace(
            base,
            order_id=_notes(payment).get("order_id"),
            provider_ref=payment.get("order_id"),
            payment_id=payment.get("id"),
            amount=_int(payment.get("amount")),
            currency=_upper(payment.get("currency")),
        )
        if event_type == "payment.captured":
            return replace(paid, kind=PAYMENT_SUCCEEDED)
        if event_type == "payment.failed":
            reason = payment.get("error_description") or payment.get("error_code")
            return replace(paid, kind=PAYMENT_FAILED, detail=reason or "The payment failed.")
        if event_type == "refund.processed":
            refund = _dict(_dict(payload.get("refund")).get("entity"))
            return replace(
                paid,
                kind=REFUND_SUCCEEDED,
                payment_id=refund.get("payment_id") or payment.get("id"),
                refund_id=refund.get("id"),
                our_refund_id=_notes(refund).get("refund_id"),
                amount=_int(refund.get("amount")),
                currency=_upper(refund.get("currency")),
            )
        return paid

    # --- refunds --------------------------------------------------------------------

    def refund(
        self, *, payment_id: str, amount: int, currency: str, refund_id: str
    ) -> RefundResult:
        body = {
            "amount": amount,
            "speed": "normal",
            "receipt": refund_id,
            "notes": {"refund_id": refund_id},
        }
        try:
            refund = self._client.payment.refund(
                payment_id,
                body,
                # A retried request with the same key never refunds twice.
                headers={"X-Refund-Idempotency": refund_id},
                timeout=self._timeout,
            )
        except Exception as exc:
            raise ProviderError(self._explain("refund the payment", exc)) from None
        status = refund.get("status") if isinstance(refund, dict) else None
        if not isinstance(refund, dict) or not isinstance(refund.get("id"), str):
            raise ProviderError("Razorpay answered the refund request without a refund id.")
        if status == "failed":
            raise ProviderError("Razorpay could not refund the payment (the refund failed).")
        return RefundResult(
            provider_refund_id=refund["id"],
            status="succeeded" if status == "processed" else "pending",
            extra={"razorpay_status": status},
        )

    def _explain(self, action: str, exc: Exception) -> str:
        """A readable reason; the key secret never appears in it."""
        if isinstance(exc, (BadRequestError, GatewayError, ServerError)):
            reason = str(exc) or "no reason given"
            text = f"Razorpay refused to {action}: {reason[:300]}"
        elif isinstance(exc, requests.exceptions.JSONDecodeError):
            text = f"Razorpay gave an unreadable answer when asked to {action}."
        elif isinstance(exc, requests.RequestException):
            text = f"Razorpay could not be reached to {action}; please try again."
        else:
            text = f"Razorpay failed to {action} ({type(exc).__name__})."
        for secret in (self._key_secret, self._webhook_secret):
            text = text.replace(secret, "[secret]")
        return text


def _description(request: CheckoutRequest) -> str:
    if len(request.lines) == 1:
        return request.lines[0].title[:255]
    return f"{len(request.lines)} courses"


def _event_id(event: dict[str, Any]) -> str:
    event_id = event.get(EVENT_ID_KEY)
    if isinstance(event_id, str) and event_id:
        return event_id
    return hashlib.sha256(orjson.dumps(event, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _notes(entity: dict[str, Any]) -> dict[str, Any]:
    """Razorpay sends empty notes as `[]`; only a mapping holds our ids."""
    return _dict(entity.get("notes"))


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name) or headers.get(name.lower())
    if value:
        return value
    wanted = name.lower()
    return next((v for k, v in headers.items() if k.lower() == wanted), None)


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _upper(value: object) -> str | None:
    return value.upper() if isinstance(value, str) else None
