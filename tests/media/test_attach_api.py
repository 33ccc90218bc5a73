"""Media in lessons and on courses: the right kind, the owner's own, durations carried over."""

from __future__ import annotations

import io
from pathlib import Path

from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from syllabus.accounts.models import User
from syllabus.catalog.models import Course, Lesson, Section
from syllabus.kit.runtime import Runtime
from tests.catalog.factories import make_course, signed_in
from tests.media.clips import make_clip
from tests.media.factories import make_ready_video
from tests.media.test_upload_api import PDF, picture, upload

API = "/api/v1"


def add_lesson(db: Session, course: Course, kind: str) -> Lesson:
    section = db.scalars(select(Section).where(Section.course_id == course.id)).first()
    assert section is not None
    lesson = Lesson(
        section_id=section.id, course_id=course.id, title=f"A {kind}", kind=kind, position=99
    )
    db.add(lesson)
    db.commit()
    return lesson


def attach(
    client: TestClient, headers: dict[str, str], lesson: Lesson, media_id: str | None
) -> tuple[int, dict[str, object]]:
    response = client.post(
        f"{API}/lessons/{lesson.id}/media", json={"media_id": media_id}, headers=headers
    )
    return response.status_code, response.json()


def course_duration(db: Session, course: Course) -> int:
    db.expire_all()
    return db.scalar(select(Course.duration_seconds).where(Course.id == course.id)) or 0


def owner_with_course(client: TestClient, db: Session) -> tuple[User, dict[str, str], Course]:
    owner, headers = signed_in(client, db, "instructor")
    course = make_course(db, owner, status="draft", lessons=1, lesson_seconds=300)
    return owner, headers, course


def test_a_ready_video_gives_the_lesson_and_course_its_duration(
    client: TestClient, db: Session, runtime: Runtime
) -> None:
    owner, headers, course = owner_with_course(client, db)
    lesson = add_lesson(db, course, "video")
    video = make_ready_video(runtime, db, owner.id, seconds=3.0)
    db.commit()

    status, body = attach(client, headers, lesson, video.id)
    assert status == 200, body
    assert body["media_id"] == video.id
    assert body["duration_seconds"] == 3
    assert course_duration(db, course) == 303

    status, body = attach(client, headers, lesson, None)
    assert status == 200, body
    assert body["media_id"] is None
    assert body["duration_seconds"] == 0
    assert course_duration(db, course) == 300


def test_a_video_still_processing_can_be_attached_without_a_duration(
    client: TestClient, db: Session, tmp_path: Path
) -> None:
    _, headers, course = owner_with_course(client, db)
    lesson = add_lesson(db, course, "video")
    clip = make_clip(tmp_path / "c.mp4", seconds=1.0, width=320, height=180)
    media = upload(client, headers, "lesson_video", "c.mp4", clip.read_bytes()).json()
    status, body = attach(client, headers, lesson, media["id"])
    assert status == 200, body
    assert body["media_id"] == media["id"]
    assert body["duration_seconds"] == 0


def test_a_lesson_takes_only_its_own_kind_of_media(
    client: TestClient, db: Session, runtime: Runtime
) -> None:
    owner, headers, course = owner_with_course(client, db)
    video_lesson = add_lesson(db, course, "video")
    file_lesson = add_lesson(db, course, "attachment")
    text_lesson = db.scalars(
        select(Lesson).where(Lesson.course_id == course.id, Lesson.kind == "text")
    ).one()
    video = make_ready_video(runtime, db, owner.id, seconds=1.0)
    promo = make_ready_video(runtime, db, owner.id, seconds=1.0, purpose="promo_video")
    db.commit()
    pdf = upload(client, headers, "attachment", "notes.pdf", PDF).json()["id"]
    cover = upload(client, headers, "thumbnail", "cover.png", picture()).json()["id"]

    for lesson, media_id in (
        (video_lesson, pdf),
        (video_lesson, cover),
        (video_lesson, promo.id),
        (file_lesson, video.id),
        (text_lesson, video.id),
    ):
        status, body = attach(client, headers, lesson, media_id)
        assert status == 409, (lesson.kind, media_id)
        assert body["code"] == "wrong_media_purpose"

    status, body = attach(client, headers, file_lesson, pdf)
    assert status == 200, body
    assert body["media_id"] == pdf


