"""Templated email goes through the outbox: written to the `.eml` outbox only after commit."""

from __future__ import annotations

import pytest

from syllabus.kit.mail import message_text, read_outbox
from syllabus.kit.runtime import Runtime
from syllabus.notifications.email import queue_mail


def test_queued_mail_is_written_after_commit(runtime: Runtime, run_jobs) -> None:
    with runtime.db.session_scope() as session:
        queue_mail(session, to="ann@example.com", template="welcome", context={"name": "Ann"})
        assert read_outbox(runtime.settings.mail_dir) == [], "nothing is sent before commit"

    assert run_jobs() == 1
    [message] = read_outbox(runtime.settings.mail_dir)
    assert message["To"] == "ann@example.com"
    assert "Ann" in message_text(message)
    assert message.get_body(preferencelist=("html",)) is not None


def test_mail_of_a_rolled_back_change_is_never_sent(runtime: Runtime, run_jobs) -> None:
    def failing_signup() -> None:
        with runtime.db.session_scope() as session:
            queue_mail(session, to="bob@example.com", template="welcome", context={"name": "Bob"})
            raise ValueError("email already taken")

    with pytest.raises(ValueError, match="taken"):
        failing_signup()
    assert run_jobs() == 0
    assert read_outbox(runtime.settings.mail_dir) == []
