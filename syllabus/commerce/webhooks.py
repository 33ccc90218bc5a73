"""Provider webhooks: verify, store once, answer at once; a job applies them.

`receive` runs in the request. The signature is checked on the raw body
before anything is written, so a forged or replayed delivery leaves no
trace. The event is stored with `ON CONFLICT DO NOTHING` on (provider,
event id): of any number of concurrent deliveries of one event exactly one
inserts the row, and only that one queues the processing job.

`process_event` runs in the job. It matches the event to an order, locks
the order row and lets the payment or refund service move it; those
transitions are conditional on the order's current status, so duplicates
and events arriving out of order do no harm. A refund reported before its
payment is parked as "deferred" and applied when the payment arrives.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from syllabus.commerce import tasks
from syllabus.commerce.errors import InvalidSignature, ProviderNotEnabled
from syllabus.commerce.locks import lock_order
from syllabus.commerce.models import PROVIDERS, Order, ProviderEvent
from syllabus.commerce.providers import get_provider
from syllabus.commerce.providers.base import (
    CHECKOUT_EXPIRED,
    PAYMENT_FAILED,
    PAYMENT_SUCCEEDED,
    REFUND_SUCCEEDED,
    PaymentEvent,
    PaymentProvider,
)
from syllabus.commerce.schemas import WebhookAck
from syllabus.kit import outbox
from syllabus.kit.db import new_id, utcnow
from syllabus.kit.errors import NotFound
from syllabus.kit.logging import get_logger
from syllabus.kit.ratelimit import RateLimited
from syllabus.kit.runtime import Runtime

log = get_logger("syllabus.commerce.webhooks")

APPLIED, IGNORED, DEFERRED, FLAGGED = "applied", "ignored", "deferred", "flagged"


class UnknownProvider(NotFound):
    code = "provider_not_found"
    title = "Unknown payment provider"


BAD_SIGNATURE_SCOPE = "webhook-bad-signature"


def receive(
    session: Session,
    rt: Runtime,
    provider: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    client_ip: str | None = None,
) -> WebhookAck:
    """Verify a delivery on its raw body, store it once and queue its processing.

    Raises InvalidSignature (400) before anything is stored; an unknown or
    switched-off provider is 404. Bad signatures are counted per address
    (`SYLLABUS_WEBHOOK_INVALID_RATE_PER_IP`); past the limit that address gets
    429 for the rest of the window, before any verification. Only failures
    count, so an address sending genuine deliveries is never limited (and a
    provider retries a 429 later anyway).
    """
    implementation = _provider(rt, provider)
    source, rule = client_ip or "unknown", rt.settings.webhook_invalid_rate_per_ip
    if not rt.rate_limiter.test(BAD_SIGNATURE_SCOPE, source, rule):
        raise RateLimited(60, "Too many deliveries with a bad signature from this address.")
    try:
        verified = implementation.verify_webhook(headers, body)
    except InvalidSignature:
        log.warning("webhook.bad_signature", provider=provider, source=source)
        # Counted atomically here: of simultaneous bad deliveries, those past
        # the limit are answered 429 even though they passed the check above.
        counted = rt.rate_limiter.hit(BAD_SIGNATURE_SCOPE, source, rule)
        if not counted.allowed:
            raise RateLimited(
                counted.retry_after, "Too many bad signatures from this address."
            ) from None
        raise
    event = implementation.parse_event(verified)
    stored_id = _insert_event(session, provider, event, verified)
    if stored_id is None:
        log.info("webhook.duplicate", provider=provider, event_id=event.event_id)
        return WebhookAck(received=True, duplicate=True)
    outbox.enqueue(session, tasks.PROCESS_EVENT, {"provider_event_id": stored_id})
    log.info("webhook.stored", provider=provider, event_id=event.event_id, type=event.kind)
    return WebhookAck(received=True, duplicate=False)


def _provider(rt: Runtime, name: str) -> PaymentProvider:
    if name not in PROVIDERS:
        raise UnknownProvider(f"No payment provider called {name!r}.")
    try:
        return get_provider(rt.settings, name)
    except ProviderNotEnabled:
        # A provider without settings cannot check signatures: as if it did not exist.
        raise UnknownProvider(f"Payment with {name!r} is not set up on this site.") from None


def _insert_event(
    session: Session, provider: str, event: PaymentEvent, payload: dict[str, object]
) -> str | None:
    """The new row's id, or None when this (provider, event id) was stored before."""
    values = {
        "id": new_id(),
        "provider": provider,
        "event_id": event.event_id[:255],
        "type": (event.provider_type or "unknown")[:100],
        "payload": payload,
        "received_at": utcnow(),
    }
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(ProviderEvent)
        .values(values)
        .on_conflict_do_nothing(index_elements=["provider", "event_id"])
        .returning(ProviderEvent.id)
    )
    # RETURNING, not rowcount: an ORM-executed INSERT reports no rowcount on psycopg.
    return session.execute(statement).scalar_one_or_none()


