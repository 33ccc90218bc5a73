"""The lesson player's media through the browser's transport: the video player with its signed
stream and saved position, the processing state, the file download, position reports (cookie +
CSRF header), URL renewal, and the preview video on the course landing page."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from syllabus.accounts.models import User
from syllabus.catalog.models import Course, Lesson
from syllabus.kit.db import new_id
from syllabus.kit.runtime import Runtime
from syllabus.learning.models import Enrollment, LessonProgress
from syllabus.media import keys
from syllabus.media.assets import set_course_promo
from syllabus.media.models import PROCESSING, READY, MediaAsset
from tests.catalog.factories import actor_of, make_course, make_enrollment
from tests.catalog_public.seed import count_statements
from tests.factories import make_user
from tests.media.factories import make_ready_video
from tests.web.test_account_pages import web_login

JSON = {"Accept": "application/json"}
VIDEO_SECONDS = 10  # the lesson's length; completion is a percent of it
_PLAYER = re.compile(r"<div class=\"video-player\"[^>]*>", re.S)


# ----------------------------------------------------------------- helpers


def _attr(tag: str, name: str) -> str:
    match = re.search(rf'{name}="([^"]*)"', tag)
    assert match, f"the player carries {name}"
    return match.group(1)


def _player_tag(html: str) -> str:
    match = _PLAYER.search(html)
    assert match, "the page has a video player"
    return match.group(0)


def _video_course(
    db: Session, instructor: User, media_id: str | None, **lesson_fields: Any
) -> tuple[Course, Lesson]:
    """A free published course whose first lesson is a video lesson showing `media_id`."""
    course = make_course(db, instructor, price=0, lessons=2)
    lesson = db.scalars(
        select(Lesson).where(Lesson.course_id == course.id).order_by(Lesson.position)
    ).first()
    assert lesson is not None
    lesson.kind, lesson.media_id, lesson.duration_seconds = "video", media_id, VIDEO_SECONDS
    for name, value in lesson_fields.items():
        setattr(lesson, name, value)
    db.commit()
    return course, lesson


def _lesson_url(course: Course, lesson: Lesson) -> str:
    return f"/learn/{course.slug}/lessons/{lesson.id}"


def _student(client: TestClient, db: Session, course: Course | None) -> User:
    student = make_user(db)
    if course is not None:
        make_enrollment(db, student, course)
    web_login(client, student.email)
    return student


def _report(
    client: TestClient, url: str, body: dict[str, Any], token: str | None = None
) -> Response:
    """What the player sends: JSON with the page's CSRF token in the header."""
    csrf = client.cookies["syl_csrf"] if token is None else token
    return client.post(url, json=body, headers={**JSON, "X-CSRF-Token": csrf})


def _saved(db: Session, student: User, lesson: Lesson) -> LessonProgress | None:
    db.expire_all()
    return db.scalar(
        select(LessonProgress)
        .join(Enrollment, Enrollment.id == LessonProgress.enrollment_id)
        .where(Enrollment.user_id == student.id, LessonProgress.lesson_id == lesson.id)
    )


# -------------------------------------------------------------- the player


def test_enrolled_student_gets_the_player_resuming_at_the_saved_position(
    client: TestClient, db: Session, runtime: Runtime
) -> None:
    instructor = make_user(db, role="instructor")
    video = make_ready_video(runtime, db, instructor.id)
    course, lesson = _video_course(db, instructor, video.id)
    student = _student(client, db, course)
    url = _lesson_url(course, lesson)

    first = client.get(url)
    assert first.status_code == 200
    tag = _player_tag(first.text)
    assert _attr(tag, "data-start-position") == "0"
    assert _attr(tag, "data-position-url") == f"{url}/position"
    assert "data-quality" in first.text
    assert "data-speed" in first.text
    assert "vendor/hls.min.js" in first.text
    assert "js/video-player.js" in first.text
    hls_url = _attr(tag, "data-hls-url")
    assert hls_url.startswith("/stream/")
    assert hls_url.endswith("/master.m3u8")
    # The signed URL opens the stream's master playlist.
    master = client.get(hls_url)
    assert master.status_code == 200
    assert master.text.startswith("#EXTM3U")
    assert "360p/index.m3u8" in master.text

    saved = _report(client, f"{url}/position", {"position_seconds": 4})
    assert saved.status_code == 200, saved.text
    assert saved.json() == {"position_seconds": 4, "completed": False}
    assert saved.headers["cache-control"] == "no-store"
    progress = _saved(db, student, lesson)
    assert progress is not None
    assert progress.position_seconds == 4

    again = _player_tag(client.get(url).text)
    assert _attr(again, "data-start-position") == "4"


