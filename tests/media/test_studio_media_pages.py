"""The studio's media: chunked uploads from the lesson editor, attaching, the live state panel."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy.orm import Session

from syllabus.accounts.models import User
from syllabus.catalog.models import Course, Lesson
from syllabus.config import Settings
from syllabus.kit.runtime import Runtime
from syllabus.media.models import FAILED, PROCESSING, UPLOADED, MediaAsset
from tests.factories import make_user
from tests.media.clips import make_clip
from tests.media.factories import make_ready_video
from tests.web.test_account_pages import web_login
from tests.web.test_studio_pages import add_lesson, add_section, create_course, post

CHUNK = 64 * 1024
HX = {"HX-Request": "true"}
POLLING = 'hx-trigger="every 2s"'


@pytest.fixture
def settings(base_settings: Settings, tmp_path: Path) -> Settings:
    """Small chunks, so a short clip takes several requests."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    return base_settings.model_copy(update={"data_dir": data_dir, "upload_chunk_bytes": CHUNK})


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    path = tmp_path_factory.mktemp("clips") / "lecture.mp4"
    data = make_clip(path, seconds=2.0, width=640, height=360).read_bytes()
    assert len(data) > 2 * CHUNK, "the clip spans several chunks"
    return data


# ----------------------------------------------------------------- helpers


def instructor(db: Session, client: TestClient, email: str = "ida@example.com") -> User:
    user = make_user(db, email=email, name="Ida Instructor", role="instructor")
    web_login(client, email)
    return user


def video_lesson(client: TestClient, db: Session, kind: str = "video") -> tuple[Course, str]:
    course = create_course(client, db)
    section_id = add_section(client, course, "Basics")
    return course, add_lesson(client, section_id, "Welcome", kind=kind)


def csrf(client: TestClient) -> dict[str, str]:
    return {"X-CSRF-Token": client.cookies["syl_csrf"]}


def start(client: TestClient, size: int, purpose: str = "lesson_video", **headers: str) -> Response:
    body = {"purpose": purpose, "filename": "lecture.mp4", "size": size}
    return client.post("/studio/uploads", json=body, headers={**csrf(client), **headers})


def patch(client: TestClient, upload_id: str, offset: int, chunk: bytes) -> Response:
    headers = {
        **csrf(client),
        "Content-Type": "application/offset+octet-stream",
        "Upload-Offset": str(offset),
    }
    return client.patch(f"/studio/uploads/{upload_id}", content=chunk, headers=headers)


def upload_in_chunks(client: TestClient, data: bytes) -> str:
    """Every chunk of `data` through the studio endpoints; returns the new asset's id."""
    created = start(client, len(data))
    assert created.status_code == 201, created.text
    state = created.json()
    assert state["chunk_bytes"] == CHUNK
    offset = 0
    while offset < len(data):
        answer = patch(client, state["id"], offset, data[offset : offset + CHUNK])
        assert answer.status_code == 200, answer.text
        state = answer.json()
        assert state["received_bytes"] == int(answer.headers["Upload-Offset"]) > offset
        offset = state["received_bytes"]
    assert state["status"] == "complete"
    media_id: str = state["media_id"]
    return media_id


def status_fragment(client: TestClient, media_id: str) -> Response:
    return client.get(f"/studio/media/{media_id}/status", headers=HX)


def add_asset(db: Session, owner: User, status: str, **fields: object) -> MediaAsset:
    asset = MediaAsset(
        owner_id=owner.id,
        purpose="lesson_video",
        status=status,
        filename="lecture.mp4",
        content_type="video/mp4",
        size_bytes=1000,
        **fields,
    )
    db.add(asset)
    db.commit()
    return asset


# ------------------------------------------------------------- the editor


