"""A loopback server speaking the parts of PayPal's API the shop uses."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import string
import uuid
import zlib
from datetime import UTC, datetime
from typing import Any

from tests.support.providers.loopback import (
    _UPPER,
    LoopbackServer,
    RecordedRequest,
    Reply,
    _public,
    _token,
)

PAYPAL_CLIENT_ID = (
    "AeLoopbackClientIdForSyllabusTests0000000000000000000000000000000000000000000000"
)
PAYPAL_CLIENT_SECRET = (
    "ELoopbackClientSecretForSyllabusTests000000000000000000000000000000000000000000"
)
PAYPAL_WEBHOOK_ID = "1JE4291016473214C"


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
