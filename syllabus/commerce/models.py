"""Commerce tables: carts, orders and their lines, payments, provider events, refunds,
coupons and their redemptions, the instructor earnings ledger and payouts.

Every amount is an integer in minor units next to its ISO currency code.
Uniqueness does the exactly-once work: one provider event per (provider,
event id), one sale earning per order line (`earnings.entry_key`), one
redemption per coupon and user, one refund per provider refund id.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from syllabus.kit.db import Base, IdMixin, UTCDateTime, utcnow

PROVIDERS = ("sandbox", "stripe", "razorpay", "paypal")
# `free` orders (zero total) never meet a gateway.
ORDER_PROVIDERS = (*PROVIDERS, "free")
ORDER_STATUSES = ("pending", "paid", "failed", "expired", "refunded", "partially_refunded")
REFUND_STATUSES = ("pending", "succeeded", "failed")
EARNING_KINDS = ("sale", "refund")
PAYOUT_STATUSES = ("pending", "paid", "cancelled")


class CartItem(Base):
    """A course a signed-in user put in their cart (kept across devices)."""

    __tablename__ = "cart_items"

    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    course_id: Mapped[str] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True
    )
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class Coupon(IdMixin, Base):
    """Percent or amount off one course (its instructor's) or every course (admin's).

    `redemption_count` counts live reservations: a pending checkout holds
    one, a failed or expired one gives it back. It only moves through a
    conditional UPDATE, so `max_redemptions` holds under concurrency.
    """

    __tablename__ = "coupons"
    __table_args__ = (
        # Course coupons are unique per course; site-wide ones (course NULL) by `scope_key`.
        UniqueConstraint("scope_key", "code"),
        CheckConstraint(
            "(percent_off IS NULL) <> (amount_off IS NULL)", name="coupon_one_discount_kind"
        ),
        CheckConstraint("percent_off IS NULL OR (percent_off BETWEEN 1 AND 100)", name="percent"),
        CheckConstraint("amount_off IS NULL OR amount_off > 0", name="amount_off_positive"),
        CheckConstraint("redemption_count >= 0", name="redemptions_not_negative"),
    )

    code: Mapped[str] = mapped_column(String(40), nullable=False)
    # The course id, or "site" for a site-wide coupon (a NULL would not be unique).
    scope_key: Mapped[str] = mapped_column(String(36), nullable=False)
    course_id: Mapped[str | None] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), nullable=True, index=True
    )
    created_by: Mapped[str] = mapped_column(ForeignKey("users.id"), nullable=False)
    percent_off: Mapped[int | None] = mapped_column(Integer, nullable=True)
    amount_off: Mapped[int | None] = mapped_column(Integer, nullable=True)
    currency: Mapped[str | None] = mapped_column(String(3), nullable=True)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    max_redemptions: Mapped[int | None] = mapped_column(Integer, nullable=True)
    redemption_count: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class CouponRedemption(IdMixin, Base):
    """One user's use of a coupon, held by an order; deleted when the order fails or expires."""

    __tablename__ = "coupon_redemptions"
    __table_args__ = (UniqueConstraint("coupon_id", "user_id"),)

    coupon_id: Mapped[str] = mapped_column(
        ForeignKey("coupons.id", ondelete="CASCADE"), nullable=False
    )
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    order_id: Mapped[str] = mapped_column(
        ForeignKey("orders.id", ondelete="CASCADE"), nullable=False, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class Order(IdMixin, Base):
    __tablename__ = "orders"
    __table_args__ = (
        Index("ix_orders_user_id_created_at", "user_id", "created_at"),
        Index("ix_orders_status_created_at", "status", "created_at"),
        UniqueConstraint("provider", "provider_ref"),
        CheckConstraint("total_amount >= 0", name="total_not_negative"),
        CheckConstraint("refunded_amount >= 0", name="refunded_not_negative"),
    )

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), nullable=False)
    status: Mapped[str] = mapped_column(String(20), default="pending", nullable=False)
    provider: Mapped[str] = mapped_column(String(20), nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    subtotal_amount: Mapped[int] = mapped_column(Integer, nullable=False)
    discount_amount: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    total_amount: Mapped[int] = mapped_column(Integer, nullable=False)
    refunded_amount: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    coupon_id: Mapped[str | None] = mapped_column(ForeignKey("coupons.id"), nullable=True)
    coupon_code: Mapped[str | None] = mapped_column(String(40), nullable=True)
    # The provider's handle for the checkout: Stripe Checkout Session id,
    # Razorpay order id, PayPal order id; the sandbox uses the order id.
    provider_ref: Mapped[str | None] = mapped_column(String(255), nullable=True)
    # The captured payment: Stripe PaymentIntent, Razorpay payment, PayPal capture id.
    provider_payment_id: Mapped[str | None] = mapped_column(String(255), nullable=True, index=True)
    # Set when a provider reported another amount or currency: nothing is granted.
    flag_reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow, nullable=False
    )
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class OrderLine(IdMixin, Base):
    """One course of an order with its price as it was at checkout."""

    __tablename__ = "order_lines"
    __table_args__ = (
        UniqueConstraint("order_id", "course_id"),
        CheckConstraint("amount >= 0 AND amount <= list_amount", name="line_amount_in_range"),
    )

    order_id: Mapped[str] = mapped_column(
        ForeignKey("orders.id", ondelete="CASCADE"), nullable=False
    )
    course_id: Mapped[str] = mapped_column(ForeignKey("courses.id"), nullable=False, index=True)
    instructor_id: Mapped[str] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    course_title: Mapped[str] = mapped_column(String(200), nullable=False)
    # Price before the coupon, the discount, and what the buyer pays for the line.
    list_amount: Mapped[int] = mapped_column(Integer, nullable=False)
    discount_amount: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    amount: Mapped[int] = mapped_column(Integer, nullable=False)
    refunded_amount: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    # True when the discount came from the course instructor's own coupon (higher share).
    instructor_coupon: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    # Set once, by the conditional UPDATE that grants the enrollment.
    granted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Payment(IdMixin, Base):
    """What a provider reported about paying an order: succeeded, failed or flagged."""

    __tablename__ = "payments"
    __table_args__ = (UniqueConstraint("provider", "provider_payment_id", "status"),)

    order_id: Mapped[str] = mapped_column(
        ForeignKey("orders.id", ondelete="CASCADE"), nullable=False, index=True
    )
    provider: Mapped[str] = mapped_column(String(20), nullable=False)
    provider_payment_id: Mapped[str] = mapped_column(String(255), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    amount: Mapped[int] = mapped_column(Integer, nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    detail: Mapped[str | None] = mapped_column(String(500), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class ProviderEvent(IdMixin, Base):
    """A verified webhook delivery, stored once; a job processes it."""

    __tablename__ = "provider_events"
    __table_args__ = (UniqueConstraint("provider", "event_id"),)

    provider: Mapped[str] = mapped_column(String(20), nullable=False)
    event_id: Mapped[str] = mapped_column(String(255), nullable=False)
    type: Mapped[str] = mapped_column(String(100), nullable=False)
    # Our order, once the event has been matched to one (deferred events wait on it).
    order_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # applied, ignored (nothing to do), deferred (waits for another event), flagged, or error.
    outcome: Mapped[str | None] = mapped_column(String(20), nullable=True)
    detail: Mapped[str | None] = mapped_column(String(500), nullable=True)


class Refund(IdMixin, Base):
    __tablename__ = "refunds"
    __table_args__ = (
        UniqueConstraint("provider", "provider_refund_id"),
        CheckConstraint("amount > 0", name="refund_amount_positive"),
    )

    order_id: Mapped[str] = mapped_column(
        ForeignKey("orders.id", ondelete="CASCADE"), nullable=False, index=True
    )
    provider: Mapped[str] = mapped_column(String(20), nullable=False)
    # NULL until the provider has answered.
    provider_refund_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    amount: Mapped[int] = mapped_column(Integer, nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    status: Mapped[str] = mapped_column(String(20), default="pending", nullable=False)
    # Order line ids this refund gives back in full (their enrollments are revoked);
    # empty for an amount-only partial refund.
    line_ids: Mapped[list[str]] = mapped_column(JSON, default=list, nullable=False)
    reason: Mapped[str] = mapped_column(String(500), nullable=False)
    requested_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    failure: Mapped[str | None] = mapped_column(String(500), nullable=True)


class CommerceEvent(IdMixin, Base):
    """The history of every order, payment and refund: what changed, when and why."""

    __tablename__ = "commerce_events"
    __table_args__ = (Index("ix_commerce_events_order_id_at", "order_id", "at"),)

    order_id: Mapped[str] = mapped_column(
        ForeignKey("orders.id", ondelete="CASCADE"), nullable=False
    )
    subject_type: Mapped[str] = mapped_column(String(20), nullable=False)  # order|payment|refund
    subject_id: Mapped[str] = mapped_column(String(36), nullable=False)
    from_status: Mapped[str | None] = mapped_column(String(20), nullable=True)
    to_status: Mapped[str] = mapped_column(String(20), nullable=False)
    # e.g. "checkout", "webhook:stripe:evt_1", "admin:<user id>", "expiry".
    cause: Mapped[str] = mapped_column(String(300), nullable=False)
    detail: Mapped[str | None] = mapped_column(Text, nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class Earning(IdMixin, Base):
    """One instructor ledger entry: a sale's share (positive) or a refund's reversal (negative)."""

    __tablename__ = "earnings"
    __table_args__ = (
        Index("ix_earnings_instructor_id_created_at", "instructor_id", "created_at"),
        Index("ix_earnings_payable", "instructor_id", "payout_id", "available_at"),
    )

    # "sale:<line id>" or "refund:<refund id>:<line id>": the exactly-once guard.
    entry_key: Mapped[str] = mapped_column(String(120), nullable=False, unique=True)
    kind: Mapped[str] = mapped_column(String(10), nullable=False)
    instructor_id: Mapped[str] = mapped_column(ForeignKey("users.id"), nullable=False)
    order_line_id: Mapped[str] = mapped_column(
        ForeignKey("order_lines.id", ondelete="CASCADE"), nullable=False, index=True
    )
    course_id: Mapped[str] = mapped_column(ForeignKey("courses.id"), nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    # What the buyer paid (or got back) for the line, split into the two shares.
    gross_amount: Mapped[int] = mapped_column(Integer, nullable=False)
    instructor_amount: Mapped[int] = mapped_column(Integer, nullable=False)
    platform_amount: Mapped[int] = mapped_column(Integer, nullable=False)
    share_percent: Mapped[int] = mapped_column(Integer, nullable=False)
    # Payable from then on (a sale after the refund window; a reversal at once).
    available_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    payout_id: Mapped[str | None] = mapped_column(
        ForeignKey("payouts.id"), nullable=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class PayoutBatch(IdMixin, Base):
    __tablename__ = "payout_batches"

    created_by: Mapped[str] = mapped_column(ForeignKey("users.id"), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    # Earnings available on or before this moment were included.
    cutoff_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    note: Mapped[str | None] = mapped_column(String(500), nullable=True)


class Payout(IdMixin, Base):
    """What one instructor is owed in one currency by one batch; marked paid with a reference."""

    __tablename__ = "payouts"
    __table_args__ = (
        UniqueConstraint("batch_id", "instructor_id", "currency"),
        Index("ix_payouts_instructor_id_created_at", "instructor_id", "created_at"),
    )

    batch_id: Mapped[str] = mapped_column(
        ForeignKey("payout_batches.id", ondelete="CASCADE"), nullable=False
    )
    instructor_id: Mapped[str] = mapped_column(ForeignKey("users.id"), nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    amount: Mapped[int] = mapped_column(Integer, nullable=False)
    entry_count: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[str] = mapped_column(String(20), default="pending", nullable=False)
    reference: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
