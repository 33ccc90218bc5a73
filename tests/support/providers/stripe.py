"""A loopback server speaking the parts of Stripe's API the shop uses."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import parse_qsl

import stripe

from tests.support.providers.loopback import (
    LoopbackServer,
    RecordedRequest,
    Reply,
    _nest,
    _public,
    _token,
)

STRIPE_SECRET_KEY = "sk_test_51PxSyllabusLoopbackKey0000000000000000000000000000000000000000000"
STRIPE_WEBHOOK_SECRET = "whsec_loopbackWebhookSigningSecret00000000"
# The API version the installed SDK pins (sent as Stripe-Version, stamped on events).
STRIPE_API_VERSION = str(stripe.api_version)

# --- Stripe ----------------------------------------------------------------------------


class StripeServer(LoopbackServer):
    """Checkout Sessions and Refunds of the Stripe API (form-encoded, bearer secret key)."""

    label = "stripe"

    def __init__(
        self, secret_key: str = STRIPE_SECRET_KEY, webhook_secret: str = STRIPE_WEBHOOK_SECRET
    ) -> None:
        super().__init__()
        self.secret_key = secret_key
        self.webhook_secret = webhook_secret
        self.sessions: dict[str, dict[str, Any]] = {}
        self.payment_intents: dict[str, dict[str, Any]] = {}
        self.charges: dict[str, dict[str, Any]] = {}
        self.refunds: dict[str, dict[str, Any]] = {}
        # The status new refunds get ("pending" for bank-based methods).
        self.refund_status = "succeeded"
        self._idempotent: dict[tuple[str, str], tuple[str, Reply]] = {}
        self.route("POST", "/v1/checkout/sessions", self._create_session)
        self.route("GET", r"/v1/checkout/sessions/(?P<session_id>[^/]+)", self._get_session)
        self.route("POST", "/v1/refunds", self._create_refund)

    def settings(self) -> dict[str, Any]:
        """The settings update that points the shop at this server."""
        return {
            "stripe_secret_key": self.secret_key,
            "stripe_webhook_secret": self.webhook_secret,
            "stripe_api_base": self.url,
        }

    @property
    def last_session(self) -> dict[str, Any]:
        with self.lock:
            return list(self.sessions.values())[-1]

    def parse_body(self, request: RecordedRequest) -> Any:
        return _nest(parse_qsl(request.body.decode(), keep_blank_values=True))

    def dispatch(self, request: RecordedRequest) -> Reply:
        reply = super().dispatch(request)
        reply.headers.setdefault("Request-Id", f"req_{_token(14)}")
        reply.headers.setdefault("Stripe-Version", STRIPE_API_VERSION)
        return reply

    def not_found(self, request: RecordedRequest) -> Reply:
        message = f"Unrecognized request URL ({request.method}: {request.path})."
        return _stripe_error(404, message, type_="invalid_request_error")

    # --- API ---------------------------------------------------------------------------

    def _authorized(self, request: RecordedRequest) -> Reply | None:
        auth = request.header("authorization") or ""
        key = auth.removeprefix("Bearer ").strip()
        if auth.startswith("Bearer ") and hmac.compare_digest(key, self.secret_key):
            return None
        if not key:
            message = "You did not provide an API key."
        else:
            message = f"Invalid API Key provided: {key[:8]}{'*' * 20}{key[-4:]}"
        return _stripe_error(401, message, type_="invalid_request_error")

    def _replayed(self, request: RecordedRequest) -> Reply | None:
        key = request.header("idempotency-key")
        if not key:
            return None
        seen = self._idempotent.get((request.path, key))
        if seen is None:
            return None
        body, reply = seen
        if body != request.body.decode():
            message = (
                "Keys for idempotent requests can only be used with the same parameters "
                "they were first used with. Try using a key other than "
                f"'{key}' if you meant to execute a different request."
            )
            return _stripe_error(400, message, type_="idempotency_error")
        return Reply(reply.status, reply.body, {"Idempotent-Replayed": "true"})

    def _remember(self, request: RecordedRequest, reply: Reply) -> Reply:
        key = request.header("idempotency-key")
        if key:
            self._idempotent[(request.path, key)] = (request.body.decode(), reply)
        return reply

    def _create_session(self, request: RecordedRequest) -> Reply:
        refused = self._authorized(request) or self._replayed(request)
        if refused:
            return refused
        p = request.params
        for name in ("mode", "line_items", "success_url"):
            if not p.get(name):
                return _stripe_error(400, f"Missing required param: {name}.", param=name)
        if p["mode"] != "payment":
            return _stripe_error(400, "This shop only takes one-off payments.", param="mode")
        currencies, total, names = set(), 0, []
        for i, item in enumerate(p["line_items"]):
            price = item.get("price_data") or {}
            amount = price.get("unit_amount", "")
            if not amount.isdigit():
                return _stripe_error(
                    400,
                    "Invalid non-negative integer",
                    param=f"line_items[{i}][price_data][unit_amount]",
                )
            if not (price.get("product_data") or {}).get("name"):
                return _stripe_error(
                    400,
                    "Missing required param: line_items[0][price_data][product_data][name].",
                    param=f"line_items[{i}][price_data][product_data][name]",
                )
            currencies.add(price.get("currency"))
            total += int(amount) * int(item.get("quantity", "1"))
            names.append(price["product_data"]["name"])
        if len(currencies) != 1:
            return _stripe_error(400, "All line items must share one currency.", param="line_items")
        now = int(time.time())
        expires_at = int(p.get("expires_at") or now + 24 * 3600)
        if not now + 30 * 60 <= expires_at <= now + 24 * 3600:
            return _stripe_error(
                400,
                "The `expires_at` timestamp must be between 30 minutes and 24 hours "
                "from Checkout Session creation.",
                param="expires_at",
            )
        session_id = f"cs_test_a1{_token(56)}"
        session = {
            "id": session_id,
            "object": "checkout.session",
            "after_expiration": None,
            "allow_promotion_codes": None,
            "amount_subtotal": total,
            "amount_total": total,
            "automatic_tax": {"enabled": False, "liability": None, "status": None},
            "billing_address_collection": None,
            "cancel_url": p.get("cancel_url"),
            "client_reference_id": p.get("client_reference_id"),
            "client_secret": None,
            "consent": None,
            "created": now,
            "currency": currencies.pop(),
            "customer": None,
            "customer_creation": "if_required",
            "customer_details": None,
            "customer_email": p.get("customer_email"),
            "expires_at": expires_at,
            "invoice": None,
            "livemode": False,
            "locale": None,
            "metadata": p.get("metadata") or {},
            "mode": "payment",
            "payment_intent": None,
            "payment_link": None,
            "payment_method_collection": "if_required",
            "payment_method_types": ["card"],
            "payment_status": "unpaid",
            "phone_number_collection": {"enabled": False},
            "recovered_from": None,
            "shipping_address_collection": None,
            "status": "open",
            "submit_type": None,
            "subscription": None,
            "success_url": p["success_url"],
            "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
            "ui_mode": "hosted",
            "url": f"https://checkout.stripe.com/c/pay/{session_id}#fidkdWxOYHwnPyd1blpxYHZxWjA0",
            # Kept to build the PaymentIntent when the buyer pays; not part of the answer.
            "_payment_intent_data": p.get("payment_intent_data") or {},
            "_line_names": names,
        }
        self.sessions[session_id] = session
        return self._remember(request, Reply(200, _public(session)))

    def _get_session(self, request: RecordedRequest, session_id: str) -> Reply:
        refused = self._authorized(request)
        if refused:
            return refused
        session = self.sessions.get(session_id)
        if session is None:
            message = f"No such checkout.session: '{session_id}'"
            return _stripe_error(404, message, param="session", code="resource_missing")
        return Reply(200, _public(session))

    def _create_refund(self, request: RecordedRequest) -> Reply:
        refused = self._authorized(request) or self._replayed(request)
        if refused:
            return refused
        p = request.params
        intent_id = p.get("payment_intent")
        if not intent_id and p.get("charge") in self.charges:
            intent_id = self.charges[p["charge"]]["payment_intent"]
        intent = self.payment_intents.get(intent_id or "")
        if intent is None:
            message = f"No such payment_intent: '{p.get('payment_intent')}'"
            return _stripe_error(400, message, param="payment_intent", code="resource_missing")
        charge = self.charges[intent["latest_charge"]]
        left = charge["amount"] - charge["amount_refunded"]
        amount = int(p.get("amount") or left)
        if left == 0:
            message = f"Charge {charge['id']} has already been refunded."
            return _stripe_error(400, message, code="charge_already_refunded")
        if amount > left:
            message = (
                f"Refund amount ({amount}) is greater than unrefunded amount on charge ({left})"
            )
            return _stripe_error(400, message, param="amount", code="amount_too_large")
        refund = self.refund(intent_id or "", amount, metadata=p.get("metadata") or {})
        return self._remember(request, Reply(200, refund))

    # --- the buyer's and the dashboard's side ------------------------------------------

    def complete_session(self, session_id: str, *, paid: bool = True) -> dict[str, Any]:
        """The buyer pays on the hosted page: a PaymentIntent and a Charge now exist."""
        with self.lock:
            session = self.sessions[session_id]
            if session["payment_intent"] is None:
                intent = self._payment_intent(session, succeeded=paid)
                session["payment_intent"] = intent["id"]
            if paid:
                session.update(status="complete", payment_status="paid", url=None)
                session["customer_details"] = {
                    "email": session["customer_email"],
                    "name": "Jenny Rosen",
                    "address": {"country": "US", "postal_code": "94103"},
                    "phone": None,
                    "tax_exempt": "none",
                    "tax_ids": [],
                }
            return session

    def _payment_intent(self, session: dict[str, Any], *, succeeded: bool) -> dict[str, Any]:
        intent_id = f"pi_3{_token(23)}"
        charge_id = f"ch_3{_token(23)}"
        now = int(time.time())
        metadata = dict((session["_payment_intent_data"] or {}).get("metadata") or {})
        intent = {
            "id": intent_id,
            "object": "payment_intent",
            "amount": session["amount_total"],
            "amount_capturable": 0,
            "amount_received": session["amount_total"] if succeeded else 0,
            "capture_method": "automatic_async",
            "client_secret": f"{intent_id}_secret_{_token(25)}",
            "confirmation_method": "automatic",
            "created": now,
            "currency": session["currency"],
            "customer": None,
            "description": None,
            "last_payment_error": None,
            "latest_charge": charge_id,
            "livemode": False,
            "metadata": metadata,
            "payment_method": f"pm_1{_token(23)}",
            "payment_method_types": ["card"],
            "status": "succeeded" if succeeded else "requires_payment_method",
        }
        charge = {
            "id": charge_id,
            "object": "charge",
            "amount": session["amount_total"],
            "amount_captured": session["amount_total"] if succeeded else 0,
            "amount_refunded": 0,
            "balance_transaction": f"txn_3{_token(23)}",
            "billing_details": {"email": session["customer_email"], "name": "Jenny Rosen"},
            "captured": succeeded,
            "created": now,
            "currency": session["currency"],
            "description": None,
            "failure_code": None if succeeded else "card_declined",
            "failure_message": None if succeeded else "Your card was declined.",
            "livemode": False,
            "metadata": {},
            "outcome": {
                "network_status": "approved_by_network" if succeeded else "declined_by_network",
                "reason": None if succeeded else "generic_decline",
                "risk_level": "normal",
                "seller_message": "Payment complete." if succeeded else "The bank declined.",
                "type": "authorized" if succeeded else "issuer_declined",
            },
            "paid": succeeded,
            "payment_intent": intent_id,
            "payment_method_details": {
                "card": {"brand": "visa", "country": "US", "last4": "4242"},
                "type": "card",
            },
            "receipt_url": f"https://pay.stripe.com/receipts/payment/{_token(40)}",
            "refunded": False,
            "status": "succeeded" if succeeded else "failed",
        }
        self.payment_intents[intent_id] = intent
        self.charges[charge_id] = charge
        return intent

    def refund(
        self, payment_intent_id: str, amount: int, *, metadata: dict[str, str] | None = None
    ) -> dict[str, Any]:
        """A refund as Stripe records it (also what a refund from the Dashboard looks like)."""
        with self.lock:
            intent = self.payment_intents[payment_intent_id]
            charge = self.charges[intent["latest_charge"]]
            refund = {
                "id": f"re_3{_token(23)}",
                "object": "refund",
                "amount": amount,
                "balance_transaction": f"txn_3{_token(23)}",
                "charge": charge["id"],
                "created": int(time.time()),
                "currency": charge["currency"],
                "destination_details": {"card": {"type": "refund"}, "type": "card"},
                "metadata": metadata or {},
                "payment_intent": payment_intent_id,
                "reason": None,
                "receipt_number": None,
                "source_transfer_reversal": None,
                "status": self.refund_status,
                "transfer_reversal": None,
            }
            self.refunds[refund["id"]] = refund
            charge["amount_refunded"] += amount
            charge["refunded"] = charge["amount_refunded"] == charge["amount"]
            return refund

    # --- webhooks ----------------------------------------------------------------------

    def sign(
        self, body: bytes, *, timestamp: int | None = None, secret: str | None = None
    ) -> dict[str, str]:
        """Headers of a delivery: `Stripe-Signature: t=<unix>,v1=<HMAC-SHA256("t.body")>`."""
        t = int(time.time()) if timestamp is None else timestamp
        key = (secret or self.webhook_secret).encode()
        digest = hmac.new(key, f"{t}.".encode() + body, hashlib.sha256).hexdigest()
        return {
            "Stripe-Signature": f"t={t},v1={digest}",
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
        }

    def event(
        self, event_type: str, obj: dict[str, Any], *, api_version: str = STRIPE_API_VERSION
    ) -> bytes:
        """An event body as Stripe sends it (pretty-printed JSON)."""
        event = {
            "id": f"evt_1{_token(23)}",
            "object": "event",
            "api_version": api_version,
            "created": int(time.time()),
            "data": {"object": _public(obj)},
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "type": event_type,
        }
        return json.dumps(event, indent=2).encode()

    def signed(
        self, event_type: str, obj: dict[str, Any], **sign: Any
    ) -> tuple[bytes, dict[str, str]]:
        body = self.event(event_type, obj)
        return body, self.sign(body, **sign)

    def signed_checkout_completed(
        self,
        session_id: str,
        *,
        amount_total: int | None = None,
        currency: str | None = None,
        timestamp: int | None = None,
    ) -> tuple[bytes, dict[str, str]]:
        """The buyer paid: `checkout.session.completed` for the session (amounts overridable)."""
        session = dict(self.complete_session(session_id))
        if amount_total is not None:
            session["amount_total"] = session["amount_subtotal"] = amount_total
        if currency is not None:
            session["currency"] = currency
        return self.signed("checkout.session.completed", session, timestamp=timestamp)

    def signed_checkout_expired(self, session_id: str) -> tuple[bytes, dict[str, str]]:
        with self.lock:
            session = self.sessions[session_id]
            session.update(status="expired", url=None)
        return self.signed("checkout.session.expired", session)

    def signed_payment_failed(
        self, session_id: str, *, message: str = "Your card was declined."
    ) -> tuple[bytes, dict[str, str]]:
        """The buyer's card was declined on the hosted page: `payment_intent.payment_failed`."""
        session = self.complete_session(session_id, paid=False)
        with self.lock:
            intent = self.payment_intents[session["payment_intent"]]
            intent["last_payment_error"] = {
                "charge": intent["latest_charge"],
                "code": "card_declined",
                "decline_code": "generic_decline",
                "doc_url": "https://stripe.com/docs/error-codes/card-declined",
                "message": message,
                "type": "card_error",
            }
        return self.signed("payment_intent.payment_failed", intent)

    def signed_charge_refunded(
        self, refund_id: str, *, embed_refunds: bool = True
    ) -> tuple[bytes, dict[str, str]]:
        """`charge.refunded`; API versions before 2022-11-15 embed the charge's refunds."""
        with self.lock:
            refund = self.refunds[refund_id]
            charge = dict(self.charges[refund["charge"]])
            if embed_refunds:
                mine = [r for r in self.refunds.values() if r["charge"] == charge["id"]]
                charge["refunds"] = {
                    "object": "list",
                    "data": sorted(mine, key=lambda r: r["created"], reverse=True),
                    "has_more": False,
                    "total_count": len(mine),
                    "url": f"/v1/charges/{charge['id']}/refunds",
                }
        version = "2022-08-01" if embed_refunds else STRIPE_API_VERSION
        body = self.event("charge.refunded", charge, api_version=version)
        return body, self.sign(body)

    def signed_refund_updated(
        self, refund_id: str, *, status: str = "succeeded"
    ) -> tuple[bytes, dict[str, str]]:
        with self.lock:
            refund = self.refunds[refund_id]
            refund["status"] = status
        return self.signed("refund.updated", refund)


def _stripe_error(
    status: int,
    message: str,
    *,
    type_: str = "invalid_request_error",
    param: str | None = None,
    code: str | None = None,
) -> Reply:
    error: dict[str, Any] = {"message": message, "type": type_}
    if param:
        error["param"] = param
    if code:
        error["code"] = code
        error["doc_url"] = f"https://stripe.com/docs/error-codes/{code.replace('_', '-')}"
    error["request_log_url"] = f"https://dashboard.stripe.com/test/logs/req_{_token(14)}"
    return Reply(status, {"error": error})