def test_only_the_owner_attaches_their_own_media(
    client: TestClient, db: Session, runtime: Runtime
) -> None:
    _, headers, course = owner_with_course(client, db)
    lesson = add_lesson(db, course, "attachment")
    _, other_headers = signed_in(client, db, "instructor")
    theirs = upload(client, other_headers, "attachment", "theirs.pdf", PDF).json()["id"]
    mine = upload(client, headers, "attachment", "mine.pdf", PDF).json()["id"]

    status, body = attach(client, headers, lesson, theirs)
    assert status == 404
    assert body["code"] == "media_not_found"
    status, body = attach(client, other_headers, lesson, mine)
    assert status == 404
    assert body["code"] == "lesson_not_found"
    status, body = attach(client, headers, lesson, "no-such-media")
    assert status == 404


def test_a_course_takes_a_thumbnail_from_a_picture_asset(
    client: TestClient, db: Session, runtime: Runtime
) -> None:
    _, headers, course = owner_with_course(client, db)
    cover = upload(client, headers, "thumbnail", "cover.png", picture("PNG", (1600, 900))).json()
    response = client.patch(
        f"{API}/courses/{course.id}", json={"thumbnail_media_id": cover["id"]}, headers=headers
    )
    assert response.status_code == 200, response.text
    served = client.get(response.json()["thumbnail_url"])
    image = Image.open(io.BytesIO(served.content))
    assert (image.format, image.size) == ("WEBP", (750, 422))
    db.expire_all()
    key = db.scalar(select(Course.thumbnail_key).where(Course.id == course.id))
    # The course owns a copy: the picture asset can go without breaking the page.
    assert key is not None
    assert key.startswith(f"thumbnails/{course.id}/")
    assert runtime.storage.exists(key)

    created = client.post(
        f"{API}/courses",
        json={"title": "With a cover", "thumbnail_media_id": cover["id"]},
        headers=headers,
    )
    assert created.status_code == 201, created.text
    assert created.json()["thumbnail_url"]

    cleared = client.patch(
        f"{API}/courses/{course.id}", json={"thumbnail_media_id": None}, headers=headers
    )
    assert cleared.json()["thumbnail_url"] is None
    assert not runtime.storage.exists(key)


def test_course_media_must_be_of_the_right_kind_and_the_owners(
    client: TestClient, db: Session, runtime: Runtime
) -> None:
    owner, headers, course = owner_with_course(client, db)
    lesson_video = make_ready_video(runtime, db, owner.id, seconds=1.0)
    promo = make_ready_video(runtime, db, owner.id, seconds=1.0, purpose="promo_video")
    db.commit()
    url = f"{API}/courses/{course.id}"

    wrong_thumbnail = client.patch(url, json={"thumbnail_media_id": promo.id}, headers=headers)
    assert wrong_thumbnail.status_code == 409
    assert wrong_thumbnail.json()["code"] == "wrong_media_purpose"
    wrong_promo = client.patch(url, json={"promo_media_id": lesson_video.id}, headers=headers)
    assert wrong_promo.status_code == 409
    assert wrong_promo.json()["code"] == "wrong_media_purpose"

    _, other_headers = signed_in(client, db, "instructor")
    theirs = upload(client, other_headers, "thumbnail", "c.png", picture()).json()["id"]
    foreign = client.patch(url, json={"thumbnail_media_id": theirs}, headers=headers)
    assert foreign.status_code == 404
    assert foreign.json()["code"] == "media_not_found"

    assert client.patch(url, json={"promo_media_id": promo.id}, headers=headers).status_code == 200
    db.expire_all()
    assert db.scalar(select(Course.promo_media_id).where(Course.id == course.id)) == promo.id
    assert client.patch(url, json={"promo_media_id": None}, headers=headers).status_code == 200
    db.expire_all()
    assert db.scalar(select(Course.promo_media_id).where(Course.id == course.id)) is None
