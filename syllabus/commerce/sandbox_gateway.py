"""The sandbox's hosted checkout: the buyer presses Pay or Decline.

The decision becomes a signed sandbox event handed to `webhooks.receive`,
exactly what an HTTP delivery to /webhooks/sandbox does, so the sandbox
exercises the real money path (signature, storage, job, processing)
rather than a shortcut.
"""

from __future__ import annotations

from typing import Literal

from sqlalchemy.orm import Session

from syllabus.accounts.actor import Actor
from syllabus.commerce import webhooks
from syllabus.commerce.errors import OrderNotFound, OrderNotPayable
from syllabus.commerce.models import Order
from syllabus.commerce.providers.base import PAYMENT_FAILED, PAYMENT_SUCCEEDED
from syllabus.commerce.providers.sandbox import SIGNATURE_HEADER, event_body, sign
from syllabus.kit.runtime import Runtime

Decision = Literal["pay", "decline"]
DECLINE_REASON = "Declined on the sandbox checkout page."


def payable_order(session: Session, actor: Actor, order_id: str) -> Order:
    """The buyer's pending sandbox order; else 404, or 409 `order_not_payable` when settled."""
    order = session.get(Order, order_id)
    if order is None or order.user_id != actor.id or order.provider != "sandbox":
        raise OrderNotFound("No such order.")
    if order.status != "pending":
        raise OrderNotPayable(f"This order is {order.status}; it cannot be paid.")
    return order


def decide(session: Session, rt: Runtime, actor: Actor, order_id: str, decision: Decision) -> None:
    """Send the sandbox's signed payment.succeeded / payment.failed event for the order."""
    order = payable_order(session, actor, order_id)
    if decision == "pay":
        body = event_body(
            PAYMENT_SUCCEEDED,
            order_id=order.id,
            amount=order.total_amount,
            currency=order.currency,
        )
    else:
        body = event_body(
            PAYMENT_FAILED,
            order_id=order.id,
            amount=order.total_amount,
            currency=order.currency,
            reason=DECLINE_REASON,
        )
    signature = sign(body, rt.settings.sandbox_webhook_secret)
    webhooks.receive(session, rt, "sandbox", {SIGNATURE_HEADER: signature}, body)
