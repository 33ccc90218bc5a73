"""Notify users: an in-app notification and, where their preferences allow, an email.

Both are written in the caller's transaction, so they exist exactly when
the cause commits. Each carries a key derived from the cause and the
recipient, so a retried job adds nothing twice. `notify_many` serves any
number of recipients with a fixed number of statements (one read of the
users, one of their preferences, one of existing keys per table, bulk
inserts), which is what announcements fan out through.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from syllabus.accounts.models import User
from syllabus.kit import outbox
from syllabus.kit.db import new_id, utcnow
from syllabus.notifications.email import SEND_MAIL, mail_payload
from syllabus.notifications.kinds import kind_of
from syllabus.notifications.models import Notification, NotificationPreference

TITLE_MAX = 200
BODY_MAX = 1000


@dataclass(frozen=True)
class Notice:
    """What to tell the recipients. `title` and `body` are plain text; `url` a site path."""

    kind: str
    title: str
    body: str = ""
    url: str = ""
    # The email template (notifications/templates/email/<name>.*) and its context;
    # every recipient's context also gets `name` (the recipient's name).
    email_template: str | None = None
    email_context: dict[str, Any] = field(default_factory=dict)


def notify(session: Session, user_id: str, notice: Notice, *, key: str) -> int:
    """Tell one user; returns how many notifications were created (0 if already told)."""
    return notify_many(session, [user_id], notice, key=key)


def notify_many(session: Session, user_ids: Sequence[str], notice: Notice, *, key: str) -> int:
    """Tell every user in `user_ids` (banned and unknown ones are skipped).

    `key` names the cause (e.g. "answer:<id>"); each recipient's rows are
    keyed "<key>:<user_id>". Returns how many in-app notifications were created.
    """
    kind = kind_of(notice.kind)
    wanted = list(dict.fromkeys(user_ids))
    if not wanted:
        return 0
    users = {
        row.id: row
        for row in session.execute(
            select(User.id, User.email, User.name).where(
                User.id.in_(wanted), User.status != "banned"
            )
        )
    }
    choices = {
        row.user_id: (row.in_app, row.email)
        for row in session.execute(
            select(
                NotificationPreference.user_id,
                NotificationPreference.in_app,
                NotificationPreference.email,
            ).where(
                NotificationPreference.kind == kind.name,
                NotificationPreference.user_id.in_(list(users)),
            )
        )
    }
    title = notice.title[:TITLE_MAX]
    body = notice.body[:BODY_MAX]
    in_app_keys = [f"{key}:{uid}" for uid in users if choices.get(uid, (True, True))[0]]
    taken = (
        set(
            session.scalars(
                select(Notification.dedupe_key).where(Notification.dedupe_key.in_(in_app_keys))
            )
        )
        if in_app_keys
        else set()
    )
    now = utcnow()
    rows = [
        {
            "id": new_id(),
            "user_id": uid,
            "kind": kind.name,
            "title": title,
            "body": body,
            "url": notice.url,
            "dedupe_key": f"{key}:{uid}",
            "created_at": now,
        }
        for uid in users
        if choices.get(uid, (True, True))[0] and f"{key}:{uid}" not in taken
    ]
    if rows:
        session.execute(insert(Notification), rows)
    if notice.email_template is not None:
        mails = [
            (
                f"{key}:{uid}:email",
                mail_payload(
                    user.email,
                    notice.email_template,
                    {**notice.email_context, "name": user.name},
                    None if kind.transactional else (uid, kind.name),
                ),
            )
            for uid, user in users.items()
            if kind.transactional or choices.get(uid, (True, True))[1]
        ]
        if mails:
            outbox.enqueue_many(session, SEND_MAIL, mails)
    return len(rows)
