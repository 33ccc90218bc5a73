"""Resumable uploads: a large file arrives in chunks, and a dropped connection costs one chunk.

The client announces the file (purpose, name, size), then sends chunks, each
starting at the offset the server has; after an interruption it asks for
the offset and goes on from there. Each chunk is its own stored object
under `uploads/<upload id>/`, written *before* the upload's row is locked,
so a slow client never holds a database lock. Then, in a short
transaction, the row is locked, the offset checked again (of two requests
racing with the same chunk, the loser deletes its object and gets 409) and
the chunk recorded.

The chunk that completes the file composes the chunks, in order, into the
asset exactly as a single-shot upload would (sniffed and capped again),
outside any transaction. The asset takes the upload's id, so two requests
finishing the same upload cannot make two assets: the second finds the
upload complete, or collides on the primary key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import BinaryIO

from huey import crontab
from sqlalchemy import select
from sqlalchemy.orm import Session

from syllabus.accounts.actor import Actor
from syllabus.kit.db import after_commit, utcnow
from syllabus.kit.errors import AppError, InvalidInput, PayloadTooLarge
from syllabus.kit.logging import get_logger
from syllabus.kit.queue import huey
from syllabus.kit.runtime import Runtime, get_runtime
from syllabus.kit.storage import CHUNK_SIZE, Storage
from syllabus.media import keys
from syllabus.media.errors import (
    EmptyFile,
    OffsetMismatch,
    UnsupportedMedia,
    UploadClosed,
    UploadNotFound,
)
from syllabus.media.models import MediaUpload
from syllabus.media.sniffing import (
    SNIFF_BYTES,
    PrefixedStream,
    Readable,
    accepted_type,
    read_head,
)
from syllabus.media.uploads import (
    add_asset,
    check_purpose,
    clean_filename,
    delete_quietly,
    require_uploader,
    save_capped,
    size_limit,
    store_files,
    too_large,
)

log = get_logger("syllabus.media.resumable")

OPEN, COMPLETE, ABORTED, EXPIRED = "open", "complete", "aborted", "expired"
EXPIRE_BATCH = 200


@dataclass(frozen=True)
class UploadState:
    """Where a resumable upload stands; the next chunk starts at `received_bytes`."""

    id: str
    purpose: str
    filename: str
    total_bytes: int
    received_bytes: int
    status: str
    media_id: str | None
    # The largest chunk the server accepts.
    chunk_bytes: int

    @property
    def offset(self) -> int:
        return self.received_bytes


def _state(rt: Runtime, upload: MediaUpload) -> UploadState:
    return UploadState(
        id=upload.id,
        purpose=upload.purpose,
        filename=upload.filename,
        total_bytes=upload.total_bytes,
        received_bytes=upload.received_bytes,
        status=upload.status,
        media_id=upload.media_id,
        chunk_bytes=rt.settings.upload_chunk_bytes,
    )


def _owned_upload(
    session: Session, actor: Actor, upload_id: str, *, for_update: bool = False
) -> MediaUpload:
    """The upload if `actor` started it; anyone else's is 404, admins included."""
    query = select(MediaUpload).where(MediaUpload.id == upload_id, MediaUpload.owner_id == actor.id)
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    upload = session.scalars(query).first()
    if upload is None:
        raise UploadNotFound("No such upload.")
    return upload


def _mismatch(received: int) -> OffsetMismatch:
    return OffsetMismatch(
        f"The upload stands at byte {received}: send the chunk that starts there.",
        headers={"Upload-Offset": str(received)},
        errors=[{"loc": ["header", "Upload-Offset"], "msg": "wrong offset", "offset": received}],
    )


def _closed(upload: MediaUpload | UploadState) -> UploadClosed:
    if upload.status == COMPLETE:
        return UploadClosed(f"This upload is complete: it is media {upload.media_id}.")
    if upload.status == ABORTED:
        return UploadClosed("This upload was cancelled: start a new one.")
    return UploadClosed("This upload expired: start a new one.")


# ------------------------------------------------------------------- the services


