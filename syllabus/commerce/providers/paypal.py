"""PayPal Orders v2 over httpx: create, the buyer approves on PayPal, we capture.

PayPal has no maintained server SDK for Python, so this speaks its REST
API directly: an OAuth2 client-credentials token (cached until shortly
before it expires, shared by every instance with the same credentials),
`PayPal-Request-Id` on every write so retries are idempotent, and webhook
verification through PayPal's own verify-webhook-signature call.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import httpx
import orjson

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
from syllabus.kit.money import from_decimal_string, to_decimal_string

if TYPE_CHECKING:
    from syllabus.config import Settings

SITE_NAME = "Syllabus"
# The transmission headers PayPal signs a webhook delivery with, by verify-call field.
TRANSMISSION_HEADERS = {
    "auth_algo": "PAYPAL-AUTH-ALGO",
    "cert_url": "PAYPAL-CERT-URL",
    "transmission_id": "PAYPAL-TRANSMISSION-ID",
    "transmission_sig": "PAYPAL-TRANSMISSION-SIG",
    "transmission_time": "PAYPAL-TRANSMISSION-TIME",
}
# A token is renewed this long before PayPal says it expires.
_TOKEN_MARGIN_SECONDS = 120
_FAILED_CAPTURE = ("DECLINED", "FAILED")


class _TokenCache:
    """Access tokens by (API base, client id, secret digest), shared across threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tokens: dict[tuple[str, str, str], tuple[str, float]] = {}

    def get(self, key: tuple[str, str, str]) -> str | None:
        with self._lock:
            entry = self._tokens.get(key)
        if entry and entry[1] > time.monotonic():
            return entry[0]
        return None

    def put(self, key: tuple[str, str, str], token: str, expires_in: float) -> None:
        with self._lock:
            self._tokens[key] = (token, time.monotonic() + expires_in - _TOKEN_MARGIN_SECONDS)

    def drop(self, key: tuple[str, str, str], token: str) -> None:
        with self._lock:
            if self._tokens.get(key, ("",))[0] == token:
                del self._tokens[key]


_tokens = _TokenCache()


