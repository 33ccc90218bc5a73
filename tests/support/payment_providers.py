"""Stripe, Razorpay and PayPal on 127.0.0.1, so the providers are proven over real HTTP.

Each server speaks the part of its provider's API the shop uses, the way
the provider does: it checks the credentials (Stripe's bearer secret key,
Razorpay's basic key id/secret, PayPal's OAuth2 client credentials and
bearer tokens), validates the parameters it is sent, honours idempotency
keys, records every request in `requests`, and answers with the provider's
JSON shapes (copied from the providers' API references).

Tests also play the provider's other side with them: a buyer paying
(`StripeServer.complete_session`, `RazorpayServer.pay`,
`PayPalServer.approve`) and webhook deliveries signed with the provider's
real scheme (`signed_*` methods return `(body bytes, headers)`):

    with stripe_server() as stripe:
        settings = settings.model_copy(update=stripe.settings())
        ...  # POST /api/v1/checkout with provider "stripe"
        body, headers = stripe.signed_checkout_completed(stripe.last_session["id"])
        client.post("/api/v1/webhooks/stripe", content=body, headers=headers)

`fail_next(...)` scripts an error answer; `unused_port()` gives an address
where nothing listens (connection refused).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import socket
import string
import threading
import time
import uuid
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlsplit

import stripe

STRIPE_SECRET_KEY = "sk_test_51PxSyllabusLoopbackKey0000000000000000000000000000000000000000000"
STRIPE_WEBHOOK_SECRET = "whsec_loopbackWebhookSigningSecret00000000"
# The API version the installed SDK pins (sent as Stripe-Version, stamped on events).
STRIPE_API_VERSION = str(stripe.api_version)
RAZORPAY_KEY_ID = "rzp_test_1DP5mmOlF5G5ag"
RAZORPAY_KEY_SECRET = "thisissupersecretrzpkey"
RAZORPAY_WEBHOOK_SECRET = "rzp-webhook-secret-loopback"
PAYPAL_CLIENT_ID = (
    "AeLoopbackClientIdForSyllabusTests0000000000000000000000000000000000000000000000"
)
PAYPAL_CLIENT_SECRET = (
    "ELoopbackClientSecretForSyllabusTests000000000000000000000000000000000000000000"
)
PAYPAL_WEBHOOK_ID = "1JE4291016473214C"

_ALNUM = string.ascii_letters + string.digits
_UPPER = string.ascii_uppercase + string.digits


def _token(length: int, alphabet: str = _ALNUM) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


def unused_port() -> int:
    """A loopback port nobody listens on: connecting to it is refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- shared machinery ------------------------------------------------------------------


