"""SQL statements per request, counted in-process on the real app and database.

The app is built with `create_app` on the benchmark's database with the cache
off, and driven with Starlette's TestClient, so every request reaches the
database. Statements are counted on every engine the runtime holds (on SQLite
hot reads use a second, read-only engine). Transaction control (BEGIN,
COMMIT, ...) is not a query and is left out.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


def is_query(statement: str) -> bool:
    """False for transaction control statements, True for everything else."""
    words = statement.lstrip().split(None, 1)
    return bool(words) and words[0].upper() not in TRANSACTION_CONTROL


@contextmanager
def counting(engines: Iterable[Engine]) -> Iterator[list[str]]:
    """The queries sent on any of `engines` while the block runs, in order."""
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if is_query(statement):
            statements.append(statement)

    distinct = list({id(engine): engine for engine in engines}.values())
    for engine in distinct:
        event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        for engine in distinct:
            event.remove(engine, "before_cursor_execute", record)


@dataclass
class Counted:
    path: str
    status: int
    statements: int


def statements_per_request(database_url: str, paths: list[str]) -> list[Counted]:
    """Each path's statement count on an app with the cache disabled (second of two reads).

    The first read of each path warms what a process prepares once (compiled
    statements, lazily built objects); the count is taken on the second. The
    rest of the settings come from the environment, as the server's do.
    """
    # Imported here: only this scenario needs the application in-process.
    with warnings.catch_warnings():
        # Starlette suggests another client package; httpx is the one installed here.
        warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
        from starlette.testclient import TestClient

    import syllabus.kit.runtime as runtime_module
    from syllabus.app import create_app
    from syllabus.config import Settings

    settings = Settings(database_url=database_url, cache_enabled=False, log_level="WARNING")
    runtime = runtime_module.Runtime(settings)
    previous = runtime_module._runtime
    try:
        client = TestClient(create_app(settings, runtime=runtime))
        engines = [runtime.db.engine, runtime.db.read_engine]
        found = []
        for path in paths:
            client.get(path)
            with counting(engines) as statements:
                response = client.get(path)
            found.append(Counted(path, response.status_code, len(statements)))
        return found
    finally:
        runtime_module.set_runtime(previous)
        runtime.close()
