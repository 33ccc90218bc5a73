"""Bulk writes for the generator: one connection, one transaction per chunk, no ORM.

- SQLite: `executemany` on the sqlite3 connection under SQLAlchemy's
  (`conn.connection.driver_connection`). During the load the connection
  runs with `synchronous=OFF`, the rollback journal in memory instead of
  the WAL (when no other connection is open), a 512 MiB page cache,
  temporary data in memory and foreign-key checks off (every reference is made by the
  generator itself, and checking ~30 million of them would double the
  time); the usual settings are restored at the end. Secondary indexes stay:
  ids ascend in insertion order, so each index is only appended to, which
  measured as fast as dropping and rebuilding them (and keeps the schema
  exactly as migrated). No ANALYZE: nothing in the application runs it on
  SQLite, so the benchmark plans are those of a real embedded install.
- PostgreSQL: `COPY ... FROM STDIN` through psycopg 3, with
  `synchronous_commit=off` and, when the role may (a superuser), foreign-key
  triggers skipped (`session_replication_role=replica`) for the same reason
  as on SQLite; then ANALYZE, as autovacuum would soon do.

The search index is written through the search backend's own bulk `load`,
so its documents are exactly those `syllabus reindex` would build.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import func, select, union_all
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from syllabus.benchdata.tables import COLUMNS
from syllabus.catalog.listing import recount_facets
from syllabus.search.backends import (
    SearchDocument,
    backend_for,
    sqlite_docs,
    sqlite_fts,
    sqlite_titles,
)

Row = tuple[Any, ...]
SQLITE_CACHE_KIB = 512 * 1024
ANALYZED = ("users", "courses", "sections", "lessons", "enrollments", "lesson_progress", "reviews")


class BulkLoader(ABC):
    """Writes row tuples (in `tables.COLUMNS` order) through one connection."""

    # Appended to stored timestamps (see ids.Clock).
    timestamp_suffix = ""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.driver: Any = conn.connection.driver_connection
        self._next_document = 1

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self.conn.begin():
            yield

    @abstractmethod
    def prepare(self) -> None:
        """Tune the connection for the load (outside any transaction)."""

    @abstractmethod
    def insert(self, table: str, rows: Sequence[Row]) -> None:
        """Write rows inside the current transaction."""

    @abstractmethod
    def finish(self) -> None:
        """Restore the connection's settings and leave the database ready to serve."""

    def index(self, documents: Sequence[SearchDocument]) -> None:
        """Add these published courses to the search index (inside the current transaction)."""
        if not documents:
            return
        session = Session(bind=self.conn)
        try:
            backend_for(self.conn).load(session, documents, first=self._next_document)
        finally:
            session.close()
        self._next_document += len(documents)


class SqliteLoader(BulkLoader):
    def __init__(self, conn: Connection) -> None:
        super().__init__(conn)
        self._left_wal = False

    def prepare(self) -> None:
        # Out of WAL while loading: each page is written once instead of to the log and then
        # to the file. Only possible with no other connection open; else the load stays in WAL.
        mode = self.driver.execute("PRAGMA journal_mode=MEMORY").fetchone()[0]
        self._left_wal = str(mode).lower() == "memory"
        # PRAGMA foreign_keys is ignored inside a transaction: run these before any.
        for pragma in (
            "synchronous=OFF",
            "foreign_keys=OFF",
            f"cache_size=-{SQLITE_CACHE_KIB}",
            "temp_store=MEMORY",
        ):
            self.driver.execute(f"PRAGMA {pragma}")
        # The FTS tables keep rows of deleted courses: number new documents after any.
        with self.transaction():
            ids = union_all(
                select(func.max(sqlite_docs.c.id)),
                select(func.max(sqlite_fts.c.rowid)),
                select(func.max(sqlite_titles.c.rowid)),
            )
            found = [row[0] for row in self.conn.execute(ids) if row[0] is not None]
        self._next_document = max(found, default=0) + 1

    def insert(self, table: str, rows: Sequence[Row]) -> None:
        if not rows:
            return
        columns = COLUMNS[table]
        marks = ", ".join("?" * len(columns))
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
        self.driver.executemany(sql, rows)

    def finish(self) -> None:
        for pragma in (
            "synchronous=NORMAL",
            "foreign_keys=ON",
            "cache_size=-2000",
            "temp_store=DEFAULT",
            "journal_mode=WAL" if self._left_wal else "wal_checkpoint(TRUNCATE)",
        ):
            self.driver.execute(f"PRAGMA {pragma}")


class PostgresLoader(BulkLoader):
    timestamp_suffix = "+00"

    def prepare(self) -> None:
        with self.transaction():
            self.conn.exec_driver_sql("SET synchronous_commit = off")
            if self.conn.exec_driver_sql("SHOW is_superuser").scalar() == "on":
                self.conn.exec_driver_sql("SET session_replication_role = replica")

    def insert(self, table: str, rows: Sequence[Row]) -> None:
        if not rows:
            return
        statement = f"COPY {table} ({', '.join(COLUMNS[table])}) FROM STDIN"
        with self.driver.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)

    def finish(self) -> None:
        with self.transaction():
            self.conn.exec_driver_sql("RESET session_replication_role")
            self.conn.exec_driver_sql("RESET synchronous_commit")
            # Triggers may have been skipped: count the catalog's kept facets now.
            recount_facets(self.conn)
            for table in (*ANALYZED, "course_search"):
                self.conn.exec_driver_sql(f"ANALYZE {table}")


def loader_for(conn: Connection) -> BulkLoader:
    if conn.dialect.name == "sqlite":
        return SqliteLoader(conn)
    if conn.dialect.name == "postgresql":
        return PostgresLoader(conn)
    raise LookupError(f"no bulk loader for the {conn.dialect.name!r} database")
