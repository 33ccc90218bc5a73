"""Outbox retries: the row owns the backoff, failures end in a visible failed state,
and a failed message can be retried."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from syllabus.kit import outbox, queue
from syllabus.kit.db import utcnow
from syllabus.kit.outbox import OutboxMessage
from syllabus.kit.runtime import Runtime
from tests.support.outbox_probe import recorded_lines

FLAKY = "test.flaky"
# The handler fails while its payload's file is missing, and records the running message's id.


@outbox.handler(FLAKY)
def _flaky(_session: Session, payload: dict[str, Any]) -> None:
    target = Path(payload["file"])
    if not target.parent.is_dir():
        raise ConnectionError(f"relay down for {target.parent.name}")
    with target.open("a", encoding="utf-8") as fh:
        fh.write(f"{outbox.current_message_id()}\n")


def row(runtime: Runtime, message_id: str) -> OutboxMessage:
    with runtime.db.session_scope() as session:
        found = session.get(OutboxMessage, message_id)
        assert found is not None
        return found


def enqueue_flaky(runtime: Runtime, target: Path) -> str:
    with runtime.db.session_scope() as session:
        return outbox.enqueue(session, FLAKY, {"file": str(target)}).id


def fail_once(runtime: Runtime, run_jobs: Any, message_id: str) -> tuple[datetime, datetime]:
    """Run the queued attempt; returns the time window in which it failed."""
    before = utcnow()
    assert run_jobs() == 1
    after = utcnow()
    assert row(runtime, message_id).done_at is None
    return before, after


def test_backoff_doubles_from_the_base_and_is_capped_at_six_hours() -> None:
    assert [outbox.backoff(n, 30).total_seconds() for n in range(1, 6)] == [30, 60, 120, 240, 480]
    assert outbox.backoff(1, 3600) == timedelta(hours=1)
    assert outbox.backoff(4, 3600) == timedelta(hours=6)
    assert outbox.backoff(200, 30) == timedelta(hours=6)


def test_error_is_type_and_message_cut_short() -> None:
    text = outbox.describe_error(ValueError("x" * 5000))
    assert text.startswith("ValueError: xxx")
    assert len(text) <= outbox.ERROR_MAX
    assert outbox.describe_error(OSError("line one\nline two")) == "OSError: line one line two"


def test_failures_back_off_then_end_failed_and_an_admin_retry_succeeds(
    runtime: Runtime, run_jobs: Any, tmp_path: Path
) -> None:
    base = timedelta(seconds=runtime.settings.mail_retry_base_seconds)
    target = tmp_path / "relay" / "effects.txt"
    message_id = enqueue_flaky(runtime, target)

    waits = []
    for attempt in range(1, outbox.MAX_ATTEMPTS):
        before, after = fail_once(runtime, run_jobs, message_id)
        failed = row(runtime, message_id)
        assert failed.attempts == attempt
        assert failed.last_error == "ConnectionError: relay down for relay"
        assert failed.failed_at is None
        assert failed.next_attempt_at is not None
        expected = base * 2 ** (attempt - 1)
        assert before + expected <= failed.next_attempt_at <= after + expected
        waits.append(failed.next_attempt_at - after)
        # Not a moment early, even for a sweep that re-sends any stranded row.
        assert outbox.sweep_and_hand_over(timedelta(0)) == 0
        assert queue.huey.pending_count() == 0, "the queue never retries on its own"
        assert outbox.sweep_and_hand_over(timedelta(0), now=failed.next_attempt_at) == 1
    assert waits == sorted(waits), "each pause is longer than the one before"

    fail_once(runtime, run_jobs, message_id)
    failed = row(runtime, message_id)
    assert failed.attempts == outbox.MAX_ATTEMPTS
    assert failed.failed_at is not None
    assert failed.next_attempt_at is None
    far_future = utcnow() + timedelta(days=30)
    assert outbox.sweep_and_hand_over(timedelta(0), now=far_future) == 0, "failed rows stay put"
    assert recorded_lines(target) == []

    target.parent.mkdir()
    with runtime.db.session_scope() as session:
        outbox.retry_failed(session, message_id)
        assert queue.huey.pending_count() == 0, "handed over only after commit"
    assert queue.huey.pending_count() == 1
    assert run_jobs() == 1
    done = row(runtime, message_id)
    assert done.done_at is not None
    assert done.failed_at is None
    assert done.attempts == 1, "a retry starts a fresh count"
    assert recorded_lines(target) == [message_id], "the handler knows its message id"


def test_retry_refuses_unknown_and_not_failed_messages(
    runtime: Runtime, run_jobs: Any, tmp_path: Path
) -> None:
    target = tmp_path / "effects.txt"
    message_id = enqueue_flaky(runtime, target)
    with runtime.db.session_scope() as session:
        with pytest.raises(outbox.OutboxMessageNotFailed):
            outbox.retry_failed(session, message_id)
        with pytest.raises(outbox.OutboxMessageNotFound):
            outbox.retry_failed(session, "no-such-message")
    run_jobs()
    with runtime.db.session_scope() as session, pytest.raises(outbox.OutboxMessageNotFailed):
        outbox.retry_failed(session, message_id)
    assert recorded_lines(target) == [message_id]


def test_a_failed_row_is_never_claimed_by_a_late_delivery(
    runtime: Runtime, run_jobs: Any, tmp_path: Path
) -> None:
    target = tmp_path / "effects.txt"
    message_id = enqueue_flaky(runtime, target)
    queue.huey.flush()
    with runtime.db.session_scope() as session:
        session.execute(
            update(OutboxMessage).where(OutboxMessage.id == message_id).values(failed_at=utcnow())
        )
    outbox.run_outbox_message(message_id)  # a copy of the job still in a queue somewhere
    assert run_jobs() == 1
    assert recorded_lines(target) == []
    assert row(runtime, message_id).done_at is None


def test_a_lost_retry_hand_over_is_found_again_by_the_stranded_rule(
    runtime: Runtime, run_jobs: Any, tmp_path: Path
) -> None:
    target = tmp_path / "down" / "effects.txt"
    message_id = enqueue_flaky(runtime, target)
    fail_once(runtime, run_jobs, message_id)
    retry_at = row(runtime, message_id).next_attempt_at
    assert retry_at is not None

    assert outbox.sweep_and_hand_over(timedelta(minutes=5), now=retry_at) == 1
    queue.huey.flush()  # the hand-over is lost (the queue lost its data)
    swept = row(runtime, message_id)
    assert swept.next_attempt_at is None
    assert swept.attempts == 1

    assert outbox.sweep_and_hand_over(timedelta(minutes=5), now=retry_at) == 0
    target.parent.mkdir()
    later = retry_at + timedelta(minutes=5)
    assert outbox.sweep_and_hand_over(timedelta(minutes=5), now=later) == 1
    assert run_jobs() == 1
    assert recorded_lines(target) == [message_id]
