"""`syllabus worker`: the queues it takes, and a stop that finishes the job in hand.

The worker runs as a real subprocess on the test session's queue (SQLite, or
Redis in CI's second pass) and a database of its own; the job is real mail
delivery to a loopback SMTP server that holds the message until the test
lets it through, so a SIGTERM provably lands mid-job.
"""

from __future__ import annotations

import asyncio
import datetime
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlalchemy import select

import syllabus.jobs  # noqa: F401  (the worker's task registry, to read its queue)
from syllabus.kit import queue
from syllabus.kit.outbox import OutboxMessage
from syllabus.kit.runtime import Runtime
from syllabus.media.tasks import queue_transcode
from syllabus.notifications.email import queue_mail
from tests.support.smtp_server import CollectingHandler, running_smtp_server

WAIT_SECONDS = 30.0


class HeldHandler(CollectingHandler):
    """Accepts mail only once `release` is set; `entered` tells that a message is in DATA."""

    def __init__(self) -> None:
        super().__init__()
        self.entered = threading.Event()
        self.release = threading.Event()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.entered.set()
        await asyncio.get_running_loop().run_in_executor(None, self.release.wait, WAIT_SECONDS)
        return await super().handle_DATA(server, session, envelope)


def _start_worker(database_url: str, smtp_port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "SYLLABUS_DATABASE_URL": database_url,
        "SYLLABUS_MAIL_BACKEND": "smtp",
        "SYLLABUS_SMTP_HOST": "127.0.0.1",
        "SYLLABUS_SMTP_PORT": str(smtp_port),
        "SYLLABUS_SMTP_STARTTLS": "false",
        "SYLLABUS_LOG_LEVEL": "INFO",
    }
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "syllabus", "worker", "--threads", "1", "--queue", "default"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def _queued_messages() -> list[str]:
    return [t.args[0] for t in queue.huey.pending() if t.name.endswith("run_outbox_message")]


def _done(runtime: Runtime) -> dict[str, bool]:
    with runtime.db.session_scope() as session:
        rows = session.execute(select(OutboxMessage.id, OutboxMessage.done_at)).all()
    return {row.id: row.done_at is not None for row in rows}


def test_sigterm_finishes_the_job_in_hand_and_leaves_the_next_queued(
    committed_runtime: Runtime, tmp_path: Path
) -> None:
    handler = HeldHandler()
    log = tmp_path / "worker.log"
    with running_smtp_server(handler=handler) as smtp:
        with committed_runtime.db.session_scope() as session:
            for name in ("Ann", "Bob"):
                queue_mail(
                    session,
                    to=f"{name.lower()}@example.com",
                    template="welcome",
                    context={"name": name},
                )
        ids = list(_done(committed_runtime))
        assert len(ids) == 2
        assert sorted(_queued_messages()) == sorted(ids)

        first = _start_worker(committed_runtime.settings.resolved_database_url, smtp.port, log)
        try:
            assert handler.entered.wait(WAIT_SECONDS), "the worker never started sending"
            first.send_signal(signal.SIGTERM)
            time.sleep(1.0)
            assert first.poll() is None, "the worker quit with a message half-sent"
            handler.release.set()
            assert first.wait(WAIT_SECONDS) == 0
        finally:
            first.kill()
        # One message went out whole; the other is still queued, not lost.
        assert len(smtp.received) == 1
        waiting = [key for key, done in _done(committed_runtime).items() if not done]
        assert len(waiting) == 1
        assert _queued_messages() == waiting

        second = _start_worker(committed_runtime.settings.resolved_database_url, smtp.port, log)
        try:
            deadline = time.monotonic() + WAIT_SECONDS
            while time.monotonic() < deadline and len(smtp.received) < 2:
                time.sleep(0.1)
            second.send_signal(signal.SIGINT)
            assert second.wait(WAIT_SECONDS) == 0
        finally:
            second.kill()
    assert sorted(m.rcpt_tos[0] for m in smtp.received) == ["ann@example.com", "bob@example.com"]
    assert all(_done(committed_runtime).values())
    output = log.read_text(encoding="utf-8", errors="replace")
    assert output.count("worker.stopped") >= 2
    assert "Traceback" not in output


def test_transcoding_goes_to_the_media_queue(committed_runtime: Runtime) -> None:
    with committed_runtime.db.session_scope() as session:
        queue_transcode(session, "asset-that-does-not-exist")
    assert queue.huey.pending_count() == 1, "the outbox message, on the default queue"
    assert queue.drain(max_tasks=1) == 1
    assert queue.media_huey.pending_count() == 1, "its handler queued the transcode on media"
    assert queue.huey.pending_count() == 0


def test_a_periodic_task_is_enqueued_once_per_minute_across_consumers() -> None:
    settings = queue.get_settings()
    # Two consumers' view of the same queue storage, as two worker machines have.
    first, second = queue.build_huey(settings), queue.build_huey(settings)
    first._registry = second._registry = queue.huey._registry
    minute = datetime.datetime(2026, 11, 22, 9, 30, 5)
    try:
        taken_first = {t.name for t in first.read_periodic(minute)}
        taken_second = {t.name for t in second.read_periodic(minute.replace(second=40))}
        assert "sweep_outbox" in {name.rsplit(".", 1)[-1] for name in taken_first}
        assert taken_second == set(), "the second consumer found the minute claimed"
        next_minute = {t.name for t in second.read_periodic(minute + datetime.timedelta(minutes=1))}
        assert "sweep_outbox" in {name.rsplit(".", 1)[-1] for name in next_minute}
    finally:
        queue.flush()


def test_worker_refuses_an_unknown_queue() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "syllabus", "worker", "--queue", "video"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "Unknown queue video: choose from default, media." in result.stderr
