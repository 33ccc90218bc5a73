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

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from syllabus.commerce.providers.base import CheckoutLine, CheckoutRequest
from tests.support.providers.loopback import serving, unused_port
from tests.support.providers.paypal import (
    PAYPAL_CLIENT_ID,
    PAYPAL_CLIENT_SECRET,
    PAYPAL_WEBHOOK_ID,
    PayPalServer,
)
from tests.support.providers.razorpay import (
    RAZORPAY_KEY_ID,
    RAZORPAY_KEY_SECRET,
    RAZORPAY_WEBHOOK_SECRET,
    RazorpayServer,
)
from tests.support.providers.stripe import (
    STRIPE_API_VERSION,
    STRIPE_SECRET_KEY,
    STRIPE_WEBHOOK_SECRET,
    StripeServer,
)

__all__ = [
    "PAYPAL_CLIENT_ID",
    "PAYPAL_CLIENT_SECRET",
    "PAYPAL_WEBHOOK_ID",
    "RAZORPAY_KEY_ID",
    "RAZORPAY_KEY_SECRET",
    "RAZORPAY_WEBHOOK_SECRET",
    "STRIPE_API_VERSION",
    "STRIPE_SECRET_KEY",
    "STRIPE_WEBHOOK_SECRET",
    "PayPalServer",
    "RazorpayServer",
    "StripeServer",
    "checkout_request",
    "paypal_server",
    "razorpay_server",
    "stripe_server",
    "unused_port",
]


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