class PayPalProvider:
    name = "paypal"

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        webhook_id: str,
        api_base: str,
        timeout_seconds: float = 30.0,
    ) -> None:
        self._client_id = client_id
        self._client_secret = client_secret
        self._webhook_id = webhook_id
        self._base = api_base.rstrip("/")
        self._timeout = timeout_seconds
        secret_digest = hashlib.sha256(client_secret.encode()).hexdigest()
        self._token_key = (self._base, client_id, secret_digest)

    @classmethod
    def from_settings(cls, settings: Settings) -> PayPalProvider:
        if not (
            settings.paypal_client_id
            and settings.paypal_client_secret
            and settings.paypal_webhook_id
        ):
            raise ProviderNotEnabled("PayPal needs a client id, client secret and webhook id.")
        return cls(
            client_id=settings.paypal_client_id,
            client_secret=settings.paypal_client_secret,
            webhook_id=settings.paypal_webhook_id,
            api_base=settings.paypal_api_base,
        )

    # --- checkout -------------------------------------------------------------------

    def start_checkout(self, request: CheckoutRequest) -> CheckoutStart:
        currency = request.currency.upper()
        unit: dict[str, Any] = {
            "reference_id": request.order_id,
            "custom_id": request.order_id,
            "description": _description(request)[:127],
            "amount": _money(request.total_amount, currency),
        }
        if sum(line.amount for line in request.lines) == request.total_amount:
            unit["amount"]["breakdown"] = {"item_total": _money(request.total_amount, currency)}
            unit["items"] = [
                {
                    "name": line.title[:127],
                    "sku": line.course_id[:127],
                    "quantity": "1",
                    "unit_amount": _money(line.amount, currency),
                    "category": "DIGITAL_GOODS",
                }
                for line in request.lines
            ]
        body = {
            "intent": "CAPTURE",
            "purchase_units": [unit],
            "application_context": {
                "brand_name": SITE_NAME,
                "shipping_preference": "NO_SHIPPING",
                "user_action": "PAY_NOW",
                "return_url": request.success_url,
                "cancel_url": request.cancel_url,
            },
        }
        response = self._call(
            "create the order",
            "POST",
            "/v2/checkout/orders",
            json=body,
            request_id=f"create-{request.order_id}",
        )
        if response.status_code not in (200, 201):
            raise ProviderError(self._explain("create the order", response))
        order = _json(response)
        links = {link.get("rel"): link.get("href") for link in order.get("links") or []}
        approve = links.get("approve") or links.get("payer-action")
        if not isinstance(order.get("id"), str) or not approve:
            raise ProviderError("PayPal created the order without an approval link.")
        return CheckoutStart(provider_ref=order["id"], redirect_url=approve)

    def capture_order(self, paypal_order_id: str) -> PaymentEvent:
        """Capture an approved order; a declined instrument is a failed payment, not an error."""
        path = f"/v2/checkout/orders/{paypal_order_id}/capture"
        response = self._call(
            "capture the payment", "POST", path, request_id=f"capture-{paypal_order_id}"
        )
        if response.status_code in (200, 201):
            return _capture_event(paypal_order_id, _json(response))
        issue = _issue(response)
        if issue == "ORDER_ALREADY_CAPTURED":
            # An earlier capture went through (a double return); report that capture.
            found = self._call("read the order", "GET", f"/v2/checkout/orders/{paypal_order_id}")
            if found.status_code == 200:
                return _capture_event(paypal_order_id, _json(found))
            raise ProviderError(self._explain("read the order", found))
        if issue == "INSTRUMENT_DECLINED":
            return PaymentEvent(
                event_id=f"capture-declined:{paypal_order_id}",
                provider_type="CAPTURE.INSTRUMENT_DECLINED",
                kind=PAYMENT_FAILED,
                provider_ref=paypal_order_id,
                detail="PayPal declined the buyer's payment method.",
            )
        raise ProviderError(self._explain("capture the payment", response))

    # --- webhooks -------------------------------------------------------------------

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> dict[str, Any]:
        fields: dict[str, Any] = {}
        for field_name, header in TRANSMISSION_HEADERS.items():
            value = _header(headers, header)
            if not value:
                raise InvalidSignature(f"The {header} header is missing.")
            fields[field_name] = value
        try:
            event = orjson.loads(body)
        except orjson.JSONDecodeError:
            raise InvalidSignature("The webhook body is not JSON.") from None
        if not isinstance(event, dict) or not isinstance(event.get("id"), str):
            raise InvalidSignature("The webhook body is not a PayPal event.")
        verification = {**fields, "webhook_id": self._webhook_id, "webhook_event": event}
        response = self._call(
            "verify the webhook",
            "POST",
            "/v1/notifications/verify-webhook-signature",
            json=verification,
        )
        if response.status_code != 200:
            raise ProviderError(self._explain("verify the webhook", response))
        if _json(response).get("verification_status") != "SUCCESS":
            raise InvalidSignature("PayPal did not confirm the webhook signature.")
        return event

    def parse_event(self, event: dict[str, Any]) -> PaymentEvent:
        event_type = str(event.get("event_type", ""))
        resource = _dict(event.get("resource"))
        base = PaymentEvent(event_id=str(event["id"]), provider_type=event_type, kind=None)
        if event_type.startswith("PAYMENT.CAPTURE."):
            status = event_type.removeprefix("PAYMENT.CAPTURE.")
            if status == "REFUNDED":
                return _refund_event(base, resource)
            kind: EventKind | None = None
            if status == "COMPLETED":
                kind = PAYMENT_SUCCEEDED
            elif status in ("DENIED", "DECLINED"):
                kind = PAYMENT_FAILED
            return _capture_fields(base, resource, kind=kind, summary=event.get("summary"))
        if event_type in ("CHECKOUT.ORDER.VOIDED", "CHECKOUT.PAYMENT-APPROVAL.REVERSED"):
            units = resource.get("purchase_units") or [{}]
            unit = _dict(units[0])
            voided = event_type == "CHECKOUT.ORDER.VOIDED"
            return replace(
                base,
                kind=CHECKOUT_EXPIRED if voided else PAYMENT_FAILED,
                order_id=unit.get("custom_id") or unit.get("reference_id"),
                provider_ref=resource.get("id") or resource.get("order_id"),
                detail=event.get("summary"),
            )
        return base

    # --- refunds --------------------------------------------------------------------

    def refund(
        self, *, payment_id: str, amount: int, currency: str, refund_id: str
    ) -> RefundResult:
        body = {
            "amount": _money(amount, currency.upper()),
            "custom_id": refund_id,
            "invoice_id": refund_id,
        }
        response = self._call(
            "refund the payment",
            "POST",
            f"/v2/payments/captures/{payment_id}/refund",
            json=body,
            request_id=refund_id,
        )
        if response.status_code not in (200, 201):
            raise ProviderError(self._explain("refund the payment", response))
        refund = _json(response)
        if not isinstance(refund.get("id"), str):
            raise ProviderError("PayPal answered the refund request without a refund id.")
        status = refund.get("status")
        if status in ("FAILED", "CANCELLED"):
            raise ProviderError(f"PayPal could not refund the payment ({status}).")
        return RefundResult(
            provider_refund_id=refund["id"],
            status="succeeded" if status == "COMPLETED" else "pending",
            extra={"paypal_status": status},
        )

    # --- HTTP -----------------------------------------------------------------------

    def _call(
        self,
        action: str,
        method: str,
        path: str,
        *,
        json: Any = None,
        request_id: str | None = None,
    ) -> httpx.Response:
        """One API call with a bearer token; a token PayPal no longer accepts is renewed once."""
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if request_id:
            headers["PayPal-Request-Id"] = request_id
        try:
            with httpx.Client(base_url=self._base, timeout=self._timeout) as http:
                for attempt in range(2):
                    token = self._token(http)
                    headers["Authorization"] = f"Bearer {token}"
                    response = http.request(method, path, json=json, headers=headers)
                    if response.status_code != 401 or attempt:
                        return response
                    _tokens.drop(self._token_key, token)
        except httpx.HTTPError:
            raise ProviderError(f"PayPal could not be reached to {action}; try again.") from None
        raise AssertionError("unreachable")

    def _token(self, http: httpx.Client) -> str:
        cached = _tokens.get(self._token_key)
        if cached:
            return cached
        response = http.post(
            "/v1/oauth2/token",
            data={"grant_type": "client_credentials"},
            auth=(self._client_id, self._client_secret),
            headers={"Accept": "application/json"},
        )
        if response.status_code != 200:
            raise ProviderError(self._explain("sign in", response))
        grant = _json(response)
        token = grant.get("access_token")
        if not isinstance(token, str):
            raise ProviderError("PayPal answered the sign-in without an access token.")
        expires_in = grant.get("expires_in")
        _tokens.put(self._token_key, token, float(expires_in) if expires_in else 300.0)
        return token

    def _explain(self, action: str, response: httpx.Response) -> str:
        """PayPal's error name, issue and debug id; our credentials never appear in it."""
        data = _json(response)
        details = [_dict(d) for d in data.get("details") or []]
        parts = [
            str(data.get("name") or data.get("error") or "error"),
            *(str(d.get("issue") or d.get("description") or "") for d in details[:3]),
            str(data.get("error_description") or data.get("message") or ""),
        ]
        reason = "; ".join(part for part in parts if part)[:300]
        debug = f" [debug id {data['debug_id']}]" if data.get("debug_id") else ""
        text = f"PayPal refused to {action} (HTTP {response.status_code}): {reason}{debug}"
        for secret in (self._client_secret, self._client_id):
            text = text.replace(secret, "[credentials]")
        return text


