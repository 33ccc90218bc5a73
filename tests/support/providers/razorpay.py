"""A loopback server speaking the parts of Razorpay's API the shop uses."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import string
import time
from typing import Any

from tests.support.providers.loopback import (
    LoopbackServer,
    RecordedRequest,
    Reply,
    _token,
)

RAZORPAY_KEY_ID = "rzp_test_1DP5mmOlF5G5ag"
RAZORPAY_KEY_SECRET = "thisissupersecretrzpkey"
RAZORPAY_WEBHOOK_SECRET = "rzp-webhook-secret-loopback"

# --- Razorpay --------------------------------------------------------------------------


class RazorpayServer(LoopbackServer):
    """Orders, payments and refunds of the Razorpay API (JSON, basic key id/secret)."""

    label = "razorpay"

    def __init__(
        self,
        key_id: str = RAZORPAY_KEY_ID,
        key_secret: str = RAZORPAY_KEY_SECRET,
        webhook_secret: str = RAZORPAY_WEBHOOK_SECRET,
    ) -> None:
        super().__init__()
        self.key_id = key_id
        self.key_secret = key_secret
        self.webhook_secret = webhook_secret
        self.orders: dict[str, dict[str, Any]] = {}
        self.payments: dict[str, dict[str, Any]] = {}
        self.refunds: dict[str, dict[str, Any]] = {}
        self.refund_status = "processed"
        self._idempotent: dict[str, tuple[bytes, Reply]] = {}
        self.route("POST", "/v1/orders", self._create_order)
        self.route("GET", r"/v1/orders/(?P<order_id>[^/]+)", self._get_order)
        self.route("GET", r"/v1/payments/(?P<payment_id>[^/]+)", self._get_payment)
        self.route("POST", r"/v1/payments/(?P<payment_id>[^/]+)/refund", self._create_refund)

    def settings(self) -> dict[str, Any]:
        return {
            "razorpay_key_id": self.key_id,
            "razorpay_key_secret": self.key_secret,
            "razorpay_webhook_secret": self.webhook_secret,
            "razorpay_api_base": self.url,
        }

    @property
    def last_order(self) -> dict[str, Any]:
        with self.lock:
            return list(self.orders.values())[-1]

    def not_found(self, request: RecordedRequest) -> Reply:
        return _razorpay_error(400, "The requested URL was not found on the server.")

    # --- API ---------------------------------------------------------------------------

    def _authorized(self, request: RecordedRequest) -> Reply | None:
        auth = request.header("authorization") or ""
        if auth.startswith("Basic "):
            key_id, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
            if key_id == self.key_id and hmac.compare_digest(secret, self.key_secret):
                return None
        return _razorpay_error(401, "Authentication failed")

    def _create_order(self, request: RecordedRequest) -> Reply:
        refused = self._authorized(request)
        if refused:
            return refused
        p = request.params or {}
        amount, currency = p.get("amount"), p.get("currency")
        if not isinstance(amount, int) or isinstance(amount, bool):
            return _razorpay_error(400, "The amount must be an integer.", field="amount")
        if amount < 100:
            return _razorpay_error(
                400, "Order amount less than minimum amount allowed", field="amount"
            )
        if not isinstance(currency, str) or not re.fullmatch(r"[A-Z]{3}", currency):
            return _razorpay_error(400, "The currency must be 3 characters.", field="currency")
        receipt = p.get("receipt")
        if receipt is not None and len(str(receipt)) > 40:
            return _razorpay_error(
                400, "The receipt may not be greater than 40 characters.", field="receipt"
            )
        notes = p.get("notes") or {}
        if not isinstance(notes, dict) or len(notes) > 15:
            return _razorpay_error(
                400, "Number of fields in notes should be less than or equal to 15", field="notes"
            )
        order = {
            "id": f"order_{_token(14)}",
            "entity": "order",
            "amount": amount,
            "amount_paid": 0,
            "amount_due": amount,
            "currency": currency,
            "receipt": receipt,
            "offer_id": None,
            "status": "created",
            "attempts": 0,
            "notes": notes or [],
            "created_at": int(time.time()),
        }
        self.orders[order["id"]] = order
        return Reply(200, order)

    def _get_order(self, request: RecordedRequest, order_id: str) -> Reply:
        refused = self._authorized(request)
        if refused:
            return refused
        order = self.orders.get(order_id)
        if order is None:
            return _razorpay_error(400, "The id provided does not exist")
        return Reply(200, order)

    def _get_payment(self, request: RecordedRequest, payment_id: str) -> Reply:
        refused = self._authorized(request)
        if refused:
            return refused
        payment = self.payments.get(payment_id)
        if payment is None:
            return _razorpay_error(400, "The id provided does not exist")
        return Reply(200, payment)

    def _create_refund(self, request: RecordedRequest, payment_id: str) -> Reply:
        refused = self._authorized(request)
        if refused:
            return refused
        key = request.header("x-refund-idempotency")
        if key:
            seen = self._idempotent.get(key)
            if seen is not None:
                if seen[0] != request.body:
                    return _razorpay_error(
                        400,
                        "Different request with the same idempotency key has already "
                        "been processed.",
                    )
                return seen[1]
        payment = self.payments.get(payment_id)
        if payment is None:
            return _razorpay_error(400, "The id provided does not exist")
        if payment["status"] not in ("captured", "refunded"):
            return _razorpay_error(400, "The payment has not been captured", field="payment_id")
        p = request.params or {}
        left = payment["amount"] - payment["amount_refunded"]
        amount = p.get("amount", left)
        if not isinstance(amount, int) or amount < 100:
            return _razorpay_error(400, "The amount must be at least INR 1.00", field="amount")
        if amount > left:
            return _razorpay_error(
                400,
                "The refund amount provided is greater than amount captured",
                field="amount",
            )
        refund = self.refund(payment_id, amount, notes=p.get("notes"), receipt=p.get("receipt"))
        refund["speed_requested"] = p.get("speed", "normal")
        reply = Reply(200, refund)
        if key:
            self._idempotent[key] = (request.body, reply)
        return reply

    # --- the buyer's and the dashboard's side ------------------------------------------

    def pay(self, rzp_order_id: str, *, method: str = "upi") -> dict[str, str]:
        """The buyer pays in checkout.js: what its handler hands the page (signed with the
        key secret over `order_id|payment_id`)."""
        payment = self._payment(rzp_order_id, captured=True, method=method)
        message = f"{rzp_order_id}|{payment['id']}".encode()
        signature = hmac.new(self.key_secret.encode(), message, hashlib.sha256).hexdigest()
        return {
            "razorpay_payment_id": payment["id"],
            "razorpay_order_id": rzp_order_id,
            "razorpay_signature": signature,
        }

    def fail_payment(
        self,
        rzp_order_id: str,
        *,
        description: str = "Payment failed because the bank declined the transaction.",
    ) -> str:
        payment = self._payment(rzp_order_id, captured=False, method="card")
        payment.update(
            error_code="BAD_REQUEST_ERROR",
            error_description=description,
            error_source="bank",
            error_step="payment_authorization",
            error_reason="payment_declined",
        )
        return str(payment["id"])

    def _payment(self, rzp_order_id: str, *, captured: bool, method: str) -> dict[str, Any]:
        with self.lock:
            order = self.orders[rzp_order_id]
            order["attempts"] += 1
            payment = {
                "id": f"pay_{_token(14)}",
                "entity": "payment",
                "amount": order["amount"],
                "currency": order["currency"],
                "status": "captured" if captured else "failed",
                "order_id": rzp_order_id,
                "invoice_id": None,
                "international": False,
                "method": method,
                "amount_refunded": 0,
                "refund_status": None,
                "captured": captured,
                "description": "Course purchase",
                "card_id": None if method != "card" else f"card_{_token(14)}",
                "bank": None,
                "wallet": None,
                "vpa": "success@razorpay" if method == "upi" else None,
                "email": "gaurav.kumar@example.com",
                "contact": "+919000090000",
                # checkout.js copies the options' notes ({order_id}) onto the payment.
                "notes": order["notes"],
                "fee": order["amount"] * 2 // 100 if captured else None,
                "tax": order["amount"] * 36 // 10000 if captured else None,
                "error_code": None,
                "error_description": None,
                "error_source": None,
                "error_step": None,
                "error_reason": None,
                "acquirer_data": {"rrn": _token(12, string.digits)} if captured else {},
                "created_at": int(time.time()),
            }
            if captured:
                order.update(status="paid", amount_paid=order["amount"], amount_due=0)
            self.payments[payment["id"]] = payment
            return payment

    def refund(
        self,
        payment_id: str,
        amount: int,
        *,
        notes: dict[str, str] | None = None,
        receipt: str | None = None,
    ) -> dict[str, Any]:
        """A refund as Razorpay records it (also what a Dashboard refund looks like)."""
        with self.lock:
            payment = self.payments[payment_id]
            refund = {
                "id": f"rfnd_{_token(14)}",
                "entity": "refund",
                "amount": amount,
                "currency": payment["currency"],
                "payment_id": payment_id,
                "notes": notes or [],
                "receipt": receipt,
                "acquirer_data": {"arn": None},
                "created_at": int(time.time()),
                "batch_id": None,
                "status": self.refund_status,
                "speed_processed": "normal",
                "speed_requested": "normal",
            }
            self.refunds[refund["id"]] = refund
            payment["amount_refunded"] += amount
            full = payment["amount_refunded"] == payment["amount"]
            payment["refund_status"] = "full" if full else "partial"
            if full:
                payment["status"] = "refunded"
            return refund

    # --- webhooks ----------------------------------------------------------------------

    def sign(
        self, body: bytes, *, secret: str | None = None, event_id: str | None = None
    ) -> dict[str, str]:
        """Headers of a delivery: hex HMAC-SHA256 of the raw body with the webhook secret."""
        key = (secret or self.webhook_secret).encode()
        return {
            "X-Razorpay-Signature": hmac.new(key, body, hashlib.sha256).hexdigest(),
            "X-Razorpay-Event-Id": event_id or f"{_token(14)}",
            "Content-Type": "application/json",
            "User-Agent": "Razorpay-Webhook/v1",
        }

    def event(self, event_type: str, **entities: dict[str, Any]) -> bytes:
        event = {
            "entity": "event",
            "account_id": "acc_BFQ7uQEaa7j2z7",
            "event": event_type,
            "contains": list(entities),
            "payload": {name: {"entity": entity} for name, entity in entities.items()},
            "created_at": int(time.time()),
        }
        return json.dumps(event).encode()

    def signed_payment_captured(self, payment_id: str) -> tuple[bytes, dict[str, str]]:
        body = self.event("payment.captured", payment=dict(self.payments[payment_id]))
        return body, self.sign(body)

    def signed_payment_failed(self, payment_id: str) -> tuple[bytes, dict[str, str]]:
        body = self.event("payment.failed", payment=dict(self.payments[payment_id]))
        return body, self.sign(body)

    def signed_refund_processed(self, refund_id: str) -> tuple[bytes, dict[str, str]]:
        refund = dict(self.refunds[refund_id])
        refund["status"] = "processed"
        payment = dict(self.payments[refund["payment_id"]])
        body = self.event("refund.processed", refund=refund, payment=payment)
        return body, self.sign(body)


def _razorpay_error(status: int, description: str, *, field: str | None = None) -> Reply:
    error: dict[str, Any] = {
        "code": "BAD_REQUEST_ERROR",
        "description": description,
        "source": "business" if field else "NA",
        "step": "payment_initiation" if field else "NA",
        "reason": "input_validation_failed" if field else "NA",
        "metadata": {},
    }
    if field:
        error["field"] = field
    return Reply(status, {"error": error})
