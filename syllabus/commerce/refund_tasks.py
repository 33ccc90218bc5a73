"""Refund jobs, run through the outbox: ask the provider for the money back, then (sandbox
only) send the provider's confirmation webhook the way a real gateway would.

Asking the provider happens in a job, not in the request, so a slow or
failing gateway never holds a buyer's request open, and a crash between
the request and the call leaves a pending refund the outbox sweep retries.
The provider call is idempotent by our refund id, and a refund that is no
longer pending (or already has the provider's id) is not asked again.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from syllabus.commerce import history
from syllabus.commerce.errors import ProviderError, ProviderNotEnabled
from syllabus.commerce.locks import find_locked_order
from syllabus.commerce.models import Order, Refund
from syllabus.commerce.providers.base import REFUND_SUCCEEDED, PaymentEvent
from syllabus.kit import outbox
from syllabus.kit.db import utcnow
from syllabus.kit.runtime import Runtime, get_runtime

EXECUTE_REFUND = "commerce.execute_refund"
SANDBOX_REFUND_WEBHOOK = "commerce.sandbox_refund_webhook"


def queue_refund(session: Session, refund_id: str) -> None:
    """Ask the provider for refund `refund_id` once the caller's transaction commits."""
    outbox.enqueue(session, EXECUTE_REFUND, {"refund_id": refund_id})


@outbox.handler(EXECUTE_REFUND)
def _execute_refund(session: Session, payload: dict[str, Any]) -> None:
    execute_refund(session, get_runtime(), str(payload["refund_id"]))


@outbox.handler(SANDBOX_REFUND_WEBHOOK)
def _sandbox_refund_webhook(session: Session, payload: dict[str, Any]) -> None:
    send_sandbox_refund_webhook(session, get_runtime(), str(payload["refund_id"]))


def execute_refund(session: Session, rt: Runtime, refund_id: str) -> str:
    """Call the order's provider for a pending refund; returns what happened.

    `succeeded` answers are applied at once (`refunds.apply_refund_succeeded`);
    `pending` ones wait for the provider's webhook. A `ProviderError` marks
    the refund failed with the provider's message: no money moved, so
    nothing is revoked or reversed. Other errors propagate and the job is retried.
    """
    from syllabus.commerce import refunds
    from syllabus.commerce.providers import get_provider

    found = session.get(Refund, refund_id)
    if found is None:
        return "missing"
    order = find_locked_order(session, found.order_id)
    refund = session.scalar(
        select(Refund).where(Refund.id == refund_id).execution_options(populate_existing=True)
    )
    if order is None or refund is None:  # pragma: no cover - cascade deletes both
        return "missing"
    if refund.status != "pending" or refund.provider_refund_id is not None:
        return "skipped"
    if not order.provider_payment_id:
        _fail(session, order, refund, "The order has no captured payment to refund.")
        return "failed"
    try:
        provider = get_provider(rt.settings, order.provider)
        result = provider.refund(
            payment_id=order.provider_payment_id,
            amount=refund.amount,
            currency=refund.currency,
            refund_id=refund.id,
        )
    except (ProviderError, ProviderNotEnabled) as exc:
        _fail(session, order, refund, exc.message)
        return "failed"
    refund.provider_refund_id = result.provider_refund_id
    session.flush()
    cause = f"refund:{refund.id}"
    if result.status != "succeeded":
        history.record(
            session,
            order_id=order.id,
            subject_type="refund",
            subject_id=refund.id,
            from_status="pending",
            to_status="pending",
            cause=cause,
            detail=f"Accepted by {order.provider} as {result.provider_refund_id}; "
            "waiting for its confirmation.",
        )
        return "pending"
    event = PaymentEvent(
        event_id=cause,
        provider_type="refund",
        kind=REFUND_SUCCEEDED,
        order_id=order.id,
        payment_id=order.provider_payment_id,
        refund_id=result.provider_refund_id,
        amount=refund.amount,
        currency=refund.currency,
        our_refund_id=refund.id,
    )
    outcome = refunds.apply_refund_succeeded(session, rt, order, event, cause=cause)
    if outcome == "applied" and order.provider == "sandbox":
        outbox.enqueue(session, SANDBOX_REFUND_WEBHOOK, {"refund_id": refund.id})
    return outcome


def send_sandbox_refund_webhook(session: Session, rt: Runtime, refund_id: str) -> None:
    """Deliver the sandbox's signed `refund.succeeded` event through the real webhook path.

    Real gateways confirm a refund by webhook after answering the API call;
    the sandbox does the same, and applying it again changes nothing.
    """
    from syllabus.commerce import webhooks
    from syllabus.commerce.providers.sandbox import SIGNATURE_HEADER, event_body, sign

    refund = session.get(Refund, refund_id)
    order = session.get(Order, refund.order_id) if refund is not None else None
    if refund is None or order is None:
        return
    extra = {"refund_id": refund.id}
    if order.provider_payment_id:
        extra["payment_id"] = order.provider_payment_id
    body = event_body(
        "refund.succeeded",
        order_id=order.id,
        amount=refund.amount,
        currency=refund.currency,
        **extra,
    )
    headers = {SIGNATURE_HEADER: sign(body, rt.settings.sandbox_webhook_secret)}
    webhooks.receive(session, rt, "sandbox", headers, body)


def _fail(session: Session, order: Order, refund: Refund, message: str) -> None:
    refund.status, refund.failure, refund.completed_at = "failed", message[:500], utcnow()
    history.record(
        session,
        order_id=order.id,
        subject_type="refund",
        subject_id=refund.id,
        from_status="pending",
        to_status="failed",
        cause=f"refund:{refund.id}",
        detail=message,
    )
