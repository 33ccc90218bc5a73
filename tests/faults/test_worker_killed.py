"""A `syllabus worker` killed with SIGKILL in the middle of a job: the job is done once after.

The job is an outbox message (an activation email) whose claim commits with
its work, so the kill rolls the claim back; the sweep hands the message to the
next worker, and the mail goes out exactly once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from syllabus.kit import queue
from syllabus.kit.outbox import OutboxMessage, sweep_and_hand_over
from syllabus.kit.runtime import Runtime
from tests.faults.conftest import Deploy
from tests.support.fault_proxy import fault_proxy
from tests.support.smtp_server import running_smtp_server

API = "/api/v1"
WAIT_SECONDS = 30.0
SYLLABUS = str(Path(sys.executable).with_name("syllabus"))
Serve = Callable[[Runtime], TestClient]


def _wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"gave up waiting for {what} after {WAIT_SECONDS} s")


@contextmanager
def worker(runtime: Runtime, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    settings = runtime.settings
    env = {key: value for key, value in os.environ.items() if not key.startswith("SYLLABUS_")}
    env |= {
        "SYLLABUS_ENV": "test",
        "SYLLABUS_DATA_DIR": str(settings.data_dir),
        "SYLLABUS_DATABASE_URL": settings.resolved_database_url,
        "SYLLABUS_MAIL_BACKEND": "smtp",
        "SYLLABUS_SMTP_HOST": settings.smtp_host,
        "SYLLABUS_SMTP_PORT": str(settings.smtp_port),
        "SYLLABUS_SMTP_STARTTLS": "false",
        "SYLLABUS_SMTP_TIMEOUT_SECONDS": str(settings.smtp_timeout_seconds),
    }
    if settings.redis_url:
        env["SYLLABUS_REDIS_URL"] = settings.redis_url
    with log.open("ab") as output:
        process = subprocess.Popen(
            [SYLLABUS, "worker", "--queue", "default", "--threads", "1"],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


@pytest.mark.slow
def test_a_job_cut_short_by_sigkill_is_done_exactly_once_by_the_next_worker(
    deploy: Deploy, serve: Serve, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with running_smtp_server() as smtp, fault_proxy(smtp.host, smtp.port) as proxy:
        runtime = deploy(
            mail_backend="smtp",
            smtp_host="127.0.0.1",
            smtp_port=proxy.port,
            smtp_starttls=False,
            smtp_timeout_seconds=60.0,  # longer than the test waits: the kill ends the job
        )
        # This process queues on the same queue storage the workers consume.
        monkeypatch.setattr(queue.huey, "storage", queue.build_huey(runtime.settings).storage)
        client = serve(runtime)
        proxy.hang()  # the mail job will sit in the middle of its SMTP conversation

        body = {"email": "once@example.com", "password": "a long sturdy passphrase", "name": "O"}
        assert client.post(f"{API}/auth/register", json=body).status_code == 201

        log = tmp_path / "worker.log"
        with worker(runtime, log) as first:
            _wait_for(lambda: proxy.open_connections > 0, "the worker to start sending")
            os.kill(first.pid, signal.SIGKILL)
            first.wait(timeout=10)
        assert first.returncode == -signal.SIGKILL
        with runtime.db.session_scope() as db:  # the claim rolled back with the process
            assert db.scalars(select(OutboxMessage.done_at)).one() is None
        assert smtp.received == []

        proxy.pass_through()
        with worker(runtime, log):
            assert sweep_and_hand_over(timedelta(0)) == 1  # what the periodic sweep does
            _wait_for(lambda: len(smtp.received) == 1, f"the mail (worker log: {log})")
            _wait_for(lambda: _done(runtime), "the outbox row to be marked done")
            assert sweep_and_hand_over(timedelta(0)) == 0
            time.sleep(0.5)  # room for a duplicate, were one coming
        assert [mail.rcpt_tos for mail in smtp.received] == [["once@example.com"]]


def _done(runtime: Runtime) -> bool:
    with runtime.db.session_scope() as db:
        return db.scalars(select(OutboxMessage.done_at)).one() is not None