def _capture_event(paypal_order_id: str, order: dict[str, Any]) -> PaymentEvent:
    """The outcome of a capture call (or of an order read after one)."""
    units = [_dict(u) for u in order.get("purchase_units") or []]
    unit = units[0] if units else {}
    captures = [_dict(c) for c in _dict(unit.get("payments")).get("captures") or []]
    if not captures:
        raise ProviderError("PayPal answered the capture without a capture.")
    capture = captures[-1]
    status = str(capture.get("status", ""))
    kind: EventKind | None = None
    if status == "COMPLETED":
        kind = PAYMENT_SUCCEEDED
    elif status in _FAILED_CAPTURE:
        kind = PAYMENT_FAILED
    reason = _dict(capture.get("status_details")).get("reason")
    base = PaymentEvent(
        event_id=f"capture:{capture.get('id')}",
        provider_type=f"CAPTURE.{status}",
        kind=kind,
        order_id=capture.get("custom_id") or unit.get("custom_id") or unit.get("reference_id"),
        provider_ref=paypal_order_id,
    )
    return _capture_fields(base, capture, kind=kind, summary=reason)


def _capture_fields(
    base: PaymentEvent, capture: dict[str, Any], *, kind: EventKind | None, summary: Any
) -> PaymentEvent:
    amount, currency = _amount(capture.get("amount"))
    related = _dict(_dict(capture.get("supplementary_data")).get("related_ids"))
    order_ref = related.get("order_id") or _link_id(capture, "up", "/v2/checkout/orders/")
    detail = _dict(capture.get("status_details")).get("reason") or summary
    return replace(
        base,
        kind=kind,
        order_id=base.order_id or capture.get("custom_id"),
        provider_ref=base.provider_ref or order_ref,
        payment_id=capture.get("id"),
        amount=amount,
        currency=currency,
        detail=detail if kind != PAYMENT_SUCCEEDED else None,
    )


