"""The backup archive: a folder (or a `.tar.gz` of it) with a `manifest.json`.

    manifest.json        version, created_at, engine, schema revision, key table counts,
                         the database file, the queue file and every media object
    database/            syllabus.db (SQLite online backup) or syllabus.pgdump (pg_dump -Fc)
    queue/queue.db       the SQLite job queue, only when it held jobs
    media/<key>          every stored object, under its storage key

Everything in the manifest carries its size and SHA-256, so a restore can
prove it put back exactly what was saved.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from sqlalchemy import Connection, func, inspect, select, table, text

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
READ_CHUNK = 1024 * 1024
# Tables whose row counts go into the manifest and are checked after a restore.
KEY_TABLES = (
    "users",
    "courses",
    "lessons",
    "orders",
    "order_lines",
    "payments",
    "enrollments",
    "certificates",
    "media_assets",
    "outbox",
)


class BackupError(RuntimeError):
    """The backup or restore cannot go on; the message says why and what to do."""


class Progress(Protocol):
    """What the CLI's progress bars implement (one bar per phase)."""

    def phase(self, label: str, total: int) -> None: ...

    def advance(self, done: int) -> None: ...


class NoProgress:
    def phase(self, label: str, total: int) -> None:
        return None

    def advance(self, done: int) -> None:
        return None


@dataclass
class FileEntry:
    path: str  # relative to the archive root (database, queue) or storage key (media)
    size: int
    sha256: str
    content_type: str | None = None


@dataclass
class Manifest:
    app_version: str
    created_at: str
    engine: str  # "sqlite" or "postgresql"
    schema_revision: str | None
    counts: dict[str, int]
    database: FileEntry
    media_backend: str
    media: list[FileEntry] = field(default_factory=list)
    queue: FileEntry | None = None
    queue_jobs: int = 0
    format: int = FORMAT_VERSION

    def dumps(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True)

    @classmethod
    def loads(cls, raw: str) -> Manifest:
        data: dict[str, Any] = json.loads(raw)
        if data.get("format") != FORMAT_VERSION:
            raise BackupError(f"unknown backup format {data.get('format')!r}")
        data["database"] = FileEntry(**data["database"])
        data["media"] = [FileEntry(**entry) for entry in data.get("media", [])]
        data["queue"] = FileEntry(**data["queue"]) if data.get("queue") else None
        return cls(**data)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(READ_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def file_entry(root: Path, path: Path) -> FileEntry:
    return FileEntry(path.relative_to(root).as_posix(), path.stat().st_size, sha256_of(path))


def copy_hashed(source: BinaryIO, target: Path) -> tuple[int, str]:
    """Stream `source` into `target`; (bytes written, their SHA-256)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    with target.open("wb") as out:
        while chunk := source.read(READ_CHUNK):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    return size, digest.hexdigest()


def verify(root: Path, entry: FileEntry) -> Path:
    """The archived file for `entry`, once its size and hash match the manifest."""
    path = root / entry.path
    if not path.is_file():
        raise BackupError(f"the archive lacks {entry.path}")
    if path.stat().st_size != entry.size or sha256_of(path) != entry.sha256:
        raise BackupError(f"{entry.path} in the archive is damaged (size or SHA-256 differs)")
    return path


def is_tarball(path: Path) -> bool:
    return path.name.endswith((".tar.gz", ".tgz"))


@contextmanager
def writable_folder(destination: Path) -> Iterator[Path]:
    """Where to lay the archive out: `destination` itself, or a folder packed into it."""
    if destination.exists() and (not destination.is_dir() or any(destination.iterdir())):
        raise BackupError(f"{destination} already exists; choose a new path")
    if not is_tarball(destination):
        destination.mkdir(parents=True, exist_ok=True)
        yield destination
        return
    destination.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=destination.parent, prefix=".backup-") as work:
        yield Path(work)
        partial = destination.with_name(destination.name + ".partial")
        with tarfile.open(partial, "w:gz") as tar:
            tar.add(work, arcname=".")
        partial.replace(destination)  # never a half-written archive under the real name


@contextmanager
def readable_folder(source: Path) -> Iterator[Path]:
    """The archive's folder: `source` itself, or a tarball unpacked for the restore."""
    if source.is_dir():
        yield source
        return
    if not source.is_file():
        raise BackupError(f"no backup at {source}")
    with tempfile.TemporaryDirectory(prefix="syllabus-restore-") as work:
        with tarfile.open(source, "r:*") as tar:
            tar.extractall(work, filter="data")  # refuses links and paths leaving `work`
        yield Path(work)


def read_manifest(root: Path) -> Manifest:
    path = root / MANIFEST
    if not path.is_file():
        raise BackupError(f"{root} is not a Syllabus backup (no {MANIFEST})")
    return Manifest.loads(path.read_text(encoding="utf-8"))


def write_manifest(root: Path, manifest: Manifest) -> None:
    (root / MANIFEST).write_text(manifest.dumps(), encoding="utf-8")


def schema_revision(conn: Connection) -> str | None:
    if not inspect(conn).has_table("alembic_version"):
        return None
    return conn.scalar(text("SELECT version_num FROM alembic_version"))


def table_counts(conn: Connection) -> dict[str, int]:
    present = set(inspect(conn).get_table_names())
    return {
        name: int(conn.scalar(select(func.count()).select_from(table(name))) or 0)
        for name in KEY_TABLES
        if name in present
    }


def holds_data(conn: Connection) -> bool:
    """True when any key table has a row (a freshly migrated database is empty)."""
    return any(table_counts(conn).values())


def remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
