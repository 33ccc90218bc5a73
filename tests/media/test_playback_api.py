"""Signed playback on the local backend: who gets a stream URL, and what the URL opens."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import time_machine
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from syllabus.accounts.models import User
from syllabus.catalog.models import Course, Lesson
from syllabus.kit.runtime import Runtime
from syllabus.media import keys
from syllabus.media.models import PROCESSING, MediaAsset
from syllabus.media.playback import lesson_playback, verify_stream_token
from tests.catalog.factories import actor_of, make_course, make_enrollment, signed_in
from tests.factories import bearer, login, make_user
from tests.media.factories import make_ready_video
from tests.support.queries import counted_statements

API = "/api/v1"
PLAYLIST_TYPE = "application/vnd.apple.mpegurl"


def video_lesson(
    db: Session, course: Course, asset: MediaAsset | None, *, preview: bool = False, **fields: Any
) -> Lesson:
    """The course's first lesson turned into a video lesson showing `asset`."""
    lesson = db.scalars(
        select(Lesson).where(Lesson.course_id == course.id).order_by(Lesson.position)
    ).first()
    assert lesson is not None
    lesson.kind = "video"
    lesson.media_id = asset.id if asset else None
    lesson.is_preview = preview
    for name, value in fields.items():
        setattr(lesson, name, value)
    db.commit()
    return lesson


def course_with_video(
    db: Session, runtime: Runtime, **lesson_fields: Any
) -> tuple[User, Course, Lesson, MediaAsset]:
    owner = make_user(db, role="instructor")
    course = make_course(db, owner)
    asset = make_ready_video(runtime, db, owner.id, seconds=2.0)
    return owner, course, video_lesson(db, course, asset, **lesson_fields), asset


def playback(client: TestClient, lesson: Lesson, headers: dict[str, str] | None = None) -> Any:
    return client.get(f"{API}/lessons/{lesson.id}/playback", headers=headers or {})


def granted(client: TestClient, lesson: Lesson, headers: dict[str, str] | None = None) -> str:
    response = playback(client, lesson, headers)
    assert response.status_code == 200, response.text
    hls_url: str = response.json()["hls_url"]
    return hls_url


def token_of(hls_url: str) -> str:
    match = re.fullmatch(r"/stream/([^/]+)/master\.m3u8", hls_url)
    assert match, hls_url
    return match.group(1)


def uris(playlist: str) -> list[str]:
    return [line for line in playlist.splitlines() if line and not line.startswith("#")]


