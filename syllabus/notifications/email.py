"""Templated email through the outbox: queued in the caller's transaction, sent by a job.

The job's Message-ID is the outbox message id, so a message sent again
(the job crashed after the relay accepted it) is recognisably the same
one. Non-transactional mail carries a one-click unsubscribe link in its
footer (`unsubscribe_url`) and the `List-Unsubscribe` headers.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from syllabus.kit import outbox
from syllabus.kit.mail import render_mail, send_mail
from syllabus.kit.runtime import get_runtime
from syllabus.notifications.unsubscribe import one_click_headers, unsubscribe_url

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
    settings = runtime.settings
    context = dict(payload.get("context", {}))
    headers: dict[str, str] = {}
    unsubscribe = payload.get("unsubscribe")
    if unsubscribe:
        url = unsubscribe_url(settings, unsubscribe["user_id"], unsubscribe["topic"])
        context["unsubscribe_url"] = url
        headers = one_click_headers(url)
    mail = render_mail(payload["template"], payload["to"], context, settings, headers)
    send_mail(runtime.mail, mail, settings.mail_from, message_id=outbox.current_message_id())