def test_a_video_lesson_shows_the_uploader_and_a_text_lesson_does_not(
    client: TestClient, db: Session
) -> None:
    instructor(db, client)
    course, lesson_id = video_lesson(client, db)
    page = client.get(f"/studio/lessons/{lesson_id}")
    assert page.status_code == 200
    html = page.text
    assert "data-media-uploader" in html
    assert 'data-purpose="lesson_video"' in html
    assert f'data-attach-url="/studio/lessons/{lesson_id}/media"' in html
    assert "<progress" in html
    assert 'role="status"' in html
    assert "js/uploader.js" in html
    assert "No video yet." in html
    # Without JavaScript the same panel posts the whole file.
    assert f'action="/studio/lessons/{lesson_id}/media/upload"' in html
    assert 'enctype="multipart/form-data"' in html

    section_id = add_section(client, course, "Reading")
    text_lesson = add_lesson(client, section_id, "Notes", kind="text")
    assert "data-media-uploader" not in client.get(f"/studio/lessons/{text_lesson}").text

    attachment = add_lesson(client, section_id, "Slides", kind="attachment")
    html = client.get(f"/studio/lessons/{attachment}").text
    assert 'data-purpose="attachment"' in html
    assert "No file yet." in html


# ---------------------------------------------------------- chunked upload


def test_a_video_uploaded_in_chunks_is_stored_whole_attached_and_processed(
    client: TestClient, db: Session, runtime: Runtime, clip: bytes, run_jobs: object
) -> None:
    instructor(db, client)
    _course, lesson_id = video_lesson(client, db)
    media_id = upload_in_chunks(client, clip)

    asset = db.get(MediaAsset, media_id)
    assert asset is not None
    assert asset.status == UPLOADED
    assert asset.source_key
    with runtime.storage.open(asset.source_key) as stored:
        assert stored.read() == clip

    attached = post(client, f"/studio/lessons/{lesson_id}/media", {"media_id": media_id}, **HX)
    assert attached.status_code == 200, attached.text
    assert 'id="lesson-media"' in attached.text
    assert "Waiting to be processed" in attached.text
    assert POLLING in attached.text
    db.expire_all()
    lesson = db.get(Lesson, lesson_id)
    assert lesson is not None
    assert lesson.media_id == media_id

    assert run_jobs() >= 1  # type: ignore[operator]
    ready = status_fragment(client, media_id)
    assert ready.status_code == 200
    assert "Ready" in ready.text
    assert "0:02" in ready.text
    assert POLLING not in ready.text, "a final state stops polling"
    assert re.search(r'<img class="media-state__poster" src="[^"]+"', ready.text)


def test_a_resumed_upload_continues_from_the_server_offset(
    client: TestClient, db: Session, clip: bytes
) -> None:
    instructor(db, client)
    state = start(client, len(clip)).json()
    upload_id = state["id"]
    assert patch(client, upload_id, 0, clip[:CHUNK]).status_code == 200

    # The client lost the answer and sends the first chunk again: told where to go on.
    again = patch(client, upload_id, 0, clip[:CHUNK])
    assert again.status_code == 409
    assert again.json()["code"] == "offset_mismatch"
    assert again.json()["offset"] == CHUNK
    assert again.json()["detail"]

    head = client.head(f"/studio/uploads/{upload_id}")
    assert head.status_code == 200
    assert head.headers["Upload-Offset"] == str(CHUNK)
    shown = client.get(f"/studio/uploads/{upload_id}").json()
    assert shown["received_bytes"] == CHUNK
    assert shown["status"] == "open"

    rest = patch(client, upload_id, CHUNK, clip[CHUNK : 2 * CHUNK])
    assert rest.status_code == 200
    assert rest.json()["received_bytes"] == 2 * CHUNK


def test_refused_files_answer_the_reason_as_json(client: TestClient, db: Session) -> None:
    instructor(db, client)
    empty = start(client, 0)
    assert empty.status_code == 422
    assert empty.json()["code"] == "empty_file"

    program = b"MZ" + b"\x00" * 2000  # a Windows program named lecture.mp4
    upload_id = start(client, len(program)).json()["id"]
    refused = patch(client, upload_id, 0, program)
    assert refused.status_code == 415
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert "program" in refused.json()["detail"].lower()


