"""Read sessions: see what is committed, never take the write lock, refuse changes."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from syllabus.accounts.models import User
from syllabus.kit.db import ReadOnlySessionError
from syllabus.kit.runtime import Runtime
from tests.factories import make_user


def test_a_read_session_sees_committed_rows(committed_runtime: Runtime) -> None:
    with committed_runtime.db.session_scope() as session:
        user = make_user(session, name="Reader Visible")
        user_id = user.id
    with committed_runtime.db.read_session() as reader:
        assert reader.scalar(select(User.name).where(User.id == user_id)) == "Reader Visible"


def test_a_read_session_refuses_a_change_and_nothing_is_stored(
    committed_runtime: Runtime,
) -> None:
    with committed_runtime.db.session_scope() as session:
        user_id = make_user(session, name="Before").id
    with committed_runtime.db.read_session() as reader:
        found = reader.get(User, user_id)
        assert found is not None
        found.name = "After"
        with pytest.raises(ReadOnlySessionError):
            reader.flush()
        reader.rollback()
    with committed_runtime.db.read_session() as reader:
        assert reader.scalar(select(User.name).where(User.id == user_id)) == "Before"


def test_a_read_session_reads_while_a_writer_holds_the_lock(committed_runtime: Runtime) -> None:
    with committed_runtime.db.session_scope() as session:
        user_id = make_user(session, name="Locked Out").id
    db = committed_runtime.db
    with db.session_scope() as writer:
        writer.get(User, user_id).name = "Renamed"  # type: ignore[union-attr]
        writer.flush()  # the write lock is held (SQLite) until the commit
        with db.read_session() as reader:
            # Answered at once from the last commit, not after the writer.
            assert reader.scalar(select(User.name).where(User.id == user_id)) == "Locked Out"


def test_leaving_a_read_session_with_an_unsaved_change_raises(committed_runtime: Runtime) -> None:
    with committed_runtime.db.session_scope() as session:
        user_id = make_user(session, name="Kept").id
    scope = committed_runtime.db.read_session()
    reader = scope.__enter__()
    found = reader.get(User, user_id)
    assert found is not None
    found.name = "Dropped"  # autoflush is off: only the session's end sees it
    with pytest.raises(ReadOnlySessionError):
        scope.__exit__(None, None, None)
    with committed_runtime.db.read_session() as again:
        assert again.scalar(select(User.name).where(User.id == user_id)) == "Kept"