@dataclass
class RecordedRequest:
    """One request as the server saw it; `params` is the parsed form or JSON body."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    params: Any = None
    status: int = 0

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass
class Reply:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class _Failure:
    method: str
    path_prefix: str
    reply: Reply
    times: int


Route = Callable[..., Reply]


class LoopbackServer:
    """A threaded HTTP server on 127.0.0.1 with a request log and scripted failures."""

    label = "provider"

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self.port = 0
        self.lock = threading.RLock()
        self._failures: list[_Failure] = []
        self._routes: list[tuple[str, re.Pattern[str], Route]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def route(self, method: str, pattern: str, handler: Route) -> None:
        self._routes.append((method, re.compile(f"^{pattern}$"), handler))

    def fail_next(
        self,
        method: str,
        path_prefix: str,
        status: int,
        body: Any = None,
        *,
        headers: dict[str, str] | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next `times` matching requests with this error instead."""
        with self.lock:
            reply = Reply(status, body, headers or {})
            self._failures.append(_Failure(method, path_prefix, reply, times))

    def requests_to(self, method: str, path: str) -> list[RecordedRequest]:
        with self.lock:
            return [r for r in self.requests if r.method == method and r.path == path]

    def parse_body(self, request: RecordedRequest) -> Any:
        content_type = request.header("content-type") or ""
        if not request.body:
            return None
        if "json" in content_type:
            try:
                return json.loads(request.body)
            except ValueError:
                return None
        return {k: v[-1] for k, v in parse_qs(request.body.decode()).items()}

    def dispatch(self, request: RecordedRequest) -> Reply:
        request.params = self.parse_body(request)
        with self.lock:
            self.requests.append(request)
            for failure in self._failures:
                if (
                    failure.times > 0
                    and request.method == failure.method
                    and request.path.startswith(failure.path_prefix)
                ):
                    failure.times -= 1
                    return failure.reply
        for method, pattern, handler in self._routes:
            match = pattern.match(request.path)
            if match and method == request.method:
                with self.lock:
                    return handler(request, **match.groupdict())
        return self.not_found(request)

    def not_found(self, request: RecordedRequest) -> Reply:
        return Reply(404, {"error": "not_found", "path": request.path})


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        return None

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_PATCH(self) -> None:
        self._handle()

    def _handle(self) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        request = RecordedRequest(
            method=self.command,
            path=url.path,
            query={k: v[-1] for k, v in parse_qs(url.query).items()},
            headers={k.lower(): v for k, v in self.headers.items()},
            body=self.rfile.read(length) if length else b"",
        )
        try:
            reply = self.server.app.dispatch(request)
        except Exception as exc:  # a bug in the fake must show, not hang the client
            reply = Reply(500, {"error": f"loopback server failed: {exc!r}"})
        request.status = reply.status
        if isinstance(reply.body, bytes | str):
            raw = reply.body.encode() if isinstance(reply.body, str) else reply.body
            content_type = "text/html"
        else:
            raw = json.dumps(reply.body, indent=2).encode()
            content_type = "application/json"
        self.send_response(reply.status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(raw)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(raw)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, app: LoopbackServer) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.app = app