def start_upload(
    session: Session, rt: Runtime, actor: Actor, *, purpose: str, filename: str, total_bytes: int
) -> UploadState:
    """POST /media/uploads: an open upload of `total_bytes`, checked against the purpose's cap."""
    require_uploader(actor)
    check_purpose(purpose)
    if total_bytes <= 0:
        raise EmptyFile("The file is empty.")
    limit = size_limit(rt.settings, purpose)
    if total_bytes > limit:
        raise too_large(purpose, limit)
    upload = MediaUpload(
        owner_id=actor.id,
        purpose=purpose,
        filename=clean_filename(filename),
        total_bytes=total_bytes,
        received_bytes=0,
        chunk_keys=[],
        status=OPEN,
        expires_at=_expiry(rt),
    )
    session.add(upload)
    session.flush()
    return _state(rt, upload)


def upload_state(session: Session, actor: Actor, upload_id: str) -> UploadState:
    """GET /media/uploads/{id}: the offset to resume from."""
    return _state(get_runtime(), _owned_upload(session, actor, upload_id))


def append_chunk(
    rt: Runtime, actor: Actor, upload_id: str, *, offset: int, stream: Readable
) -> UploadState:
    """PATCH /media/uploads/{id}: store the bytes at `offset`; the last chunk makes the asset.

    Opens its own short transactions: the chunk is streamed to storage between them.
    """
    with rt.db.session_scope() as session:
        upload = _owned_upload(session, actor, upload_id)
        state, expired = _state(rt, upload), upload.expires_at <= utcnow()
    if state.status != OPEN:
        raise _closed(state)
    if expired:
        raise UploadClosed("This upload expired: start a new one.")
    if offset != state.received_bytes:
        raise _mismatch(state.received_bytes)
    remaining = state.total_bytes - offset
    head = read_head(stream, min(SNIFF_BYTES, remaining + 1))
    if not head:
        # An empty chunk moves nothing, except that it retries an interrupted finish.
        return _finish(rt, upload_id) if remaining == 0 else state
    if len(head) > remaining:
        raise _past_end(state.total_bytes)
    content_type = None
    if offset == 0:
        content_type = _sniff_first_chunk(rt, actor, upload_id, state.purpose, head)
    key = keys.new_chunk_key(upload_id)
    limit = min(state.chunk_bytes, remaining)
    count = save_capped(
        rt.storage,
        key,
        PrefixedStream(head, stream),
        "application/octet-stream",
        limit,
        lambda: _past_end(state.total_bytes) if limit == remaining else _chunk_too_large(rt),
    )
    try:
        with rt.db.session_scope() as session:
            upload = _owned_upload(session, actor, upload_id, for_update=True)
            if upload.status != OPEN:
                raise _closed(upload)
            if upload.received_bytes != offset:
                raise _mismatch(upload.received_bytes)
            upload.chunk_keys = [*upload.chunk_keys, key]
            upload.received_bytes += count
            if content_type is not None:
                upload.content_type = content_type
            upload.expires_at = _expiry(rt)  # an upload that moves does not expire
            state = _state(rt, upload)
    except BaseException:
        delete_quietly(rt.storage, [key])  # this request lost the race, or the upload closed
        raise
    if state.received_bytes == state.total_bytes:
        return _finish(rt, upload_id)
    return state


def abort_upload(session: Session, rt: Runtime, actor: Actor, upload_id: str) -> None:
    """DELETE /media/uploads/{id}: cancel an open upload; its chunks go once this commits."""
    upload = _owned_upload(session, actor, upload_id, for_update=True)
    if upload.status == COMPLETE:
        raise _closed(upload)
    if upload.status == OPEN:
        upload.status, upload.chunk_keys = ABORTED, []
        session.flush()
    _delete_chunks_after_commit(session, rt.storage, upload.id)


def expire_uploads(session: Session, rt: Runtime, *, now: datetime | None = None) -> int:
    """Close one batch of open uploads past their expiry; their chunks go after the commit."""
    moment = now or utcnow()
    uploads = session.scalars(
        select(MediaUpload)
        .where(MediaUpload.status == OPEN, MediaUpload.expires_at < moment)
        .order_by(MediaUpload.expires_at)
        .limit(EXPIRE_BATCH)
        .with_for_update(skip_locked=True)
    ).all()
    for upload in uploads:
        upload.status, upload.chunk_keys = EXPIRED, []
        _delete_chunks_after_commit(session, rt.storage, upload.id)
    session.flush()
    return len(uploads)


def expire_uploads_now(now: datetime | None = None) -> int:
    """One run of the periodic job: a transaction per batch; how many uploads expired."""
    runtime = get_runtime()
    total = 0
    while True:
        with runtime.db.session_scope() as session:
            expired = expire_uploads(session, runtime, now=now)
        total += expired
        if expired < EXPIRE_BATCH:
            break
    if total:
        log.info("media.uploads_expired", count=total)
    return total


