"""Moving an order on what a provider reported: paid, failed, expired; Razorpay and PayPal returns.

Every function locks the order row first and acts only when the order's
current status allows it, so the same report twice (or two reports of one
payment through different paths: webhook and return page) changes the
order once. Enrollments are granted per order line behind a conditional
UPDATE of `granted_at`, the exactly-once guard that holds across
processes.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from syllabus.accounts.actor import Actor
from syllabus.accounts.models import User
from syllabus.analytics.record import record_purchase
from syllabus.commerce import history
from syllabus.commerce.errors import InvalidSignature, OrderNotFound, OrderNotPayable
from syllabus.commerce.locks import lock_order
from syllabus.commerce.models import Coupon, CouponRedemption, Order, OrderLine, Payment
from syllabus.commerce.providers import get_provider
from syllabus.commerce.providers.base import PAYMENT_FAILED, PAYMENT_SUCCEEDED
from syllabus.commerce.schemas import OrderOut, RazorpayVerifyIn
from syllabus.commerce.webhooks import (
    APPLIED,
    FLAGGED,
    IGNORED,
    deferred_event_ids,
    process_event,
)
from syllabus.kit.db import new_id, utcnow
from syllabus.kit.logging import get_logger
from syllabus.kit.money import money_text
from syllabus.kit.runtime import Runtime

if TYPE_CHECKING:
    from syllabus.commerce.providers.paypal import PayPalProvider
    from syllabus.commerce.providers.razorpay import RazorpayProvider

log = get_logger("syllabus.commerce.payments")

# An order in one of these took the buyer's money.
PAID_STATES = ("paid", "refunded", "partially_refunded")
# A payment reported for one of these is still taken (a late success after expiry).
PAYABLE_STATES = ("pending", "failed", "expired")
RECEIPT_TEMPLATE = "order_receipt"
EXPIRY_BATCH = 200


def apply_payment_succeeded(
    session: Session,
    rt: Runtime,
    order: Order,
    *,
    amount: int | None,
    currency: str | None,
    payment_id: str | None,
    cause: str,
) -> str:
    """Mark the order paid and deliver it: applied | ignored | flagged.

    A report that does not match the order's total and currency is
    recorded as a flagged payment and grants nothing. A second report for
    a paid order is ignored (the same payment) or flagged (another payment
    id: the buyer may have been charged twice).
    """
    order = lock_order(session, order.id)
    payment_ref = payment_id or f"{order.provider}_{order.id}"
    if order.status in PAID_STATES:
        if order.provider_payment_id in (None, payment_ref):
            return IGNORED
        reason = f"A second payment {payment_ref} was reported for this order, already paid."
        return _flag(session, order, payment_ref, amount, currency, reason, cause)
    if order.status not in PAYABLE_STATES:  # pragma: no cover - statuses are exhaustive
        return IGNORED
    if amount != order.total_amount or (currency or "").upper() != order.currency:
        reason = (
            f"The provider reported {_money(amount, currency)}; "
            f"the order total is {_money(order.total_amount, order.currency)}."
        )
        return _flag(session, order, payment_ref, amount, currency, reason, cause)

    now = utcnow()
    if order.status != "pending" and order.coupon_id:
        _retake_coupon(session, order)
    order.paid_at = now
    order.provider_payment_id = payment_ref
    payment = _payment(session, order, payment_ref, "succeeded", order.total_amount)
    if payment is not None:
        _record_payment(session, order, payment, cause)
    history.set_order_status(session, order, "paid", cause=cause)
    lines = _lines(session, order.id)
    _grant_lines(session, rt, order, lines, now)
    _record_sales(session, rt, order, lines)
    record_purchase(session, order, lines)
    _clear_cart(session, order, lines)
    _queue_receipt(session, rt, order, lines)
    session.flush()
    log.info("order.paid", order_id=order.id, amount=order.total_amount, currency=order.currency)
    # A refund reported before this payment waited for it.
    for event_id in deferred_event_ids(session, order.id):
        process_event(session, rt, event_id)
    return APPLIED


def apply_payment_failed(
    session: Session,
    rt: Runtime,
    order: Order,
    *,
    cause: str,
    detail: str | None,
    payment_id: str | None = None,
) -> str:
    """A pending order whose payment was declined: failed, its coupon use given back."""
    order = lock_order(session, order.id)
    if order.status != "pending":
        return IGNORED
    if payment_id:
        payment = _payment(session, order, payment_id, "failed", order.total_amount, detail)
        if payment is not None:
            _record_payment(session, order, payment, cause, detail)
    history.set_order_status(session, order, "failed", cause=cause, detail=detail)
    _release_coupon(session, order)
    session.flush()
    return APPLIED


def expire_order(session: Session, rt: Runtime, order: Order, *, cause: str) -> str:
    """A pending order nobody paid in time: expired, its coupon use given back."""
    order = lock_order(session, order.id)
    if order.status != "pending":
        return IGNORED
    history.set_order_status(session, order, "expired", cause=cause)
    _release_coupon(session, order)
    session.flush()
    return APPLIED


def expire_due_orders(
    session: Session, rt: Runtime, *, now: datetime | None = None, limit: int = EXPIRY_BATCH
) -> int:
    """Expire up to `limit` pending orders past their `expires_at`; how many were expired."""
    cutoff = now or utcnow()
    due = session.scalars(
        select(Order.id)
        .where(Order.status == "pending", Order.expires_at <= cutoff)
        .order_by(Order.expires_at, Order.id)
        .limit(limit)
    ).all()
    expired = 0
    for order_id in due:
        order = session.get(Order, order_id)
        if order is not None and expire_order(session, rt, order, cause="expiry") == APPLIED:
            expired += 1
    return expired


def verify_razorpay(
    session: Session, rt: Runtime, actor: Actor, body: RazorpayVerifyIn
) -> OrderOut:
    """The Razorpay checkout's handler result: a valid signature pays the buyer's order."""
    from syllabus.commerce import orders

    order = _buyers_order(session, actor, body.order_id)
    if order.provider != "razorpay" or order.provider_ref != body.razorpay_order_id:
        raise InvalidSignature("This Razorpay order does not belong to this order.")
    provider = cast("RazorpayProvider", get_provider(rt.settings, "razorpay"))
    valid = provider.verify_payment_signature(
        body.razorpay_order_id, body.razorpay_payment_id, body.razorpay_signature
    )
    if not valid:
        raise InvalidSignature("The Razorpay payment signature does not match.")
    apply_payment_succeeded(
        session,
        rt,
        order,
        amount=order.total_amount,
        currency=order.currency,
        payment_id=body.razorpay_payment_id,
        cause="razorpay:verify",
    )
    return orders.order_out(session, order, with_history=True)


def capture_paypal(
    session: Session, rt: Runtime, actor: Actor, order_id: str, paypal_order_id: str
) -> OrderOut:
    """The buyer came back from PayPal: capture the approved order and apply the result."""
    from syllabus.commerce import orders

    order = _buyers_order(session, actor, order_id)
    if order.provider != "paypal" or order.provider_ref != paypal_order_id:
        raise OrderNotPayable("This PayPal order does not belong to this order.")
    if order.status in PAID_STATES:
        return orders.order_out(session, order, with_history=True)
    provider = cast("PayPalProvider", get_provider(rt.settings, "paypal"))
    event = provider.capture_order(paypal_order_id)
    if event.kind == PAYMENT_SUCCEEDED:
        apply_payment_succeeded(
            session,
            rt,
            order,
            amount=event.amount,
            currency=event.currency,
            payment_id=event.payment_id,
            cause="paypal:capture",
        )
    elif event.kind == PAYMENT_FAILED:
        apply_payment_failed(
            session,
            rt,
            order,
            cause="paypal:capture",
            detail=event.detail or "PayPal declined the payment.",
            payment_id=event.payment_id,
        )
    return orders.order_out(session, order, with_history=True)


# --- helpers -------------------------------------------------------------------------------


def _buyers_order(session: Session, actor: Actor, order_id: str) -> Order:
    order = session.get(Order, order_id)
    if order is None or order.user_id != actor.id:
        raise OrderNotFound("No such order.")
    return order


def _lines(session: Session, order_id: str) -> list[OrderLine]:
    return list(
        session.scalars(
            select(OrderLine)
            .where(OrderLine.order_id == order_id)
            .order_by(OrderLine.course_title, OrderLine.id)
        )
    )


def _money(amount: int | None, currency: str | None) -> str:
    if amount is None or not currency:
        return f"{amount if amount is not None else 'no amount'} {currency or 'no currency'}"
    return money_text(amount, currency.upper())


def _flag(
    session: Session,
    order: Order,
    payment_ref: str,
    amount: int | None,
    currency: str | None,
    reason: str,
    cause: str,
) -> str:
    """Keep what the provider said, mark the order for a person to look at, grant nothing."""
    order.flag_reason = reason[:500]
    payment = _payment(
        session,
        order,
        payment_ref,
        "flagged",
        amount if amount is not None and amount >= 0 else 0,
        reason,
        currency=(currency or order.currency).upper()[:3],
    )
    if payment is not None:
        _record_payment(session, order, payment, cause, reason)
    session.flush()
    log.warning("order.flagged", order_id=order.id, reason=reason, cause=cause)
    return FLAGGED


def _payment(
    session: Session,
    order: Order,
    payment_ref: str,
    status: str,
    amount: int,
    detail: str | None = None,
    *,
    currency: str | None = None,
) -> Payment | None:
    """A new Payment row, or None when this payment was already recorded with this status."""
    exists = session.scalar(
        select(Payment.id).where(
            Payment.provider == order.provider,
            Payment.provider_payment_id == payment_ref,
            Payment.status == status,
        )
    )
    if exists is not None:
        return None
    payment = Payment(
        order_id=order.id,
        provider=order.provider,
        provider_payment_id=payment_ref[:255],
        status=status,
        amount=amount,
        currency=currency or order.currency,
        detail=detail[:500] if detail else None,
        created_at=utcnow(),
    )
    session.add(payment)
    session.flush()
    return payment


def _record_payment(
    session: Session, order: Order, payment: Payment, cause: str, detail: str | None = None
) -> None:
    history.record(
        session,
        order_id=order.id,
        subject_type="payment",
        subject_id=payment.id,
        from_status=None,
        to_status=payment.status,
        cause=cause,
        detail=detail,
    )


def _source(line: OrderLine) -> str:
    if line.list_amount == 0:
        return "free"
    if line.amount == 0:
        return "coupon"
    return "purchase"


def _grant_lines(
    session: Session, rt: Runtime, order: Order, lines: list[OrderLine], now: datetime
) -> None:
    """One enrollment per line, ever: whoever sets `granted_at` first grants it."""
    from syllabus.learning.enrollment import grant_enrollment

    for line in lines:
        claimed = session.execute(
            update(OrderLine)
            .where(OrderLine.id == line.id, OrderLine.granted_at.is_(None))
            .values(granted_at=now)
            .returning(OrderLine.id)
            .execution_options(synchronize_session=False)
        ).first()
        if claimed is None:
            continue
        line.granted_at = now
        grant_enrollment(
            session, rt, user_id=order.user_id, course_id=line.course_id, source=_source(line)
        )


def _record_sales(session: Session, rt: Runtime, order: Order, lines: list[OrderLine]) -> None:
    from syllabus.commerce import earnings

    for line in lines:
        if line.amount > 0:
            earnings.record_sale(session, rt, order, line)


def _clear_cart(session: Session, order: Order, lines: list[OrderLine]) -> None:
    from syllabus.commerce import cart

    cart.clear_courses(session, order.user_id, [line.course_id for line in lines])


def _release_coupon(session: Session, order: Order) -> None:
    if order.coupon_id is None:
        return
    from syllabus.commerce import coupons

    coupons.release_for_order(session, order)


def _retake_coupon(session: Session, order: Order) -> None:
    """A late payment of an order whose coupon use was given back takes it again.

    No limit check: the buyer paid the discounted price. When the buyer has
    since used the coupon on another order, that use stands for both.
    """
    held = session.scalar(select(CouponRedemption.id).where(CouponRedemption.order_id == order.id))
    if held is not None or order.coupon_id is None:
        return
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    inserted = session.execute(
        insert(CouponRedemption)
        .values(
            id=new_id(),
            coupon_id=order.coupon_id,
            user_id=order.user_id,
            order_id=order.id,
            created_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["coupon_id", "user_id"])
        .returning(CouponRedemption.id)
    ).first()
    if inserted is not None:
        session.execute(
            update(Coupon)
            .where(Coupon.id == order.coupon_id)
            .values(redemption_count=Coupon.redemption_count + 1)
            .execution_options(synchronize_session=False)
        )


def _queue_receipt(session: Session, rt: Runtime, order: Order, lines: list[OrderLine]) -> None:
    from syllabus.notifications.email import queue_mail

    buyer = session.get(User, order.user_id)
    if buyer is None:  # pragma: no cover - foreign key
        return
    queue_mail(
        session,
        to=buyer.email,
        template=RECEIPT_TEMPLATE,
        context=receipt_context(rt, order, lines, buyer_name=buyer.name),
    )


def receipt_context(
    rt: Runtime, order: Order, lines: list[OrderLine], *, buyer_name: str
) -> dict[str, Any]:
    """What the receipt email shows: lines, totals, the order page (JSON-safe)."""
    currency = order.currency

    def text(amount: int) -> str:
        return money_text(amount, currency)

    base_url = rt.settings.base_url.rstrip("/")
    return {
        "name": buyer_name,
        "order_id": order.id,
        "currency": currency,
        "paid_at": order.paid_at.isoformat() if order.paid_at else None,
        "lines": [
            {
                "course_id": line.course_id,
                "title": line.course_title,
                "list_price": text(line.list_amount),
                "discount": text(line.discount_amount),
                "price": text(line.amount),
                "amount": line.amount,
            }
            for line in lines
        ],
        "totals": {
            "subtotal": text(order.subtotal_amount),
            "discount": text(order.discount_amount),
            "total": text(order.total_amount),
        },
        "subtotal": text(order.subtotal_amount),
        "discount": text(order.discount_amount),
        "total": text(order.total_amount),
        "coupon": order.coupon_code,
        "link": f"{base_url}/orders/{order.id}",
    }