def assert_refused(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == code


# ------------------------------------------------------------------ the happy path


def test_an_enrolled_student_plays_master_variant_and_segments(
    client: TestClient, db: Session, runtime: Runtime
) -> None:
    _, course, lesson, asset = course_with_video(db, runtime)
    student, headers = signed_in(client, db, "student")
    make_enrollment(db, student, course)

    response = playback(client, lesson, headers)
    assert response.status_code == 200, response.text
    body = response.json()
    expires_at = datetime.fromisoformat(body["expires_at"])
    ttl = runtime.settings.playback_url_ttl_seconds
    assert abs((expires_at - datetime.now(UTC)).total_seconds() - ttl) < 5
    assert client.get(body["poster_url"]).content[:2] == b"\xff\xd8", "the poster is a JPEG"

    with counted_statements(runtime) as statements:
        master = client.get(body["hls_url"])
        assert master.status_code == 200
        assert master.headers["content-type"] == PLAYLIST_TYPE
        assert master.headers["cache-control"].startswith("private, max-age=")
        assert int(master.headers["cache-control"].rsplit("=", 1)[1]) <= ttl
        [variant_uri] = uris(master.text)
        assert variant_uri == "360p/index.m3u8"

        base = body["hls_url"].rsplit("/", 1)[0]
        variant = client.get(f"{base}/{variant_uri}")
        assert variant.status_code == 200
        assert variant.headers["content-type"] == PLAYLIST_TYPE
        segments = uris(variant.text)
        assert segments
        assert all(re.fullmatch(r"seg_\d{5}\.ts", s) for s in segments)

        segment = client.get(f"{base}/360p/{segments[0]}")
        assert segment.status_code == 200
        assert segment.headers["content-type"] == "video/mp2t"
        with runtime.storage.open(f"{keys.hls_prefix(asset.id)}360p/{segments[0]}") as stored:
            assert segment.content == stored.read()
        assert segment.content[0] == 0x47, "an MPEG-TS packet starts with the sync byte"

        part = client.get(f"{base}/360p/{segments[0]}", headers={"Range": "bytes=188-375"})
        assert part.status_code == 206
        assert part.headers["content-range"] == f"bytes 188-375/{len(segment.content)}"
        assert part.content == segment.content[188:376]
    assert statements == [], "stream files are authorised by the token alone"


def test_the_owner_and_an_admin_play_without_enrolling(
    client: TestClient, db: Session, runtime: Runtime
) -> None:
    owner, course, lesson, _ = course_with_video(db, runtime)
    course.status = "draft"
    db.commit()
    owner_headers = bearer(login(client, owner.email))
    _, admin_headers = signed_in(client, db, "admin")

    assert client.get(granted(client, lesson, owner_headers)).status_code == 200
    assert client.get(granted(client, lesson, admin_headers)).status_code == 200


def test_a_preview_lesson_plays_for_anyone(
    client: TestClient, db: Session, runtime: Runtime
) -> None:
    _, _, lesson, _ = course_with_video(db, runtime, preview=True, drip_days=7)

    hls_url = granted(client, lesson)  # anonymous

    master = client.get(hls_url)
    assert master.status_code == 200
    assert master.text.startswith("#EXTM3U")
    assert verify_stream_token(runtime, token_of(hls_url)).scope == f"lesson:{lesson.id}"


def test_the_promo_video_of_a_published_course_plays_for_anyone(
    client: TestClient, db: Session, runtime: Runtime
) -> None:
    owner = make_user(db, role="instructor")
    course = make_course(db, owner)
    bare = make_course(db, owner)
    promo = make_ready_video(runtime, db, owner.id, seconds=1.0, purpose="promo_video")
    course.promo_media_id = promo.id
    db.commit()

    response = client.get(f"{API}/courses/{course.slug}/promo/playback")
    assert response.status_code == 200, response.text
    hls_url = response.json()["hls_url"]
    assert client.get(hls_url).status_code == 200
    assert verify_stream_token(runtime, token_of(hls_url)).scope == f"promo:{course.id}"

    assert_refused(client.get(f"{API}/courses/{bare.id}/promo/playback"), 404, "media_not_found")
    course.status = "unpublished"
    db.commit()
    assert_refused(client.get(f"{API}/courses/{course.id}/promo/playback"), 404, "media_not_found")


def test_granting_playback_reads_two_statements_at_most(db: Session, runtime: Runtime) -> None:
    _, course, lesson, _ = course_with_video(db, runtime)
    student = make_user(db)
    make_enrollment(db, student, course)

    with counted_statements(runtime) as statements:
        found = lesson_playback(db, runtime, actor_of(student), lesson.id)

    assert found.hls_url.startswith("/stream/")
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 2, "lesson, course and video in one; the enrollment in another"


# ------------------------------------------------------------------ who is refused


def test_a_student_who_is_not_enrolled_is_refused(
    client: TestClient, db: Session, runtime: Runtime
) -> None:
    _, course, lesson, _ = course_with_video(db, runtime)
    _, headers = signed_in(client, db, "student")

    assert_refused(playback(client, lesson, headers), 403, "not_enrolled")
    assert_refused(playback(client, lesson), 403, "not_enrolled")  # anonymous

    course.status = "draft"
    db.commit()
    assert_refused(playback(client, lesson, headers), 404, "course_not_found")
    assert_refused(client.get(f"{API}/lessons/no-such-lesson/playback"), 404, "lesson_not_found")


def test_a_revoked_enrollment_gets_no_new_stream_url(
    client: TestClient, db: Session, runtime: Runtime
) -> None:
    _, course, lesson, _ = course_with_video(db, runtime)
    student, headers = signed_in(client, db, "student")
    enrollment = make_enrollment(db, student, course)
    assert playback(client, lesson, headers).status_code == 200

    enrollment.status = "revoked"
    db.commit()

    assert_refused(playback(client, lesson, headers), 403, "not_enrolled")


def test_a_drip_locked_lesson_is_refused_until_it_opens(
    client: TestClient, db: Session, runtime: Runtime
) -> None:
    _, course, lesson, _ = course_with_video(db, runtime, drip_days=3)
    student, headers = signed_in(client, db, "student")
    make_enrollment(db, student, course, days_ago=1)

    response = playback(client, lesson, headers)

    assert_refused(response, 409, "lesson_locked")
    assert "opens on" in response.json()["detail"]


def test_a_video_that_is_not_ready_or_missing_is_409(
    client: TestClient, db: Session, runtime: Runtime
) -> None:
    _, course, lesson, asset = course_with_video(db, runtime)
    student, headers = signed_in(client, db, "student")
    make_enrollment(db, student, course)

    asset.status = PROCESSING
    db.commit()
    assert_refused(playback(client, lesson, headers), 409, "media_not_ready")

    video_lesson(db, course, None)
    assert_refused(playback(client, lesson, headers), 409, "media_not_ready")


# ------------------------------------------------------------------ what a token opens


def test_an_expired_stream_url_is_403(client: TestClient, db: Session, runtime: Runtime) -> None:
    _, _, lesson, _ = course_with_video(db, runtime, preview=True)
    hls_url = granted(client, lesson)
    assert client.get(hls_url).status_code == 200

    later = datetime.now(UTC) + timedelta(seconds=runtime.settings.playback_url_ttl_seconds + 1)
    with time_machine.travel(later, tick=False):
        assert_refused(client.get(hls_url), 403, "playback_expired")
        assert_refused(
            client.get(hls_url.replace("master.m3u8", "360p/seg_00000.ts")), 403, "playback_expired"
        )


def test_a_tampered_stream_url_is_403(client: TestClient, db: Session, runtime: Runtime) -> None:
    _, _, lesson, _ = course_with_video(db, runtime, preview=True)
    token = token_of(granted(client, lesson))
    version, kind, scope_id, asset_id, expiry, signature = token.split(".")

    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    longer = ".".join([version, kind, scope_id, asset_id, str(int(expiry) + 3600), signature])
    for bad in (flipped, longer, "garbage", token + ".x"):
        assert_refused(client.get(f"/stream/{bad}/master.m3u8"), 403, "invalid_signature")


def test_a_token_opens_its_own_asset_only(
    client: TestClient, db: Session, runtime: Runtime
) -> None:
    _, _, lesson_a, _ = course_with_video(db, runtime, preview=True)
    _, _, _, asset_b = course_with_video(db, runtime)
    token = token_of(granted(client, lesson_a))
    version, kind, scope_id, _, expiry, signature = token.split(".")

    swapped = ".".join([version, kind, scope_id, asset_b.id, expiry, signature])
    assert_refused(client.get(f"/stream/{swapped}/master.m3u8"), 403, "invalid_signature")

    b_master = f"media/{asset_b.id}/hls/master.m3u8"
    for path in (
        f"..%2F..%2F{asset_b.id}%2Fhls%2Fmaster.m3u8",
        f"%2E%2E/%2E%2E/{asset_b.id}/hls/master.m3u8",
        f"360p/..%2F..%2F..%2F{b_master}",
        b_master,
    ):
        response = client.get(f"/stream/{token}/{path}")
        assert_refused(response, 403, "invalid_signature")
        assert b"#EXTM3U" not in response.content


def test_the_source_and_other_files_are_unreachable(
    client: TestClient, db: Session, runtime: Runtime
) -> None:
    _, _, lesson, asset = course_with_video(db, runtime, preview=True)
    runtime.storage.save_bytes(keys.source_key(asset.id), b"ORIGINAL UPLOAD BYTES")
    token = token_of(granted(client, lesson))

    for path in (
        "..%2F..%2Fsource",
        "%2E%2E/source",
        "../source",
        "source",
        "poster.jpg",
        "360p/../../source",
        "360p/seg_00000.ts%00.txt",
        "360p/notes.txt",
        ".hidden/index.m3u8",
    ):
        response = client.get(f"/stream/{token}/{path}")
        assert response.status_code in (403, 404), path
        assert b"ORIGINAL UPLOAD BYTES" not in response.content

    missing = client.get(f"/stream/{token}/720p/index.m3u8")
    assert_refused(missing, 404, "not_found")