def test_uploads_need_the_csrf_header(client: TestClient, db: Session, clip: bytes) -> None:
    instructor(db, client)
    body = {"purpose": "lesson_video", "filename": "a.mp4", "size": 10}
    assert client.post("/studio/uploads", json=body).status_code == 403
    forged = client.post("/studio/uploads", json=body, headers={"X-CSRF-Token": "x" * 43})
    assert forged.status_code == 403

    upload_id = start(client, len(clip)).json()["id"]
    headers = {"Content-Type": "application/offset+octet-stream", "Upload-Offset": "0"}
    refused = client.patch(f"/studio/uploads/{upload_id}", content=clip[:CHUNK], headers=headers)
    assert refused.status_code == 403
    assert client.get(f"/studio/uploads/{upload_id}").json()["received_bytes"] == 0


def test_students_cannot_upload(client: TestClient, db: Session) -> None:
    make_user(db, email="sam@example.com", role="student")
    web_login(client, "sam@example.com")
    client.get("/")
    refused = start(client, 1000)
    assert refused.status_code == 403
    assert refused.json()["code"] == "not_instructor"


def test_another_instructors_uploads_and_media_are_not_found(
    client: TestClient, db: Session, clip: bytes
) -> None:
    owner = instructor(db, client)
    _course, lesson_id = video_lesson(client, db)
    upload_id = start(client, len(clip)).json()["id"]
    theirs = add_asset(db, owner, UPLOADED)

    client.cookies.clear()
    instructor(db, client, email="other@example.com")
    client.get("/studio")
    assert client.get(f"/studio/uploads/{upload_id}").status_code == 404
    assert patch(client, upload_id, 0, clip[:CHUNK]).status_code == 404
    assert status_fragment(client, theirs.id).status_code == 404
    # Their lesson (a draft) is invisible; so is their asset on a lesson of mine.
    foreign_lesson = post(client, f"/studio/lessons/{lesson_id}/media", {"media_id": theirs.id})
    assert foreign_lesson.status_code == 404
    _mine, my_lesson = video_lesson(client, db)
    foreign_media = post(client, f"/studio/lessons/{my_lesson}/media", {"media_id": theirs.id})
    assert foreign_media.status_code == 404
    db.expire_all()
    assert db.get(Lesson, my_lesson).media_id is None  # type: ignore[union-attr]


# ---------------------------------------------------------- the state panel


def test_the_state_fragment_follows_the_asset_and_polls_only_until_final(
    client: TestClient, db: Session, runtime: Runtime
) -> None:
    owner = instructor(db, client)
    waiting = add_asset(db, owner, UPLOADED)
    html = status_fragment(client, waiting.id).text
    assert "Waiting to be processed" in html
    assert POLLING in html
    assert f'hx-get="/studio/media/{waiting.id}/status"' in html

    working = add_asset(db, owner, PROCESSING, progress_percent=40)
    html = status_fragment(client, working.id).text
    assert 'value="40"' in html
    assert "40 %" in html
    assert POLLING in html

    ready = make_ready_video(runtime, db, owner.id, seconds=2.0)
    db.commit()
    html = status_fragment(client, ready.id).text
    assert "Ready" in html
    assert "360p" in html
    assert "0:02" in html
    assert POLLING not in html

    failed = add_asset(db, owner, FAILED, error="<script>alert(1)</script> is not a video.")
    html = status_fragment(client, failed.id).text
    assert "Processing failed" in html
    assert "Upload another file" in html
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; is not a video." in html
    assert POLLING not in html


def test_removing_the_video_empties_the_panel(
    client: TestClient, db: Session, runtime: Runtime
) -> None:
    owner = instructor(db, client)
    _course, lesson_id = video_lesson(client, db)
    video = make_ready_video(runtime, db, owner.id, seconds=2.0)
    db.commit()
    attached = post(client, f"/studio/lessons/{lesson_id}/media", {"media_id": video.id})
    assert attached.status_code == 303
    assert attached.headers["location"] == f"/studio/lessons/{lesson_id}#lesson-media"
    page = client.get(attached.headers["location"]).text
    assert "Ready" in page
    assert "Remove the video" in page
    assert "The file is uploaded." in page

    removed = post(client, f"/studio/lessons/{lesson_id}/media", {"remove": "1"}, **HX)
    assert removed.status_code == 200
    assert "No video yet." in removed.text
    db.expire_all()
    assert db.get(Lesson, lesson_id).media_id is None  # type: ignore[union-attr]


