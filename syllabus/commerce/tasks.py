"""Commerce jobs: apply a stored provider event, and expire checkouts nobody paid.

Processing an event is an outbox job so it runs only once its delivery
committed, and at most once (the outbox claim commits with the work).
Expiry runs every five minutes in bounded batches; a late payment of an
expired order is still taken (see payments.apply_payment_succeeded).
"""

from __future__ import annotations

from typing import Any

from huey import crontab
from sqlalchemy.orm import Session

from syllabus.kit import outbox
from syllabus.kit.logging import get_logger
from syllabus.kit.queue import huey
from syllabus.kit.runtime import get_runtime

log = get_logger("syllabus.commerce.tasks")

PROCESS_EVENT = "commerce.process_event"


@outbox.handler(PROCESS_EVENT)
def _process_event(session: Session, payload: dict[str, Any]) -> None:
    from syllabus.commerce import webhooks

    webhooks.process_event(session, get_runtime(), str(payload["provider_event_id"]))


def expire_orders_now() -> int:
    """Expire one batch of pending orders past their deadline; how many were expired."""
    from syllabus.commerce import payments

    runtime = get_runtime()
    with runtime.db.session_scope() as session:
        expired = payments.expire_due_orders(session, runtime)
    if expired:
        log.info("orders.expired", count=expired)
    return expired


@huey.periodic_task(crontab(minute="*/5"))
def expire_pending_orders() -> int:
    return expire_orders_now()
