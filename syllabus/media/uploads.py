"""Single-shot uploads: one request carries the whole file.

The type is sniffed from the first bytes, the size is capped per purpose
while the bytes stream to storage (a video never sits in memory), and a
refused or failed upload keeps nothing: partial objects are deleted at
once, stored ones when the transaction rolls back.

- thumbnails are re-encoded into the sizes the pages show (no original kept), ready at once;
- attachments are stored as sent, ready at once;
- videos are stored as sent, status `uploaded`, and handed to transcoding after the commit.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import BinaryIO, cast

from sqlalchemy.orm import Session

from syllabus.accounts.actor import Actor
from syllabus.catalog.thumbnails import THUMBNAIL_SIZE
from syllabus.config import Settings
from syllabus.kit.db import new_id, utcnow
from syllabus.kit.errors import Forbidden, InvalidInput, PayloadTooLarge
from syllabus.kit.images import MAX_IMAGE_BYTES, read_capped, render_fitted, replace_stored_file
from syllabus.kit.logging import get_logger
from syllabus.kit.runtime import Runtime
from syllabus.kit.storage import CHUNK_SIZE, Storage, StorageTooLarge
from syllabus.media import keys
from syllabus.media.errors import EmptyFile
from syllabus.media.models import PURPOSES, READY, UPLOADED, VIDEO_PURPOSES, MediaAsset
from syllabus.media.sniffing import PrefixedStream, Readable, accepted_type, read_head
from syllabus.media.tasks import queue_transcode

log = get_logger("syllabus.media.uploads")

# The sizes pages need: the course card and landing page, and small lists.
IMAGE_SIZES: dict[str, tuple[int, int]] = {"large": THUMBNAIL_SIZE, "small": (320, 180)}
MAX_FILENAME = 255
DEFAULT_FILENAME = "file"

_WHAT = {
    "lesson_video": "Lesson videos",
    "promo_video": "Promo videos",
    "thumbnail": "Thumbnails",
    "attachment": "Attachments",
}


@dataclass
class StoredFiles:
    """What `store_files` put in storage for one asset."""

    size_bytes: int = 0
    source_key: str | None = None
    image_keys: dict[str, str] = field(default_factory=dict)

    @property
    def keys(self) -> list[str]:
        return [*([self.source_key] if self.source_key else []), *self.image_keys.values()]


# ------------------------------------------------------------------- checks


def require_uploader(actor: Actor) -> None:
    if not actor.is_instructor:
        raise Forbidden("Only instructors can upload media.", code="not_instructor")


def check_purpose(purpose: str) -> None:
    if purpose not in PURPOSES:
        raise InvalidInput(
            f"purpose must be one of {', '.join(PURPOSES)}.", code="invalid_media_purpose"
        )


def size_limit(settings: Settings, purpose: str) -> int:
    """The most bytes a file of this purpose may have."""
    if purpose in VIDEO_PURPOSES:
        return settings.max_video_bytes
    if purpose == "attachment":
        return settings.max_attachment_bytes
    return MAX_IMAGE_BYTES


def too_large(purpose: str, limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"{_WHAT.get(purpose, 'Files')} are limited to {human_size(limit)}.")


def human_size(n: int) -> str:
    for unit, size in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if n >= size:
            value = n / size
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{n} bytes"


def clean_filename(name: str | None) -> str:
    """The name to show and offer as the download name: no folders, no control characters.

    `../../etc/passwd` becomes `passwd`; format characters (a right-to-left override
    disguising `gpj.exe` as `exe.jpg`) are dropped too.
    """
    text = unicodedata.normalize("NFC", name or "")
    text = text.replace("\\", "/").rsplit("/", 1)[-1]
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf"))
    text = text.strip().strip(".").strip()
    if not text:
        return DEFAULT_FILENAME
    if len(text) > MAX_FILENAME:
        stem, dot, extension = text.rpartition(".")
        if dot and stem and len(extension) <= 16:
            text = f"{stem[: MAX_FILENAME - len(extension) - 1]}.{extension}"
        else:
            text = text[:MAX_FILENAME]
    return text


# ------------------------------------------------------------------- storing


class _CappedReader:
    """Passes the stream through and refuses it once it grows past `limit` bytes."""

    def __init__(self, stream: Readable, limit: int, refuse: Callable[[], Exception]) -> None:
        self._stream, self._limit, self._refuse, self.count = stream, limit, refuse, 0

    def read(self, size: int = -1) -> bytes:
        data = self._stream.read(size if size is not None and size >= 0 else CHUNK_SIZE)
        self.count += len(data)
        if self.count > self._limit:
            raise self._refuse()
        return data


def save_capped(
    storage: Storage,
    key: str,
    stream: Readable,
    content_type: str,
    limit: int,
    refuse: Callable[[], Exception],
) -> int:
    """Stream into `key`, at most `limit` bytes; on any failure no object is left behind."""
    reader = _CappedReader(stream, limit, refuse)
    try:
        storage.save(key, cast(BinaryIO, reader), content_type)
    except BaseException as exc:
        delete_quietly(storage, [key])
        if isinstance(exc, StorageTooLarge):
            raise refuse() from exc
        raise
    return reader.count


def store_files(
    rt: Runtime, asset_id: str, purpose: str, content_type: str, stream: Readable
) -> StoredFiles:
    """Put one asset's files in storage (no database work); nothing stays if it fails."""
    limit = size_limit(rt.settings, purpose)
    stored = StoredFiles()
    if purpose == "thumbnail":
        data = read_capped(cast(BinaryIO, stream), limit, what=_WHAT[purpose])
        # Every size is encoded before any is stored: a bomb or a broken file stores nothing.
        encoded = {name: render_fitted(data, size) for name, size in IMAGE_SIZES.items()}
        try:
            for name, webp in encoded.items():
                key = keys.image_key(asset_id, name)
                rt.storage.save_bytes(key, webp, "image/webp")
                stored.image_keys[name] = key
        except BaseException:
            delete_quietly(rt.storage, stored.keys)
            raise
        stored.size_bytes = len(data)
        return stored
    key = keys.source_key(asset_id)
    count = save_capped(
        rt.storage, key, stream, content_type, limit, lambda: too_large(purpose, limit)
    )
    if count == 0:
        delete_quietly(rt.storage, [key])
        raise EmptyFile("The file is empty.")
    stored.source_key, stored.size_bytes = key, count
    return stored


