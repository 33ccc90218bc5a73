"""One-click unsubscribe (RFC 8058) from non-transactional email.

Each such email names a topic: a notification kind, or "marketing" for
the newsletter. Its link and `List-Unsubscribe` header carry a token
signed with the secret key over (user id, topic); the token is the only
authority needed, because mail clients POST the one-click request with
neither cookies nor a CSRF token. It never expires: an old email's link
must still work. A token that does not verify, or that names an unknown
user or topic, is a 404.

Unsubscribing is idempotent: "marketing" clears `User.marketing_opt_in`;
a kind turns its email channel off (`NotificationPreference.email`),
leaving the in-app choice as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from itsdangerous import BadData, URLSafeSerializer
from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from syllabus.accounts.models import User
from syllabus.config import Settings
from syllabus.kit.errors import NotFound
from syllabus.kit.logging import get_logger
from syllabus.notifications.kinds import KINDS, MARKETING
from syllabus.notifications.models import NotificationPreference

log = get_logger("syllabus.unsubscribe")

TOKEN_SALT = "syllabus.unsubscribe"  # noqa: S105 - a signing salt, not a secret
TOKEN_MAX = 300
MARKETING_LABEL = "News and offers from us (the newsletter)"


class UnsubscribeLinkInvalid(NotFound):
    code = "unsubscribe_link_invalid"
    title = "Unsubscribe link not valid"


@dataclass(frozen=True)
class Subscription:
    """Whose email of which topic a token stands for."""

    user_id: str
    topic: str
    label: str


def _serializer(settings: Settings) -> URLSafeSerializer:
    return URLSafeSerializer(settings.secret_key, salt=TOKEN_SALT)


def topic_label(topic: str) -> str | None:
    """What users call a topic; None when email of that topic cannot be unsubscribed from."""
    if topic == MARKETING:
        return MARKETING_LABEL
    kind = KINDS.get(topic)
    if kind is None or kind.transactional:
        return None
    return kind.label


def unsubscribe_token(settings: Settings, user_id: str, topic: str) -> str:
    return str(_serializer(settings).dumps([user_id, topic]))


def unsubscribe_url(settings: Settings, user_id: str, topic: str) -> str:
    """The absolute one-click address for the email's footer and header."""
    base = settings.base_url.rstrip("/")
    return f"{base}/unsubscribe/{unsubscribe_token(settings, user_id, topic)}"


def one_click_headers(url: str) -> dict[str, str]:
    """The RFC 2369 / RFC 8058 headers that let mail clients offer "Unsubscribe"."""
    return {
        "List-Unsubscribe": f"<{url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def _decode(settings: Settings, token: str) -> tuple[str, str]:
    if not token or len(token) > TOKEN_MAX:
        raise UnsubscribeLinkInvalid("This unsubscribe link is not valid.")
    try:
        data: Any = _serializer(settings).loads(token)
    except BadData:
        raise UnsubscribeLinkInvalid("This unsubscribe link is not valid.") from None
    if (
        not isinstance(data, list)
        or len(data) != 2
        or not all(isinstance(part, str) for part in data)
    ):
        raise UnsubscribeLinkInvalid("This unsubscribe link is not valid.")
    return data[0], data[1]


def read_token(session: Session, settings: Settings, token: str) -> Subscription:
    """The subscription a token stands for (404 `unsubscribe_link_invalid` if none)."""
    user_id, topic = _decode(settings, token)
    label = topic_label(topic)
    exists = session.scalar(select(User.id).where(User.id == user_id))
    if label is None or exists is None:
        raise UnsubscribeLinkInvalid("This unsubscribe link is not valid.")
    return Subscription(user_id=user_id, topic=topic, label=label)


def unsubscribe(session: Session, settings: Settings, token: str) -> Subscription:
    """Stop the token's email topic for its user; doing it again changes nothing."""
    subscription = read_token(session, settings, token)
    if subscription.topic == MARKETING:
        session.execute(
            update(User)
            .where(User.id == subscription.user_id)
            .values(marketing_opt_in=False)
            .execution_options(synchronize_session=False)
        )
    else:
        _email_off(session, subscription.user_id, subscription.topic)
    log.info("unsubscribe.done", user_id=subscription.user_id, topic=subscription.topic)
    return subscription


def _email_off(session: Session, user_id: str, kind: str) -> None:
    # An upsert: two clicks racing (the mail client and the person) end in one row.
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(NotificationPreference).values(
        user_id=user_id, kind=kind, in_app=True, email=False
    )
    session.execute(
        statement.on_conflict_do_update(index_elements=["user_id", "kind"], set_={"email": False})
    )
