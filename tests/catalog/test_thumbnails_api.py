"""Course thumbnails: uploaded by the owner, re-encoded, shown on the course; others refused."""

from __future__ import annotations

import io

from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy.orm import Session

from syllabus.catalog.models import Course
from syllabus.kit.runtime import Runtime
from tests.catalog.factories import make_course, signed_in
from tests.factories import bearer, login, make_user


def _jpeg(width: int = 1600, height: int = 1200) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", (width, height), (200, 40, 90))
    exif = Image.Exif()
    exif[0x013B] = "Secret Photographer"  # Artist
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_owner_uploads_a_thumbnail_that_is_resized_and_stripped(
    client: TestClient, db: Session, runtime: Runtime
) -> None:
    owner, headers = signed_in(client, db, "instructor")
    course = make_course(db, owner, status="draft")
    response = client.put(
        f"/api/v1/courses/{course.id}/thumbnail",
        files={"file": ("cover.jpg", _jpeg(), "image/jpeg")},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    url = response.json()["thumbnail_url"]
    assert url
    served = client.get(url)
    assert served.status_code == 200
    image = Image.open(io.BytesIO(served.content))
    assert image.format == "WEBP"
    assert image.size == (750, 422)
    assert not image.getexif()
    assert b"Secret Photographer" not in served.content


def test_replacing_a_thumbnail_removes_the_old_file(
    client: TestClient, db: Session, runtime: Runtime
) -> None:
    owner, headers = signed_in(client, db, "instructor")
    course = make_course(db, owner, status="draft")
    url = f"/api/v1/courses/{course.id}/thumbnail"
    client.put(url, files={"file": ("a.jpg", _jpeg(), "image/jpeg")}, headers=headers)
    db.expire_all()
    first_key = db.get(Course, course.id).thumbnail_key  # type: ignore[union-attr]
    client.put(url, files={"file": ("b.jpg", _jpeg(800, 800), "image/jpeg")}, headers=headers)
    db.expire_all()
    second_key = db.get(Course, course.id).thumbnail_key  # type: ignore[union-attr]
    assert first_key
    assert second_key
    assert first_key != second_key
    assert not runtime.storage.exists(first_key)
    assert runtime.storage.exists(second_key)


def test_thumbnail_refusals(client: TestClient, db: Session) -> None:
    owner, headers = signed_in(client, db, "instructor")
    course = make_course(db, owner, status="draft")
    url = f"/api/v1/courses/{course.id}/thumbnail"
    not_image = client.put(
        url, files={"file": ("x.jpg", b"%PDF-1.4 not a picture", "image/jpeg")}, headers=headers
    )
    assert not_image.status_code == 422
    assert not_image.json()["code"] == "unsupported_image"
    too_big = client.put(
        url,
        files={"file": ("x.jpg", b"\xff" * (5 * 1024 * 1024 + 1), "image/jpeg")},
        headers=headers,
    )
    assert too_big.status_code == 413

    other = make_user(db, role="instructor")
    others = client.put(
        url,
        files={"file": ("a.jpg", _jpeg(), "image/jpeg")},
        headers=bearer(login(client, other.email)),
    )
    assert others.status_code == 404
    assert client.put(url, files={"file": ("a.jpg", _jpeg(), "image/jpeg")}).status_code == 401
