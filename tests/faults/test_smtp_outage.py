"""The SMTP relay is down: the sign-up still succeeds and its email arrives once it is back."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from syllabus.kit import queue
from syllabus.kit.db import utcnow
from syllabus.kit.outbox import OutboxMessage, sweep_and_hand_over
from syllabus.kit.runtime import Runtime
from tests.faults.conftest import Deploy
from tests.support.fault_proxy import fault_proxy
from tests.support.smtp_server import running_smtp_server

API = "/api/v1"
Serve = Callable[[Runtime], TestClient]


@pytest.mark.slow
def test_an_email_sent_while_smtp_hangs_is_retried_and_delivered_once(
    deploy: Deploy, serve: Serve
) -> None:
    with running_smtp_server() as smtp, fault_proxy(smtp.host, smtp.port) as proxy:
        runtime = deploy(
            mail_backend="smtp",
            smtp_host="127.0.0.1",
            smtp_port=proxy.port,
            smtp_starttls=False,
            smtp_timeout_seconds=1.0,
            mail_retry_base_seconds=1,
        )
        client = serve(runtime)
        proxy.hang()  # connections are accepted, but the relay never greets

        body = {"email": "late@example.com", "password": "a long sturdy passphrase", "name": "L"}
        registered = client.post(f"{API}/auth/register", json=body)
        assert registered.status_code == 201, registered.text
        queue.drain()  # the send times out; the row records the failure and the next try
        with runtime.db.session_scope() as db:
            message = db.scalars(select(OutboxMessage)).one()
            assert message.done_at is None
            assert message.attempts == 1
            assert message.last_error
            assert message.next_attempt_at is not None
        assert smtp.received == []

        proxy.pass_through()
        assert sweep_and_hand_over(timedelta(hours=1), now=utcnow() + timedelta(seconds=5)) == 1
        queue.drain()
        assert [mail.rcpt_tos for mail in smtp.received] == [["late@example.com"]]
        assert b"activation code" in smtp.received[0].data

        # Later sweeps find nothing left to send: delivered exactly once.
        assert sweep_and_hand_over(timedelta(0), now=utcnow() + timedelta(hours=1)) == 0
        queue.drain()
        assert len(smtp.received) == 1
