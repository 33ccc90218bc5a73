"""Every state change of an order, payment or refund, with its time and cause."""

from __future__ import annotations

from sqlalchemy.orm import Session

from syllabus.commerce.models import CommerceEvent, Order
from syllabus.kit.db import utcnow
from syllabus.kit.logging import get_logger

log = get_logger("syllabus.commerce")


def record(
    session: Session,
    *,
    order_id: str,
    subject_type: str,
    subject_id: str,
    from_status: str | None,
    to_status: str,
    cause: str,
    detail: str | None = None,
) -> CommerceEvent:
    entry = CommerceEvent(
        order_id=order_id,
        subject_type=subject_type,
        subject_id=subject_id,
        from_status=from_status,
        to_status=to_status,
        cause=cause[:300],
        detail=detail,
        at=utcnow(),
    )
    session.add(entry)
    log.info(
        "commerce.state",
        subject=subject_type,
        subject_id=subject_id,
        order_id=order_id,
        from_status=from_status,
        to_status=to_status,
        cause=cause,
    )
    return entry


def set_order_status(
    session: Session, order: Order, to_status: str, *, cause: str, detail: str | None = None
) -> None:
    """Move the (locked) order to `to_status` and record it; no-op when already there."""
    if order.status == to_status:
        return
    from_status, order.status = order.status, to_status
    order.updated_at = utcnow()
    record(
        session,
        order_id=order.id,
        subject_type="order",
        subject_id=order.id,
        from_status=from_status,
        to_status=to_status,
        cause=cause,
        detail=detail,
    )
