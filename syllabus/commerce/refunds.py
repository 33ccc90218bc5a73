"""Refunds: a buyer's request inside the refund window, an admin's refund, and applying one.

A request only records a pending `Refund` and queues the job that asks the
provider (`refund_tasks`); money state changes once the provider confirms,
through `apply_refund_succeeded`, which both that job and the provider's
webhook call. Applying is idempotent under the order's row lock: the
second confirmation of a refund finds it succeeded and changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from syllabus.accounts.actor import Actor
from syllabus.accounts.models import User
from syllabus.admin import audit
from syllabus.analytics import events as analytics_events
from syllabus.analytics.record import record_event
from syllabus.commerce import earnings, history, refund_tasks
from syllabus.commerce.errors import OrderNotFound, RefundNotAllowed, RefundWindowClosed
from syllabus.commerce.locks import find_locked_order
from syllabus.commerce.models import Order, OrderLine, Refund
from syllabus.commerce.orders import refund_out
from syllabus.commerce.providers.base import PaymentEvent
from syllabus.commerce.schemas import AdminRefundIn, RefundOut, RefundRequestIn
from syllabus.kit.db import new_id, utcnow
from syllabus.kit.errors import Forbidden
from syllabus.kit.money import allocate, money_text
from syllabus.kit.runtime import Runtime
from syllabus.learning.enrollment import revoke_enrollment

# Orders money can be given back on; a fully refunded order has nothing left.
REFUNDABLE = ("paid", "partially_refunded")
# Paid at some point: a refund confirmation for any other order waits for its payment.
PAID_STATES = ("paid", "partially_refunded", "refunded")
DASHBOARD_REASON = "Refunded at the payment provider"
REFUND_MAIL = "order_refund"


def request_refund(
    session: Session, rt: Runtime, actor: Actor, order_id: str, body: RefundRequestIn
) -> RefundOut:
    """The buyer asks for their money back (all courses not yet refunded, or `course_ids`).

    Someone else's order is 404. Only a paid, non-free order within
    `refund_window_days` of its payment qualifies. The provider is asked by
    a job; the answer is the pending refund.
    """
    order = find_locked_order(session, order_id)
    if order is None or order.user_id != actor.id:
        raise OrderNotFound("No such order.")
    _check_refundable(order)
    window = timedelta(days=rt.settings.refund_window_days)
    if order.paid_at is None or utcnow() > order.paid_at + window:
        raise RefundWindowClosed(
            f"Refunds can be requested within {rt.settings.refund_window_days} days of paying."
        )
    lines = _lines_to_refund(session, order, body.course_ids)
    refund = _create(
        session,
        order,
        line_ids=[line.id for line in lines],
        amount=sum(line.amount - line.refunded_amount for line in lines),
        reason=body.reason,
        requested_by=actor.id,
        cause=f"buyer:{actor.id}",
    )
    return refund_out(refund)


def admin_refund(
    session: Session, rt: Runtime, admin: Actor, order_id: str, body: AdminRefundIn
) -> RefundOut:
    """An admin refunds any paid order: whole courses, or a goodwill `amount` (no revocation).

    No refund window applies. Audit-logged with the reason.
    """
    if not admin.is_admin:
        raise Forbidden("Only admins can do this.", code="not_admin")
    order = find_locked_order(session, order_id)
    if order is None:
        raise OrderNotFound("No such order.")
    _check_refundable(order)
    if body.amount is not None:
        if _pending_refunds(session, order.id):
            raise RefundNotAllowed("A refund of this order is in progress.")
        left = order.total_amount - order.refunded_amount
        if body.amount > left:
            raise RefundNotAllowed(f"At most {money_text(left, order.currency)} is left to refund.")
        line_ids: list[str] = []
        amount = body.amount
    else:
        lines = _lines_to_refund(session, order, body.course_ids)
        line_ids = [line.id for line in lines]
        amount = sum(line.amount - line.refunded_amount for line in lines)
    refund = _create(
        session,
        order,
        line_ids=line_ids,
        amount=amount,
        reason=body.reason,
        requested_by=admin.id,
        cause=f"admin:{admin.id}",
    )
    audit.record(
        session,
        actor_id=admin.id,
        action="order.refund",
        target_type="order",
        target_id=order.id,
        before={"status": order.status, "refunded_amount": order.refunded_amount},
        after={
            "refund_id": refund.id,
            "amount": amount,
            "currency": order.currency,
            "line_ids": line_ids,
        },
        reason=body.reason,
    )
    return refund_out(refund)


def apply_refund_succeeded(
    session: Session, rt: Runtime, order: Order, event: PaymentEvent, *, cause: str
) -> str:
    """Give the money back in our books once the provider confirms; returns the outcome.

    `deferred`: the order is not paid yet (the refund event came first).
    `ignored`: this refund was applied already, or the event names nothing to do.
    `flagged`: amount or currency disagree, or it would refund more than was paid.
    `applied`: lines refunded in full lose their enrollment; earnings are
    reversed; the order becomes refunded or partially_refunded; the buyer is emailed.
    """
    locked = find_locked_order(session, order.id)
    if locked is None:
        return "ignored"
    order = locked
    if order.paid_at is None or order.status not in PAID_STATES:
        return "deferred"
    refund = _find_refund(session, order, event)
    if refund is not None and refund.order_id != order.id:
        return "ignored"
    if refund is None:
        if event.amount is None or event.amount <= 0:
            return "ignored"
        # A refund made at the provider (its dashboard): checked before it is recorded,
        # so one that cannot be applied leaves no pending refund behind.
        label = (event.refund_id or event.event_id)[:36]
        currency = event.currency or order.currency
        problem = _disagreement(order, label, event.amount, currency, event)
        if problem is not None:
            return _flag(session, order, label, None, problem, cause)
        refund = _create(
            session,
            order,
            line_ids=[],
            amount=event.amount,
            currency=currency,
            reason=DASHBOARD_REASON,
            requested_by=None,
            cause=cause,
            provider_refund_id=event.refund_id,
            queue=False,
        )
    if refund.status == "succeeded":
        return "ignored"
    if refund.provider_refund_id is None and event.refund_id:
        refund.provider_refund_id = event.refund_id
    problem = _disagreement(order, refund.id, refund.amount, refund.currency, event)
    if problem is not None:
        return _flag(session, order, refund.id, refund.status, problem, cause)
    revoked = _give_back(session, rt, order, refund)
    now = utcnow()
    from_status = refund.status
    refund.status, refund.completed_at, refund.failure = "succeeded", now, None
    history.record(
        session,
        order_id=order.id,
        subject_type="refund",
        subject_id=refund.id,
        from_status=from_status,
        to_status="succeeded",
        cause=cause,
    )
    order.refunded_amount += refund.amount
    record_event(
        session,
        analytics_events.REFUNDED,
        user_id=order.user_id,
        object_id=refund.id,
        value=refund.amount,
        currency=refund.currency,
    )
    to_status = "refunded" if order.refunded_amount == order.total_amount else "partially_refunded"
    history.set_order_status(
        session, order, to_status, cause=cause, detail=f"refund {refund.id}: {refund.amount}"
    )
    session.flush()
    _queue_refund_mail(session, order, refund, revoked)
    return "applied"


# --- helpers ---------------------------------------------------------------------------------


def _check_refundable(order: Order) -> None:
    if order.status not in REFUNDABLE:
        raise RefundNotAllowed(f"A {order.status} order cannot be refunded.")
    if order.total_amount <= 0 or order.provider == "free":
        raise RefundNotAllowed("Nothing was paid for this order.")


def _order_lines(session: Session, order_id: str) -> list[OrderLine]:
    return list(
        session.scalars(
            select(OrderLine)
            .where(OrderLine.order_id == order_id)
            .order_by(OrderLine.course_title, OrderLine.id)
            .execution_options(populate_existing=True)
        )
    )


def _pending_refunds(session: Session, order_id: str) -> list[Refund]:
    return list(
        session.scalars(
            select(Refund).where(Refund.order_id == order_id, Refund.status == "pending")
        )
    )


def _lines_to_refund(
    session: Session, order: Order, course_ids: Sequence[str] | None
) -> list[OrderLine]:
    """The lines to give back in full: those named, or every one with money left on it.

    A line already refunded, or in a refund still in progress, is refused
    (409 `refund_not_allowed`), so two requests never refund it twice.
    """
    pending = _pending_refunds(session, order.id)
    if any(not refund.line_ids for refund in pending):
        raise RefundNotAllowed("A refund of this order is in progress.")
    busy = {line_id for refund in pending for line_id in refund.line_ids}
    lines = _order_lines(session, order.id)
    open_lines = [
        line
        for line in lines
        if line.amount > line.refunded_amount and line.revoked_at is None and line.id not in busy
    ]
    if course_ids is None:
        if not open_lines:
            raise RefundNotAllowed("Nothing is left to refund on this order.")
        return open_lines
    by_course = {line.course_id: line for line in lines}
    open_ids = {line.id for line in open_lines}
    chosen: list[OrderLine] = []
    for course_id in dict.fromkeys(course_ids):
        line = by_course.get(course_id)
        if line is None:
            raise RefundNotAllowed("That course is not part of this order.")
        if line.id not in open_ids:
            raise RefundNotAllowed(f'"{line.course_title}" is already refunded or being refunded.')
        chosen.append(line)
    return chosen


def _create(
    session: Session,
    order: Order,
    *,
    line_ids: list[str],
    amount: int,
    reason: str,
    requested_by: str | None,
    cause: str,
    currency: str | None = None,
    provider_refund_id: str | None = None,
    queue: bool = True,
) -> Refund:
    refund = Refund(
        id=new_id(),
        order_id=order.id,
        provider=order.provider,
        provider_refund_id=provider_refund_id,
        amount=amount,
        currency=currency or order.currency,
        status="pending",
        line_ids=line_ids,
        reason=reason,
        requested_by=requested_by,
        created_at=utcnow(),
    )
    session.add(refund)
    session.flush()
    history.record(
        session,
        order_id=order.id,
        subject_type="refund",
        subject_id=refund.id,
        from_status=None,
        to_status="pending",
        cause=cause,
        detail=reason,
    )
    if queue:
        refund_tasks.queue_refund(session, refund.id)
    return refund


def _find_refund(session: Session, order: Order, event: PaymentEvent) -> Refund | None:
    """Our refund the event speaks of: by our id echoed back, else by the provider's id."""
    if event.our_refund_id:
        refund = session.scalar(
            select(Refund)
            .where(Refund.id == event.our_refund_id)
            .execution_options(populate_existing=True)
        )
        if refund is not None:
            return refund
    if event.refund_id:
        return session.scalar(
            select(Refund)
            .where(Refund.provider == order.provider, Refund.provider_refund_id == event.refund_id)
            .execution_options(populate_existing=True)
        )
    return None


