"""Counting the SQL statements a piece of work sends (the N+1 guard of the hot pages)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from syllabus.kit.runtime import Runtime


@contextmanager
def counted_statements(runtime: Runtime) -> Iterator[list[str]]:
    """The statements sent on the runtime's engine while the block runs, in order."""
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(runtime.db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(runtime.db.engine, "before_cursor_execute", count)
