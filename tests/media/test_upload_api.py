"""Single-shot uploads (POST /media): each purpose, and every refusal keeps nothing."""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from syllabus.kit.outbox import OutboxMessage
from syllabus.kit.runtime import Runtime
from syllabus.media import keys
from syllabus.media.models import MediaAsset
from tests.catalog.factories import signed_in
from tests.media.clips import make_clip

API = "/api/v1"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(1000)
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n"


# ------------------------------------------------------------------- helpers


def stored_objects(rt: Runtime) -> set[str]:
    """Every key in the local media folder (hidden sidecar and temp files aside)."""
    root = rt.settings.media_dir
    if not root.exists():
        return set()
    return {
        path.relative_to(root).as_posix()
        for path in root.rglob("*")
        if path.is_file() and not path.name.startswith(".")
    }


def asset_count(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(MediaAsset)) or 0


def picture(fmt: str = "PNG", size: tuple[int, int] = (1280, 720)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (30, 140, 90)).save(out, format=fmt)
    return out.getvalue()


def bomb_png(side: int = 8000) -> bytes:
    """A one-colour PNG of side x side pixels (64 megapixels) that is a few KB of bytes."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)  # 8-bit greyscale
    packer = zlib.compressobj()
    row = bytes(side + 1)  # filter byte + one row of black
    data = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


def upload(
    client: TestClient,
    headers: dict[str, str],
    purpose: str,
    name: str,
    data: bytes,
    content_type: str = "application/octet-stream",
) -> Any:
    return client.post(
        f"{API}/media",
        data={"purpose": purpose},
        files={"file": (name, data, content_type)},
        headers=headers,
    )


@pytest.fixture(scope="module")
def clip_bytes(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    folder = tmp_path_factory.mktemp("clips")
    return make_clip(folder / "lecture.mp4", seconds=1.0, width=320, height=180).read_bytes()


@pytest.fixture
def small_caps(runtime: Runtime) -> Iterator[Runtime]:
    """Caps small enough to pass with test files: videos 20 KB, attachments 4 KB."""
    original = runtime.settings
    runtime.settings = original.model_copy(
        update={"max_video_bytes": 20_000, "max_attachment_bytes": 4_000}
    )
    yield runtime
    runtime.settings = original


# ------------------------------------------------------------------- each purpose


def test_a_video_is_stored_as_sent_and_queued_for_transcoding(
    client: TestClient, db: Session, runtime: Runtime, clip_bytes: bytes
) -> None:
    _, headers = signed_in(client, db, "instructor")
    response = upload(client, headers, "lesson_video", "lecture.mp4", clip_bytes, "video/mp4")
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "uploaded"
    assert body["purpose"] == "lesson_video"
    assert body["content_type"] == "video/mp4"
    assert body["size_bytes"] == len(clip_bytes)
    assert body["filename"] == "lecture.mp4"
    with runtime.storage.open(keys.source_key(body["id"])) as stored:
        assert stored.read() == clip_bytes
    queued = db.scalars(select(OutboxMessage).where(OutboxMessage.task == "media.transcode")).all()
    assert [m.payload for m in queued] == [{"asset_id": body["id"]}]

    shown = client.get(f"{API}/media/{body['id']}", headers=headers)
    assert shown.status_code == 200
    assert shown.json()["status"] == "uploaded"
    assert shown.json()["duration"] == 0
    assert shown.json()["renditions"] == []


def test_a_promo_video_may_be_webm(client: TestClient, db: Session, tmp_path: Path) -> None:
    _, headers = signed_in(client, db, "instructor")
    webm = make_clip(tmp_path / "promo.webm", seconds=1.0, width=320, height=180, container="webm")
    response = upload(client, headers, "promo_video", "promo.webm", webm.read_bytes())
    assert response.status_code == 201, response.text
    assert response.json()["content_type"] == "video/webm"
    assert response.json()["status"] == "uploaded"


def test_a_thumbnail_is_re_encoded_into_the_page_sizes_and_ready_at_once(
    client: TestClient, db: Session, runtime: Runtime
) -> None:
    _, headers = signed_in(client, db, "instructor")
    response = upload(client, headers, "thumbnail", "cover.png", picture("PNG"))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "ready"
    assert body["content_type"] == "image/webp"
    sizes = {}
    for name, url in body["image_urls"].items():
        served = client.get(url)
        assert served.status_code == 200
        image = Image.open(io.BytesIO(served.content))
        assert image.format == "WEBP"
        sizes[name] = image.size
    assert sizes == {"large": (750, 422), "small": (320, 180)}
    # No original is kept for pictures: only the two re-encodings.
    assert stored_objects(runtime) == {
        keys.image_key(body["id"], "large"),
        keys.image_key(body["id"], "small"),
    }


def test_an_attachment_is_stored_as_sent_and_downloads_under_its_name(
    client: TestClient, db: Session
) -> None:
    _, headers = signed_in(client, db, "instructor")
    response = upload(client, headers, "attachment", "Week 1 notes.pdf", PDF)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "ready"
    assert body["content_type"] == "application/pdf"
    download = client.get(body["download_url"])
    assert download.status_code == 200
    assert download.content == PDF
    assert download.headers["content-disposition"].startswith("attachment;")
    assert "Week%201%20notes.pdf" in download.headers["content-disposition"]


def test_a_jpeg_attachment_is_kept_as_a_picture(client: TestClient, db: Session) -> None:
    _, headers = signed_in(client, db, "instructor")
    jpeg = picture("JPEG", (64, 64))
    response = upload(client, headers, "attachment", "diagram.jpg", jpeg)
    assert response.status_code == 201, response.text
    assert response.json()["content_type"] == "image/jpeg"
    assert client.get(response.json()["download_url"]).content == jpeg


# ------------------------------------------------------------------- refusals


def test_an_exe_renamed_mp4_is_refused_and_nothing_is_kept(
    client: TestClient, db: Session, runtime: Runtime
) -> None:
    _, headers = signed_in(client, db, "instructor")
    response = upload(client, headers, "lesson_video", "lecture.mp4", EXE, "video/mp4")
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"
    assert "Windows program" in response.json()["detail"]
    assert "MP4" in response.json()["detail"]
    assert stored_objects(runtime) == set()
    assert asset_count(db) == 0


def test_a_zero_byte_file_is_refused(client: TestClient, db: Session, runtime: Runtime) -> None:
    _, headers = signed_in(client, db, "instructor")
    response = upload(client, headers, "attachment", "empty.pdf", b"")
    assert response.status_code == 422
    assert response.json()["code"] == "empty_file"
    assert stored_objects(runtime) == set()
    assert asset_count(db) == 0


def test_files_over_the_purpose_cap_are_refused_without_a_partial_object(
    client: TestClient, db: Session, small_caps: Runtime, clip_bytes: bytes
) -> None:
    _, headers = signed_in(client, db, "instructor")
    assert len(clip_bytes) > 20_000
    video = upload(client, headers, "lesson_video", "long.mp4", clip_bytes)
    assert video.status_code == 413
    assert video.json()["code"] == "payload_too_large"
    assert "Lesson videos are limited to" in video.json()["detail"]
    document = upload(client, headers, "attachment", "big.pdf", PDF + b"%" * 5_000)
    assert document.status_code == 413
    assert "Attachments are limited to" in document.json()["detail"]
    picture_too_big = upload(client, headers, "thumbnail", "x.png", picture() + bytes(5 * 2**20))
    assert picture_too_big.status_code == 413
    assert stored_objects(small_caps) == set()
    assert asset_count(db) == 0
    # Under the caps the same endpoint works.
    assert upload(client, headers, "attachment", "small.pdf", PDF).status_code == 201


# Pillow warns before our own pixel limit refuses the picture.
@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_a_decompression_bomb_png_is_refused_clearly(
    client: TestClient, db: Session, runtime: Runtime
) -> None:
    _, headers = signed_in(client, db, "instructor")
    bomb = bomb_png()
    assert len(bomb) < 200_000
    response = upload(client, headers, "thumbnail", "cover.png", bomb, "image/png")
    assert response.status_code == 422
    assert response.json()["code"] == "unsupported_image"
    assert "too many pixels" in response.json()["detail"]
    assert stored_objects(runtime) == set()
    assert asset_count(db) == 0


def test_a_gif_is_not_a_thumbnail(client: TestClient, db: Session) -> None:
    _, headers = signed_in(client, db, "instructor")
    response = upload(client, headers, "thumbnail", "cover.png", picture("GIF", (32, 32)))
    assert response.status_code == 415
    assert "JPEG, PNG or WEBP" in response.json()["detail"]


def test_a_path_traversal_name_is_only_a_display_name(
    client: TestClient, db: Session, runtime: Runtime, clip_bytes: bytes
) -> None:
    _, headers = signed_in(client, db, "instructor")
    response = upload(client, headers, "lesson_video", "../../x.mp4", clip_bytes)
    assert response.status_code == 201, response.text
    media_id = response.json()["id"]
    assert response.json()["filename"] == "x.mp4"
    assert stored_objects(runtime) == {f"media/{media_id}/source"}
    assert not (runtime.settings.data_dir / "x.mp4").exists()


def test_an_unknown_purpose_is_refused(client: TestClient, db: Session) -> None:
    _, headers = signed_in(client, db, "instructor")
    response = upload(client, headers, "wallpaper", "a.pdf", PDF)
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


# ------------------------------------------------------------------- who


def test_only_instructors_upload(client: TestClient, db: Session, runtime: Runtime) -> None:
    _, headers = signed_in(client, db, "student")
    response = upload(client, headers, "attachment", "notes.pdf", PDF)
    assert response.status_code == 403
    assert response.json()["code"] == "not_instructor"
    assert upload(client, {}, "attachment", "notes.pdf", PDF).status_code == 401
    assert stored_objects(runtime) == set()


def test_an_asset_is_seen_by_its_owner_only(client: TestClient, db: Session) -> None:
    _, owner = signed_in(client, db, "instructor")
    _, other = signed_in(client, db, "instructor")
    media_id = upload(client, owner, "attachment", "notes.pdf", PDF).json()["id"]
    picture_id = upload(client, owner, "thumbnail", "c.png", picture()).json()["id"]

    refused = client.get(f"{API}/media/{media_id}", headers=other)
    assert refused.status_code == 404
    assert refused.json()["code"] == "media_not_found"
    assert client.get(f"{API}/media", headers=other).json()["total"] == 0

    mine = client.get(f"{API}/media", headers=owner).json()
    assert [item["id"] for item in mine["items"]] == [picture_id, media_id]
    pictures = client.get(f"{API}/media", params={"purpose": "thumbnail"}, headers=owner).json()
    assert [item["id"] for item in pictures["items"]] == [picture_id]
    assert client.get(f"{API}/media/{media_id}", headers=owner).status_code == 200


def test_an_admin_sees_any_asset(client: TestClient, db: Session) -> None:
    _, owner = signed_in(client, db, "instructor")
    _, admin = signed_in(client, db, "admin")
    media_id = upload(client, owner, "attachment", "notes.pdf", PDF).json()["id"]
    assert client.get(f"{API}/media/{media_id}", headers=admin).json()["id"] == media_id