def _refund_event(base: PaymentEvent, refund: dict[str, Any]) -> PaymentEvent:
    """PAYMENT.CAPTURE.REFUNDED: the resource is the refund; its `up` link is the capture."""
    amount, currency = _amount(refund.get("amount"))
    completed = refund.get("status", "COMPLETED") == "COMPLETED"
    return replace(
        base,
        kind=REFUND_SUCCEEDED if completed else None,
        payment_id=_link_id(refund, "up", "/v2/payments/captures/"),
        refund_id=refund.get("id"),
        our_refund_id=refund.get("invoice_id") or refund.get("custom_id"),
        amount=amount,
        currency=currency,
        detail=refund.get("note_to_payer"),
    )


def _amount(value: object) -> tuple[int | None, str | None]:
    money = _dict(value)
    currency, text = money.get("currency_code"), money.get("value")
    if not isinstance(currency, str) or not isinstance(text, str):
        return None, None
    try:
        return from_decimal_string(text, currency), currency.upper()
    except ValueError:
        return None, currency.upper()


def _money(amount: int, currency: str) -> dict[str, Any]:
    return {"currency_code": currency, "value": to_decimal_string(amount, currency)}


def _link_id(resource: dict[str, Any], rel: str, marker: str) -> str | None:
    for link in resource.get("links") or []:
        href = _dict(link).get("href")
        if _dict(link).get("rel") == rel and isinstance(href, str) and marker in href:
            return href.split(marker, 1)[1].split("/", 1)[0].split("?", 1)[0] or None
    return None


def _issue(response: httpx.Response) -> str | None:
    details = _json(response).get("details") or []
    first = _dict(details[0]) if details else {}
    issue = first.get("issue")
    return issue if isinstance(issue, str) else None


def _description(request: CheckoutRequest) -> str:
    if len(request.lines) == 1:
        return request.lines[0].title
    return f"{SITE_NAME}: {len(request.lines)} courses"


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name) or headers.get(name.lower())
    if value:
        return value
    wanted = name.lower()
    return next((v for k, v in headers.items() if k.lower() == wanted), None)


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
