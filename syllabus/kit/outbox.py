"""Transactional outbox: side effects that happen only if, and once, the change commits.

A service calls `enqueue(session, "mail.send", {...})` inside its unit of
work; the message is a row in the same transaction. After the commit the
row's id is handed to the queue; a rolled-back transaction leaves nothing.
The job claims its row in the same transaction as the handler's own
writes, so a message delivered twice runs once.

Retries belong to the row, not to the queue. The Huey task never retries
by itself (`retries=0`): a failing handler records the attempt, the error
(type and message, never a traceback) and `next_attempt_at`, which backs
off exponentially from `settings.mail_retry_base_seconds` (capped at six
hours). After MAX_ATTEMPTS the row is marked `failed_at` and waits for an
admin (`retry_failed`). Keeping the schedule in the table means it survives
restarts and queue flushes, and admins can see it.

A periodic sweep hands over two kinds of row: those whose retry is due,
and those never attempted whose hand-over was lost (the process died
between commit and hand-over) for longer than `outbox_redispatch_seconds`.
A swept row's `next_attempt_at` is cleared, so if that hand-over is lost
too, the stranded-row rule finds it again.

A handler that needs a stable identity for its effect (the email
Message-ID) reads `current_message_id()`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta
from typing import Any

from huey import crontab
from sqlalchemy import JSON, Integer, String, Text, and_, event, or_, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from syllabus.kit.db import Base, UTCDateTime, new_id, utcnow
from syllabus.kit.errors import Conflict, NotFound
from syllabus.kit.logging import get_logger
from syllabus.kit.metrics import JOBS, OUTBOX_DISPATCHED
from syllabus.kit.queue import huey
from syllabus.kit.runtime import get_runtime

log = get_logger("syllabus.outbox")

Handler = Callable[[Session, dict[str, Any]], None]
_HANDLERS: dict[str, Handler] = {}
_PENDING = "outbox_pending"
MAX_ATTEMPTS = 8
MAX_BACKOFF = timedelta(hours=6)
ERROR_MAX = 500
_current_message: ContextVar[str | None] = ContextVar("outbox_message_id", default=None)


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


class OutboxMessageNotFound(NotFound):
    code = "outbox_message_not_found"
    title = "No such outbox message"


class OutboxMessageNotFailed(Conflict):
    code = "outbox_message_not_failed"
    title = "The message has not failed"


def handler(name: str) -> Callable[[Handler], Handler]:
    """Register the function that carries out outbox messages of task `name`."""

    def register(fn: Handler) -> Handler:
        if name in _HANDLERS and _HANDLERS[name] is not fn:
            raise RuntimeError(f"outbox handler {name!r} registered twice")
        _HANDLERS[name] = fn
        return fn

    return register


def current_message_id() -> str | None:
    """The id of the outbox message whose handler is running (the same on every retry)."""
    return _current_message.get()


@contextmanager
def _running(message_id: str) -> Iterator[None]:
    token = _current_message.set(message_id)
    try:
        yield
    finally:
        _current_message.reset(token)


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
    _hand_over_on_commit(session, message.id)
    return message


def _hand_over_on_commit(session: Session, message_id: str) -> None:
    session.info.setdefault(_PENDING, []).append(message_id)


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


@huey.task(retries=0)
def run_outbox_message(message_id: str) -> str:
    """Run one message; a failure is recorded on its row, which schedules the retry."""
    db = get_runtime().db
    try:
        with db.session_scope() as session:
            outcome = _run_claimed(session, message_id)
    except Exception as exc:
        JOBS.labels("outbox", "error").inc()
        record_failure(message_id, exc)
        return "error"
    JOBS.labels("outbox", outcome).inc()
    return outcome


def _run_claimed(session: Session, message_id: str) -> str:
    # The claim and the handler's writes commit together, so a duplicate
    # delivery finds done_at set (PostgreSQL waits on the row lock, SQLite
    # on the write lock) and does nothing. A failed row is never claimed.
    claimed = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.done_at.is_(None),
            OutboxMessage.failed_at.is_(None),
        )
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
    with _running(message_id):
        fn(session, dict(message.payload))
    log.info("outbox.done", task=message.task, message_id=message_id)
    return "done"


def backoff(attempts: int, base_seconds: int) -> timedelta:
    """How long to wait after the `attempts`-th failure: base, 2x base, 4x base, ... (≤ 6 h)."""
    exponent = min(max(attempts - 1, 0), 30)
    return min(timedelta(seconds=base_seconds * 2**exponent), MAX_BACKOFF)


def describe_error(exc: BaseException) -> str:
    """What an admin may see of a failure: its type and message, cut short."""
    text = " ".join(f"{type(exc).__name__}: {exc}".split())
    return text if len(text) <= ERROR_MAX else text[: ERROR_MAX - 1] + "…"


def record_failure(message_id: str, exc: BaseException, *, now: datetime | None = None) -> None:
    """Count the failed attempt and schedule the next one, or mark the row failed."""
    now = now or utcnow()
    try:
        with get_runtime().db.session_scope() as session:
            message = session.get(OutboxMessage, message_id, with_for_update=True)
            if message is None or message.done_at is not None or message.failed_at is not None:
                return
            message.attempts += 1
            message.last_error = describe_error(exc)
            if message.attempts >= MAX_ATTEMPTS:
                message.failed_at = now
                message.next_attempt_at = None
            else:
                base = get_runtime().settings.mail_retry_base_seconds
                message.next_attempt_at = now + backoff(message.attempts, base)
            log.warning(
                "outbox.failed",
                task=message.task,
                message_id=message_id,
                attempts=message.attempts,
                error=message.last_error,
                next_attempt_at=message.next_attempt_at,
                gave_up=message.failed_at is not None,
            )
    except Exception:
        # The row keeps no schedule, so the stranded-row rule of the sweep retries it.
        log.exception("outbox.record_failure_failed", message_id=message_id)


def retry_failed(session: Session, message_id: str) -> OutboxMessage:
    """Give a failed message a fresh set of attempts; it is handed over after commit.

    404 `outbox_message_not_found`; 409 `outbox_message_not_failed` when it
    is pending or done.
    """
    message = session.get(OutboxMessage, message_id, with_for_update=True)
    if message is None:
        raise OutboxMessageNotFound("No such outbox message.")
    if message.failed_at is None:
        raise OutboxMessageNotFailed("Only a failed message can be retried.")
    message.failed_at = None
    message.next_attempt_at = None
    message.attempts = 0
    message.dispatched_at = utcnow()
    _hand_over_on_commit(session, message.id)
    log.info("outbox.retry", task=message.task, message_id=message_id)
    return message


def sweep(
    session: Session, *, older_than: timedelta, now: datetime | None = None, limit: int = 500
) -> list[str]:
    """Find messages to hand over again: retries that are due, and lost hand-overs.

    A lost hand-over is a row never scheduled for a retry whose last
    hand-over is older than `older_than`. Marks them re-dispatched in
    `session`; the caller commits, then hands the returned ids over.
    """
    now = now or utcnow()
    stranded = and_(
        OutboxMessage.next_attempt_at.is_(None),
        OutboxMessage.dispatched_at <= now - older_than,
    )
    due = OutboxMessage.next_attempt_at <= now
    ids = list(
        session.scalars(
            select(OutboxMessage.id)
            .where(
                OutboxMessage.done_at.is_(None),
                OutboxMessage.failed_at.is_(None),
                or_(stranded, due),
            )
            .order_by(OutboxMessage.created_at)
            .limit(limit)
        )
    )
    if ids:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids))
            .values(dispatched_at=now, next_attempt_at=None)
        )
        log.info("outbox.sweep", count=len(ids))
    return ids


def sweep_and_hand_over(older_than: timedelta, *, now: datetime | None = None) -> int:
    with get_runtime().db.session_scope() as session:
        ids = sweep(session, older_than=older_than, now=now)
    hand_over(ids, path="sweep")
    return len(ids)


@huey.periodic_task(crontab(minute="*"))
def sweep_outbox() -> int:
    return sweep_and_hand_over(timedelta(seconds=get_runtime().settings.outbox_redispatch_seconds))
