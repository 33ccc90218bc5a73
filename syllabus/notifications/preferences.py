"""Each user's delivery choices: in-app and email per notification kind, and the newsletter.

A kind without a stored row has both channels on. A transactional kind's
email cannot be turned off (it is about the user's own account, order or
work): it is stored and shown as on whatever is sent.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from syllabus.accounts.actor import Actor
from syllabus.accounts.models import User
from syllabus.kit.errors import NotFound
from syllabus.notifications.kinds import KINDS
from syllabus.notifications.models import NotificationPreference
from syllabus.notifications.schemas import KindPreferenceOut, PreferencesIn, PreferencesOut


def _stored(session: Session, user_id: str) -> dict[str, tuple[bool, bool]]:
    rows = session.execute(
        select(
            NotificationPreference.kind,
            NotificationPreference.in_app,
            NotificationPreference.email,
        ).where(NotificationPreference.user_id == user_id)
    )
    return {row.kind: (row.in_app, row.email) for row in rows}


def preferences_of(session: Session, actor: Actor) -> PreferencesOut:
    """Every kind with its channels (defaults where nothing is stored) and the newsletter choice."""
    opted_in = session.scalar(select(User.marketing_opt_in).where(User.id == actor.id))
    if opted_in is None:
        raise NotFound("No such user.")
    stored = _stored(session, actor.id)
    kinds = []
    for kind in KINDS.values():
        in_app, email = stored.get(kind.name, (True, True))
        kinds.append(
            KindPreferenceOut(
                kind=kind.name,
                label=kind.label,
                in_app=in_app,
                email=email or kind.transactional,
                transactional=kind.transactional,
            )
        )
    return PreferencesOut(kinds=kinds, marketing_email=bool(opted_in))


def update_preferences(session: Session, actor: Actor, body: PreferencesIn) -> PreferencesOut:
    """Store the listed kinds' channels (omitted ones keep theirs) and the newsletter choice."""
    stored = _stored(session, actor.id)
    values: list[dict[str, Any]] = []
    for item in body.kinds:
        in_app, email = stored.get(item.kind, (True, True))
        in_app = in_app if item.in_app is None else item.in_app
        email = email if item.email is None else item.email
        if KINDS[item.kind].transactional:
            email = True
        values.append({"user_id": actor.id, "kind": item.kind, "in_app": in_app, "email": email})
    if values:
        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = insert(NotificationPreference).values(values)
        # An upsert: two saves racing each other end with the later one, not an error.
        session.execute(
            statement.on_conflict_do_update(
                index_elements=["user_id", "kind"],
                set_={"in_app": statement.excluded.in_app, "email": statement.excluded.email},
            )
        )
    if body.marketing_email is not None:
        session.execute(
            update(User).where(User.id == actor.id).values(marketing_opt_in=body.marketing_email)
        )
    return preferences_of(session, actor)
