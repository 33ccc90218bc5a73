"""Resumable uploads: chunks at offsets, resumed after a drop, refused when wrong, expired."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from syllabus.kit.db import utcnow
from syllabus.kit.outbox import OutboxMessage
from syllabus.kit.runtime import Runtime
from syllabus.media import keys, resumable
from syllabus.media.models import MediaAsset, MediaUpload
from tests.catalog.factories import actor_of, make_user, signed_in
from tests.media.clips import make_clip
from tests.media.test_upload_api import EXE, picture, stored_objects
from tests.support.races import all_at_once, or_refusal

API = "/api/v1"
CHUNK = 192 * 1024
CHUNK_TYPE = {"Content-Type": "application/offset+octet-stream"}


@pytest.fixture(scope="module")
def video(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A real clip of three chunks (two full ones and the rest)."""
    folder = tmp_path_factory.mktemp("resumable")
    data = make_clip(folder / "lecture.mp4", seconds=2.0, width=640, height=360).read_bytes()
    assert 2 * CHUNK < len(data) <= 3 * CHUNK
    return data


@pytest.fixture
def chunked(runtime: Runtime) -> Iterator[Runtime]:
    original = runtime.settings
    runtime.settings = original.model_copy(update={"upload_chunk_bytes": CHUNK})
    yield runtime
    runtime.settings = original


def start(
    client: TestClient, headers: dict[str, str], size: int, purpose: str = "lesson_video"
) -> Any:
    return client.post(
        f"{API}/media/uploads",
        json={"purpose": purpose, "filename": "lecture.mp4", "size": size},
        headers=headers,
    )


def patch(
    client: TestClient, headers: dict[str, str], upload_id: str, offset: int, data: bytes
) -> Any:
    return client.patch(
        f"{API}/media/uploads/{upload_id}",
        content=data,
        headers={**headers, **CHUNK_TYPE, "Upload-Offset": str(offset)},
    )


def chunk_objects(rt: Runtime, upload_id: str) -> set[str]:
    return {key for key in stored_objects(rt) if key.startswith(keys.upload_prefix(upload_id))}


def test_an_upload_resumes_from_the_offset_after_a_dropped_connection(
    client: TestClient, db: Session, chunked: Runtime, video: bytes
) -> None:
    _, headers = signed_in(client, db, "instructor")
    started = start(client, headers, len(video))
    assert started.status_code == 201, started.text
    upload = started.json()
    assert upload["offset"] == 0
    assert upload["chunk_bytes"] == CHUNK
    assert upload["media_id"] is None
    assert started.headers["Upload-Offset"] == "0"
    upload_id = upload["id"]

    first = patch(client, headers, upload_id, 0, video[:CHUNK])
    assert first.status_code == 200, first.text
    assert first.json()["offset"] == CHUNK
    # The connection drops here: the client lost track and asks where to go on from.
    asked = client.head(f"{API}/media/uploads/{upload_id}", headers=headers)
    assert asked.status_code == 200
    assert asked.headers["Upload-Offset"] == str(CHUNK)
    state = client.get(f"{API}/media/uploads/{upload_id}", headers=headers)
    assert state.json()["offset"] == CHUNK
    assert state.json()["status"] == "open"

    offset = state.json()["offset"]
    second = patch(client, headers, upload_id, offset, video[offset : offset + CHUNK])
    assert second.json()["offset"] == 2 * CHUNK
    last = patch(client, headers, upload_id, 2 * CHUNK, video[2 * CHUNK :])
    assert last.status_code == 200, last.text
    done = last.json()
    assert done["status"] == "complete"
    assert done["offset"] == len(video)
    assert last.headers["Upload-Offset"] == str(len(video))

    media = client.get(f"{API}/media/{done['media_id']}", headers=headers).json()
    assert media["status"] == "uploaded"
    assert media["size_bytes"] == len(video)
    assert media["filename"] == "lecture.mp4"
    with chunked.storage.open(keys.source_key(done["media_id"])) as stored:
        assert stored.read() == video
    assert db.scalar(select(func.count()).select_from(MediaAsset)) == 1
    assert db.scalars(select(OutboxMessage.payload).where(OutboxMessage.task == "media.transcode"))
    assert chunk_objects(chunked, upload_id) == set()


def test_a_wrong_offset_is_refused_with_the_current_one(
    client: TestClient, db: Session, chunked: Runtime, video: bytes
) -> None:
    _, headers = signed_in(client, db, "instructor")
    upload_id = start(client, headers, len(video)).json()["id"]
    patch(client, headers, upload_id, 0, video[:CHUNK])
    ahead = patch(client, headers, upload_id, 2 * CHUNK, video[2 * CHUNK :])
    assert ahead.status_code == 409
    assert ahead.json()["code"] == "offset_mismatch"
    assert ahead.headers["Upload-Offset"] == str(CHUNK)
    assert str(CHUNK) in ahead.json()["detail"]
    assert ahead.json()["errors"][0]["offset"] == CHUNK


