"""The index follows the data: course writes reach it through the outbox; `syllabus reindex`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from syllabus.catalog.models import Course
from syllabus.cli import app as cli
from syllabus.kit.outbox import OutboxMessage
from syllabus.kit.runtime import Runtime
from syllabus.search.backends import backend_for
from syllabus.search.indexer import index_course
from syllabus.search.tasks import INDEX_COURSE, queue_reindex
from tests.catalog.factories import signed_in
from tests.search.conftest import AddCourse

API = "/api/v1"


def _search(client: TestClient, **params: Any) -> list[str]:
    response = client.get(f"{API}/courses", params=params)
    assert response.status_code == 200, response.text
    return [item["title"] for item in response.json()["items"]]


def _publish(client: TestClient, db: Session, title: str) -> tuple[str, dict[str, str]]:
    """An instructor writes a course and submits it, an admin approves it: (id, owner headers)."""
    _owner, headers = signed_in(client, db)
    created = client.post(
        f"{API}/courses",
        json={"title": title, "description": "All about **zebras** in the wild."},
        headers=headers,
    )
    assert created.status_code == 201, created.text
    course_id = created.json()["id"]
    section = client.post(
        f"{API}/courses/{course_id}/sections", json={"title": "Start"}, headers=headers
    )
    assert section.status_code == 201, section.text
    lesson = client.post(
        f"{API}/sections/{section.json()['id']}/lessons",
        json={"title": "Hello", "kind": "text", "body": "Hi"},
        headers=headers,
    )
    assert lesson.status_code == 201, lesson.text
    assert client.post(f"{API}/courses/{course_id}/submit", headers=headers).status_code == 200
    _admin, admin_headers = signed_in(client, db, "admin")
    approved = client.post(f"{API}/admin/courses/{course_id}/approve", headers=admin_headers)
    assert approved.status_code == 200, approved.text
    return course_id, headers


def test_publish_edit_unpublish_reach_the_index_through_the_outbox(
    client: TestClient, db: Session, run_jobs: Callable[[], int]
) -> None:
    course_id, headers = _publish(client, db, "Savanna field guide")
    queued = db.scalars(
        select(OutboxMessage.payload).where(OutboxMessage.task == INDEX_COURSE)
    ).all()
    assert {"course_id": course_id} in queued
    # Committed, but the job has not run yet (and a list read now is cached).
    assert _search(client, q="savanna") == []
    assert run_jobs() >= 1
    assert _search(client, q="savanna") == ["Savanna field guide"]
    assert _search(client, q="zebras") == ["Savanna field guide"]  # the description

    edited = client.patch(
        f"{API}/courses/{course_id}", json={"title": "Serengeti field guide"}, headers=headers
    )
    assert edited.status_code == 200, edited.text
    run_jobs()
    assert _search(client, q="serengeti") == ["Serengeti field guide"]
    assert _search(client, q="savanna") == []

    unpublished = client.post(f"{API}/courses/{course_id}/unpublish", headers=headers)
    assert unpublished.status_code == 200, unpublished.text
    # Gone from the page at once (the list is read again after the commit)...
    assert _search(client, q="serengeti") == []
    run_jobs()
    # ...and from the index, its counts and its suggestions once the job ran.
    body = client.get(f"{API}/courses", params={"q": "serengeti"}).json()
    assert body["total"] == 0
    assert client.get(f"{API}/courses/suggest", params={"q": "serengeti"}).json()["items"] == []


def test_drafts_are_never_indexed(
    client: TestClient, db: Session, run_jobs: Callable[[], int]
) -> None:
    _owner, headers = signed_in(client, db)
    created = client.post(f"{API}/courses", json={"title": "Secret okapi notes"}, headers=headers)
    course_id = created.json()["id"]
    client.patch(f"{API}/courses/{course_id}", json={"subtitle": "okapi"}, headers=headers)
    run_jobs()
    assert _search(client, q="okapi") == []
    assert backend_for(db).count(db) == 0


def test_ratings_and_enrollments_reach_the_index_when_queued(
    client: TestClient,
    db: Session,
    add_course: AddCourse,
    reindex: Callable[[], int],
    run_jobs: Callable[[], int],
) -> None:
    course = add_course("Giraffe anatomy", rating=(3.0, 2), enrollments=1)
    add_course("Giraffe photography", rating=(4.0, 5), enrollments=10)
    reindex()
    assert _search(client, q="giraffe", rating_min=4.5) == []
    assert _search(client, q="giraffe", sort="popular")[0] == "Giraffe photography"
    run_jobs()  # the searches' analytics events

    # What the reviews and enrollment code do after changing the aggregates:
    db.execute(
        update(Course)
        .where(Course.id == course.id)
        .values(rating_avg=4.8, rating_count=3, enrollment_count=50)
    )
    queue_reindex(db, course.id)
    queue_reindex(db, course.id)  # once per transaction
    db.commit()
    assert run_jobs() == 1
    assert _search(client, q="giraffe", rating_min=4.5) == ["Giraffe anatomy"]
    assert _search(client, q="giraffe", sort="popular")[0] == "Giraffe anatomy"


def test_a_deleted_course_leaves_the_index(
    client: TestClient,
    db: Session,
    runtime: Runtime,
    add_course: AddCourse,
    reindex: Callable[[], int],
) -> None:
    course = add_course("Pangolin care")
    reindex()
    assert _search(client, q="pangolin") == ["Pangolin care"]
    # Deleting a course is no `record_change`: the foreign key cascade cleans the index.
    db.delete(course)
    db.commit()
    runtime.cache.bump("catalog:lists")
    body = client.get(f"{API}/courses", params={"q": "pangolin"}).json()
    assert body["items"] == []
    assert body["total"] == 0
    assert backend_for(db).count(db) == 0


def test_index_course_is_idempotent(
    db: Session, add_course: AddCourse, reindex: Callable[[], int]
) -> None:
    course = add_course("Meerkat behaviour")
    assert index_course(db, course.id) is True
    assert index_course(db, course.id) is True
    assert backend_for(db).count(db) == 1
    db.execute(update(Course).where(Course.id == course.id).values(status="unpublished"))
    assert index_course(db, course.id) is True  # removed
    assert index_course(db, course.id) is False  # nothing left to remove
    assert index_course(db, "no-such-course") is False
    assert backend_for(db).count(db) == 0


def test_reindex_rebuilds_an_emptied_index_with_progress(
    client: TestClient,
    db: Session,
    runtime: Runtime,
    add_course: AddCourse,
    reindex: Callable[[], int],
) -> None:
    for n in range(3):
        add_course(f"Aardvark studies {n}")
    add_course("Aardvark draft", status="draft")
    reindex()
    assert len(_search(client, q="aardvark")) == 3

    backend_for(db).clear(db)
    db.commit()
    runtime.cache.bump("catalog:lists")
    assert _search(client, q="aardvark") == []

    result = CliRunner().invoke(cli, ["reindex"])
    assert result.exit_code == 0, result.output
    assert "Indexing courses" in result.output
    assert "Search index rebuilt: 3 published course(s)." in result.output
    assert len(_search(client, q="aardvark")) == 3  # the lists cache was dropped too
    assert backend_for(db).count(db) == 3


def test_a_new_enrollment_reaches_the_popular_sort(
    client: TestClient, db: Session, run_jobs: Callable[[], int]
) -> None:
    first, _ = _publish(client, db, "Zebra husbandry basics")
    second, _ = _publish(client, db, "Zebra husbandry advanced")
    run_jobs()
    _student, headers = signed_in(client, db, "student")
    assert client.post(f"{API}/courses/{second}/enroll", headers=headers).status_code == 201
    run_jobs()
    popular = _search(client, q="zebra", sort="popular")
    assert popular[0] == "Zebra husbandry advanced"
    assert first != second