@huey.periodic_task(crontab(minute="*/30"))
def expire_stale_uploads() -> int:
    return expire_uploads_now()


# ------------------------------------------------------------------- helpers


def _expiry(rt: Runtime) -> datetime:
    return utcnow() + timedelta(hours=rt.settings.upload_expiry_hours)


def _past_end(total: int) -> InvalidInput:
    return InvalidInput(
        f"The file was announced as {total} bytes: this chunk goes past its end.",
        code="chunk_past_end",
    )


def _chunk_too_large(rt: Runtime) -> AppError:
    return PayloadTooLarge(f"Chunks are limited to {rt.settings.upload_chunk_bytes} bytes.")


def _sniff_first_chunk(rt: Runtime, actor: Actor, upload_id: str, purpose: str, head: bytes) -> str:
    """The content type of the first bytes; a refused type ends the upload."""
    try:
        return accepted_type(purpose, head)
    except UnsupportedMedia:
        _close(rt, upload_id, ABORTED)
        raise


def _locked(session: Session, upload_id: str) -> MediaUpload | None:
    """The upload's row, locked and freshly read (another request may just have changed it)."""
    return session.scalars(
        select(MediaUpload)
        .where(MediaUpload.id == upload_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()


def _close(rt: Runtime, upload_id: str, status: str) -> None:
    with rt.db.session_scope() as session:
        upload = _locked(session, upload_id)
        if upload is not None and upload.status == OPEN:
            upload.status, upload.chunk_keys = status, []
        _delete_chunks_after_commit(session, rt.storage, upload_id)


def _delete_chunks_after_commit(session: Session, storage: Storage, upload_id: str) -> None:
    def delete() -> None:
        storage.delete_prefix(keys.upload_prefix(upload_id))

    after_commit(session, delete)


class ChunkChain:
    """The chunks of an upload read back to back, as one stream."""

    def __init__(self, storage: Storage, chunk_keys: list[str]) -> None:
        self._storage, self._keys = storage, list(chunk_keys)
        self._current: BinaryIO | None = None

    def read(self, size: int = -1) -> bytes:
        wanted = size if size is not None and size >= 0 else CHUNK_SIZE
        while self._current is not None or self._keys:
            if self._current is None:
                self._current = self._storage.open(self._keys.pop(0))
            data = self._current.read(wanted)
            if data:
                return data
            self._current.close()
            self._current = None
        return b""

    def close(self) -> None:
        if self._current is not None:
            self._current.close()
            self._current = None


def _finish(rt: Runtime, upload_id: str) -> UploadState:
    """Compose a fully received upload into its asset, once."""
    with rt.db.session_scope() as session:
        upload = session.get(MediaUpload, upload_id)
        if upload is None:
            raise UploadNotFound("No such upload.")
        state = _state(rt, upload)
        chunk_keys, owner_id = list(upload.chunk_keys), upload.owner_id
    if state.status == COMPLETE:
        return state
    if state.status != OPEN:
        raise _closed(state)
    chain = ChunkChain(rt.storage, chunk_keys)
    try:
        head = read_head(chain)
        content_type = accepted_type(state.purpose, head)
        stored = store_files(
            rt, upload_id, state.purpose, content_type, PrefixedStream(head, chain)
        )
    except AppError:
        # The bytes themselves are refused (a picture bomb, a wrong type): nothing is kept.
        _close(rt, upload_id, ABORTED)
        raise
    finally:
        chain.close()
    with rt.db.session_scope() as session:
        upload = _locked(session, upload_id)
        if upload is None:
            delete_quietly(rt.storage, stored.keys)
            raise UploadNotFound("No such upload.")
        if upload.status == OPEN and upload.media_id is None:
            add_asset(
                session,
                asset_id=upload.id,
                owner_id=owner_id,
                purpose=upload.purpose,
                filename=upload.filename,
                content_type=content_type,
                stored=stored,
            )
            upload.status, upload.media_id, upload.chunk_keys = COMPLETE, upload.id, []
            _delete_chunks_after_commit(session, rt.storage, upload.id)
        elif upload.status != COMPLETE:
            # Cancelled while the file was being composed: its files go too.
            delete_quietly(rt.storage, stored.keys)
            raise _closed(upload)
        return _state(rt, upload)
