"""The order row lock every money transition starts with."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from syllabus.commerce.models import Order


def find_locked_order(session: Session, order_id: str) -> Order | None:
    """The order, locked for the rest of the transaction and read fresh; None if unknown.

    PostgreSQL holds the row lock; SQLite's writer transaction is already exclusive.
    """
    return session.scalar(
        select(Order)
        .where(Order.id == order_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def lock_order(session: Session, order_id: str) -> Order:
    """`find_locked_order` for an order known to exist."""
    order = find_locked_order(session, order_id)
    if order is None:  # pragma: no cover - callers hold a loaded order
        raise LookupError(f"order {order_id} vanished")
    return order