def test_a_chunk_sent_twice_does_not_corrupt_the_file(
    client: TestClient, db: Session, chunked: Runtime, video: bytes
) -> None:
    _, headers = signed_in(client, db, "instructor")
    upload_id = start(client, headers, len(video)).json()["id"]
    assert patch(client, headers, upload_id, 0, video[:CHUNK]).status_code == 200
    again = patch(client, headers, upload_id, 0, video[:CHUNK])
    assert again.status_code == 409
    assert again.headers["Upload-Offset"] == str(CHUNK)
    patch(client, headers, upload_id, CHUNK, video[CHUNK : 2 * CHUNK])
    done = patch(client, headers, upload_id, 2 * CHUNK, video[2 * CHUNK :]).json()
    with chunked.storage.open(keys.source_key(done["media_id"])) as stored:
        assert stored.read() == video


def test_a_chunk_past_the_announced_size_is_refused(
    client: TestClient, db: Session, chunked: Runtime, video: bytes
) -> None:
    _, headers = signed_in(client, db, "instructor")
    upload_id = start(client, headers, 1000).json()["id"]
    response = patch(client, headers, upload_id, 0, video[:1001])
    assert response.status_code == 422
    assert response.json()["code"] == "chunk_past_end"
    state = client.get(f"{API}/media/uploads/{upload_id}", headers=headers).json()
    assert state["offset"] == 0
    assert chunk_objects(chunked, upload_id) == set()


def test_a_chunk_over_the_chunk_size_is_refused(
    client: TestClient, db: Session, chunked: Runtime, video: bytes
) -> None:
    _, headers = signed_in(client, db, "instructor")
    upload_id = start(client, headers, len(video)).json()["id"]
    response = patch(client, headers, upload_id, 0, video[: CHUNK + 1])
    assert response.status_code == 413
    assert chunk_objects(chunked, upload_id) == set()
    assert client.get(f"{API}/media/uploads/{upload_id}", headers=headers).json()["offset"] == 0


def test_the_size_is_checked_when_the_upload_starts(client: TestClient, db: Session) -> None:
    _, headers = signed_in(client, db, "instructor")
    too_big = start(client, headers, 6 * 1024 * 1024, purpose="thumbnail")
    assert too_big.status_code == 413
    assert "Thumbnails are limited to 5 MB" in too_big.json()["detail"]
    empty = start(client, headers, 0)
    assert empty.status_code == 422
    assert empty.json()["code"] == "empty_file"
    _, student = signed_in(client, db, "student")
    assert start(client, student, 100).status_code == 403


def test_a_first_chunk_of_the_wrong_type_ends_the_upload(
    client: TestClient, db: Session, runtime: Runtime
) -> None:
    _, headers = signed_in(client, db, "instructor")
    upload_id = start(client, headers, len(EXE) * 2).json()["id"]
    refused = patch(client, headers, upload_id, 0, EXE)
    assert refused.status_code == 415
    assert "Windows program" in refused.json()["detail"]
    assert (
        client.get(f"{API}/media/uploads/{upload_id}", headers=headers).json()["status"]
        == "aborted"
    )
    assert stored_objects(runtime) == set()
    closed = patch(client, headers, upload_id, 0, EXE)
    assert closed.status_code == 409
    assert closed.json()["code"] == "upload_closed"


def test_a_picture_uploaded_in_one_chunk_becomes_a_thumbnail(
    client: TestClient, db: Session
) -> None:
    _, headers = signed_in(client, db, "instructor")
    data = picture("JPEG")
    upload_id = start(client, headers, len(data), purpose="thumbnail").json()["id"]
    done = patch(client, headers, upload_id, 0, data).json()
    media = client.get(f"{API}/media/{done['media_id']}", headers=headers).json()
    assert media["status"] == "ready"
    assert set(media["image_urls"]) == {"large", "small"}


def test_abort_deletes_the_chunks(
    client: TestClient, db: Session, chunked: Runtime, video: bytes
) -> None:
    _, headers = signed_in(client, db, "instructor")
    upload_id = start(client, headers, len(video)).json()["id"]
    patch(client, headers, upload_id, 0, video[:CHUNK])
    assert len(chunk_objects(chunked, upload_id)) == 1
    assert client.delete(f"{API}/media/uploads/{upload_id}", headers=headers).status_code == 204
    assert chunk_objects(chunked, upload_id) == set()
    state = client.get(f"{API}/media/uploads/{upload_id}", headers=headers).json()
    assert state["status"] == "aborted"
    assert patch(client, headers, upload_id, CHUNK, video[CHUNK:]).status_code == 409


