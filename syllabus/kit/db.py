"""Database engine, declarative base and the unit-of-work session.

One `Database` per process. A request or a job gets one `Session` from
`Database.session_scope()`: it commits once on success and rolls back on
error; services in between only `flush()`.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, MetaData, String, TypeDecorator, create_engine, event, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

from syllabus.kit import write_queue

# Stable constraint names so Alembic migrations are the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    return str(uuid.uuid4())


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every engine (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given; use timezone-aware UTC datetimes")
        if value is not None and dialect.name == "sqlite":
            return value.astimezone(UTC).replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class IdMixin:
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow, nullable=False
    )


def _sqlite_pragmas(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_manual_transactions(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    # pysqlite's own implicit BEGIN is turned off so the "begin" event owns it.
    dbapi_connection.isolation_level = None


def _sqlite_begin_immediate(conn: Any) -> None:
    # Take the write lock at BEGIN so two writers queue on busy_timeout
    # instead of failing with "database is locked" on lock upgrade.
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def build_engine(
    url: str, *, pool_size: int = 10, echo: bool = False, writer: bool = True
) -> Engine:
    """An engine for `url`.

    On SQLite the writer engine begins every transaction IMMEDIATE, so
    concurrent writers wait on busy_timeout instead of failing on a lock
    upgrade; the reader engine keeps deferred transactions so hot read
    paths never queue behind a writer (WAL lets them read meanwhile).
    """
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"check_same_thread": False, "timeout": 10},
            pool_size=pool_size,
            max_overflow=pool_size * 2,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        if writer:
            event.listen(engine, "connect", _sqlite_manual_transactions)
            if path and path != ":memory:":
                # Writers take turns instead of polling for the lock (kit/write_queue.py).
                write_queue.install(engine, path, 10, _sqlite_begin_immediate)
            else:
                event.listen(engine, "begin", _sqlite_begin_immediate)
        return engine
    return create_engine(
        url,
        echo=echo,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        pool_recycle=1800,
    )


_AFTER_COMMIT = "after_commit_callbacks"


def after_commit(session: Session, callback: Callable[[], None]) -> None:
    """Run `callback` once this session's transaction commits (never if it rolls back).

    For in-process effects such as cache invalidation: done after the
    commit, a concurrent read cannot re-cache the old state.
    """
    session.info.setdefault(_AFTER_COMMIT, []).append(callback)


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    for callback in session.info.pop(_AFTER_COMMIT, []):
        try:
            callback()
        except Exception:
            logging.getLogger("syllabus.db").exception("after-commit callback failed")


@event.listens_for(Session, "after_rollback")
def _drop_after_rollback(session: Session) -> None:
    session.info.pop(_AFTER_COMMIT, None)


_READ_ONLY = "read_only"


class ReadOnlySessionError(RuntimeError):
    """A change was made through a read session (a route declared read-only writes)."""


@event.listens_for(Session, "before_flush")
def _refuse_flush(session: Session, _context: Any, _instances: Any) -> None:
    _refuse_writes(session)


def _refuse_writes(session: Session) -> None:
    if session.info.get(_READ_ONLY) and (session.new or session.dirty or session.deleted):
        raise ReadOnlySessionError("a read session cannot change rows; use a unit of work")


class Database:
    """The engine plus a session factory; replaceable in tests."""

    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.url = url
        self.engine = build_engine(url, pool_size=pool_size)
        # Hot read paths (Core selects) use this; on PostgreSQL it is the
        # same engine, and the seam where a read replica can plug in.
        self.read_engine = (
            build_engine(url, pool_size=pool_size, writer=False)
            if url.startswith("sqlite")
            else self.engine
        )
        self.session_factory: sessionmaker[Session] = sessionmaker(
            bind=self.engine, expire_on_commit=False, autoflush=True
        )

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def session_scope(self) -> Iterator[Session]:
        """One unit of work: commit on success, roll back on any error."""
        session = self.session_factory()
        try:
            yield session
            session.commit()
        except BaseException as exc:
            if getattr(exc, "keeps_changes", False):
                session.commit()
            else:
                session.rollback()
            raise
        finally:
            session.close()

    @contextmanager
    def read_session(self) -> Iterator[Session]:
        """An ORM session for reading only, on the reader connection.

        On SQLite a unit of work takes the write lock at its first statement,
        so a read-only request on `session_scope` would queue behind every
        writer; this session never does. Changing anything through it raises
        `ReadOnlySessionError` instead of being silently dropped.
        """
        with self.read_connection() as conn, Session(bind=conn, autoflush=False) as session:
            session.info[_READ_ONLY] = True
            yield session
            _refuse_writes(session)

    @contextmanager
    def read_connection(self) -> Iterator[Connection]:
        """A connection for hot Core reads that never waits behind a writer."""
        with self.read_engine.connect() as conn:
            yield conn

    def ping(self) -> None:
        with self.read_connection() as conn:
            conn.execute(text("SELECT 1"))

    def dispose(self) -> None:
        self.engine.dispose()
        if self.read_engine is not self.engine:
            self.read_engine.dispose()
