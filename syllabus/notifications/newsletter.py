"""The newsletter: an admin writes it once; jobs mail it to every subscriber in batches.

Subscribers are active users with `marketing_opt_in`. Sending records an
audit entry and one "newsletter.deliver" outbox message; each delivery job
takes the next `settings.fanout_batch_size` subscribers after a cursor
(ordered by id), queues one email each and queues the next batch. Every
email and every batch has its own idempotency key, so a batch job that
runs twice queues nothing twice. The newsletter lives only in the
messages' payloads: there is no table for it.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, StringConstraints
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from syllabus.accounts.actor import Actor
from syllabus.accounts.models import User
from syllabus.admin import audit
from syllabus.kit import outbox
from syllabus.kit.db import new_id
from syllabus.kit.errors import Forbidden
from syllabus.kit.logging import get_logger
from syllabus.kit.markdown import render_markdown
from syllabus.kit.runtime import Runtime, get_runtime
from syllabus.notifications.email import SEND_MAIL, mail_payload
from syllabus.notifications.kinds import MARKETING

log = get_logger("syllabus.newsletter")

DELIVER = "newsletter.deliver"
TEMPLATE = "newsletter"
SUBJECT_MAX = 200
BODY_MAX = 20_000


class NewsletterIn(BaseModel):
    """What an admin sends: a one-line subject and a Markdown body."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    subject: Annotated[str, StringConstraints(min_length=1, max_length=SUBJECT_MAX)]
    body: Annotated[str, StringConstraints(min_length=1, max_length=BODY_MAX)]


class NewsletterQueued(BaseModel):
    id: str
    recipients: int


def _subscribers() -> Any:
    return select(User.id).where(User.marketing_opt_in.is_(True), User.status == "active")


def subscriber_count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(_subscribers().subquery())) or 0)


def render_body(body: str) -> tuple[str, str]:
    """The sanitised HTML part and the plain-text part (the Markdown itself reads as text)."""
    return render_markdown(body), body


def send_newsletter(
    session: Session, rt: Runtime, actor: Actor, newsletter: NewsletterIn
) -> NewsletterQueued:
    """Queue the newsletter for every current subscriber (admins only, 403 `not_admin`)."""
    if not actor.is_admin:
        raise Forbidden("Only admins can send the newsletter.", code="not_admin")
    newsletter_id = new_id()
    recipients = subscriber_count(session)
    html, text = render_body(newsletter.body)
    audit.record(
        session,
        actor_id=actor.id,
        action="newsletter.send",
        target_type="newsletter",
        target_id=newsletter_id,
        after={"subject": newsletter.subject, "recipients": recipients},
    )
    if recipients:
        payload = {
            "newsletter_id": newsletter_id,
            "subject": newsletter.subject,
            "html": html,
            "text": text,
            "after_user_id": "",
        }
        outbox.enqueue(session, DELIVER, payload, key=f"newsletter:{newsletter_id}:start")
    log.info("newsletter.queued", newsletter_id=newsletter_id, recipients=recipients)
    return NewsletterQueued(id=newsletter_id, recipients=recipients)


@outbox.handler(DELIVER)
def deliver_batch(session: Session, payload: dict[str, Any]) -> None:
    """Queue the email of the next batch of subscribers, then the batch after it."""
    newsletter_id = payload["newsletter_id"]
    size = get_runtime().settings.fanout_batch_size
    rows = session.execute(
        select(User.id, User.email, User.name)
        .where(
            User.marketing_opt_in.is_(True),
            User.status == "active",
            User.id > payload["after_user_id"],
        )
        .order_by(User.id)
        .limit(size)
    ).all()
    if not rows:
        return
    context = {"subject": payload["subject"], "html": payload["html"], "text": payload["text"]}
    mails = [
        (
            f"newsletter:{newsletter_id}:{row.id}",
            mail_payload(row.email, TEMPLATE, {**context, "name": row.name}, (row.id, MARKETING)),
        )
        for row in rows
    ]
    outbox.enqueue_many(session, SEND_MAIL, mails)
    if len(rows) == size:
        last = rows[-1].id
        outbox.enqueue(
            session,
            DELIVER,
            {**payload, "after_user_id": last},
            key=f"newsletter:{newsletter_id}:after:{last}",
        )
