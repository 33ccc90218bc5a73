"""Editing one's profile, uploading an avatar, and the public profile others see."""

from __future__ import annotations

import io
import struct
import zlib
from urllib.parse import urlsplit

import httpx
from fastapi.testclient import TestClient
from PIL import ExifTags, Image
from sqlalchemy.orm import Session

from syllabus.kit.runtime import Runtime
from tests.factories import bearer, login, make_user

ME = "/api/v1/users/me"
AVATAR = "/api/v1/users/me/avatar"


def _signed_in(client: TestClient, db: Session, **fields: str) -> dict[str, str]:
    user = make_user(db, **fields)
    return bearer(login(client, user.email))


def _png(size: tuple[int, int] = (320, 200), color: tuple[int, ...] = (0, 128, 255)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return out.getvalue()


def _jpeg_with_exif() -> bytes:
    """300x100, red above blue, tagged "rotate 90 clockwise" plus an artist and a location."""
    image = Image.new("RGB", (300, 100), (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, 300, 50))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Artist] = "Ann Example"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (52.0, 31.0, 12.0)
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif, quality=95)
    return out.getvalue()


def _bomb_png(side: int = 20_000) -> bytes:
    """A valid 1-bit PNG of side x side pixels (400 megapixels) that is tiny on disk."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" * (1 + side // 8)  # filter byte + packed pixels
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


def _upload(
    client: TestClient, headers: dict[str, str], name: str, data: bytes, kind: str
) -> httpx.Response:
    return client.put(AVATAR, files={"file": (name, data, kind)}, headers=headers)


def _stored(runtime: Runtime, avatar_url: str) -> Image.Image:
    key = urlsplit(avatar_url).path.removeprefix("/media/")
    with runtime.storage.open(key) as handle:
        image = Image.open(io.BytesIO(handle.read()))
        image.load()
    return image


# --- profile edits -----------------------------------------------------------------------


def test_profile_edit_is_saved_and_returned(client: TestClient, db: Session) -> None:
    headers = _signed_in(client, db)
    response = client.patch(
        ME,
        json={
            "name": "  Ann Teacher ",
            "headline": "Teaches Python",
            "bio": "Line one\r\nLine two\x07\x00 with a bell\u202e",
            "links": ["https://ann.example.com/", "http://blog.example.org/ann"],
        },
        headers=headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["name"] == "Ann Teacher"
    assert body["headline"] == "Teaches Python"
    assert body["bio"] == "Line one\nLine two with a bell"
    assert body["links"] == ["https://ann.example.com/", "http://blog.example.org/ann"]
    assert client.get(ME, headers=headers).json()["bio"] == "Line one\nLine two with a bell"


def test_patch_changes_only_the_fields_sent(client: TestClient, db: Session) -> None:
    headers = _signed_in(client, db, name="Ann")
    client.patch(
        ME, json={"headline": "Teacher", "links": ["https://a.example.com/"]}, headers=headers
    )
    body = client.patch(ME, json={"bio": "Hello"}, headers=headers).json()
    assert (body["name"], body["headline"], body["bio"]) == ("Ann", "Teacher", "Hello")
    assert body["links"] == ["https://a.example.com/"]
    cleared = client.patch(ME, json={"headline": None, "links": None}, headers=headers).json()
    assert cleared["headline"] is None
    assert cleared["links"] == []


def test_malformed_profile_edits_are_422(client: TestClient, db: Session) -> None:
    headers = _signed_in(client, db)
    bad_bodies = [
        {"name": "x" * 121},
        {"name": ""},
        {"headline": "h" * 161},
        {"bio": "b" * 5001},
        {"links": ["javascript:alert(1)"]},
        {"links": ["ftp://files.example.com/"]},
        {"links": [f"https://example.com/{n}" for n in range(6)]},
        {"email": "new@example.com"},
        {"role": "admin"},
    ]
    for body in bad_bodies:
        response = client.patch(ME, json=body, headers=headers)
        assert response.status_code == 422, body
        assert response.json()["code"] == "validation_error"
    me = client.get(ME, headers=headers).json()
    assert me["role"] == "student"
    assert me["links"] == []


def test_profile_needs_sign_in(client: TestClient) -> None:
    assert client.patch(ME, json={"name": "Nobody"}).status_code == 401
    assert _upload(client, {}, "a.png", _png(), "image/png").status_code == 401


# --- avatars -------------------------------------------------------------------------------


def test_png_avatar_is_resized_and_served(
    client: TestClient, db: Session, runtime: Runtime
) -> None:
    headers = _signed_in(client, db)
    response = _upload(client, headers, "me.png", _png(), "image/png")
    assert response.status_code == 200, response.text
    url = response.json()["avatar_url"]
    assert client.get(ME, headers=headers).json()["avatar_url"]
    served = client.get(url)
    assert served.status_code == 200
    assert served.headers["content-type"].startswith("image/")
    image = Image.open(io.BytesIO(served.content))
    assert image.format == "WEBP"
    assert image.size == (256, 256)
    assert image.convert("RGB").getpixel((128, 128)) == _close_to((0, 128, 255))


def test_jpeg_avatar_is_turned_upright_and_loses_its_exif(
    client: TestClient, db: Session, runtime: Runtime
) -> None:
    headers = _signed_in(client, db)
    response = _upload(client, headers, "photo.jpg", _jpeg_with_exif(), "image/jpeg")
    assert response.status_code == 200, response.text
    image = _stored(runtime, response.json()["avatar_url"])
    assert image.size == (256, 256)
    assert "exif" not in image.info
    assert len(image.getexif()) == 0
    # Rotated clockwise, the red top half becomes the right half.
    rgb = image.convert("RGB")
    left, right = rgb.getpixel((40, 128)), rgb.getpixel((216, 128))
    assert isinstance(left, tuple)
    assert isinstance(right, tuple)
    assert left[2] > 200 > left[0], left
    assert right[0] > 200 > right[2], right


def test_new_avatar_replaces_the_old_file(
    client: TestClient, db: Session, runtime: Runtime
) -> None:
    headers = _signed_in(client, db)
    first = _upload(client, headers, "a.png", _png(), "image/png").json()["avatar_url"]
    second = _upload(client, headers, "b.png", _png(color=(9, 9, 9)), "image/png").json()
    old_key = urlsplit(first).path.removeprefix("/media/")
    new_key = urlsplit(second["avatar_url"]).path.removeprefix("/media/")
    assert old_key != new_key
    assert runtime.storage.exists(new_key)
    assert not runtime.storage.exists(old_key)


def test_files_that_are_not_allowed_images_are_422(client: TestClient, db: Session) -> None:
    headers = _signed_in(client, db)
    gif = io.BytesIO()
    Image.new("RGB", (50, 50)).save(gif, format="GIF")
    uploads = [
        ("notes.png", b"just some text, honestly\n" * 20, "image/png"),
        ("empty.png", b"", "image/png"),
        ("truncated.png", _png()[:60], "image/png"),
        ("anim.gif", gif.getvalue(), "image/gif"),
    ]
    for name, data, kind in uploads:
        response = _upload(client, headers, name, data, kind)
        assert response.status_code == 422, name
        assert response.json()["code"] == "unsupported_image", name
    assert client.get(ME, headers=headers).json()["avatar_url"] is None


def test_oversized_avatar_is_413(client: TestClient, db: Session) -> None:
    headers = _signed_in(client, db)
    data = _png() + b"\x00" * (5 * 1024 * 1024)
    response = _upload(client, headers, "huge.png", data, "image/png")
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"


def test_decompression_bomb_is_refused(client: TestClient, db: Session) -> None:
    headers = _signed_in(client, db)
    bomb = _bomb_png()
    assert len(bomb) < 200_000
    response = _upload(client, headers, "bomb.png", bomb, "image/png")
    assert response.status_code == 422
    assert response.json()["code"] == "unsupported_image"


def test_avatar_without_a_file_is_422(client: TestClient, db: Session) -> None:
    headers = _signed_in(client, db)
    response = client.put(AVATAR, data={"other": "x"}, headers=headers)
    assert response.status_code == 422


# --- public profiles -------------------------------------------------------------------


def test_public_profile_of_an_active_user(client: TestClient, db: Session) -> None:
    user = make_user(db, name="Ann Teacher", role="instructor")
    headers = bearer(login(client, user.email))
    client.patch(ME, json={"headline": "Python", "bio": "Hi"}, headers=headers)
    response = client.get(f"/api/v1/users/{user.id}")
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == user.id
    assert (body["name"], body["role"], body["headline"], body["bio"]) == (
        "Ann Teacher",
        "instructor",
        "Python",
        "Hi",
    )
    assert body["courses"] == []
    assert "email" not in body


def test_public_profile_hides_unknown_pending_and_banned_users(
    client: TestClient, db: Session
) -> None:
    pending = make_user(db, status="pending")
    banned = make_user(db, status="banned")
    for user_id in ("no-such-user", pending.id, banned.id):
        response = client.get(f"/api/v1/users/{user_id}")
        assert response.status_code == 404, user_id
        assert response.json()["code"] == "not_found"


def test_me_is_not_taken_for_a_user_id(client: TestClient) -> None:
    assert client.get(ME).status_code == 401


def _close_to(expected: tuple[int, int, int], tolerance: int = 12) -> object:
    class _Near:
        def __eq__(self, other: object) -> bool:
            return isinstance(other, tuple) and all(
                abs(a - b) <= tolerance for a, b in zip(other, expected, strict=True)
            )

        def __repr__(self) -> str:
            return f"~{expected}"

    return _Near()