@contextmanager
def serving(app: LoopbackServer) -> Iterator[LoopbackServer]:
    """Serve `app` on a free loopback port in a background thread."""
    server = _HTTPServer(app)
    app.port = int(server.server_address[1])
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name=app.label, daemon=True
    )
    thread.start()
    try:
        yield app
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _nest(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Stripe's form encoding (`a[b][0][c]=v`) back into nested dicts and lists."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        parts = re.findall(r"[^\[\]]+", key)
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return _listify(root)


def _listify(value: Any) -> Any:
    if isinstance(value, dict):
        items = {k: _listify(v) for k, v in value.items()}
        if items and all(k.isdigit() for k in items):
            return [items[k] for k in sorted(items, key=int)]
        return items
    return value


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


def _public(obj: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if not k.startswith("_")}


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


# --- PayPal ----------------------------------------------------------------------------


class PayPalServer(LoopbackServer):
    """OAuth2, Orders v2, captures, refunds and webhook verification of PayPal's REST API."""

    label = "paypal"

    def __init__(
        self,
        client_id: str | None = None,
        client_secret: str = PAYPAL_CLIENT_SECRET,
        webhook_id: str = PAYPAL_WEBHOOK_ID,
    ) -> None:
        super().__init__()
        # A fresh app per server, so tokens cached for an earlier server are never reused.
        self.client_id = client_id or f"{PAYPAL_CLIENT_ID}{_token(8)}"
        self.client_secret = client_secret
        self.webhook_id = webhook_id
        self.tokens: set[str] = set()
        self.tokens_issued = 0
        self.orders: dict[str, dict[str, Any]] = {}
        self.captures: dict[str, dict[str, Any]] = {}
        self.refunds: dict[str, dict[str, Any]] = {}
        self.refund_status = "COMPLETED"
        # What the next capture of an approved order does, by PayPal order id.
        self._outcomes: dict[str, str] = {}
        self._idempotent: dict[tuple[str, str], tuple[bytes, Reply]] = {}
        self._signing_key = secrets.token_bytes(32)
        self.route("POST", "/v1/oauth2/token", self._token)
        self.route("POST", "/v2/checkout/orders", self._create_order)
        self.route("GET", r"/v2/checkout/orders/(?P<order_id>[^/]+)", self._get_order)
        self.route("POST", r"/v2/checkout/orders/(?P<order_id>[^/]+)/capture", self._capture)
        self.route("POST", r"/v2/payments/captures/(?P<capture_id>[^/]+)/refund", self._refund)
        self.route("POST", "/v1/notifications/verify-webhook-signature", self._verify)

    def settings(self) -> dict[str, Any]:
        return {
            "paypal_client_id": self.client_id,
            "paypal_client_secret": self.client_secret,
            "paypal_webhook_id": self.webhook_id,
            "paypal_api_base": self.url,
        }

    @property
    def last_order(self) -> dict[str, Any]:
        with self.lock:
            return list(self.orders.values())[-1]

    def revoke_tokens(self) -> None:
        """Every issued access token stops working (as when they expire)."""
        with self.lock:
            self.tokens.clear()

    def dispatch(self, request: RecordedRequest) -> Reply:
        reply = super().dispatch(request)
        reply.headers.setdefault("Paypal-Debug-Id", _token(13, string.hexdigits.lower()))
        return reply

    def not_found(self, request: RecordedRequest) -> Reply:
        return _paypal_error(404, "RESOURCE_NOT_FOUND", "INVALID_RESOURCE_ID", "Not found.")

    # --- API ---------------------------------------------------------------------------

    def _token(self, request: RecordedRequest) -> Reply:
        auth = request.header("authorization") or ""
        ok = False
        if auth.startswith("Basic "):
            client_id, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
            ok = client_id == self.client_id and hmac.compare_digest(secret, self.client_secret)
        if not ok:
            body = {"error": "invalid_client", "error_description": "Client Authentication failed"}
            return Reply(401, body)
        if (request.params or {}).get("grant_type") != "client_credentials":
            body = {"error": "unsupported_grant_type", "error_description": "Grant Type is NULL"}
            return Reply(400, body)
        token = f"A21AA{_token(90)}"
        self.tokens.add(token)
        self.tokens_issued += 1
        return Reply(
            200,
            {
                "scope": "https://uri.paypal.com/services/payments/refund "
                "https://uri.paypal.com/services/applications/webhooks "
                "https://uri.paypal.com/services/payments/payment/authcapture openid",
                "access_token": token,
                "token_type": "Bearer",
                "app_id": "APP-80W284485P519543T",
                "expires_in": 32400,
                "nonce": f"{datetime.now(UTC):%Y-%m-%dT%H:%M:%SZ}{_token(43)}",
            },
        )

    def _authorized(self, request: RecordedRequest) -> Reply | None:
        auth = request.header("authorization") or ""
        if auth.startswith("Bearer ") and auth[7:] in self.tokens:
            return None
        return Reply(
            401,
            {"error": "invalid_token", "error_description": "Token signature verification failed"},
        )

    def _replayed(self, request: RecordedRequest) -> Reply | None:
        key = request.header("paypal-request-id")
        seen = self._idempotent.get((request.path, key)) if key else None
        return seen[1] if seen else None

    def _remember(self, request: RecordedRequest, reply: Reply) -> Reply:
        key = request.header("paypal-request-id")
        if key:
            self._idempotent[(request.path, key)] = (request.body, reply)
        return reply

    def _create_order(self, request: RecordedRequest) -> Reply:
        refused = self._authorized(request) or self._replayed(request)
        if refused:
            return refused
        p = request.params or {}
        if p.get("intent") not in ("CAPTURE", "AUTHORIZE"):
            return _unprocessable("/intent", "INVALID_PARAMETER_VALUE", "intent is invalid.")
        units = p.get("purchase_units") or []
        if len(units) != 1:
            return _bad_request("/purchase_units", "MISSING_REQUIRED_PARAMETER")
        unit = units[0]
        amount = unit.get("amount") or {}
        currency, value = amount.get("currency_code"), str(amount.get("value", ""))
        problem = _paypal_amount_problem(value, currency)
        if problem:
            return _unprocessable("/purchase_units/@reference_id=='default'/amount/value", *problem)
        items = unit.get("items") or []
        if items:
            item_total = ((amount.get("breakdown") or {}).get("item_total") or {}).get("value")
            summed = sum(
                _minor(i["unit_amount"]["value"], currency) * int(i["quantity"]) for i in items
            )
            if item_total is None or summed != _minor(item_total, currency):
                return _unprocessable(
                    "/purchase_units/@reference_id=='default'/amount/breakdown/item_total/value",
                    "ITEM_TOTAL_MISMATCH",
                    "Should equal sum of (unit_amount * quantity) across all items for a "
                    "given purchase_unit.",
                )
            if _minor(item_total, currency) != _minor(value, currency):
                return _unprocessable(
                    "/purchase_units/@reference_id=='default'/amount/value",
                    "AMOUNT_MISMATCH",
                    "Should equal item_total + tax_total + shipping + handling + insurance "
                    "- shipping_discount - discount.",
                )
        if len(str(unit.get("custom_id", ""))) > 127:
            return _bad_request(
                "/purchase_units/@reference_id=='default'/custom_id", "INVALID_STRING_LENGTH"
            )
        order_id = _token(17, _UPPER)
        order = {
            "id": order_id,
            "intent": p["intent"],
            "status": "CREATED",
            "purchase_units": [{**unit, "reference_id": unit.get("reference_id", "default")}],
            "create_time": _now(),
            "links": self._order_links(order_id),
            "_application_context": p.get("application_context") or {},
        }
        self.orders[order_id] = order
        answer = {"id": order_id, "status": "CREATED", "links": order["links"]}
        return self._remember(request, Reply(201, answer))

    def _order_links(self, order_id: str) -> list[dict[str, str]]:
        base = f"{self.url}/v2/checkout/orders/{order_id}"
        return [
            {"href": base, "rel": "self", "method": "GET"},
            {
                "href": f"https://www.sandbox.paypal.com/checkoutnow?token={order_id}",
                "rel": "approve",
                "method": "GET",
            },
            {"href": base, "rel": "update", "method": "PATCH"},
            {"href": f"{base}/capture", "rel": "capture", "method": "POST"},
        ]

    def _get_order(self, request: RecordedRequest, order_id: str) -> Reply:
        refused = self._authorized(request)
        if refused:
            return refused
        order = self.orders.get(order_id)
        if order is None:
            return _paypal_error(
                404,
                "RESOURCE_NOT_FOUND",
                "INVALID_RESOURCE_ID",
                "Specified resource ID does not exist. Please check the resource ID and try again.",
            )
        return Reply(200, self._order_view(order))

    def _order_view(self, order: dict[str, Any]) -> dict[str, Any]:
        view = _public(order)
        if order["status"] == "COMPLETED":
            view["links"] = [view["links"][0]]
        return view

    def _capture(self, request: RecordedRequest, order_id: str) -> Reply:
        refused = self._authorized(request) or self._replayed(request)
        if refused:
            return refused
        order = self.orders.get(order_id)
        if order is None:
            return _paypal_error(
                404,
                "RESOURCE_NOT_FOUND",
                "INVALID_RESOURCE_ID",
                "Specified resource ID does not exist. Please check the resource ID and try again.",
            )
        if order["status"] == "COMPLETED":
            return _unprocessable(
                None,
                "ORDER_ALREADY_CAPTURED",
                "Order already captured.If 'intent=CAPTURE' only one capture per order is allowed.",
            )
        if order["status"] != "APPROVED":
            return _unprocessable(
                None,
                "ORDER_NOT_APPROVED",
                "Payer has not yet approved the Order for payment. Please redirect the payer "
                "to the 'rel':'approve' url returned as part of the HATEOAS links within the "
                "Create Order call or provide a valid payment_source in the request.",
            )
        outcome = self._outcomes.get(order_id, "COMPLETED")
        if outcome == "INSTRUMENT_DECLINED":
            return self._remember(
                request,
                _unprocessable(
                    None,
                    "INSTRUMENT_DECLINED",
                    "The instrument presented  was either declined by the processor or bank, "
                    "or it can't be used for this payment.",
                ),
            )
        capture = self._new_capture(order, outcome)
        order["status"] = "COMPLETED"
        order["purchase_units"][0]["payments"] = {"captures": [capture]}
        return self._remember(request, Reply(201, self._order_view(order)))

    def _new_capture(self, order: dict[str, Any], status: str) -> dict[str, Any]:
        unit = order["purchase_units"][0]
        amount = unit["amount"]
        currency = amount["currency_code"]
        gross = _minor(amount["value"], currency)
        fee = gross * 349 // 10000 + 49 if status == "COMPLETED" else 0
        capture_id = _token(17, _UPPER)
        capture: dict[str, Any] = {
            "id": capture_id,
            "status": status,
            "amount": {"currency_code": currency, "value": amount["value"]},
            "final_capture": True,
            "seller_protection": {
                "status": "ELIGIBLE",
                "dispute_categories": ["ITEM_NOT_RECEIVED", "UNAUTHORIZED_TRANSACTION"],
            },
            "seller_receivable_breakdown": {
                "gross_amount": {"currency_code": currency, "value": amount["value"]},
                "paypal_fee": {"currency_code": currency, "value": _major(fee, currency)},
                "net_amount": {"currency_code": currency, "value": _major(gross - fee, currency)},
            },
            "custom_id": unit.get("custom_id"),
            "links": [
                {
                    "href": f"{self.url}/v2/payments/captures/{capture_id}",
                    "rel": "self",
                    "method": "GET",
                },
                {
                    "href": f"{self.url}/v2/payments/captures/{capture_id}/refund",
                    "rel": "refund",
                    "method": "POST",
                },
                {
                    "href": f"{self.url}/v2/checkout/orders/{order['id']}",
                    "rel": "up",
                    "method": "GET",
                },
            ],
            "create_time": _now(),
            "update_time": _now(),
            "_order_id": order["id"],
            "_refunded": 0,
        }
        if status == "DECLINED":
            capture["status_details"] = {"reason": "DECLINED_BY_RISK_FRAUD_FILTERS"}
        elif status == "PENDING":
            capture["status_details"] = {"reason": "PENDING_REVIEW"}
        self.captures[capture_id] = capture
        return _public(capture)

    def _refund(self, request: RecordedRequest, capture_id: str) -> Reply:
        refused = self._authorized(request) or self._replayed(request)
        if refused:
            return refused
        capture = self.captures.get(capture_id)
        if capture is None:
            return _paypal_error(
                404,
                "RESOURCE_NOT_FOUND",
                "INVALID_RESOURCE_ID",
                "Specified resource ID does not exist. Please check the resource ID and try again.",
            )
        if capture["status"] not in ("COMPLETED", "PARTIALLY_REFUNDED"):
            return _unprocessable(
                None, "CAPTURE_FULLY_REFUNDED", "The capture has already been fully refunded."
            )
        p = request.params or {}
        currency = capture["amount"]["currency_code"]
        gross = _minor(capture["amount"]["value"], currency)
        left = gross - capture["_refunded"]
        amount = p.get("amount") or {"currency_code": currency, "value": _major(left, currency)}
        if amount.get("currency_code") != currency:
            return _unprocessable(
                "/amount/currency_code",
                "REFUND_CAPTURE_CURRENCY_MISMATCH",
                "Refund must be in the same currency as the capture.",
            )
        minor = _minor(amount["value"], currency)
        if minor > left:
            return _unprocessable(
                None,
                "REFUND_AMOUNT_EXCEEDED",
                "The refund amount must be less than or equal to the capture amount that has "
                "not yet been refunded.",
            )
        refund = self.refund(
            capture_id, minor, custom_id=p.get("custom_id"), invoice_id=p.get("invoice_id")
        )
        answer = {"id": refund["id"], "status": refund["status"], "links": refund["links"]}
        return self._remember(request, Reply(201, answer))

    def _verify(self, request: RecordedRequest) -> Reply:
        refused = self._authorized(request)
        if refused:
            return refused
        p = request.params or {}
        needed = (
            "auth_algo",
            "cert_url",
            "transmission_id",
            "transmission_sig",
            "transmission_time",
            "webhook_id",
            "webhook_event",
        )
        missing = [name for name in needed if not p.get(name)]
        if missing:
            return _bad_request(f"/{missing[0]}", "MISSING_REQUIRED_PARAMETER")
        expected = self._signature(
            p["transmission_id"], p["transmission_time"], p["webhook_id"], p["webhook_event"]
        )
        good = (
            p["auth_algo"] == "SHA256withRSA"
            and p["webhook_id"] == self.webhook_id
            and hmac.compare_digest(expected, str(p["transmission_sig"]))
        )
        return Reply(200, {"verification_status": "SUCCESS" if good else "FAILURE"})

    # --- the buyer's and the dashboard's side ------------------------------------------

    def approve(self, order_id: str, *, outcome: str = "COMPLETED") -> None:
        """The buyer approves on PayPal; `outcome` is what capturing then does:
        COMPLETED, DECLINED, PENDING (a capture with that status) or
        INSTRUMENT_DECLINED (PayPal refuses the capture with a 422)."""
        with self.lock:
            order = self.orders[order_id]
            order["status"] = "APPROVED"
            order["payer"] = {
                "name": {"given_name": "John", "surname": "Doe"},
                "email_address": "sb-buyer@personal.example.com",
                "payer_id": "QYR5Z8XDVJNXQ",
                "address": {"country_code": "US"},
            }
            order["payment_source"] = {
                "paypal": {
                    "email_address": "sb-buyer@personal.example.com",
                    "account_id": "QYR5Z8XDVJNXQ",
                    "account_status": "VERIFIED",
                    "name": {"given_name": "John", "surname": "Doe"},
                    "address": {"country_code": "US"},
                }
            }
            self._outcomes[order_id] = outcome

    def capture_now(self, order_id: str, *, status: str = "COMPLETED") -> dict[str, Any]:
        """A capture made outside our code (e.g. a capture PayPal completed on its own)."""
        with self.lock:
            order = self.orders[order_id]
            capture = self._new_capture(order, status)
            order["status"] = "COMPLETED"
            order["purchase_units"][0]["payments"] = {"captures": [capture]}
            return capture

    def refund(
        self,
        capture_id: str,
        amount: int,
        *,
        custom_id: str | None = None,
        invoice_id: str | None = None,
    ) -> dict[str, Any]:
        """A refund as PayPal records it (also what a refund from the PayPal site looks like)."""
        with self.lock:
            capture = self.captures[capture_id]
            currency = capture["amount"]["currency_code"]
            refund_id = _token(17, _UPPER)
            refund: dict[str, Any] = {
                "id": refund_id,
                "amount": {"currency_code": currency, "value": _major(amount, currency)},
                "seller_payable_breakdown": {
                    "gross_amount": {"currency_code": currency, "value": _major(amount, currency)},
                    "paypal_fee": {"currency_code": currency, "value": _major(0, currency)},
                    "net_amount": {"currency_code": currency, "value": _major(amount, currency)},
                    "total_refunded_amount": {
                        "currency_code": currency,
                        "value": _major(capture["_refunded"] + amount, currency),
                    },
                },
                "status": self.refund_status,
                "create_time": _now(),
                "update_time": _now(),
                "links": [
                    {
                        "href": f"{self.url}/v2/payments/refunds/{refund_id}",
                        "rel": "self",
                        "method": "GET",
                    },
                    {
                        "href": f"{self.url}/v2/payments/captures/{capture_id}",
                        "rel": "up",
                        "method": "GET",
                    },
                ],
            }
            if custom_id:
                refund["custom_id"] = custom_id
            if invoice_id:
                refund["invoice_id"] = invoice_id
            self.refunds[refund_id] = refund
            capture["_refunded"] += amount
            gross = _minor(capture["amount"]["value"], currency)
            capture["status"] = (
                "REFUNDED" if capture["_refunded"] == gross else "PARTIALLY_REFUNDED"
            )
            return refund

    # --- webhooks ----------------------------------------------------------------------

    def _signature(
        self, transmission_id: str, transmission_time: str, webhook_id: str, event: Any
    ) -> str:
        # PayPal signs "<transmission id>|<time>|<webhook id>|<CRC32 of the body>"; the
        # verify call sends the event parsed, so the CRC is over its canonical JSON.
        canonical = json.dumps(event, sort_keys=True, separators=(",", ":")).encode()
        message = f"{transmission_id}|{transmission_time}|{webhook_id}|{zlib.crc32(canonical)}"
        digest = hmac.new(self._signing_key, message.encode(), hashlib.sha256).digest()
        return base64.b64encode(digest).decode()

    def sign(self, body: bytes, *, webhook_id: str | None = None) -> dict[str, str]:
        """Headers of a delivery of `body` (transmission id, time, signature, cert URL)."""
        transmission_id = str(uuid.uuid4())
        transmission_time = f"{datetime.now(UTC):%Y-%m-%dT%H:%M:%SZ}"
        signature = self._signature(
            transmission_id, transmission_time, webhook_id or self.webhook_id, json.loads(body)
        )
        return {
            "Content-Type": "application/json",
            "User-Agent": "PayPal/AUHD-214.0-58842286",
            "PAYPAL-AUTH-ALGO": "SHA256withRSA",
            "PAYPAL-CERT-URL": "https://api.sandbox.paypal.com/v1/notifications/certs/"
            "CERT-360caa42-fca2a594-5edc0ebc",
            "PAYPAL-TRANSMISSION-ID": transmission_id,
            "PAYPAL-TRANSMISSION-SIG": signature,
            "PAYPAL-TRANSMISSION-TIME": transmission_time,
        }

    def event(
        self, event_type: str, resource_type: str, resource: dict[str, Any], summary: str
    ) -> bytes:
        event_id = f"WH-{_token(17, _UPPER)}-{_token(17, _UPPER)}"
        event = {
            "id": event_id,
            "event_version": "1.0",
            "create_time": _now(),
            "resource_type": resource_type,
            "resource_version": "2.0",
            "event_type": event_type,
            "summary": summary,
            "resource": _public(resource),
            "links": [
                {
                    "href": f"{self.url}/v1/notifications/webhooks-events/{event_id}",
                    "rel": "self",
                    "method": "GET",
                },
                {
                    "href": f"{self.url}/v1/notifications/webhooks-events/{event_id}/resend",
                    "rel": "resend",
                    "method": "POST",
                },
            ],
        }
        return json.dumps(event).encode()

    def _capture_resource(self, capture_id: str) -> dict[str, Any]:
        capture = dict(self.captures[capture_id])
        capture["supplementary_data"] = {"related_ids": {"order_id": capture["_order_id"]}}
        return capture

    def signed_capture_completed(self, capture_id: str) -> tuple[bytes, dict[str, str]]:
        capture = self._capture_resource(capture_id)
        amount = capture["amount"]
        summary = f"Payment completed for {amount['value']} {amount['currency_code']}"
        body = self.event("PAYMENT.CAPTURE.COMPLETED", "capture", capture, summary)
        return body, self.sign(body)

    def signed_capture_denied(self, capture_id: str) -> tuple[bytes, dict[str, str]]:
        with self.lock:
            self.captures[capture_id]["status"] = "DECLINED"
            self.captures[capture_id]["status_details"] = {
                "reason": "DECLINED_BY_RISK_FRAUD_FILTERS"
            }
        capture = self._capture_resource(capture_id)
        amount = capture["amount"]
        summary = f"Payment denied for {amount['value']} {amount['currency_code']}"
        body = self.event("PAYMENT.CAPTURE.DENIED", "capture", capture, summary)
        return body, self.sign(body)

    def signed_capture_refunded(self, refund_id: str) -> tuple[bytes, dict[str, str]]:
        refund = self.refunds[refund_id]
        amount = refund["amount"]
        summary = f"A {amount['value']} {amount['currency_code']} capture payment was refunded"
        body = self.event("PAYMENT.CAPTURE.REFUNDED", "refund", refund, summary)
        return body, self.sign(body)

    def signed_order_voided(self, order_id: str) -> tuple[bytes, dict[str, str]]:
        with self.lock:
            order = self.orders[order_id]
            order["status"] = "VOIDED"
            resource = self._order_view(order)
        body = self.event("CHECKOUT.ORDER.VOIDED", "checkout-order", resource, "Order voided")
        return body, self.sign(body)


def _now() -> str:
    return f"{datetime.now(UTC):%Y-%m-%dT%H:%M:%SZ}"


_ZERO_DECIMAL = {"JPY", "HUF", "TWD"}


def _paypal_amount_problem(value: str, currency: Any) -> tuple[str, str] | None:
    if not isinstance(currency, str) or not re.fullmatch(r"[A-Z]{3}", currency):
        return "CURRENCY_NOT_SUPPORTED", "Currency code is not currently supported."
    pattern = r"\d{1,10}" if currency in _ZERO_DECIMAL else r"\d{1,10}(\.\d{2})?"
    if not re.fullmatch(pattern, value):
        return (
            "DECIMAL_PRECISION",
            "If the currency supports decimals, only two decimal place precision is supported.",
        )
    return None


def _minor(value: str, currency: str) -> int:
    if currency in _ZERO_DECIMAL:
        return int(value)
    whole, _, fraction = value.partition(".")
    return int(whole) * 100 + int((fraction + "00")[:2])


def _major(amount: int, currency: str) -> str:
    if currency in _ZERO_DECIMAL:
        return str(amount)
    return f"{amount // 100}.{amount % 100:02d}"


def _paypal_error(
    status: int, name: str, issue: str, description: str, field_: str | None = None
) -> Reply:
    detail: dict[str, Any] = {"issue": issue, "description": description}
    if field_:
        detail = {"field": field_, "location": "body", **detail}
    messages = {
        400: "Request is not well-formed, syntactically incorrect, or violates schema.",
        404: "The specified resource does not exist.",
        422: "The requested action could not be performed, semantically incorrect, or failed "
        "business validation.",
    }
    return Reply(
        status,
        {
            "name": name,
            "details": [detail],
            "message": messages.get(status, "An internal server error has occurred."),
            "debug_id": _token(13, "0123456789abcdef"),
            "links": [
                {
                    "href": f"https://developer.paypal.com/docs/api/orders/v2/#error-{issue}",
                    "rel": "information_link",
                    "method": "GET",
                }
            ],
        },
    )


def _unprocessable(field_: str | None, issue: str, description: str) -> Reply:
    return _paypal_error(422, "UNPROCESSABLE_ENTITY", issue, description, field_)


def _bad_request(field_: str, issue: str) -> Reply:
    return _paypal_error(
        400, "INVALID_REQUEST", issue, "A required field is missing or invalid.", field_
    )


# --- context managers ------------------------------------------------------------------


@contextmanager
def stripe_server(**options: Any) -> Iterator[StripeServer]:
    app = StripeServer(**options)
    with serving(app):
        yield app


@contextmanager
def razorpay_server(**options: Any) -> Iterator[RazorpayServer]:
    app = RazorpayServer(**options)
    with serving(app):
        yield app


@contextmanager
def paypal_server(**options: Any) -> Iterator[PayPalServer]:
    app = PayPalServer(**options)
    with serving(app):
        yield app


# --- what the shop asks a provider for -------------------------------------------------


def checkout_request(
    *,
    order_id: str | None = None,
    currency: str = "USD",
    amounts: tuple[int, ...] = (1999, 1499),
    titles: tuple[str, ...] = ("Python for Data Analysis", "Django from Zero"),
) -> Any:
    """A two-course CheckoutRequest as the checkout builds it."""
    from syllabus.commerce.providers.base import CheckoutLine, CheckoutRequest

    order_id = order_id or str(uuid.uuid4())
    lines = [
        CheckoutLine(course_id=str(uuid.uuid4()), title=title, amount=amount)
        for title, amount in zip(titles, amounts, strict=False)
    ]
    return CheckoutRequest(
        order_id=order_id,
        currency=currency,
        total_amount=sum(line.amount for line in lines),
        lines=lines,
        buyer_email="ada@example.com",
        buyer_name="Ada Lovelace",
        success_url=f"https://courses.example.com/orders/{order_id}?return=1",
        cancel_url="https://courses.example.com/cart",
    )