def process_event(session: Session, rt: Runtime, provider_event_id: str) -> str:
    """Apply a stored event to its order: applied | ignored | deferred | flagged.

    Safe to call again for the same event: a processed event is left as it
    is, and a deferred one is tried again (after its order was paid).
    """
    stored = session.get(ProviderEvent, provider_event_id)
    if stored is None:
        log.warning("webhook.event_missing", provider_event_id=provider_event_id)
        return IGNORED
    if stored.processed_at is not None:
        return stored.outcome or IGNORED
    try:
        event = _provider(rt, stored.provider).parse_event(dict(stored.payload))
    except UnknownProvider:
        return _finish(stored, IGNORED, "The provider is no longer set up on this site.")
    if event.kind is None:
        return _finish(stored, IGNORED, f"Event type {stored.type!r} needs no action.")
    order = _match_order(session, stored.provider, event)
    if order is None:
        return _finish(stored, IGNORED, "No order matches this event.")
    if order.provider != stored.provider:
        return _finish(stored, IGNORED, f"Order {order.id} is paid through {order.provider}.")
    order = lock_order(session, order.id)
    # Another transaction may have applied this event while we waited on the order.
    session.refresh(stored)
    if stored.processed_at is not None:
        return stored.outcome or IGNORED
    stored.order_id = order.id
    cause = f"webhook:{stored.provider}:{stored.event_id}"
    outcome = _dispatch(session, rt, order, event, cause)
    if outcome == DEFERRED:
        stored.outcome, stored.detail = DEFERRED, "Waits for the order's payment."
        session.flush()
        return DEFERRED
    detail = order.flag_reason if outcome == FLAGGED else event.detail
    return _finish(stored, outcome, detail)


def _dispatch(session: Session, rt: Runtime, order: Order, event: PaymentEvent, cause: str) -> str:
    from syllabus.commerce import payments

    if event.kind == PAYMENT_SUCCEEDED:
        return payments.apply_payment_succeeded(
            session,
            rt,
            order,
            amount=event.amount,
            currency=event.currency,
            payment_id=event.payment_id,
            cause=cause,
        )
    if event.kind == PAYMENT_FAILED:
        return payments.apply_payment_failed(
            session,
            rt,
            order,
            cause=cause,
            detail=event.detail or "The payment was declined.",
            payment_id=event.payment_id,
        )
    if event.kind == CHECKOUT_EXPIRED:
        return payments.expire_order(session, rt, order, cause=cause)
    if event.kind == REFUND_SUCCEEDED:
        from syllabus.commerce.refunds import apply_refund_succeeded

        return apply_refund_succeeded(session, rt, order, event, cause=cause)
    return IGNORED  # pragma: no cover - kinds are exhaustive


def _match_order(session: Session, provider: str, event: PaymentEvent) -> Order | None:
    """The order by our id (metadata), else by the checkout handle, else by the payment id."""
    if event.order_id:
        order = session.get(Order, event.order_id)
        if order is not None:
            return order
    if event.provider_ref:
        order = session.scalars(
            select(Order).where(
                Order.provider == provider, Order.provider_ref == event.provider_ref
            )
        ).first()
        if order is not None:
            return order
    if event.payment_id:
        return session.scalars(
            select(Order).where(
                Order.provider == provider, Order.provider_payment_id == event.payment_id
            )
        ).first()
    return None


def _finish(stored: ProviderEvent, outcome: str, detail: str | None) -> str:
    stored.processed_at = utcnow()
    stored.outcome = outcome
    stored.detail = detail[:500] if detail else None
    log.info(
        "webhook.processed",
        provider=stored.provider,
        event_id=stored.event_id,
        order_id=stored.order_id,
        outcome=outcome,
    )
    return outcome


def deferred_event_ids(session: Session, order_id: str) -> list[str]:
    """Events of this order parked until it is paid, oldest first."""
    return list(
        session.scalars(
            select(ProviderEvent.id)
            .where(
                ProviderEvent.order_id == order_id,
                ProviderEvent.outcome == DEFERRED,
                ProviderEvent.processed_at.is_(None),
            )
            .order_by(ProviderEvent.received_at, ProviderEvent.id)
        )
    )
