"""GET /api/v1/courses/{course}: API.md's shape, who sees what, ETags, the cache, SQL counts."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session
from starlette.routing import Match

from syllabus.accounts.models import User
from syllabus.api.v1 import courses_public
from syllabus.catalog.cache import invalidate_course
from syllabus.catalog.models import Course
from syllabus.kit.runtime import Runtime
from tests.catalog_public.seed import (
    SECRET_BODY,
    SECRET_MEDIA,
    count_statements,
    enroll,
    seed_course,
)
from tests.factories import bearer, login, make_user

COURSE_KEYS = {
    "id",
    "slug",
    "title",
    "subtitle",
    "description",
    "status",
    "price",
    "list_price",
    "level",
    "language",
    "category",
    "instructor",
    "rating",
    "enrollment_count",
    "curriculum",
}
SECTION_KEYS = {"id", "title", "position", "lessons"}
LESSON_KEYS = {"id", "title", "kind", "position", "is_preview", "duration_seconds"}


def _url(key: str) -> str:
    return f"/api/v1/courses/{key}"


def test_detail_has_the_shape_of_the_api_contract(
    client: TestClient, db: Session, instructor: User
) -> None:
    course = seed_course(
        db,
        instructor,
        title="Python from zero",
        price=1999,
        list_price=4999,
        category="web-development",
        rating=(4.5, 10),
        enrollments=7,
    )
    response = client.get(_url(course.slug))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) >= COURSE_KEYS
    assert body["id"] == course.id
    assert body["slug"] == course.slug
    assert body["title"] == "Python from zero"
    assert body["status"] == "published"
    assert body["price"] == {"amount": 1999, "currency": "USD"}
    assert body["list_price"] == {"amount": 4999, "currency": "USD"}
    assert body["level"] == "beginner"
    assert body["language"] == "en"
    assert body["category"]["slug"] == "web-development"
    assert body["instructor"]["id"] == instructor.id
    assert body["instructor"]["name"] == "Ada Lovelace"
    assert body["rating"]["average"] == 4.5
    assert body["rating"]["count"] == 10
    assert body["enrollment_count"] == 7
    assert body["review_note"] is None

    curriculum = body["curriculum"]
    assert [s["title"] for s in curriculum] == ["Section 1", "Section 2"]
    assert [s["position"] for s in curriculum] == [0, 1]
    for section in curriculum:
        assert set(section) == SECTION_KEYS
        for lesson in section["lessons"]:
            assert set(lesson) == LESSON_KEYS
    first = curriculum[0]["lessons"][0]
    assert first["title"] == "Lesson 1"
    assert first["kind"] == "video"
    assert first["is_preview"] is True
    assert first["duration_seconds"] == 300
    assert [lesson["position"] for lesson in curriculum[1]["lessons"]] == [4, 5, 6]

    # Nothing private: no lesson bodies, media ids or quiz answers.
    assert SECRET_BODY not in response.text
    assert SECRET_MEDIA not in response.text
    assert "media_id" not in response.text
    assert "answer" not in response.text


def test_id_and_slug_give_the_same_course(
    client: TestClient, db: Session, instructor: User
) -> None:
    course = seed_course(db, instructor)
    by_slug = client.get(_url(course.slug))
    by_id = client.get(_url(course.id))
    assert by_slug.status_code == by_id.status_code == 200
    assert by_slug.json()["id"] == by_id.json()["id"] == course.id


def test_unknown_course_is_a_404_problem(client: TestClient) -> None:
    for key in ("no-such-course", "00000000-0000-4000-8000-000000000000"):
        response = client.get(_url(key))
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == "course_not_found"


@pytest.mark.parametrize("status", ["draft", "in_review", "unpublished", "archived"])
def test_a_course_out_of_the_catalog_is_hidden_from_the_public(
    client: TestClient, db: Session, instructor: User, status: str
) -> None:
    course = seed_course(db, instructor, status=status)
    stranger = make_user(db)
    admin = make_user(db, role="admin")

    assert client.get(_url(course.slug)).json()["code"] == "course_not_found"
    as_stranger = client.get(_url(course.slug), headers=bearer(login(client, stranger.email)))
    assert as_stranger.status_code == 404

    for viewer in (instructor, admin):
        response = client.get(_url(course.id), headers=bearer(login(client, viewer.email)))
        assert response.status_code == 200, viewer.role
        assert response.json()["status"] == status
        assert response.headers["cache-control"] == "private, no-store"


def test_enrolled_students_still_see_an_archived_course_but_not_a_draft(
    client: TestClient, db: Session, instructor: User
) -> None:
    archived = seed_course(db, instructor, status="archived")
    draft = seed_course(db, instructor, status="draft")
    student, revoked, other = make_user(db), make_user(db), make_user(db)
    enroll(db, student, archived)
    enroll(db, student, draft)
    enroll(db, revoked, archived, status="revoked")

    as_student = bearer(login(client, student.email))
    response = client.get(_url(archived.slug), headers=as_student)
    assert response.status_code == 200
    assert response.json()["status"] == "archived"
    assert response.headers["cache-control"] == "private, no-store"
    assert client.get(_url(draft.slug), headers=as_student).status_code == 404

    for user in (revoked, other):
        assert (
            client.get(_url(archived.slug), headers=bearer(login(client, user.email))).status_code
            == 404
        )
    assert client.get(_url(archived.slug)).status_code == 404


def test_the_review_note_is_only_for_the_owner_and_admins(
    client: TestClient, db: Session, instructor: User
) -> None:
    rejected = seed_course(db, instructor, status="draft", review_note="Audio is too quiet")
    published = seed_course(db, instructor, review_note="Old note from a past review")
    owner = bearer(login(client, instructor.email))
    assert (
        client.get(_url(rejected.id), headers=owner).json()["review_note"] == "Audio is too quiet"
    )
    for headers in ({}, owner):
        body = client.get(_url(published.id), headers=headers).json()
        assert body["review_note"] is None


def test_public_reads_carry_an_etag_and_answer_304(
    client: TestClient, db: Session, instructor: User
) -> None:
    course = seed_course(db, instructor)
    first = client.get(_url(course.slug))
    etag = first.headers["etag"]
    assert etag.startswith('"')
    assert etag.endswith('"')
    assert first.headers["cache-control"] == "public, max-age=60"

    again = client.get(_url(course.slug), headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag

    weak = client.get(_url(course.slug), headers={"If-None-Match": f'"other", W/{etag}'})
    assert weak.status_code == 304
    changed = client.get(_url(course.slug), headers={"If-None-Match": '"something-else"'})
    assert changed.status_code == 200
    assert changed.json()["id"] == course.id


def test_a_second_read_comes_from_the_cache(
    client: TestClient, db: Session, runtime: Runtime, instructor: User
) -> None:
    course = seed_course(db, instructor)
    with count_statements(runtime.db.engine) as cold:
        first = client.get(_url(course.slug))
    assert 0 < cold.count <= 4
    for key in (course.slug, course.id):
        with count_statements(runtime.db.engine) as warm:
            response = client.get(_url(key))
        assert warm.count == 0, warm.statements
        assert response.content == first.content


def test_an_edit_shows_up_on_the_next_read(
    client: TestClient, db: Session, runtime: Runtime, instructor: User
) -> None:
    course = seed_course(db, instructor, title="Old title")
    old = client.get(_url(course.slug))
    assert old.json()["title"] == "Old title"

    db.execute(update(Course).where(Course.id == course.id).values(title="New title"))
    invalidate_course(db, runtime, course.id)
    db.commit()

    fresh = client.get(_url(course.slug), headers={"If-None-Match": old.headers["etag"]})
    assert fresh.status_code == 200
    assert fresh.json()["title"] == "New title"
    assert fresh.headers["etag"] != old.headers["etag"]


def test_without_invalidation_the_cached_copy_is_served(
    client: TestClient, db: Session, instructor: User
) -> None:
    """The control for the test above: the cache really is what answers."""
    course = seed_course(db, instructor, title="Cached title")
    client.get(_url(course.id))
    db.execute(update(Course).where(Course.id == course.id).values(title="Uncached title"))
    db.commit()
    assert client.get(_url(course.id)).json()["title"] == "Cached title"


def test_unpublishing_hides_a_cached_course(
    client: TestClient, db: Session, runtime: Runtime, instructor: User
) -> None:
    course = seed_course(db, instructor)
    assert client.get(_url(course.slug)).status_code == 200
    db.execute(update(Course).where(Course.id == course.id).values(status="unpublished"))
    invalidate_course(db, runtime, course.id)
    db.commit()
    assert client.get(_url(course.slug)).status_code == 404


def test_detail_statement_count_does_not_grow_with_the_course(
    client: TestClient, db: Session, no_cache: Runtime, instructor: User
) -> None:
    small = seed_course(db, instructor, sections=4, lessons=5)  # 20 lessons
    large = seed_course(db, instructor, sections=25, lessons=20)  # 500 lessons
    counts = {}
    for course, lessons in ((small, 20), (large, 500)):
        for key in (course.slug, course.id):
            with count_statements(no_cache.db.engine) as counter:
                response = client.get(_url(key))
            assert response.status_code == 200
            assert sum(len(s["lessons"]) for s in response.json()["curriculum"]) == lessons
            counts[(lessons, key == course.id)] = counter.count
    assert max(counts.values()) <= 4, counts
    assert counts[(20, False)] == counts[(500, False)]
    assert counts[(20, True)] == counts[(500, True)]


def test_courses_suggest_is_not_taken_for_a_course(client: TestClient) -> None:
    detail = next(
        route
        for route in courses_public.router.routes
        if getattr(route, "path", "") == "/courses/{course:course_ref}"
    )
    scope = {"type": "http", "method": "GET", "path": "/courses/suggest"}
    assert detail.matches(scope)[0] is Match.NONE
    scope["path"] = "/courses/suggestions-for-writers"
    assert detail.matches(scope)[0] is Match.FULL
    # Through the app: whatever answers /courses/suggest, it is not the course detail.
    response = client.get("/api/v1/courses/suggest")
    assert response.json().get("code") != "course_not_found"