def test_position_reports_complete_the_video_at_the_configured_percent(
    client: TestClient, db: Session, runtime: Runtime
) -> None:
    instructor = make_user(db, role="instructor")
    course, lesson = _video_course(db, instructor, None)
    student = _student(client, db, course)
    client.get(_lesson_url(course, lesson))  # the page sets the CSRF cookie
    url = _lesson_url(course, lesson) + "/position"
    percent = runtime.settings.video_complete_percent
    almost = VIDEO_SECONDS * percent // 100 - 1
    enough = -(-VIDEO_SECONDS * percent // 100)

    assert _report(client, url, {"position_seconds": almost}).json()["completed"] is False
    # A late, older report never moves the position back.
    assert _report(client, url, {"position_seconds": 1}).json() == {
        "position_seconds": almost,
        "completed": False,
    }
    done = _report(client, url, {"position_seconds": enough})
    assert done.json() == {"position_seconds": enough, "completed": True}
    progress_page = client.get(f"/learn/{course.slug}/lessons/{lesson.id}")
    assert "outline-item--done" in progress_page.text

    # The page-closing beacon: a form carrying the token instead of the header.
    beacon = client.post(
        url, data={"position_seconds": str(enough + 1), "csrf_token": client.cookies["syl_csrf"]}
    )
    assert beacon.status_code == 200
    progress = _saved(db, student, lesson)
    assert progress is not None
    assert progress.position_seconds == enough + 1
    assert progress.completed_at is not None


def test_position_reports_are_refused_without_a_valid_token_enrollment_or_bounds(
    client: TestClient, db: Session
) -> None:
    instructor = make_user(db, role="instructor")
    course, lesson = _video_course(db, instructor, None)
    other_course = make_course(db, instructor, price=0)
    student = _student(client, db, other_course)  # enrolled elsewhere, not here
    client.get(f"/courses/{course.slug}")
    url = _lesson_url(course, lesson) + "/position"

    assert _report(client, url, {"position_seconds": 3}, token="x" * 43).status_code == 403
    no_header = client.post(url, json={"position_seconds": 3}, headers=JSON)
    assert no_header.status_code == 403
    assert no_header.json()["code"] == "csrf_failed"

    refused = _report(client, url, {"position_seconds": 3})
    assert refused.status_code == 403
    assert refused.json()["code"] == "not_enrolled"

    make_enrollment(db, student, course)
    for body in (
        {"position_seconds": 24 * 3600 + 1},
        {"position_seconds": -1},
        {"position_seconds": "soon"},
        {"position_seconds": 3, "rate": 2},
        {},
    ):
        invalid = _report(client, url, body)
        assert invalid.status_code == 422, body
        assert invalid.json()["code"] == "validation_error"
    assert _saved(db, student, lesson) is None
    assert _report(client, url, {"position_seconds": 24 * 3600}).status_code == 200


def test_a_drip_locked_video_takes_no_position(client: TestClient, db: Session) -> None:
    instructor = make_user(db, role="instructor")
    course, lesson = _video_course(db, instructor, None, drip_days=7)
    _student(client, db, course)
    page = client.get(_lesson_url(course, lesson))
    assert "Available on" in page.text
    assert "data-video-player" not in page.text

    locked = _report(client, _lesson_url(course, lesson) + "/position", {"position_seconds": 2})
    assert locked.status_code == 409
    assert locked.json()["code"] == "lesson_locked"


def test_video_states_processing_and_missing(client: TestClient, db: Session) -> None:
    instructor = make_user(db, role="instructor")
    pending = MediaAsset(
        owner_id=instructor.id,
        purpose="lesson_video",
        status=PROCESSING,
        filename="talk.mp4",
        content_type="video/mp4",
        size_bytes=1000,
    )
    db.add(pending)
    db.commit()
    course, lesson = _video_course(db, instructor, pending.id)
    _student(client, db, course)

    page = client.get(_lesson_url(course, lesson))
    assert page.status_code == 200
    assert "This video is being processed" in page.text
    assert "data-video-player" not in page.text
    not_ready = client.get(_lesson_url(course, lesson) + "/playback", headers=JSON)
    assert not_ready.status_code == 409
    assert not_ready.json()["code"] == "media_not_ready"

    lesson.media_id = None
    db.commit()
    empty = client.get(_lesson_url(course, lesson))
    assert "The instructor has not uploaded this video yet." in empty.text


def test_playback_renewal_gives_a_fresh_url_only_to_whoever_may_watch(
    client: TestClient, db: Session, runtime: Runtime
) -> None:
    instructor = make_user(db, role="instructor")
    video = make_ready_video(runtime, db, instructor.id)
    course, lesson = _video_course(db, instructor, video.id)
    url = _lesson_url(course, lesson) + "/playback"

    _student(client, db, None)  # signed in, not enrolled
    refused = client.get(url, headers=JSON)
    assert refused.status_code == 403
    assert refused.json()["code"] == "not_enrolled"

    client.cookies.clear()
    _student(client, db, course)
    renewed = client.get(url, headers=JSON)
    assert renewed.status_code == 200
    body = renewed.json()
    assert body["hls_url"].startswith("/stream/")
    assert body["expires_at"]
    assert body["poster_url"]
    assert renewed.headers["cache-control"] == "no-store"
    assert client.get(body["hls_url"]).status_code == 200


# --------------------------------------------------------------- the file


def test_attachment_lesson_downloads_its_file_under_its_name(
    client: TestClient, db: Session, runtime: Runtime
) -> None:
    instructor = make_user(db, role="instructor")
    data = b"%PDF-1.4\n% lesson notes\n" + b"x" * 2000
    asset = MediaAsset(
        id=new_id(),
        owner_id=instructor.id,
        purpose="attachment",
        status=READY,
        filename="Week 1 notes.pdf",
        content_type="application/pdf",
        size_bytes=len(data),
    )
    asset.source_key = keys.source_key(asset.id)
    runtime.storage.save_bytes(asset.source_key, data, "application/pdf")
    db.add(asset)
    db.commit()
    course, lesson = _video_course(db, instructor, asset.id, kind="attachment")
    _student(client, db, course)

    page = client.get(_lesson_url(course, lesson))
    assert page.status_code == 200
    assert "Week 1 notes.pdf" in page.text
    assert "2.0 kB" in page.text
    link = re.search(r'<a class="[^"]*lesson-file__button" href="([^"]+)" download>', page.text)
    assert link, "the lesson has a download link"
    assert link.group(1) == _lesson_url(course, lesson) + "/download"

    hop = client.get(link.group(1), follow_redirects=False)
    assert hop.status_code == 303
    downloaded = client.get(hop.headers["location"])
    assert downloaded.status_code == 200
    assert downloaded.content == data
    disposition = downloaded.headers["content-disposition"]
    assert disposition.startswith("attachment")
    assert "Week%201%20notes.pdf" in disposition

    client.cookies.clear()
    _student(client, db, None)
    outsider = client.get(link.group(1), headers=JSON, follow_redirects=False)
    assert outsider.status_code == 403


# ------------------------------------------------------------- the promo


def test_course_page_shows_the_ready_promo_video(
    client: TestClient, db: Session, runtime: Runtime
) -> None:
    instructor = make_user(db, role="instructor")
    promo = make_ready_video(runtime, db, instructor.id, purpose="promo_video")
    course = make_course(db, instructor, price=0, promo_media_id=promo.id)
    plain = make_course(db, instructor, price=0)

    page = client.get(f"/courses/{course.slug}")
    assert page.status_code == 200
    with count_statements(runtime.db.engine) as warm:
        assert client.get(f"/courses/{course.slug}").status_code == 200
    assert warm.count == 0, warm.statements  # the warm page still runs no SQL
    assert "Preview this course" in page.text
    assert "js/video-player.js" in page.text
    tag = _player_tag(page.text)
    assert "data-position-url" not in tag  # a preview records nothing
    renewal = _attr(tag, "data-playback-url")
    assert renewal == f"/api/v1/courses/{course.slug}/promo/playback"
    assert client.get(_attr(tag, "data-hls-url")).text.startswith("#EXTM3U")

    client.cookies.clear()  # the preview renews for anyone
    renewed = client.get(renewal)
    assert renewed.status_code == 200
    assert renewed.json()["hls_url"].startswith("/stream/")

    other = client.get(f"/courses/{plain.slug}")
    assert "Preview this course" not in other.text
    assert "video-player.js" not in other.text

    # Taking the promo away shows at once: the cached answer belongs to the old version.
    set_course_promo(db, runtime, actor_of(instructor), course.id, None)
    db.commit()
    assert "Preview this course" not in client.get(f"/courses/{course.slug}").text
