"""Who may do what changed: bump the `auth` cache namespace once the change commits.

Caches that hold a decision made for a signed-in session (the playback fast
path keeps "this session may watch this lesson") are stamped with this
namespace's version, so a revoked session, a ban or a role change stops
them at the next request, as if nothing were cached.

Changes are caught at the ORM, whoever makes them: an UPDATE or DELETE
statement on `users` or `user_sessions` (session revocation is one), and
ORM changes to the columns a session's validity reads (a session's end, the
account's role and status) or the deletion of either row. Importing
`syllabus.accounts.models` installs the listeners, so every process that can
make such a change watches for it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from syllabus.kit.db import after_commit

AUTH_NAMESPACE = "auth"

# Table -> the columns whose change can end or narrow a session's rights.
_WATCHED: dict[str, frozenset[str]] = {
    "user_sessions": frozenset({"revoked_at", "expires_at", "user_id"}),
    "users": frozenset({"role", "status"}),
}


def _bump() -> None:
    from syllabus.kit.runtime import get_runtime

    get_runtime().cache.bump(AUTH_NAMESPACE)


def _table_of(instance: Any) -> str | None:
    table = getattr(instance, "__table__", None)
    return getattr(table, "name", None)


def _narrows_access(instance: Any) -> bool:
    columns = _WATCHED.get(_table_of(instance) or "")
    if not columns:
        return False
    attrs = inspect(instance).attrs
    return any(attrs[name].history.has_changes() for name in columns)


@event.listens_for(Session, "before_flush")
def _on_flush(session: Session, _flush: UOWTransaction, _instances: Any) -> None:
    deleted = any(_table_of(instance) in _WATCHED for instance in session.deleted)
    if deleted or any(_narrows_access(instance) for instance in session.dirty):
        after_commit(session, _bump)


@event.listens_for(Session, "do_orm_execute")
def _on_statement(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) in _WATCHED:
        after_commit(state.session, _bump)
