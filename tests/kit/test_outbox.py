"""The transactional outbox: a side effect runs only after commit, and exactly once."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from syllabus.config import Settings
from syllabus.kit import outbox, queue
from syllabus.kit.db import Database
from syllabus.kit.migrate import upgrade
from syllabus.kit.runtime import Runtime, set_runtime
from tests.conftest import fresh_database_url
from tests.support.outbox_probe import RECORD, recorded_lines


def test_rolled_back_transaction_never_runs(runtime: Runtime, run_jobs, tmp_path: Path) -> None:
    target = tmp_path / "effects.txt"

    def refused_change() -> None:
        with runtime.db.session_scope() as session:
            outbox.enqueue(session, RECORD, {"file": str(target), "text": "rolled back"})
            raise RuntimeError("the business rule refused")

    with pytest.raises(RuntimeError, match="refused"):
        refused_change()

    assert queue.huey.pending_count() == 0
    assert run_jobs() == 0
    assert recorded_lines(target) == []
    with runtime.db.session_scope() as session:
        assert session.scalar(select(func.count()).select_from(outbox.OutboxMessage)) == 0


def test_committed_transaction_runs_exactly_once(
    runtime: Runtime, run_jobs, tmp_path: Path
) -> None:
    target = tmp_path / "effects.txt"
    with runtime.db.session_scope() as session:
        message = outbox.enqueue(session, RECORD, {"file": str(target), "text": "hello"})

    assert queue.huey.pending_count() == 1, "handed to the queue right after commit"
    assert run_jobs() == 1
    assert recorded_lines(target) == ["hello"]

    # A duplicate delivery (sweep race, broker redelivery) finds the row done.
    outbox.run_outbox_message(message.id)
    assert run_jobs() == 1
    assert recorded_lines(target) == ["hello"]
    with runtime.db.session_scope() as session:
        row = session.get(outbox.OutboxMessage, message.id)
        assert row is not None
        assert row.done_at is not None
        assert row.attempts == 1


def test_failing_handler_is_retried_and_recorded(
    runtime: Runtime, run_jobs, tmp_path: Path
) -> None:
    missing_dir = tmp_path / "not-yet" / "effects.txt"
    with runtime.db.session_scope() as session:
        message = outbox.enqueue(session, RECORD, {"file": str(missing_dir), "text": "later"})

    run_jobs()  # the handler fails: the folder does not exist
    with runtime.db.session_scope() as session:
        row = session.get(outbox.OutboxMessage, message.id)
        assert row is not None
        assert row.done_at is None
        assert row.attempts == 1
        assert row.last_error
        assert "FileNotFoundError" in row.last_error
        assert row.next_attempt_at is not None, "the retry is scheduled on the row"
        retry_at = row.next_attempt_at
    assert run_jobs() == 0, "the queue does not retry by itself"

    missing_dir.parent.mkdir()
    assert outbox.sweep_and_hand_over(timedelta(0)) == 0, "not before the backoff is over"
    assert outbox.sweep_and_hand_over(timedelta(0), now=retry_at) == 1
    assert run_jobs() >= 1
    assert recorded_lines(missing_dir) == ["later"]


CRASHING_PRODUCER = textwrap.dedent(
    """
    import os, sys
    from syllabus.kit import outbox

    @outbox.handler("test.record")
    def _record(session, payload):
        raise AssertionError("must not run in the crashing process")

    def die(ids, *, path):
        os._exit(3)  # the process dies after COMMIT, before the hand-over

    outbox.hand_over = die
    from syllabus.kit.runtime import get_runtime

    with get_runtime().db.session_scope() as session:
        outbox.enqueue(session, "test.record", {"file": sys.argv[1], "text": "survived"})
    """
)


@pytest.mark.slow
def test_message_survives_a_crash_between_commit_and_hand_over(
    base_settings: Settings, tmp_path: Path, run_jobs
) -> None:
    # A database of its own with real commits, visible to a second process.
    url, drop = fresh_database_url("crash")
    upgrade(url)
    target = tmp_path / "effects.txt"
    env = {**os.environ, "SYLLABUS_DATABASE_URL": url}
    result = subprocess.run(
        [sys.executable, "-c", CRASHING_PRODUCER, str(target)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 3, result.stderr

    database = Database(url, pool_size=2)
    set_runtime(Runtime(base_settings.model_copy(update={"database_url": url}), database))
    try:
        queue.huey.flush()
        with database.session_scope() as session:
            pending = session.scalars(
                select(outbox.OutboxMessage).where(outbox.OutboxMessage.done_at.is_(None))
            ).all()
            ours = [m for m in pending if m.payload.get("file") == str(target)]
            assert len(ours) == 1, "the committed message is in the table"
        assert queue.huey.pending_count() == 0, "nothing was handed over before the crash"
        assert run_jobs() == 0

        assert outbox.sweep_and_hand_over(timedelta(0)) >= 1
        run_jobs()
        assert recorded_lines(target) == ["survived"]

        # Sweeping again finds nothing left to do; the effect stays single.
        outbox.sweep_and_hand_over(timedelta(0))
        run_jobs()
        assert recorded_lines(target) == ["survived"]
    finally:
        set_runtime(None)
        database.dispose()
        drop()
