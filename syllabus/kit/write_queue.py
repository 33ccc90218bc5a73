"""SQLite writers take turns in a queue instead of polling for the write lock.

SQLite has one write lock. A connection that finds it taken polls for it
(`busy_timeout`: sleeps of 1, 2, 5 ... 100 ms), so with many concurrent
writers most of the time is spent asleep while the lock is free, and an
unlucky writer can lose every race for seconds. So a writer engine's
transactions first queue in their process (a thread lock) and then between
processes (an advisory lock on a file next to the database), both taken at
BEGIN and released at COMMIT/ROLLBACK: the next writer starts as soon as the
previous one is done.

`install(engine, path, timeout, begin)` wraps an engine's BEGIN IMMEDIATE
(see `syllabus.kit.db`). A writer waits for its process's turn at most
`timeout` seconds and then goes on to SQLite's own waiting; the file lock is
only held inside a transaction, and a process that dies lets go of it. A
connection returned to the pool still queued gives its turn back.

Hot write routes commit in the worker thread that did the work (see
`syllabus.api.v1.learning.record_progress`): a commit left to a dependency's
teardown needs another pool thread, and under load every pool thread may be
waiting for the turn that commit would give back.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

_QUEUED = "sqlite_write_turn"


class WriteQueue:
    """One writer at a time per database file, across threads and processes."""

    def __init__(self, database_path: str, timeout: float) -> None:
        self._turn = threading.Lock()
        self._lock_path = database_path + "-writers.lock"
        self._timeout = timeout
        self._fd: int | None = None
        self._fd_pid = 0

    def _file(self) -> int:
        # One descriptor per process: a descriptor inherited through fork
        # shares its lock with the parent and would exclude nothing.
        if self._fd is None or self._fd_pid != os.getpid():
            self._fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o600)
            self._fd_pid = os.getpid()
        return self._fd

    def acquire(self) -> bool:
        """Wait for this writer's turn; False: not queued (took too long, or no lock file)."""
        if not self._turn.acquire(timeout=self._timeout):
            return False
        try:
            # Blocking: the kernel wakes the next process as soon as the lock is free.
            fcntl.flock(self._file(), fcntl.LOCK_EX)
        except OSError:
            self._turn.release()
            return False
        return True

    def release(self) -> None:
        try:
            fcntl.flock(self._file(), fcntl.LOCK_UN)
        finally:
            self._turn.release()


def install(
    engine: Engine, database_path: str, timeout: float, begin: Callable[[Connection], None]
) -> WriteQueue:
    """Queue `engine`'s transactions: each waits for its turn, then runs `begin`
    (`BEGIN IMMEDIATE`), and gives the turn back at COMMIT, ROLLBACK or check-in."""
    queue = WriteQueue(database_path, timeout)

    def take_turn_and_begin(conn: Connection) -> None:
        if queue.acquire():
            conn.info[_QUEUED] = True
        try:
            begin(conn)
        except BaseException:
            give_back(conn)  # no COMMIT or ROLLBACK follows a failed BEGIN
            raise

    def give_back(conn: Connection) -> None:
        if conn.info.pop(_QUEUED, False):
            queue.release()

    def give_back_on_checkin(_dbapi: Any, record: Any) -> None:
        if record.info.pop(_QUEUED, False):
            queue.release()

    event.listen(engine, "begin", take_turn_and_begin)
    event.listen(engine, "commit", give_back)
    event.listen(engine, "rollback", give_back)
    event.listen(engine, "checkin", give_back_on_checkin)
    return queue
