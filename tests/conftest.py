"""Test harness: one migrated database per test session, each test in a rolled-back transaction.

The same suite runs on the embedded defaults (SQLite, memory cache, SQLite
queue) and, when `SYLLABUS_DATABASE_URL` / `SYLLABUS_REDIS_URL` are set, on
PostgreSQL and Redis: a fresh PostgreSQL database is created for the
session and dropped afterwards.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

# Settings are read from the environment at import time (the job queue is
# built on import), so the session's data folder is chosen before anything
# from syllabus is imported.
_SESSION_DIR = Path(tempfile.mkdtemp(prefix="syllabus-test-"))
os.environ["SYLLABUS_DATA_DIR"] = str(_SESSION_DIR)
os.environ.setdefault("SYLLABUS_ENV", "test")
os.environ.setdefault("SYLLABUS_LOG_LEVEL", "WARNING")
_SERVER_DATABASE_URL = os.environ.pop("SYLLABUS_DATABASE_URL", None)

import pytest  # noqa: E402
from fastapi import FastAPI  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import Connection, make_url  # noqa: E402
from sqlalchemy.orm import Session, sessionmaker  # noqa: E402

from syllabus.config import Settings, get_settings  # noqa: E402
from syllabus.kit import queue  # noqa: E402
from syllabus.kit.db import Database  # noqa: E402
from syllabus.kit.migrate import upgrade  # noqa: E402
from syllabus.kit.runtime import Runtime, set_runtime  # noqa: E402

pytest_plugins = ["tests.support.redis_server"]


def _create_server_database(server_url: str) -> tuple[str, Callable[[], None]]:
    """A fresh PostgreSQL database for this session, and how to drop it."""
    url = make_url(server_url).set(drivername="postgresql+psycopg")
    name = f"syllabus_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url.set(database=name).render_as_string(hide_password=False), drop


def fresh_database_url(label: str) -> tuple[str, Callable[[], None]]:
    """An empty database on the engine under test, and how to drop it."""
    if _SERVER_DATABASE_URL:
        return _create_server_database(_SERVER_DATABASE_URL)
    path = _SESSION_DIR / f"{label}-{uuid.uuid4().hex[:8]}.db"
    return f"sqlite:///{path}", lambda: None


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    url, drop = fresh_database_url("test")
    yield url
    drop()


@pytest.fixture(scope="session")
def base_settings(database_url: str) -> Settings:
    get_settings.cache_clear()
    return get_settings().model_copy(update={"database_url": database_url})


@pytest.fixture(scope="session")
def database(base_settings: Settings) -> Iterator[Database]:
    upgrade(base_settings.resolved_database_url)
    db = Database(base_settings.resolved_database_url, pool_size=5)
    yield db
    db.dispose()


@pytest.fixture
def settings(base_settings: Settings, tmp_path: Path) -> Settings:
    """Per-test settings: media and mail land in the test's own folder."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    return base_settings.model_copy(update={"data_dir": data_dir})


class RollbackDatabase(Database):
    """A Database whose sessions all live inside one outer transaction that the test rolls back."""

    def __init__(self, outer: Database, connection: Connection) -> None:
        self.url = outer.url
        self.engine = outer.engine
        self.read_engine = outer.engine
        self.connection = connection
        self.session_factory = sessionmaker(
            bind=connection,
            expire_on_commit=False,
            join_transaction_mode="create_savepoint",
        )

    @contextmanager
    def read_connection(self) -> Iterator[Connection]:
        yield self.connection

    def dispose(self) -> None:
        return None


@pytest.fixture
def runtime(database: Database, settings: Settings) -> Iterator[Runtime]:
    connection = database.engine.connect()
    transaction = connection.begin()
    rt = Runtime(settings, RollbackDatabase(database, connection))
    set_runtime(rt)
    queue.flush()
    if settings.redis_url:
        rt.cache.clear()
        rt.rate_limiter.clear_all()
    try:
        yield rt
    finally:
        set_runtime(None)
        queue.flush()
        transaction.rollback()
        connection.close()


@pytest.fixture
def db(runtime: Runtime) -> Iterator[Session]:
    """A session in the test's transaction, for arranging data and checking results."""
    session = runtime.db.session_factory()
    yield session
    session.close()


@pytest.fixture
def app(runtime: Runtime, settings: Settings) -> FastAPI:
    from syllabus.app import create_app

    return create_app(settings, runtime=runtime)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://testserver") as test_client:
        yield test_client


@pytest.fixture
def run_jobs(runtime: Runtime) -> Callable[[], int]:
    """Run every queued job (real queue storage) in this thread; returns how many ran."""
    return lambda: queue.drain()


# A runtime on a database of its own where every session really commits: for
# races (concurrent webhooks, the last coupon use, simultaneous progress
# writes) that the per-test rollback database cannot show. The database is
# module-scoped (a migration per module); tests using it create their own
# users and courses.
@pytest.fixture(scope="module")
def committed_database_url(base_settings: Settings) -> Iterator[str]:
    url, drop = fresh_database_url("committed")
    upgrade(url)
    yield url
    drop()


@pytest.fixture
def committed_runtime(
    committed_database_url: str, base_settings: Settings, tmp_path: Path
) -> Iterator[Runtime]:
    data_dir = tmp_path / "committed"
    data_dir.mkdir()
    settings = base_settings.model_copy(
        update={"database_url": committed_database_url, "data_dir": data_dir}
    )
    runtime = Runtime(settings)
    set_runtime(runtime)
    queue.flush()
    try:
        yield runtime
    finally:
        set_runtime(None)
        queue.flush()
        runtime.close()