def delete_quietly(storage: Storage, stored_keys: list[str]) -> None:
    for key in stored_keys:
        try:
            storage.delete(key)
        except Exception:  # an orphaned object is harmless; hiding the real error is not
            log.warning("media.delete_failed", key=key, exc_info=True)


def add_asset(
    session: Session,
    *,
    asset_id: str,
    owner_id: str,
    purpose: str,
    filename: str,
    content_type: str,
    stored: StoredFiles,
) -> MediaAsset:
    """The asset row for stored files; a video is queued for transcoding on commit."""
    is_video = purpose in VIDEO_PURPOSES
    asset = MediaAsset(
        id=asset_id,
        owner_id=owner_id,
        purpose=purpose,
        status=UPLOADED if is_video else READY,
        filename=filename,
        content_type="image/webp" if purpose == "thumbnail" else content_type,
        size_bytes=stored.size_bytes,
        source_key=stored.source_key,
        image_keys=dict(stored.image_keys),
        renditions=[],
        progress_percent=0 if is_video else 100,
        ready_at=None if is_video else utcnow(),
    )
    session.add(asset)
    session.flush()
    if is_video:
        queue_transcode(session, asset.id)
    return asset


# ------------------------------------------------------------------- the service


def store_upload(
    session: Session, rt: Runtime, actor: Actor, *, purpose: str, filename: str, stream: Readable
) -> MediaAsset:
    """POST /media: one file, sniffed and capped, becomes a media asset owned by `actor`."""
    require_uploader(actor)
    check_purpose(purpose)
    head = read_head(stream)
    if not head:
        raise EmptyFile("The file is empty.")
    content_type = accepted_type(purpose, head)
    asset_id = new_id()
    stored = store_files(rt, asset_id, purpose, content_type, PrefixedStream(head, stream))
    for key in stored.keys:
        # Files are not transactional: a rollback must not leave them behind.
        replace_stored_file(session, rt.storage, old=None, new=key)
    return add_asset(
        session,
        asset_id=asset_id,
        owner_id=actor.id,
        purpose=purpose,
        filename=clean_filename(filename),
        content_type=content_type,
        stored=stored,
    )
