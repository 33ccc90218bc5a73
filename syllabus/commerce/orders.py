"""Orders as buyers and admins read them: lines, refunds, history, refund deadline.

A page of orders costs a fixed number of queries whatever its size: the
orders, their count, then all their lines and all their refunds in one
query each.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from syllabus.accounts.actor import Actor
from syllabus.commerce.errors import OrderNotFound
from syllabus.commerce.models import CommerceEvent, Order, OrderLine, Refund
from syllabus.commerce.schemas import OrderEventOut, OrderLineOut, OrderOut, RefundOut, money
from syllabus.kit.errors import Forbidden
from syllabus.kit.pagination import Page, PageParams
from syllabus.kit.runtime import get_runtime

# Orders in these states may still have money to give back.
REFUNDABLE_STATES = ("paid", "partially_refunded")


def get_order(session: Session, actor: Actor, order_id: str) -> OrderOut:
    """The buyer's own order, or any order for an admin; 404 for everyone else."""
    order = session.get(Order, order_id)
    if order is None or (order.user_id != actor.id and not actor.is_admin):
        raise OrderNotFound("No such order.")
    return order_out(session, order, with_history=True)


def list_orders(
    session: Session,
    actor: Actor,
    page: PageParams,
    *,
    status: str | None = None,
    everyone: bool = False,
) -> Page[OrderOut]:
    """The actor's orders (everyone's for an admin asking so), newest first."""
    if everyone and not actor.is_admin:
        raise Forbidden("Only admins can do this.", code="not_admin")
    conditions = []
    if not everyone:
        conditions.append(Order.user_id == actor.id)
    if status is not None:
        conditions.append(Order.status == status)
    total = session.scalar(select(func.count()).select_from(Order).where(*conditions)) or 0
    found = session.scalars(
        select(Order)
        .where(*conditions)
        .order_by(Order.created_at.desc(), Order.id.desc())
        .offset(page.offset)
        .limit(page.limit)
    ).all()
    return Page.build(orders_out(session, found), total, page)


def order_out(session: Session, order: Order, *, with_history: bool = False) -> OrderOut:
    """One order in the API shape; `with_history` adds its state changes, oldest first."""
    session.flush()
    out = orders_out(session, [order])[0]
    if with_history:
        events = session.scalars(
            select(CommerceEvent)
            .where(CommerceEvent.order_id == order.id)
            .order_by(CommerceEvent.at, CommerceEvent.id)
        )
        out.history = [
            OrderEventOut(
                subject_type=event.subject_type,
                from_status=event.from_status,
                to_status=event.to_status,
                cause=event.cause,
                at=event.at,
            )
            for event in events
        ]
    return out


def orders_out(session: Session, orders: Sequence[Order]) -> list[OrderOut]:
    """Many orders in the API shape with two queries in all (lines, refunds)."""
    if not orders:
        return []
    ids = [order.id for order in orders]
    lines: dict[str, list[OrderLine]] = defaultdict(list)
    for line in session.scalars(
        select(OrderLine)
        .where(OrderLine.order_id.in_(ids))
        .order_by(OrderLine.course_title, OrderLine.id)
    ):
        lines[line.order_id].append(line)
    refunds: dict[str, list[Refund]] = defaultdict(list)
    for refund in session.scalars(
        select(Refund).where(Refund.order_id.in_(ids)).order_by(Refund.created_at, Refund.id)
    ):
        refunds[refund.order_id].append(refund)
    window = timedelta(days=get_runtime().settings.refund_window_days)
    return [_out(order, lines[order.id], refunds[order.id], window) for order in orders]


def refund_out(refund: Refund) -> RefundOut:
    return RefundOut(
        id=refund.id,
        order_id=refund.order_id,
        status=refund.status,
        amount=money(refund.amount, refund.currency),
        reason=refund.reason,
        line_ids=list(refund.line_ids or []),
        created_at=refund.created_at,
        completed_at=refund.completed_at,
        failure=refund.failure,
    )


def _out(
    order: Order, lines: list[OrderLine], refunds: list[Refund], window: timedelta
) -> OrderOut:
    currency = order.currency
    return OrderOut(
        id=order.id,
        status=order.status,
        provider=order.provider,
        user_id=order.user_id,
        subtotal=money(order.subtotal_amount, currency),
        discount=money(order.discount_amount, currency),
        total=money(order.total_amount, currency),
        refunded=money(order.refunded_amount, currency),
        coupon=order.coupon_code,
        lines=[
            OrderLineOut(
                id=line.id,
                course_id=line.course_id,
                course_title=line.course_title,
                price=money(line.amount, currency),
                list_price=money(line.list_amount, currency),
                discount=money(line.discount_amount, currency),
                refunded=money(line.refunded_amount, currency),
                enrolled=line.granted_at is not None and line.revoked_at is None,
            )
            for line in lines
        ],
        created_at=order.created_at,
        paid_at=order.paid_at,
        flag_reason=order.flag_reason,
        refundable_until=_refundable_until(order, window),
        refunds=[refund_out(refund) for refund in refunds],
    )


def _refundable_until(order: Order, window: timedelta) -> datetime | None:
    if (
        order.paid_at is None
        or order.status not in REFUNDABLE_STATES
        or order.refunded_amount >= order.total_amount
    ):
        return None
    return order.paid_at + window
