"""What every payment provider does for us, in our own words.

A provider starts a checkout for an order, verifies a webhook's signature
on the raw body, turns one of its events into a `PaymentEvent`, and
refunds. `parse_event` is pure, so the job that processes a stored event
reads it again without touching the network.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal, Protocol

# The event kinds the money path acts on; anything else is stored and ignored.
EventKind = Literal["payment.succeeded", "payment.failed", "checkout.expired", "refund.succeeded"]
PAYMENT_SUCCEEDED: Final = "payment.succeeded"
PAYMENT_FAILED: Final = "payment.failed"
CHECKOUT_EXPIRED: Final = "checkout.expired"
REFUND_SUCCEEDED: Final = "refund.succeeded"


@dataclass(frozen=True)
class CheckoutLine:
    course_id: str
    title: str
    amount: int


@dataclass(frozen=True)
class CheckoutRequest:
    """An order as a provider needs it to start a payment."""

    order_id: str
    currency: str
    total_amount: int
    lines: list[CheckoutLine]
    buyer_email: str
    buyer_name: str
    # Absolute URLs the provider sends the buyer back to.
    success_url: str
    cancel_url: str


@dataclass(frozen=True)
class CheckoutStart:
    # The provider's handle for this checkout (Checkout Session, Razorpay order, PayPal order).
    provider_ref: str
    # Where to send the buyer (hosted pages), or None when the page runs the provider's script.
    redirect_url: str | None = None
    # What the page's script needs (Razorpay checkout.js options); never a secret.
    client_payload: dict[str, Any] | None = None


@dataclass(frozen=True)
class PaymentEvent:
    """One provider event in our terms. Amounts are minor units; currency upper-case."""

    event_id: str
    provider_type: str
    kind: EventKind | None
    order_id: str | None = None
    provider_ref: str | None = None
    payment_id: str | None = None
    refund_id: str | None = None
    amount: int | None = None
    currency: str | None = None
    detail: str | None = None
    # Our refund id when the provider echoes it back (metadata/notes).
    our_refund_id: str | None = None


@dataclass(frozen=True)
class RefundResult:
    provider_refund_id: str
    # succeeded: money is on its way back; pending: a webhook will say.
    status: Literal["succeeded", "pending"]
    extra: dict[str, Any] = field(default_factory=dict)


class PaymentProvider(Protocol):
    name: str

    def start_checkout(self, request: CheckoutRequest) -> CheckoutStart:
        """Create the provider-side checkout; raises ProviderError."""
        ...

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> dict[str, Any]:
        """Check the signature on the raw body and return the parsed event; InvalidSignature."""
        ...

    def parse_event(self, event: dict[str, Any]) -> PaymentEvent:
        """Our reading of a verified event (pure)."""
        ...

    def refund(
        self, *, payment_id: str, amount: int, currency: str, refund_id: str
    ) -> RefundResult:
        """Give `amount` of the captured payment back; `refund_id` is the idempotency key."""
        ...
