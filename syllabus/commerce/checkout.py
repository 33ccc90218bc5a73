"""Checkout: turn a priced cart into a pending order and hand the buyer to a provider.

The order snapshots every line (title, instructor, list price, discount,
amount) so later price changes never touch what was bought. A coupon use is
reserved in the same transaction. A zero total needs no gateway: the order
is paid at once through the same code that applies a provider's payment.
A provider that refuses raises, and the whole transaction rolls back:
no order, no reservation.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from syllabus.accounts.actor import Actor
from syllabus.commerce import coupons, history, pricing
from syllabus.commerce.errors import MixedCurrencies
from syllabus.commerce.models import Order, OrderLine
from syllabus.commerce.providers import get_provider
from syllabus.commerce.providers.base import CheckoutLine, CheckoutRequest
from syllabus.commerce.schemas import CheckoutIn, CheckoutOut
from syllabus.kit.db import utcnow
from syllabus.kit.runtime import Runtime

# The provider name of orders that cost nothing.
FREE = "free"


def checkout(session: Session, rt: Runtime, actor: Actor, body: CheckoutIn) -> CheckoutOut:
    """POST /checkout: 201 with the order id and where to pay (or status "paid" when free).

    Refusals: the cart's (404 `course_not_found`, 409 `course_not_purchasable`,
    `already_enrolled`), the coupon's (409 with its code), 409
    `mixed_currencies`, 422 `provider_not_enabled`.
    """
    priced = pricing.price_cart(session, actor, body.course_ids, body.coupon)
    currencies = priced.currencies
    if len(currencies) > 1:
        raise MixedCurrencies(
            f"One order takes one currency; these courses are priced in {', '.join(currencies)}."
        )
    (total,) = priced.totals()
    provider = get_provider(rt.settings, body.provider) if total.total > 0 else None
    now = utcnow()
    order = Order(
        user_id=actor.id,
        status="pending",
        provider=provider.name if provider is not None else FREE,
        currency=total.currency,
        subtotal_amount=total.subtotal,
        discount_amount=total.discount,
        total_amount=total.total,
        refunded_amount=0,
        coupon_id=priced.coupon.id if priced.coupon is not None else None,
        coupon_code=priced.coupon.code if priced.coupon is not None else None,
        created_at=now,
        updated_at=now,
        expires_at=now + timedelta(minutes=rt.settings.checkout_expiry_minutes),
    )
    session.add(order)
    session.flush()
    session.add_all(
        OrderLine(
            order_id=order.id,
            course_id=line.course.id,
            instructor_id=line.course.instructor_id,
            course_title=line.course.title,
            list_amount=line.course.price,
            discount_amount=line.discount,
            amount=line.amount,
            refunded_amount=0,
            instructor_coupon=line.instructor_coupon,
        )
        for line in priced.lines
    )
    session.flush()
    if priced.coupon is not None:
        coupons.reserve(session, priced.coupon, user_id=actor.id, order_id=order.id)
    history.record(
        session,
        order_id=order.id,
        subject_type="order",
        subject_id=order.id,
        from_status=None,
        to_status="pending",
        cause="checkout",
        detail=_summary(order, len(priced.lines)),
    )
    base_url = rt.settings.base_url.rstrip("/")
    if provider is None:
        from syllabus.commerce import payments

        payments.apply_payment_succeeded(
            session,
            rt,
            order,
            amount=0,
            currency=order.currency,
            payment_id=None,
            cause="checkout:free",
        )
        return CheckoutOut(
            order_id=order.id,
            status=order.status,
            provider=FREE,
            redirect_url=f"{base_url}/orders/{order.id}",
        )
    start = provider.start_checkout(
        CheckoutRequest(
            order_id=order.id,
            currency=order.currency,
            total_amount=order.total_amount,
            lines=[
                CheckoutLine(course_id=line.course.id, title=line.course.title, amount=line.amount)
                for line in priced.lines
            ],
            buyer_email=actor.email,
            buyer_name=actor.name,
            success_url=f"{base_url}/orders/{order.id}?return=1",
            cancel_url=f"{base_url}/cart",
        )
    )
    order.provider_ref = start.provider_ref
    session.flush()
    return CheckoutOut(
        order_id=order.id,
        status=order.status,
        provider=provider.name,
        redirect_url=start.redirect_url,
        client_payload=start.client_payload,
    )


def _summary(order: Order, line_count: int) -> str:
    coupon = f", coupon {order.coupon_code}" if order.coupon_code else ""
    return (
        f"{line_count} course(s), {order.total_amount} {order.currency} "
        f"via {order.provider}{coupon}"
    )
