"""Media objects copied into the archive through the storage interface.

The same code serves the local folder and an S3 bucket: every object is
listed, read with its content type and written under `media/<key>` in the
archive, with its size and SHA-256 in the manifest. A restore writes each
one back through `Storage.save` after checking its hash, so a backup taken
on one backend can be restored onto the other. (Bucket versioning or
replication is a good second line for S3, but it does not survive a deleted
bucket or a wrong account; the archive does.)
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from syllabus.backup.archive import FileEntry, Progress, copy_hashed, verify
from syllabus.kit.storage import LocalStorage, S3Storage, Storage

MEDIA_FOLDER = "media"


def list_keys(storage: Storage) -> Iterator[str]:
    """Every stored object's key (a local folder's hidden temp and sidecar files are not)."""
    if isinstance(storage, S3Storage):
        pages = storage._client.get_paginator("list_objects_v2").paginate(Bucket=storage.bucket)
        for page in pages:
            for item in page.get("Contents", []):
                yield item["Key"]
        return
    if isinstance(storage, LocalStorage):
        for dirpath, dirs, filenames in os.walk(storage.root):
            dirs[:] = sorted(name for name in dirs if not name.startswith("."))
            folder = Path(dirpath).relative_to(storage.root).as_posix()
            for name in sorted(filenames):
                if not name.startswith("."):
                    yield name if folder == "." else f"{folder}/{name}"
        return
    raise TypeError(f"cannot list the objects of {type(storage).__name__}")


def backend_name(storage: Storage) -> str:
    return "s3" if isinstance(storage, S3Storage) else "local"


def has_objects(storage: Storage) -> bool:
    return next(list_keys(storage), None) is not None


def back_up(storage: Storage, root: Path, progress: Progress) -> list[FileEntry]:
    keys = list(list_keys(storage))
    progress.phase("Copying media", len(keys))
    entries = []
    for key in keys:
        content_type = storage.content_type(key)
        with storage.open(key) as source:
            size, digest = copy_hashed(source, root / MEDIA_FOLDER / key)
        entries.append(FileEntry(key, size, digest, content_type))
        progress.advance(1)
    return entries


def restore(storage: Storage, root: Path, entries: list[FileEntry], progress: Progress) -> None:
    progress.phase("Restoring media", len(entries))
    for entry in entries:
        archived = FileEntry(f"{MEDIA_FOLDER}/{entry.path}", entry.size, entry.sha256)
        with verify(root, archived).open("rb") as source:
            storage.save(entry.path, source, entry.content_type)
        progress.advance(1)
