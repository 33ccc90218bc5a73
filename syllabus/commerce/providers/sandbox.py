"""The built-in sandbox gateway: a local hosted-checkout page that pays or declines.

Its webhooks use Stripe's signing scheme with our own header,
`X-Sandbox-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`,
keyed by `SYLLABUS_SANDBOX_WEBHOOK_SECRET`, and reach the same webhook
path as every other provider's.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping
from typing import Any

import orjson

from syllabus.commerce.errors import InvalidSignature
from syllabus.commerce.providers.base import (
    PAYMENT_FAILED,
    PAYMENT_SUCCEEDED,
    REFUND_SUCCEEDED,
    CheckoutRequest,
    CheckoutStart,
    EventKind,
    PaymentEvent,
    RefundResult,
)
from syllabus.kit.db import new_id

SIGNATURE_HEADER = "X-Sandbox-Signature"
# Signatures older (or newer) than this are refused, against replays.
TOLERANCE_SECONDS = 300
_KINDS: dict[str, EventKind] = {
    "payment.succeeded": PAYMENT_SUCCEEDED,
    "payment.failed": PAYMENT_FAILED,
    "refund.succeeded": REFUND_SUCCEEDED,
}


def sign(body: bytes, secret: str, timestamp: int | None = None) -> str:
    """The `X-Sandbox-Signature` header value for `body`."""
    t = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={digest}"


def event_body(kind: str, *, order_id: str, amount: int, currency: str, **extra: str) -> bytes:
    """A sandbox event as the gateway sends it (raw JSON bytes)."""
    data: dict[str, Any] = {"order_id": order_id, "amount": amount, "currency": currency, **extra}
    return orjson.dumps({"id": f"sbx_evt_{new_id()}", "type": kind, "data": data})


class SandboxProvider:
    name = "sandbox"

    def __init__(self, *, webhook_secret: str, base_url: str) -> None:
        self._secret = webhook_secret
        self._base_url = base_url.rstrip("/")

    def start_checkout(self, request: CheckoutRequest) -> CheckoutStart:
        return CheckoutStart(
            provider_ref=f"sbx_{request.order_id}",
            redirect_url=f"{self._base_url}/pay/sandbox/{request.order_id}",
        )

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> dict[str, Any]:
        header = _header(headers, SIGNATURE_HEADER)
        parts = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
        try:
            timestamp = int(parts["t"])
        except (KeyError, ValueError):
            raise InvalidSignature("The sandbox signature header is malformed.") from None
        if abs(time.time() - timestamp) > TOLERANCE_SECONDS:
            raise InvalidSignature("The sandbox signature is too old.")
        expected = sign(body, self._secret, timestamp).split("v1=", 1)[1]
        if not hmac.compare_digest(expected, parts.get("v1", "")):
            raise InvalidSignature("The sandbox signature does not match.")
        try:
            event = orjson.loads(body)
        except orjson.JSONDecodeError:
            raise InvalidSignature("The signed body is not JSON.") from None
        if not isinstance(event, dict) or not isinstance(event.get("id"), str):
            raise InvalidSignature("The signed body is not a sandbox event.")
        return event

    def parse_event(self, event: dict[str, Any]) -> PaymentEvent:
        data = event.get("data") or {}
        amount = data.get("amount")
        currency = data.get("currency")
        return PaymentEvent(
            event_id=str(event["id"]),
            provider_type=str(event.get("type", "")),
            kind=_KINDS.get(str(event.get("type", ""))),
            order_id=data.get("order_id"),
            provider_ref=f"sbx_{data['order_id']}" if data.get("order_id") else None,
            payment_id=data.get("payment_id")
            or (f"sbx_pay_{data['order_id']}" if data.get("order_id") else None),
            refund_id=data.get("refund_id"),
            our_refund_id=data.get("refund_id"),
            amount=amount if isinstance(amount, int) else None,
            currency=currency.upper() if isinstance(currency, str) else None,
            detail=data.get("reason"),
        )

    def refund(
        self, *, payment_id: str, amount: int, currency: str, refund_id: str
    ) -> RefundResult:
        # The sandbox refunds at once; its refund.succeeded webhook follows.
        return RefundResult(provider_refund_id=refund_id, status="succeeded")


def _header(headers: Mapping[str, str], name: str) -> str:
    value = headers.get(name) or headers.get(name.lower())
    if not value:
        raise InvalidSignature(f"The {name} header is missing.")
    return value
