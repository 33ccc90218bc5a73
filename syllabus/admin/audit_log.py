"""Reading the audit log: newest first, filtered by who, what and on which object.

`audit.record` writes entries; this module only lists them. Each filter
reads an index of `audit_log` (actor_id, action, target_id, created_at).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from syllabus.accounts.actor import Actor
from syllabus.accounts.models import User
from syllabus.admin.audit import AuditEntry
from syllabus.admin.schemas import AuditActorOut, AuditEntryOut
from syllabus.admin.users import require_admin
from syllabus.kit.pagination import Page, PageParams


def _filtered(
    statement: Select[Any],
    *,
    actor: str | None,
    action: str | None,
    target_type: str | None,
    target_id: str | None,
) -> Select[Any]:
    if actor:
        statement = statement.where(AuditEntry.actor_id == actor)
    if action:
        # "user." lists every user action; a full name lists that one.
        if action.endswith("."):
            statement = statement.where(AuditEntry.action.startswith(action, autoescape=True))
        else:
            statement = statement.where(AuditEntry.action == action)
    if target_type:
        statement = statement.where(AuditEntry.target_type == target_type)
    if target_id:
        statement = statement.where(AuditEntry.target_id == target_id)
    return statement


def list_entries(
    session: Session,
    admin: Actor,
    params: PageParams,
    *,
    actor: str | None = None,
    action: str | None = None,
    target_type: str | None = None,
    target_id: str | None = None,
) -> Page[AuditEntryOut]:
    require_admin(admin)
    filters = {
        "actor": actor,
        "action": action,
        "target_type": target_type,
        "target_id": target_id,
    }
    total = session.scalar(_filtered(select(func.count(AuditEntry.id)), **filters)) or 0
    rows = session.execute(
        _filtered(
            select(AuditEntry, User.name, User.email).outerjoin(
                User, User.id == AuditEntry.actor_id
            ),
            **filters,
        )
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
        .offset(params.offset)
        .limit(params.limit)
    ).all()
    items = []
    for entry, name, email in rows:
        who = (
            AuditActorOut(id=entry.actor_id, name=name, email=email)
            if entry.actor_id is not None and name is not None
            else None
        )
        items.append(
            AuditEntryOut(
                id=entry.id,
                actor=who,
                action=entry.action,
                target_type=entry.target_type,
                target_id=entry.target_id,
                before=entry.before,
                after=entry.after,
                reason=entry.reason,
                created_at=entry.created_at,
            )
        )
    return Page[AuditEntryOut].build(items, int(total), params)


def action_names(session: Session, admin: Actor) -> list[str]:
    """Every action name written so far, for the page's filter (a bounded list)."""
    require_admin(admin)
    names = session.scalars(
        select(AuditEntry.action).distinct().order_by(AuditEntry.action).limit(200)
    ).all()
    return list(names)


def diff(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Field by field: name, old value, new value and whether it changed (for the page)."""
    before, after = before or {}, after or {}
    rows = []
    for key in list(dict.fromkeys([*before.keys(), *after.keys()])):
        old, new = before.get(key), after.get(key)
        rows.append(
            {
                "field": key,
                "before": old,
                "after": new,
                "had_before": key in before,
                "has_after": key in after,
                "changed": key not in before or key not in after or old != new,
            }
        )
    return rows
