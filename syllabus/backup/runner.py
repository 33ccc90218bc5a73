"""Backing up and restoring a deployment: the database, pending jobs and media together.

The database is copied first and the media after it, so every file a
backed-up row names is in the archive (at worst with a few newer files
that no row names yet).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, create_engine

from syllabus import __version__
from syllabus.backup import media, postgres, sqlite
from syllabus.backup.archive import (
    BackupError,
    FileEntry,
    Manifest,
    NoProgress,
    Progress,
    file_entry,
    holds_data,
    read_manifest,
    readable_folder,
    schema_revision,
    table_counts,
    verify,
    writable_folder,
    write_manifest,
)
from syllabus.kit.migrate import alembic_config, upgrade
from syllabus.kit.runtime import Runtime

SQLITE_FILE = "database/syllabus.db"
PG_FILE = "database/syllabus.pgdump"
QUEUE_FILE = "queue/queue.db"


@dataclass(frozen=True)
class RestoreReport:
    manifest: Manifest
    migrated_from: str | None  # the archive's revision when the restore upgraded it
    queue_restored: bool
    notes: list[str]


def _engine_name(url: str) -> str:
    return "sqlite" if url.startswith("sqlite") else "postgresql"


@contextmanager
def _connect(url: str) -> Iterator[Connection | None]:
    """A short-lived connection, or None for a SQLite file that does not exist yet."""
    if url.startswith("sqlite") and not sqlite.database_path(url).exists():
        yield None
        return
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


def create_backup(
    runtime: Runtime, destination: Path, progress: Progress | None = None
) -> Manifest:
    """Write a backup of `runtime`'s deployment to `destination` (folder or .tar.gz)."""
    progress = progress or NoProgress()
    settings = runtime.settings
    url = settings.resolved_database_url
    engine = _engine_name(url)
    with writable_folder(destination) as root:
        progress.phase("Copying the database", 1)
        with _connect(url) as conn:
            if conn is None:
                raise BackupError(f"no database at {url}; nothing to back up")
            revision, counts = schema_revision(conn), table_counts(conn)
        if engine == "sqlite":
            sqlite.backup_file(sqlite.database_path(url), root / SQLITE_FILE)
            database = file_entry(root, root / SQLITE_FILE)
        else:
            postgres.dump(url, root / PG_FILE)
            database = file_entry(root, root / PG_FILE)
        progress.advance(1)

        queue_entry, queue_jobs = None, 0
        if not settings.redis_url:
            queue_jobs = sqlite.pending_jobs(settings.queue_path)
            if queue_jobs:
                sqlite.backup_file(settings.queue_path, root / QUEUE_FILE)
                queue_entry = file_entry(root, root / QUEUE_FILE)

        manifest = Manifest(
            app_version=__version__,
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
            engine=engine,
            schema_revision=revision,
            counts=counts,
            database=database,
            media_backend=media.backend_name(runtime.storage),
            media=media.back_up(runtime.storage, root, progress),
            queue=queue_entry,
            queue_jobs=queue_jobs,
        )
        write_manifest(root, manifest)
    return manifest


def _check_revision(revision: str | None) -> bool:
    """True when the archive's schema is older than the code's (a migration will follow)."""
    scripts = ScriptDirectory.from_config(alembic_config())
    head = scripts.get_current_head()
    if revision == head:
        return False
    if revision is None:
        raise BackupError("the backup's database has no schema revision; it was never migrated")
    try:
        known = scripts.get_revision(revision)
    except CommandError:
        known = None
    if known is None:
        raise BackupError(
            f"the backup is at schema revision {revision}, which this version of Syllabus "
            "does not know (a backup of a newer version?); restore it with that version"
        )
    return True


def _refuse_non_empty(runtime: Runtime, url: str) -> None:
    problems = []
    with _connect(url) as conn:
        if conn is not None and holds_data(conn):
            problems.append("the database holds data")
    if media.has_objects(runtime.storage):
        problems.append("the media storage holds files")
    if not runtime.settings.redis_url and sqlite.pending_jobs(runtime.settings.queue_path):
        problems.append("the job queue holds jobs")
    if problems:
        raise BackupError(
            "refusing to restore over a deployment in use: "
            + ", ".join(problems)
            + "; restore into an empty one, or pass --force to replace it"
        )


def _verify_all(root: Path, manifest: Manifest, progress: Progress) -> None:
    entries = [manifest.database, *([manifest.queue] if manifest.queue else [])]
    entries += [
        FileEntry(f"{media.MEDIA_FOLDER}/{entry.path}", entry.size, entry.sha256)
        for entry in manifest.media
    ]
    progress.phase("Checking the archive", len(entries))
    for entry in entries:
        verify(root, entry)
        progress.advance(1)


def restore_backup(
    runtime: Runtime, source: Path, *, force: bool = False, progress: Progress | None = None
) -> RestoreReport:
    """Put the backup at `source` into `runtime`'s deployment (stop the servers first)."""
    progress = progress or NoProgress()
    settings = runtime.settings
    url = settings.resolved_database_url
    notes: list[str] = []
    with readable_folder(source) as root:
        manifest = read_manifest(root)
        if manifest.engine != _engine_name(url):
            raise BackupError(
                f"the backup holds a {manifest.engine} database but the target is "
                f"{_engine_name(url)}; restore onto the same engine"
            )
        needs_migration = _check_revision(manifest.schema_revision)
        if not force:
            _refuse_non_empty(runtime, url)
        _verify_all(root, manifest, progress)  # nothing is replaced from a damaged archive

        progress.phase("Restoring the database", 1)
        archived = verify(root, manifest.database)
        runtime.db.dispose()  # no pooled connection may outlive the replaced database
        if manifest.engine == "sqlite":
            sqlite.restore_file(archived, sqlite.database_path(url))
        else:
            postgres.restore(url, archived)
        progress.advance(1)

        queue_restored = False
        if manifest.queue is not None:
            if settings.redis_url:
                notes.append(
                    f"{manifest.queue_jobs} queued job(s) were in the SQLite queue; the target "
                    "queues on Redis, so only the outbox sweep re-sends unfinished work"
                )
            else:
                sqlite.restore_file(verify(root, manifest.queue), settings.queue_path)
                queue_restored = True

        media.restore(runtime.storage, root, manifest.media, progress)

    if needs_migration:
        progress.phase("Upgrading the schema", 1)
        upgrade(url)
        progress.advance(1)
    with _connect(url) as conn:
        counts = table_counts(conn) if conn is not None else {}
    missing = {
        name: (expected, counts.get(name))
        for name, expected in manifest.counts.items()
        if counts.get(name) != expected
    }
    if missing:
        raise BackupError(f"restored row counts differ from the backup's: {missing}")
    runtime.cache.clear()  # nothing cached from the replaced data may be served
    return RestoreReport(
        manifest=manifest,
        migrated_from=manifest.schema_revision if needs_migration else None,
        queue_restored=queue_restored,
        notes=notes,
    )