# ------------------------------------------------------- without JavaScript


def test_the_plain_form_uploads_a_whole_file_and_explains_a_refusal(
    client: TestClient, db: Session, clip: bytes
) -> None:
    instructor(db, client)
    _course, lesson_id = video_lesson(client, db)
    url = f"/studio/lessons/{lesson_id}/media/upload"
    token = client.cookies["syl_csrf"]

    program = {"file": ("lecture.mp4", b"MZ" + b"\x00" * 500, "video/mp4")}
    refused = client.post(url, data={"csrf_token": token}, files=program)
    assert refused.status_code == 415
    assert 'id="media-uploader-error"' in refused.text
    assert "program" in refused.text
    db.expire_all()
    assert db.get(Lesson, lesson_id).media_id is None  # type: ignore[union-attr]

    video = {"file": ("lecture.mp4", clip, "video/mp4")}
    sent = client.post(url, data={"csrf_token": token}, files=video, follow_redirects=False)
    assert sent.status_code == 303
    db.expire_all()
    lesson = db.get(Lesson, lesson_id)
    assert lesson is not None
    assert lesson.media_id
    assert "Waiting to be processed" in client.get(f"/studio/lessons/{lesson_id}").text


def test_an_attachment_lesson_offers_its_file_for_download(client: TestClient, db: Session) -> None:
    instructor(db, client)
    _course, lesson_id = video_lesson(client, db, kind="attachment")
    notes = {"file": ("week 1 notes.txt", b"Read chapter one.\n" * 50, "text/plain")}
    sent = client.post(
        f"/studio/lessons/{lesson_id}/media/upload",
        data={"csrf_token": client.cookies["syl_csrf"]},
        files=notes,
        follow_redirects=False,
    )
    assert sent.status_code == 303
    page = client.get(sent.headers["location"]).text
    assert "Ready" in page
    assert "Download week 1 notes.txt" in page
    assert POLLING not in page


def test_a_cancelled_upload_takes_no_more_chunks(
    client: TestClient, db: Session, clip: bytes
) -> None:
    instructor(db, client)
    upload_id = start(client, len(clip)).json()["id"]
    assert patch(client, upload_id, 0, clip[:CHUNK]).status_code == 200
    cancelled = client.delete(f"/studio/uploads/{upload_id}", headers=csrf(client))
    assert cancelled.status_code == 204
    assert client.get(f"/studio/uploads/{upload_id}").json()["status"] == "aborted"
    late = patch(client, upload_id, CHUNK, clip[CHUNK : 2 * CHUNK])
    assert late.status_code == 409
    assert late.json()["code"] == "upload_closed"


# ------------------------------------------------------------ promo video


def test_the_course_page_has_a_promo_video_panel(
    client: TestClient, db: Session, runtime: Runtime
) -> None:
    owner = instructor(db, client)
    course = create_course(client, db)
    page = client.get(f"/studio/courses/{course.id}").text
    assert 'id="promo-media"' in page
    assert 'data-purpose="promo_video"' in page
    assert "No promo video yet." in page
    assert "js/uploader.js" in page

    lesson_video = make_ready_video(runtime, db, owner.id, seconds=2.0)
    promo = make_ready_video(runtime, db, owner.id, seconds=2.0, purpose="promo_video")
    db.commit()
    wrong = post(client, f"/studio/courses/{course.id}/promo", {"media_id": lesson_video.id})
    assert wrong.status_code == 409

    attached = post(client, f"/studio/courses/{course.id}/promo", {"media_id": promo.id}, **HX)
    assert attached.status_code == 200
    assert "Ready" in attached.text
    assert "Remove the promo video" in attached.text
    db.expire_all()
    assert db.get(Course, course.id).promo_media_id == promo.id  # type: ignore[union-attr]
    assert "Remove the promo video" in client.get(f"/studio/courses/{course.id}").text

    removed = post(client, f"/studio/courses/{course.id}/promo", {"remove": "1"})
    assert removed.status_code == 303
    db.expire_all()
    assert db.get(Course, course.id).promo_media_id is None  # type: ignore[union-attr]
