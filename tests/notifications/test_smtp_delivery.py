"""Email over real SMTP (aiosmtpd): a relay that refuses or is down, backoff, recovery, failure."""

from __future__ import annotations

import email.policy
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from email import message_from_bytes
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from syllabus.kit import outbox
from syllabus.kit.db import utcnow
from syllabus.kit.mail import SmtpMailBackend
from syllabus.kit.outbox import OutboxMessage
from syllabus.kit.runtime import Runtime
from syllabus.notifications.email import queue_mail
from tests.catalog.factories import signed_in
from tests.support.smtp_server import HOST, _free_port

pytestmark = pytest.mark.slow
TEMPORARY = "451 4.3.0 Mailbox busy, try again later"
PERMANENT = "554 5.7.1 Relay refused"


@dataclass
class Relay:
    """An SMTP relay whose answer to DATA the test decides; keeps what it accepted."""

    refuse_with: str | None = None
    received: list[bytes] = field(default_factory=list)
    port: int = 0

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.refuse_with:
            return self.refuse_with
        self.received.append(envelope.original_content or b"")
        return "250 Message accepted for delivery"


@contextmanager
def running_relay(relay: Relay) -> Iterator[Relay]:
    controller = Controller(relay, hostname=HOST, port=_free_port(), ready_timeout=5.0)
    controller.start()
    relay.port = controller.port
    try:
        yield relay
    finally:
        controller.stop()


def use_relay(runtime: Runtime, port: int) -> None:
    runtime.__dict__["mail"] = SmtpMailBackend(HOST, port, starttls=False, timeout=5.0)


def queue_one(runtime: Runtime, to: str) -> str:
    with runtime.db.session_scope() as session:
        queue_mail(session, to=to, template="welcome", context={"name": "Ann"}, key=f"smtp:{to}")
        found = session.scalar(select(OutboxMessage.id).where(OutboxMessage.key == f"smtp:{to}"))
        assert found is not None
        return found


def state(runtime: Runtime, message_id: str) -> OutboxMessage:
    with runtime.db.session_scope() as session:
        row = session.get(OutboxMessage, message_id)
        assert row is not None
        return row


def retry_when_due(runtime: Runtime, run_jobs: Any, message_id: str) -> None:
    """Let the backoff pass (the sweep is told the time) and run the retry."""
    due = state(runtime, message_id).next_attempt_at
    assert due is not None
    assert outbox.sweep_and_hand_over(timedelta(minutes=5), now=due) == 1
    assert run_jobs() == 1


def test_refused_mail_is_retried_with_growing_pauses_and_delivered_once(
    runtime: Runtime, run_jobs: Any
) -> None:
    with running_relay(Relay(refuse_with=TEMPORARY)) as relay:
        use_relay(runtime, relay.port)
        message_id = queue_one(runtime, "ann@example.com")

        pauses = []
        for attempt in (1, 2, 3):
            started = utcnow()
            if attempt == 1:
                assert run_jobs() == 1  # the hand-over right after commit
            else:
                retry_when_due(runtime, run_jobs, message_id)
            row = state(runtime, message_id)
            assert row.attempts == attempt
            assert row.done_at is None
            assert row.last_error is not None
            assert row.last_error.startswith("SMTPDataError")
            assert "451" in row.last_error
            assert row.next_attempt_at is not None
            pauses.append(row.next_attempt_at - started)
            assert relay.received == []
        assert pauses[0] < pauses[1] < pauses[2]
        base = runtime.settings.mail_retry_base_seconds
        assert [round(p.total_seconds() / base) for p in pauses] == [1, 2, 4]

        relay.refuse_with = None  # the relay recovers
        retry_when_due(runtime, run_jobs, message_id)
        row = state(runtime, message_id)
        assert row.done_at is not None
        assert row.attempts == 4

        # Nothing sends it again: not the sweep, not a duplicate job.
        assert outbox.sweep_and_hand_over(timedelta(0), now=utcnow() + timedelta(days=1)) == 0
        outbox.run_outbox_message(message_id)
        run_jobs()
        assert len(relay.received) == 1
        delivered = message_from_bytes(relay.received[0], policy=email.policy.default)
        assert delivered["To"] == "ann@example.com"
        assert delivered["Message-ID"] == f"<{message_id}@syllabus.local>"


def test_a_down_relay_ends_in_failed_then_an_admin_retry_delivers(
    client: TestClient, db: DbSession, runtime: Runtime, run_jobs: Any
) -> None:
    _admin, headers = signed_in(client, db, "admin")
    use_relay(runtime, _free_port())  # nothing listens there
    message_id = queue_one(runtime, "bob@example.com")
    assert run_jobs() == 1
    for _ in range(outbox.MAX_ATTEMPTS - 1):
        retry_when_due(runtime, run_jobs, message_id)
    row = state(runtime, message_id)
    assert row.failed_at is not None
    assert row.attempts == outbox.MAX_ATTEMPTS
    assert row.last_error is not None
    assert "ConnectionRefusedError" in row.last_error

    listed = client.get("/api/v1/admin/outbox", params={"state": "failed"}, headers=headers)
    assert listed.status_code == 200
    [item] = listed.json()["items"]
    assert (item["id"], item["recipient"]) == (message_id, "bob@example.com")
    assert item["attempts"] == outbox.MAX_ATTEMPTS
    assert "ConnectionRefusedError" in item["last_error"]

    with running_relay(Relay()) as relay:
        use_relay(runtime, relay.port)  # the relay is back
        response = client.post(f"/api/v1/admin/outbox/{message_id}/retry", headers=headers)
        assert response.status_code == 204
        assert run_jobs() == 1
        assert len(relay.received) == 1
    assert state(runtime, message_id).done_at is not None
    listed = client.get("/api/v1/admin/outbox", params={"state": "failed"}, headers=headers)
    assert listed.json()["total"] == 0


def test_a_permanently_refused_mail_fails_with_the_relay_answer(
    runtime: Runtime, run_jobs: Any
) -> None:
    with running_relay(Relay(refuse_with=PERMANENT)) as relay:
        use_relay(runtime, relay.port)
        message_id = queue_one(runtime, "carol@example.com")
        assert run_jobs() == 1
        for _ in range(outbox.MAX_ATTEMPTS - 1):
            retry_when_due(runtime, run_jobs, message_id)
        row = state(runtime, message_id)
        assert row.failed_at is not None
        assert row.last_error is not None
        assert "554" in row.last_error
        assert "Relay refused" in row.last_error
        assert relay.received == []
