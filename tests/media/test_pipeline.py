"""The whole media path through the API: upload a real clip, transcode it, play it back.

test_pipeline_s3.py runs the same path on S3 (moto on loopback).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from syllabus.catalog.models import Course, Lesson
from tests.catalog.factories import make_course, make_enrollment
from tests.factories import bearer, login, make_user
from tests.media.clips import make_clip

API = "/api/v1"


def _first_lesson(db: Session, course: Course) -> Lesson:
    lesson = db.scalars(
        select(Lesson).where(Lesson.course_id == course.id).order_by(Lesson.position)
    ).first()
    assert lesson is not None
    lesson.kind = "video"
    db.commit()
    return lesson


def _uris(playlist: str) -> list[str]:
    return [line for line in playlist.splitlines() if line and not line.startswith("#")]


def _fetch(client: TestClient, url: str) -> httpx.Response:
    """Playlists come from the app; presigned S3 segment URLs go straight to the bucket."""
    if url.startswith("http://127.0.0.1"):
        return httpx.get(url, timeout=10)
    return client.get(url)


def upload_transcode_play(
    client: TestClient, db: Session, run_jobs: Any, clip: Path
) -> tuple[dict[str, Any], list[bytes]]:
    owner = make_user(db, role="instructor")
    student = make_user(db)
    course = make_course(db, owner)
    lesson = _first_lesson(db, course)
    make_enrollment(db, student, course)
    teacher = bearer(login(client, owner.email))

    with clip.open("rb") as handle:
        created = client.post(
            f"{API}/media",
            headers=teacher,
            data={"purpose": "lesson_video"},
            files={"file": ("lecture.mp4", handle, "application/octet-stream")},
        )
    assert created.status_code == 201, created.text
    media_id = created.json()["id"]
    assert created.json()["status"] == "uploaded"
    attached = client.post(
        f"{API}/lessons/{lesson.id}/media", headers=teacher, json={"media_id": media_id}
    )
    assert attached.status_code == 200, attached.text

    learner = bearer(login(client, student.email))
    early = client.get(f"{API}/lessons/{lesson.id}/playback", headers=learner)
    assert early.status_code == 409
    assert early.json()["code"] == "media_not_ready"

    run_jobs()
    asset = client.get(f"{API}/media/{media_id}", headers=teacher).json()
    assert asset["status"] == "ready", asset
    assert asset["duration"] == 2
    assert [r["name"] for r in asset["renditions"]] == ["360p"]

    db.expire_all()
    assert db.get(Lesson, lesson.id).duration_seconds == 2  # type: ignore[union-attr]

    granted = client.get(f"{API}/lessons/{lesson.id}/playback", headers=learner)
    assert granted.status_code == 200, granted.text
    master_url = granted.json()["hls_url"]
    master = client.get(master_url)
    assert master.status_code == 200
    assert master.text.startswith("#EXTM3U")
    assert "RESOLUTION=640x360" in master.text
    base = master_url.rsplit("/", 1)[0]
    variant_url = f"{base}/{_uris(master.text)[0]}"
    variant = client.get(variant_url)
    assert variant.status_code == 200
    assert "#EXT-X-ENDLIST" in variant.text
    segments = []
    for uri in _uris(variant.text):
        url = uri if uri.startswith("http") else f"{variant_url.rsplit('/', 1)[0]}/{uri}"
        response = _fetch(client, url)
        assert response.status_code == 200, url
        segments.append(response.content)
    return granted.json(), segments


def assert_transport_stream(segments: list[bytes]) -> None:
    assert segments
    for data in segments:
        # MPEG-TS: 188-byte packets, each starting with the sync byte 0x47.
        assert len(data) % 188 == 0
        assert data[::188] == bytes([0x47]) * (len(data) // 188)


def test_upload_transcode_and_play_on_the_local_folder(
    client: TestClient, db: Session, run_jobs: Any, tmp_path: Path
) -> None:
    clip = make_clip(tmp_path / "clip.mp4", seconds=2.0, width=640, height=360)
    body, segments = upload_transcode_play(client, db, run_jobs, clip)
    assert body["hls_url"].startswith("/stream/")
    assert_transport_stream(segments)
