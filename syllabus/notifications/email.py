"""Templated email through the outbox: queued in the caller's transaction, sent by a job."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from syllabus.kit import outbox
from syllabus.kit.mail import render_mail, send_mail
from syllabus.kit.runtime import get_runtime

SEND_MAIL = "mail.send"


def queue_mail(
    session: Session,
    *,
    to: str,
    template: str,
    context: dict[str, Any],
    key: str | None = None,
    unsubscribe: tuple[str, str] | None = None,
) -> None:
    """Send `template` to `to` once the caller's transaction commits (never if it rolls back).

    `key` makes the message idempotent (a second call with it adds nothing).
    `unsubscribe` is `(user_id, topic)` for non-transactional mail: the
    message then carries a one-click unsubscribe link and headers; the
    topic is a notification kind or "marketing".
    """
    outbox.enqueue(session, SEND_MAIL, mail_payload(to, template, context, unsubscribe), key=key)


def mail_payload(
    to: str,
    template: str,
    context: dict[str, Any],
    unsubscribe: tuple[str, str] | None = None,
) -> dict[str, Any]:
    payload: dict[str, Any] = {"to": to, "template": template, "context": context}
    if unsubscribe is not None:
        payload["unsubscribe"] = {"user_id": unsubscribe[0], "topic": unsubscribe[1]}
    return payload


@outbox.handler(SEND_MAIL)
def _send_templated_mail(_session: Session, payload: dict[str, Any]) -> None:
    runtime = get_runtime()
    mail = render_mail(
        payload["template"], payload["to"], payload.get("context", {}), runtime.settings
    )
    send_mail(runtime.mail, mail, runtime.settings.mail_from)
