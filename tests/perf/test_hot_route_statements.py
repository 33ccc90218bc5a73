"""SQL statements per request on the hot routes: a small fixed number whatever the data's size.

Each route is requested on a small and on a bigger data set (3 vs 30 courses
in the catalog, 5 vs 60 lessons in a course, 2 vs 8 enrollments) with the
cache off, so every request reads the database; the count must be the same
on both and stay under the route's budget. Transaction control (BEGIN,
SAVEPOINT, RELEASE) is not counted: the test database nests every unit of
work in a savepoint.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from syllabus.accounts.models import User
from syllabus.catalog.models import Course, Lesson
from syllabus.kit.cache import NullCache
from syllabus.kit.db import new_id, utcnow
from syllabus.kit.runtime import Runtime
from syllabus.media import keys
from syllabus.media.models import READY, MediaAsset
from syllabus.search.indexer import reindex_all
from tests.catalog_public.seed import enroll, seed_course, web_login
from tests.factories import bearer, login, make_user
from tests.support.queries import counted_statements

API = "/api/v1"
TRANSACTION_CONTROL = ("BEGIN", "SAVEPOINT", "RELEASE", "ROLLBACK", "COMMIT")
LEVELS = ("beginner", "intermediate", "expert", "all")
LANGUAGES = ("en", "es", "en-GB")
CATEGORIES = ("web-development", "data-science", "accounting", None)


@pytest.fixture
def no_cache(runtime: Runtime) -> Runtime:
    """Caching switched off, as with `SYLLABUS_CACHE_ENABLED=false`: every read is a query."""
    runtime.cache = NullCache()
    return runtime


@pytest.fixture
def instructor(db: Session) -> User:
    return make_user(db, role="instructor", name="Grace Hopper")


def statements_of(runtime: Runtime, request: Callable[[], Any]) -> tuple[int, Any]:
    """How many statements `request` sends (transaction control left out), and its result."""
    with counted_statements(runtime) as statements:
        result = request()
    sent = [s for s in statements if not s.lstrip().upper().startswith(TRANSACTION_CONTROL)]
    return len(sent), result


def grow_catalog(db: Session, instructor: User, size: int) -> None:
    """Published courses up to `size`, of varied levels, languages, categories and prices,
    every one findable by "python"; the search index rebuilt."""
    published = Course.status == "published"
    while (count := db.scalar(select(func.count()).where(published)) or 0) < size:
        seed_course(
            db,
            instructor,
            title=f"Python course {count}",
            level=LEVELS[count % 4],
            language=LANGUAGES[count % 3],
            category=CATEGORIES[count % 4],
            price=0 if count % 5 == 0 else 999 + 700 * count,
            rating=(3.0 + (count % 5) * 0.4, count),
            sections=1,
            lessons=1,
        )
    reindex_all(db)
    db.commit()


def ok(response: Any) -> Any:
    assert response.status_code == 200, response.text
    return response


# ------------------------------------------------------------------------------ catalog

LIST_QUERIES: tuple[dict[str, Any], ...] = (
    {},
    {"sort": "newest"},
    {"level": "beginner", "language": "en", "sort": "rating"},
    {"category": "development", "free": "false", "page": 2, "page_size": 5},
    {"q": "python", "level": "expert", "price_max": 5000},
)


def test_the_catalog_api_is_two_statements_whatever_its_size(
    client: TestClient, db: Session, no_cache: Runtime, instructor: User
) -> None:
    counts: dict[int, list[int]] = {}
    for size in (3, 30):
        grow_catalog(db, instructor, size)
        counts[size] = []
        for params in LIST_QUERIES:
            sent, response = statements_of(
                no_cache, lambda p=params: client.get(f"{API}/courses", params=p)
            )
            body = ok(response).json()
            if not params:
                assert body["total"] == size
                assert sum(f["count"] for f in body["facets"]["level"]) == size
            counts[size].append(sent)
    assert counts[3] == counts[30], counts
    assert max(counts[30]) <= 2, counts


def test_the_catalog_page_costs_the_same_whatever_the_catalog_size(
    client: TestClient, db: Session, no_cache: Runtime, instructor: User
) -> None:
    counts: dict[int, list[int]] = {}
    for size in (3, 30):
        grow_catalog(db, instructor, size)
        counts[size] = []
        for params in ({}, {"level": "beginner", "sort": "newest"}, {"q": "python"}):
            sent, response = statements_of(
                no_cache, lambda p=params: client.get("/courses", params=p)
            )
            assert "Python course" in ok(response).text
            counts[size].append(sent)
    assert counts[3] == counts[30], counts
    # The same two statements as the API (the page renders the same read).
    assert max(counts[30]) <= 2, counts


# ----------------------------------------------------------------------- course detail


@dataclass
class Course2:
    """A small and a big course of the same instructor, a student enrolled in both."""

    small: Course
    big: Course
    student: User


@pytest.fixture
def courses(db: Session, instructor: User) -> Course2:
    small = seed_course(db, instructor, title="Small course", sections=1, lessons=5)
    big = seed_course(db, instructor, title="Big course", sections=4, lessons=15)
    student = make_user(db, name="Ada Student")
    enroll(db, student, small)
    enroll(db, student, big)
    return Course2(small=small, big=big, student=student)


def _same_for_both(
    runtime: Runtime, courses: Course2, request: Callable[[Course], Any]
) -> list[int]:
    """The statements of `request` on the small then the big course (must be equal)."""
    counts = []
    for course in (courses.small, courses.big):
        sent, _ = statements_of(runtime, lambda c=course: request(c))
        counts.append(sent)
    assert counts[0] == counts[1], f"5 vs 60 lessons: {counts}"
    return counts


def test_course_detail_is_two_statements_whatever_the_curriculum(
    client: TestClient, no_cache: Runtime, courses: Course2
) -> None:
    def detail(course: Course) -> None:
        body = ok(client.get(f"{API}/courses/{course.slug}")).json()
        lessons = sum(len(section["lessons"]) for section in body["curriculum"])
        assert lessons == course.lesson_count

    counts = _same_for_both(no_cache, courses, detail)
    assert counts[0] <= 2, counts


def test_the_landing_page_costs_the_same_whatever_the_curriculum(
    client: TestClient, no_cache: Runtime, courses: Course2
) -> None:
    def landing(course: Course) -> None:
        assert course.title in ok(client.get(f"/courses/{course.slug}")).text

    counts = _same_for_both(no_cache, courses, landing)
    # The detail (2) and the page's own reads with the cache off: the category tree (for
    # a subcategory's parent), the reviews (summary and instructor come with the
    # detail) and the promo video.
    assert counts[0] <= 5, counts


# ------------------------------------------------------------------------------ learning


def test_the_lesson_player_costs_the_same_whatever_the_curriculum(
    client: TestClient, db: Session, no_cache: Runtime, courses: Course2
) -> None:
    web_login(client, courses.student)

    # The first lesson of each: a video lesson (seed_course alternates video and text).
    first = {course.id: _first_lesson(db, course).id for course in (courses.small, courses.big)}

    def player(course: Course) -> None:
        ok(client.get(f"/learn/{course.slug}/lessons/{first[course.id]}"))

    counts = _same_for_both(no_cache, courses, player)
    # Content, quiz, progress (2), the "resume here" write (3, plus the analytics event
    # of a lesson opened for the first time), media, header counts.
    assert counts[0] <= 17, counts


def test_my_learning_costs_the_same_for_two_or_eight_enrollments(
    client: TestClient, db: Session, no_cache: Runtime, instructor: User
) -> None:
    student = make_user(db, name="Busy Student")
    web_login(client, student)
    counts = []
    for enrollments in (2, 8):
        while len(student_courses := _enrolled(db, student)) < enrollments:
            enroll(db, student, seed_course(db, instructor, sections=1, lessons=3))
        sent, response = statements_of(no_cache, lambda: client.get("/my/learning"))
        page = ok(response).text
        assert all(course.title in page for course in student_courses)
        counts.append(sent)
    assert counts[0] == counts[1], counts
    # Enrollments, certificates, the cards' courses and last lessons, header counts.
    assert counts[0] <= 6, counts


def test_a_progress_write_is_three_statements_one_more_per_analytics_event(
    client: TestClient, db: Session, no_cache: Runtime, courses: Course2
) -> None:
    headers = bearer(login(client, courses.student.email))

    first = {course.id: _first_lesson(db, course).id for course in (courses.small, courses.big)}

    def write(body: dict[str, Any]) -> Callable[[Course], None]:
        def put(course: Course) -> None:
            lesson_id = first[course.id]
            ok(client.put(f"{API}/lessons/{lesson_id}/progress", json=body, headers=headers))

        return put

    # Authentication reads the session once per request (one statement); the write is
    # the locked lesson context, the upsert, the enrollment update (+ a COUNT on
    # completion), and the analytics event when the lesson starts or completes.
    starts = _same_for_both(no_cache, courses, write({"position_seconds": 30}))
    moves = _same_for_both(no_cache, courses, write({"position_seconds": 40}))
    completions = _same_for_both(no_cache, courses, write({"completed": True}))
    repeats = _same_for_both(no_cache, courses, write({"completed": True}))
    assert starts[0] <= 1 + 3 + 1, starts
    assert moves[0] <= 1 + 3, moves
    assert completions[0] <= 1 + 4 + 1, completions
    assert repeats[0] <= 1 + 3, repeats


def test_playback_authorization_costs_the_same_whatever_the_curriculum(
    client: TestClient, db: Session, no_cache: Runtime, courses: Course2, instructor: User
) -> None:
    first = {course.id: _first_lesson(db, course).id for course in (courses.small, courses.big)}
    for course in (courses.small, courses.big):
        _make_video(db, instructor, _first_lesson(db, course))
    headers = bearer(login(client, courses.student.email))

    def playback(course: Course) -> None:
        url = f"{API}/lessons/{first[course.id]}/playback"
        body = ok(client.get(url, headers=headers)).json()
        assert body["hls_url"]

    counts = _same_for_both(no_cache, courses, playback)
    # The session, then the lesson with its asset and the enrollment.
    assert counts[0] <= 2, counts


# ------------------------------------------------------------------------------- helpers


def _first_lesson(db: Session, course: Course) -> Lesson:
    lesson = db.scalars(
        select(Lesson).where(Lesson.course_id == course.id).order_by(Lesson.position)
    ).first()
    assert lesson is not None
    return lesson


def _enrolled(db: Session, student: User) -> list[Course]:
    from syllabus.learning.models import Enrollment

    return list(
        db.scalars(
            select(Course)
            .join(Enrollment, Enrollment.course_id == Course.id)
            .where(Enrollment.user_id == student.id)
        )
    )


def _make_video(db: Session, owner: User, lesson: Lesson) -> None:
    """A ready (transcoded) asset shown by `lesson`: authorising playback only signs URLs."""
    asset_id = new_id()
    db.add(
        MediaAsset(
            id=asset_id,
            owner_id=owner.id,
            purpose="lesson_video",
            status=READY,
            filename="clip.mp4",
            content_type="video/mp4",
            size_bytes=1,
            duration_seconds=lesson.duration_seconds,
            width=640,
            height=360,
            renditions=[{"name": "360p", "width": 640, "height": 360, "bandwidth": 900_000}],
            hls_prefix=keys.hls_prefix(asset_id),
            poster_key=keys.poster_key(asset_id),
            ready_at=utcnow(),
        )
    )
    lesson.kind = "video"
    lesson.media_id = asset_id
    db.commit()
