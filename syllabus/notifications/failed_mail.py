"""What admins see of the outbox: messages that failed for good, those still retrying, a retry.

States: "failed" (attempts ran out, `failed_at` set), "pending" (not done
and not failed: waiting for the queue or for a retry), and "retrying" (the
pending ones that have already failed at least once). Rows are read with
Core; only the recipient is taken out of a mail's payload, so a page never
loads newsletter bodies.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from syllabus.accounts.actor import Actor
from syllabus.admin import audit
from syllabus.kit import outbox
from syllabus.kit.errors import Forbidden
from syllabus.kit.outbox import OutboxMessage
from syllabus.kit.pagination import Page, PageParams
from syllabus.notifications.email import SEND_MAIL

OutboxState = Literal["failed", "pending", "retrying"]


class OutboxItemOut(BaseModel):
    id: str
    task: str
    created_at: datetime
    attempts: int
    last_error: str | None
    next_attempt_at: datetime | None
    failed_at: datetime | None
    # The address of an email; None for other tasks.
    recipient: str | None


def _require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise Forbidden("Only admins can see the outbox.", code="not_admin")


def _in_state(state: OutboxState) -> list[ColumnElement[bool]]:
    if state == "failed":
        return [OutboxMessage.failed_at.is_not(None)]
    pending: list[ColumnElement[bool]] = [
        OutboxMessage.done_at.is_(None),
        OutboxMessage.failed_at.is_(None),
    ]
    if state == "retrying":
        pending.append(OutboxMessage.attempts > 0)
    return pending


def list_outbox(
    session: Session, actor: Actor, state: OutboxState, params: PageParams
) -> Page[OutboxItemOut]:
    """One page of messages in `state`, the latest failure (or newest message) first."""
    _require_admin(actor)
    where = _in_state(state)
    total = session.scalar(select(func.count()).select_from(OutboxMessage).where(*where)) or 0
    recipient = OutboxMessage.payload["to"].as_string()
    order = (
        [OutboxMessage.failed_at.desc(), OutboxMessage.id]
        if state == "failed"
        else [OutboxMessage.created_at.desc(), OutboxMessage.id]
    )
    rows = session.execute(
        select(
            OutboxMessage.id,
            OutboxMessage.task,
            OutboxMessage.created_at,
            OutboxMessage.attempts,
            OutboxMessage.last_error,
            OutboxMessage.next_attempt_at,
            OutboxMessage.failed_at,
            recipient.label("recipient"),
        )
        .where(*where)
        .order_by(*order)
        .offset(params.offset)
        .limit(params.limit)
    ).all()
    items = [
        OutboxItemOut(
            id=row.id,
            task=row.task,
            created_at=row.created_at,
            attempts=row.attempts,
            last_error=row.last_error,
            next_attempt_at=row.next_attempt_at,
            failed_at=row.failed_at,
            recipient=row.recipient if row.task == SEND_MAIL else None,
        )
        for row in rows
    ]
    return Page.build(items, int(total), params)


def retry(session: Session, actor: Actor, message_id: str) -> None:
    """Try a failed message again with fresh attempts (404 unknown, 409 not failed)."""
    _require_admin(actor)
    message = outbox.retry_failed(session, message_id)
    audit.record(
        session,
        actor_id=actor.id,
        action="outbox.retry",
        target_type="outbox",
        target_id=message.id,
        before={"last_error": message.last_error},
    )
