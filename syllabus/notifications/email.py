"""Templated email through the outbox: queued in the caller's transaction, sent by a job."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from syllabus.kit import outbox
from syllabus.kit.mail import render_mail, send_mail
from syllabus.kit.runtime import get_runtime

SEND_MAIL = "mail.send"


def queue_mail(session: Session, *, to: str, template: str, context: dict[str, Any]) -> None:
    """Send `template` to `to` once the caller's transaction commits (never if it rolls back)."""
    outbox.enqueue(session, SEND_MAIL, {"to": to, "template": template, "context": context})


@outbox.handler(SEND_MAIL)
def _send_templated_mail(_session: Session, payload: dict[str, Any]) -> None:
    runtime = get_runtime()
    mail = render_mail(
        payload["template"], payload["to"], payload.get("context", {}), runtime.settings
    )
    send_mail(runtime.mail, mail, runtime.settings.mail_from)
