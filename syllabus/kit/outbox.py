"""Transactional outbox: side effects that happen only if, and once, the change commits.

A service calls `enqueue(session, "mail.send", {...})` inside its unit of
work; the message is a row in the same transaction. After the commit the
row's id is handed to the queue; a rolled-back transaction leaves nothing.
A periodic sweep hands over rows whose hand-over was lost (the process
died between commit and hand-over). The job claims its row in the same
transaction as the handler's own writes, so a message delivered twice
runs once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from huey import crontab
from sqlalchemy import JSON, Integer, String, Text, event, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from syllabus.kit.db import Base, UTCDateTime, new_id, utcnow
from syllabus.kit.logging import get_logger
from syllabus.kit.metrics import JOBS, OUTBOX_DISPATCHED
from syllabus.kit.queue import huey
from syllabus.kit.runtime import get_runtime

log = get_logger("syllabus.outbox")

Handler = Callable[[Session, dict[str, Any]], None]
_HANDLERS: dict[str, Handler] = {}
_PENDING = "outbox_pending"
MAX_ATTEMPTS = 8


class OutboxMessage(Base):
    __tablename__ = "outbox"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    task: Mapped[str] = mapped_column(String(100), nullable=False)
    # Idempotency key: a second enqueue with the same key adds nothing.
    key: Mapped[str | None] = mapped_column(String(200), unique=True, nullable=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    # When the row was (or is expected to have been) handed to the queue.
    dispatched_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, nullable=False, index=True
    )
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    # After a failure: not before this time (backoff). Set when attempts ran out.
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True, index=True)


def handler(name: str) -> Callable[[Handler], Handler]:
    """Register the function that carries out outbox messages of task `name`."""

    def register(fn: Handler) -> Handler:
        if name in _HANDLERS and _HANDLERS[name] is not fn:
            raise RuntimeError(f"outbox handler {name!r} registered twice")
        _HANDLERS[name] = fn
        return fn

    return register


def enqueue(
    session: Session, task: str, payload: dict[str, Any], *, key: str | None = None
) -> OutboxMessage:
    """Record a side effect in the caller's transaction; it runs after commit.

    With a `key`, a message already recorded under it is returned instead,
    so a retried cause never sends twice.
    """
    if key is not None:
        existing = session.scalar(select(OutboxMessage).where(OutboxMessage.key == key))
        if existing is not None:
            return existing
    return _add(session, task, payload, key)


def enqueue_many(session: Session, task: str, items: list[tuple[str, dict[str, Any]]]) -> int:
    """Record many keyed messages with one lookup; keys already recorded are skipped."""
    keys = [key for key, _payload in items]
    taken: set[str] = set()
    for chunk in _chunks(keys, 500):
        taken.update(
            k
            for k in session.scalars(select(OutboxMessage.key).where(OutboxMessage.key.in_(chunk)))
            if k is not None
        )
    added = 0
    for key, payload in items:
        if key not in taken:
            _add(session, task, payload, key)
            taken.add(key)
            added += 1
    return added


def _chunks(values: list[str], size: int) -> list[list[str]]:
    return [values[i : i + size] for i in range(0, len(values), size)]


def _add(session: Session, task: str, payload: dict[str, Any], key: str | None) -> OutboxMessage:
    if task not in _HANDLERS:
        raise KeyError(f"no outbox handler for {task!r}")
    message = OutboxMessage(id=new_id(), task=task, payload=payload, key=key)
    session.add(message)
    session.info.setdefault(_PENDING, []).append(message.id)
    return message


@event.listens_for(Session, "after_commit")
def _hand_over_after_commit(session: Session) -> None:
    ids = session.info.pop(_PENDING, None)
    if ids:
        hand_over(ids, path="commit")


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)


def hand_over(ids: list[str], *, path: str) -> None:
    for message_id in ids:
        try:
            run_outbox_message(message_id)
            OUTBOX_DISPATCHED.labels(path).inc()
        except Exception:
            # The sweep will find the row; the commit itself already stands.
            log.exception("outbox.hand_over_failed", message_id=message_id)


@huey.task(retries=MAX_ATTEMPTS - 1, retry_delay=15)
def run_outbox_message(message_id: str) -> str:
    db = get_runtime().db
    try:
        with db.session_scope() as session:
            outcome = _run_claimed(session, message_id)
    except Exception as exc:
        JOBS.labels("outbox", "error").inc()
        _record_failure(message_id, exc)
        raise
    JOBS.labels("outbox", outcome).inc()
    return outcome


def _run_claimed(session: Session, message_id: str) -> str:
    # The claim and the handler's writes commit together, so a duplicate
    # delivery finds done_at set (PostgreSQL waits on the row lock, SQLite
    # on the write lock) and does nothing.
    claimed = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.done_at.is_(None))
        .values(done_at=utcnow(), attempts=OutboxMessage.attempts + 1)
    )
    if getattr(claimed, "rowcount", 0) != 1:
        return "skipped"
    message = session.get(OutboxMessage, message_id)
    if message is None:
        return "skipped"
    fn = _HANDLERS.get(message.task)
    if fn is None:
        raise KeyError(f"no outbox handler for {message.task!r}")
    fn(session, dict(message.payload))
    log.info("outbox.done", task=message.task, message_id=message_id)
    return "done"


def _record_failure(message_id: str, exc: Exception) -> None:
    try:
        with get_runtime().db.session_scope() as session:
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == message_id)
                .values(
                    attempts=OutboxMessage.attempts + 1,
                    last_error=f"{type(exc).__name__}: {exc}"[:2000],
                )
            )
    except Exception:
        log.exception("outbox.record_failure_failed", message_id=message_id)


def sweep(session: Session, *, older_than: timedelta, limit: int = 500) -> list[str]:
    """Find messages not done whose hand-over is older than `older_than`.

    Marks them re-dispatched in `session`; the caller commits, then hands
    the returned ids over.
    """
    cutoff = utcnow() - older_than
    ids = list(
        session.scalars(
            select(OutboxMessage.id)
            .where(
                OutboxMessage.done_at.is_(None),
                OutboxMessage.dispatched_at <= cutoff,
                OutboxMessage.attempts < MAX_ATTEMPTS,
            )
            .order_by(OutboxMessage.created_at)
            .limit(limit)
        )
    )
    if ids:
        session.execute(
            update(OutboxMessage).where(OutboxMessage.id.in_(ids)).values(dispatched_at=utcnow())
        )
        log.info("outbox.sweep", count=len(ids))
    return ids


def sweep_and_hand_over(older_than: timedelta) -> int:
    with get_runtime().db.session_scope() as session:
        ids = sweep(session, older_than=older_than)
    hand_over(ids, path="sweep")
    return len(ids)


@huey.periodic_task(crontab(minute="*"))
def sweep_outbox() -> int:
    return sweep_and_hand_over(timedelta(seconds=get_runtime().settings.outbox_redispatch_seconds))
