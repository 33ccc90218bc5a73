"""SQLite files copied with sqlite3's online backup API, safe while the app runs.

The API copies a consistent snapshot page by page, including what still sits
in the write-ahead log, without stopping writers for long. Restores write a
new file beside the target and rename it into place, after removing the
target's old WAL and shared-memory files, which belong to the replaced file.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from pathlib import Path

from syllabus.backup.archive import BackupError

PAGES_PER_STEP = 1024


def database_path(url: str) -> Path:
    path = url.split("///", 1)[-1]
    if not path or path == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(path)


def backup_file(source: Path, target: Path) -> None:
    """A consistent copy of the live database `source` at `target`."""
    if not source.is_file():
        raise BackupError(f"no SQLite database at {source}")
    target.parent.mkdir(parents=True, exist_ok=True)
    with (
        closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)) as src,
        closing(sqlite3.connect(target)) as dst,
    ):
        src.backup(dst, pages=PAGES_PER_STEP)
        # One self-contained file in the archive: no -wal beside it.
        dst.execute("PRAGMA journal_mode=DELETE")
        check = dst.execute("PRAGMA quick_check").fetchone()[0]
    if check != "ok":
        raise BackupError(f"the copy of {source} failed its integrity check: {check}")


def restore_file(source: Path, target: Path) -> None:
    """Put the archived database `source` in place of `target` (which may not exist)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.restoring")
    partial.unlink(missing_ok=True)
    with (
        closing(sqlite3.connect(source)) as src,
        closing(sqlite3.connect(partial)) as dst,
    ):
        src.backup(dst, pages=PAGES_PER_STEP)
    for suffix in ("-wal", "-shm", "-journal"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    os.replace(partial, target)


def pending_jobs(queue_file: Path) -> int:
    """Jobs waiting in a Huey SQLite queue (queued or scheduled); 0 without a queue file."""
    if not queue_file.is_file():
        return 0
    with closing(sqlite3.connect(f"file:{queue_file}?mode=ro", uri=True, timeout=30)) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        return sum(
            int(conn.execute(f"SELECT count(*) FROM {name}").fetchone()[0])
            for name in ("task", "schedule")
            if name in tables
        )