def _disagreement(
    order: Order, label: str, amount: int, currency: str, event: PaymentEvent
) -> str | None:
    """Why refund `label` of `amount` cannot be applied to the order as it stands, or None."""
    if currency != order.currency or (event.currency and event.currency != order.currency):
        return f"Refund {label}: currency {event.currency or currency} != {order.currency}"
    if event.amount is not None and event.amount != amount:
        return f"Refund {label}: provider reported {event.amount}, expected {amount}"
    if order.refunded_amount + amount > order.total_amount:
        return (
            f"Refund {label} of {amount} would exceed the order total "
            f"({order.refunded_amount} of {order.total_amount} already refunded)"
        )
    return None


def _flag(
    session: Session,
    order: Order,
    subject_id: str,
    from_status: str | None,
    problem: str,
    cause: str,
) -> str:
    """Leave the money as it is and mark the order for a person to look at."""
    order.flag_reason = problem[:500]
    history.record(
        session,
        order_id=order.id,
        subject_type="refund",
        subject_id=subject_id,
        from_status=from_status,
        to_status="flagged",
        cause=cause,
        detail=problem,
    )
    return "flagged"


def _give_back(session: Session, rt: Runtime, order: Order, refund: Refund) -> list[OrderLine]:
    """Move the refund onto the lines and the ledger; returns the lines refunded in full.

    Whole lines (named by the refund, or all of them when the amount is
    everything left) lose their enrollment. Any other amount is spread over
    the lines in proportion to what is left on each, and keeps access.
    """
    lines = _order_lines(session, order.id)
    left = {line.id: line.amount - line.refunded_amount for line in lines}
    full: list[OrderLine] | None = None
    if refund.line_ids:
        named = [line for line in lines if line.id in set(refund.line_ids)]
        if sum(left[line.id] for line in named) == refund.amount:
            full = named
    elif refund.amount == order.total_amount - order.refunded_amount:
        full = [line for line in lines if left[line.id] > 0]
    if full is None:
        pieces = allocate(refund.amount, [max(0, left[line.id]) for line in lines])
        for line, piece in zip(lines, pieces, strict=True):
            if piece > 0:
                earnings.reverse_line(session, rt, refund, line, piece)
                line.refunded_amount += piece
        refund.line_ids = []
        return []
    now = utcnow()
    for line in full:
        earnings.reverse_line(session, rt, refund, line, left[line.id])
        line.refunded_amount = line.amount
        line.revoked_at = now
        revoke_enrollment(session, rt, user_id=order.user_id, course_id=line.course_id)
    refund.line_ids = [line.id for line in full]
    return full


def _queue_refund_mail(
    session: Session, order: Order, refund: Refund, revoked: list[OrderLine]
) -> None:
    from syllabus.notifications.email import queue_mail

    buyer = session.get(User, order.user_id)
    if buyer is None:  # pragma: no cover - foreign key
        return
    queue_mail(
        session,
        to=buyer.email,
        template=REFUND_MAIL,
        context={
            "name": buyer.name,
            "order_id": order.id,
            "order_path": f"/orders/{order.id}",
            "amount": money_text(refund.amount, refund.currency),
            "courses": [line.course_title for line in revoked],
            "fully_refunded": order.status == "refunded",
            "reason": refund.reason,
        },
    )
