"""Orders for tests, straight through the ORM, and signed sandbox deliveries.

    order = make_order(db, buyer, [course])                       # pending, sandbox, 19.99 USD
    order = make_order(db, buyer, [a, b], coupon=coupon)          # discounted, use reserved
    order = make_order(db, buyer, [course], status="failed")
    order = make_paid_order(db, runtime, buyer, [course])         # paid through the service:
                                                                  # enrollments, earnings, receipt
    response = deliver(client, runtime, "payment.succeeded", order)   # a signed webhook

`make_order` writes rows only: a "paid" order made with it has no
enrollments or earnings behind it. Every helper commits (inside the
test's rolled-back transaction), like the other factories.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from syllabus.accounts.models import User
from syllabus.catalog.models import Course
from syllabus.commerce.models import Coupon, CouponRedemption, Order, OrderLine
from syllabus.commerce.providers.sandbox import SIGNATURE_HEADER, event_body, sign
from syllabus.kit.db import new_id, utcnow
from syllabus.kit.runtime import Runtime

API = "/api/v1"
# Orders holding a coupon use (failed and expired ones gave it back).
_HOLDS_COUPON = ("pending", "paid", "refunded", "partially_refunded")
_PAID = ("paid", "refunded", "partially_refunded")


def line_discount(coupon: Coupon | None, course: Course) -> int:
    """What `coupon` takes off `course`'s price (0 when it does not apply)."""
    if coupon is None or (coupon.course_id is not None and coupon.course_id != course.id):
        return 0
    if coupon.percent_off is not None:
        return course.price_amount * coupon.percent_off // 100
    if coupon.currency not in (None, course.currency):
        return 0
    return min(course.price_amount, coupon.amount_off or 0)


def make_order(
    db: Session,
    buyer: User,
    courses: Sequence[Course],
    *,
    provider: str = "sandbox",
    status: str = "pending",
    coupon: Coupon | None = None,
    created_at: datetime | None = None,
    expires_at: datetime | None = None,
    paid_at: datetime | None = None,
    provider_ref: str | None = None,
    provider_payment_id: str | None = None,
    **fields: Any,
) -> Order:
    """An order for `courses` at their current prices, as checkout stores it.

    With `coupon` the discount is applied to the lines it covers and (unless
    the order failed or expired) a redemption is held, raising the coupon's
    count. The sandbox's `provider_ref` is "sbx_<order id>", as its
    checkout sets it. Extra Order columns go in `fields`.
    """
    assert courses, "an order has at least one line"
    now = utcnow()
    order_id = new_id()
    currency = courses[0].currency
    lines = []
    for course in courses:
        discount = line_discount(coupon, course)
        lines.append(
            OrderLine(
                id=new_id(),
                order_id=order_id,
                course_id=course.id,
                instructor_id=course.instructor_id,
                course_title=course.title,
                list_amount=course.price_amount,
                discount_amount=discount,
                amount=course.price_amount - discount,
                instructor_coupon=bool(
                    coupon is not None
                    and discount > 0
                    and coupon.course_id == course.id
                    and coupon.created_by == course.instructor_id
                ),
            )
        )
    subtotal = sum(line.list_amount for line in lines)
    discount_total = sum(line.discount_amount for line in lines)
    if provider_ref is None and provider == "sandbox":
        provider_ref = f"sbx_{order_id}"
    paid = status in _PAID
    order = Order(
        id=order_id,
        user_id=buyer.id,
        status=status,
        provider=provider,
        currency=currency,
        subtotal_amount=subtotal,
        discount_amount=discount_total,
        total_amount=subtotal - discount_total,
        coupon_id=coupon.id if coupon else None,
        coupon_code=coupon.code if coupon else None,
        provider_ref=provider_ref,
        provider_payment_id=provider_payment_id or (f"{provider}_pay_{order_id}" if paid else None),
        created_at=created_at or now,
        updated_at=created_at or now,
        paid_at=paid_at or (now if paid else None),
        expires_at=expires_at or (created_at or now) + timedelta(minutes=60),
        **fields,
    )
    db.add(order)
    db.flush()
    db.add_all(lines)
    if coupon is not None and status in _HOLDS_COUPON:
        db.add(CouponRedemption(coupon_id=coupon.id, user_id=buyer.id, order_id=order_id))
        db.execute(
            update(Coupon)
            .where(Coupon.id == coupon.id)
            .values(redemption_count=Coupon.redemption_count + 1)
        )
    db.commit()
    db.refresh(order)
    return order


def make_paid_order(
    db: Session, runtime: Runtime, buyer: User, courses: Sequence[Course], **kwargs: Any
) -> Order:
    """A pending order paid through `payments.apply_payment_succeeded`: enrollments granted,
    sale earnings recorded, receipt queued, as after a sandbox payment."""
    from syllabus.commerce import payments

    order = make_order(db, buyer, courses, **kwargs)
    payments.apply_payment_succeeded(
        db,
        runtime,
        order,
        amount=order.total_amount,
        currency=order.currency,
        payment_id=f"sbx_pay_{order.id}",
        cause=f"webhook:sandbox:test_{order.id}",
    )
    db.commit()
    db.refresh(order)
    return order


def signed_delivery(
    runtime: Runtime,
    kind: str,
    order: Order,
    *,
    amount: int | None = None,
    currency: str | None = None,
    timestamp: int | None = None,
    **extra: str,
) -> tuple[bytes, dict[str, str]]:
    """A sandbox event for `order` (its own total unless told) and its signed headers."""
    body = event_body(
        kind,
        order_id=order.id,
        amount=order.total_amount if amount is None else amount,
        currency=currency or order.currency,
        **extra,
    )
    signature = sign(body, runtime.settings.sandbox_webhook_secret, timestamp)
    return body, {SIGNATURE_HEADER: signature, "Content-Type": "application/json"}


def deliver(
    client: TestClient, runtime: Runtime, kind: str, order: Order, **kwargs: Any
) -> httpx.Response:
    """POST a signed sandbox event for `order` to /webhooks/sandbox."""
    body, headers = signed_delivery(runtime, kind, order, **kwargs)
    return client.post(f"{API}/webhooks/sandbox", content=body, headers=headers)