def test_another_users_upload_is_not_found(client: TestClient, db: Session) -> None:
    _, owner = signed_in(client, db, "instructor")
    _, other = signed_in(client, db, "instructor")
    upload_id = start(client, owner, 100).json()["id"]
    for response in (
        client.get(f"{API}/media/uploads/{upload_id}", headers=other),
        patch(client, other, upload_id, 0, b"%PDF-1.4\n"),
        client.delete(f"{API}/media/uploads/{upload_id}", headers=other),
    ):
        assert response.status_code == 404
        assert response.json()["code"] == "upload_not_found"


def test_old_open_uploads_expire_and_lose_their_chunks(
    client: TestClient, db: Session, chunked: Runtime, video: bytes
) -> None:
    _, headers = signed_in(client, db, "instructor")
    stale = start(client, headers, len(video)).json()["id"]
    fresh = start(client, headers, len(video)).json()["id"]
    patch(client, headers, stale, 0, video[:CHUNK])
    patch(client, headers, fresh, 0, video[:CHUNK])
    db.get(MediaUpload, stale).expires_at = utcnow() - timedelta(minutes=1)  # type: ignore[union-attr]
    db.commit()

    assert resumable.expire_uploads_now() == 1
    states = {
        upload_id: client.get(f"{API}/media/uploads/{upload_id}", headers=headers).json()
        for upload_id in (stale, fresh)
    }
    assert states[stale]["status"] == "expired"
    assert states[fresh]["status"] == "open"
    assert chunk_objects(chunked, stale) == set()
    assert len(chunk_objects(chunked, fresh)) == 1
    assert patch(client, headers, stale, CHUNK, video[CHUNK : 2 * CHUNK]).status_code == 409


class _Dropping:
    """A request body whose connection drops after `keep` bytes."""

    def __init__(self, data: bytes, keep: int) -> None:
        self._data, self._keep, self._sent = data, keep, 0

    def read(self, size: int = -1) -> bytes:
        if self._sent >= self._keep:
            raise ConnectionResetError("client went away")
        end = min(self._keep, self._sent + (size if size >= 0 else len(self._data)))
        data, self._sent = self._data[self._sent : end], end
        return data


def test_a_chunk_cut_off_midway_leaves_the_offset_and_no_object(
    db: Session, chunked: Runtime, video: bytes
) -> None:
    owner = actor_of(make_user(db, role="instructor"))
    state = resumable.start_upload(
        db, chunked, owner, purpose="lesson_video", filename="v.mp4", total_bytes=len(video)
    )
    db.commit()
    with pytest.raises(ConnectionResetError):
        resumable.append_chunk(
            chunked, owner, state.id, offset=0, stream=_Dropping(video[:CHUNK], 50_000)
        )
    assert resumable.upload_state(db, owner, state.id).received_bytes == 0
    assert chunk_objects(chunked, state.id) == set()
    resumed = resumable.append_chunk(
        chunked, owner, state.id, offset=0, stream=io.BytesIO(video[:CHUNK])
    )
    assert resumed.received_bytes == CHUNK


def test_two_requests_finishing_at_once_make_one_asset(
    committed_runtime: Runtime, video: bytes
) -> None:
    rt = committed_runtime
    rt.settings = rt.settings.model_copy(update={"upload_chunk_bytes": CHUNK})
    with rt.db.session_scope() as session:
        owner = actor_of(make_user(session, role="instructor"))
        state = resumable.start_upload(
            session, rt, owner, purpose="lesson_video", filename="v.mp4", total_bytes=len(video)
        )
    for offset in (0, CHUNK):
        resumable.append_chunk(
            rt, owner, state.id, offset=offset, stream=io.BytesIO(video[offset : offset + CHUNK])
        )

    def finish() -> Any:
        last = io.BytesIO(video[2 * CHUNK :])
        return resumable.append_chunk(rt, owner, state.id, offset=2 * CHUNK, stream=last)

    outcomes = all_at_once([or_refusal(finish), or_refusal(finish)])
    finished = [o for o in outcomes if not isinstance(o, str)]
    assert len(finished) >= 1
    # The loser finds the offset moved on, or the upload already complete.
    assert all(o in ("offset_mismatch", "upload_closed") for o in outcomes if isinstance(o, str))
    with rt.db.session_scope() as session:
        owned = session.scalars(select(MediaAsset).where(MediaAsset.owner_id == owner.id)).all()
        assert [asset.id for asset in owned] == [state.id]
        assert session.get(MediaUpload, state.id).status == "complete"  # type: ignore[union-attr]
    with rt.storage.open(keys.source_key(state.id)) as stored:
        assert stored.read() == video
