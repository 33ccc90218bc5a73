"""Enrollment: free courses directly, paid ones refused with 402, counts kept, admin grants."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from syllabus.admin.audit import AuditEntry
from syllabus.catalog.models import Course
from syllabus.kit.runtime import Runtime
from syllabus.learning import enrollment
from syllabus.learning.models import Enrollment
from tests.catalog.factories import actor_of, make_course, make_enrollment, signed_in
from tests.factories import make_user
from tests.learning.helpers import API


def count_of(db: Session, course: Course) -> int:
    db.expire_all()
    return db.scalars(select(Course.enrollment_count).where(Course.id == course.id)).one()


def test_enroll_in_a_free_course(client: TestClient, db: Session) -> None:
    owner = make_user(db, role="instructor")
    course = make_course(db, owner, price=0)
    student, headers = signed_in(client, db, "student")
    # A cached course page must show the new count once the enrollment commits.
    assert client.get(f"{API}/courses/{course.slug}").json()["enrollment_count"] == 0

    response = client.post(f"{API}/courses/{course.slug}/enroll", headers=headers)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["course"] == {"id": course.id, "slug": course.slug, "title": course.title}
    assert (body["progress_percent"], body["completed_at"], body["source"]) == (0, None, "free")
    assert body["id"]
    assert body["created_at"]
    assert count_of(db, course) == 1
    assert client.get(f"{API}/courses/{course.slug}").json()["enrollment_count"] == 1

    again = client.post(f"{API}/courses/{course.id}/enroll", headers=headers)
    assert again.status_code == 409
    assert again.json()["code"] == "already_enrolled"
    assert count_of(db, course) == 1
    rows = db.scalar(select(func.count()).where(Enrollment.user_id == student.id))
    assert rows == 1


def test_paid_course_needs_payment(client: TestClient, db: Session) -> None:
    owner = make_user(db, role="instructor")
    course = make_course(db, owner, price=1999)
    student, headers = signed_in(client, db, "student")
    response = client.post(f"{API}/courses/{course.id}/enroll", headers=headers)
    assert response.status_code == 402
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "payment_required"
    assert db.scalar(select(func.count()).where(Enrollment.user_id == student.id)) == 0
    assert count_of(db, course) == 0


def test_only_published_courses_take_enrollments(client: TestClient, db: Session) -> None:
    owner, owner_headers = signed_in(client, db)
    draft = make_course(db, owner, price=0, status="draft")
    unpublished = make_course(db, owner, price=0, status="unpublished")
    _, headers = signed_in(client, db, "student")
    for course in (draft, unpublished):
        response = client.post(f"{API}/courses/{course.id}/enroll", headers=headers)
        assert response.status_code == 404, response.text
        assert response.json()["code"] == "course_not_found"
    assert client.post(f"{API}/courses/nope/enroll", headers=headers).status_code == 404
    own = client.post(f"{API}/courses/{draft.id}/enroll", headers=owner_headers)
    assert (own.status_code, own.json()["code"]) == (409, "course_not_published")
    assert client.post(f"{API}/courses/{draft.id}/enroll").status_code == 401


def test_my_enrollments_show_progress(client: TestClient, db: Session, runtime: Runtime) -> None:
    owner = make_user(db, role="instructor")
    first, second, gone = (make_course(db, owner, price=0) for _ in range(3))
    student, headers = signed_in(client, db, "student")
    other, _ = signed_in(client, db, "student")
    make_enrollment(db, other, first)
    make_enrollment(db, student, gone, status="revoked")
    for course in (first, second):
        assert client.post(f"{API}/courses/{course.id}/enroll", headers=headers).status_code == 201
    lesson_id = client.get(f"{API}/courses/{first.id}/progress", headers=headers).json()["lessons"][
        0
    ]["lesson_id"]
    done = client.put(
        f"{API}/lessons/{lesson_id}/progress", json={"completed": True}, headers=headers
    )
    assert done.status_code == 200, done.text

    response = client.get(f"{API}/me/enrollments", headers=headers)
    assert response.status_code == 200
    page = response.json()
    assert (page["total"], page["page"], page["page_size"]) == (2, 1, 20)
    mine = {item["course"]["id"]: item for item in page["items"]}
    assert set(mine) == {first.id, second.id}, "revoked and other people's are not listed"
    assert mine[first.id]["progress_percent"] == 33
    assert mine[first.id]["last_lesson_id"] == lesson_id
    assert mine[second.id]["progress_percent"] == 0
    assert page["items"][0]["course"]["id"] == first.id, "most recently studied first"
    second_page = client.get(f"{API}/me/enrollments?page=2&page_size=1", headers=headers).json()
    assert [x["course"]["id"] for x in second_page["items"]] == [second.id]
    assert second_page["total"] == 2
    assert client.get(f"{API}/me/enrollments").status_code == 401
    with runtime.db.session_scope() as session:  # the service function the pages use
        listed = enrollment.my_enrollments(session, runtime, actor_of(student))
    assert [x.course.id for x in listed] == [first.id, second.id]


def test_grant_is_idempotent_and_revoke_reactivates(db: Session, runtime: Runtime) -> None:
    owner = make_user(db, role="instructor")
    course = make_course(db, owner)
    student = make_user(db)

    def grant() -> enrollment.Grant:
        with runtime.db.session_scope() as session:
            return enrollment.grant_enrollment(
                session, runtime, user_id=student.id, course_id=course.id, source="purchase"
            )

    first = grant()
    assert first.changed
    assert first.enrollment.status == "active"
    assert count_of(db, course) == 1
    second = grant()
    assert not second.changed
    assert second.enrollment.id == first.enrollment.id
    assert count_of(db, course) == 1

    with runtime.db.session_scope() as session:
        revoked = enrollment.revoke_enrollment(
            session, runtime, user_id=student.id, course_id=course.id
        )
        assert revoked is not None
        assert revoked.status == "revoked"
    assert count_of(db, course) == 0
    with runtime.db.session_scope() as session:  # revoking twice changes nothing
        enrollment.revoke_enrollment(session, runtime, user_id=student.id, course_id=course.id)
    assert count_of(db, course) == 0

    again = grant()
    assert again.changed
    assert again.enrollment.id == first.enrollment.id
    assert again.enrollment.status == "active"
    assert count_of(db, course) == 1


def test_revoked_student_may_enroll_again_in_a_free_course(client: TestClient, db: Session) -> None:
    owner = make_user(db, role="instructor")
    course = make_course(db, owner, price=0)
    student, headers = signed_in(client, db, "student")
    make_enrollment(db, student, course, status="revoked")
    response = client.post(f"{API}/courses/{course.id}/enroll", headers=headers)
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "active"
    assert count_of(db, course) == 1


def test_admin_enrolls_by_hand(client: TestClient, db: Session) -> None:
    owner = make_user(db, role="instructor")
    course = make_course(db, owner, price=4999)
    student, student_headers = signed_in(client, db, "student")
    _, admin_headers = signed_in(client, db, "admin")
    body = {"user_id": student.id, "course_id": course.id}

    refused = client.post(f"{API}/admin/enrollments", json=body, headers=student_headers)
    assert refused.status_code == 403
    created = client.post(f"{API}/admin/enrollments", json=body, headers=admin_headers)
    assert created.status_code == 201, created.text
    assert (created.json()["source"], created.json()["course"]["id"]) == ("admin", course.id)
    assert count_of(db, course) == 1
    repeat = client.post(f"{API}/admin/enrollments", json=body, headers=admin_headers)
    assert repeat.status_code == 200
    assert repeat.json()["id"] == created.json()["id"]
    assert count_of(db, course) == 1
    entries = db.scalars(
        select(AuditEntry).where(AuditEntry.target_id == created.json()["id"])
    ).all()
    assert [e.action for e in entries] == ["enrollment.grant"]

    assert (
        client.get(f"{API}/me/enrollments", headers=student_headers).json()["items"][0]["id"]
        == (created.json()["id"])
    )
    unknown = client.post(
        f"{API}/admin/enrollments",
        json={"user_id": "nobody", "course_id": course.id},
        headers=admin_headers,
    )
    assert (unknown.status_code, unknown.json()["code"]) == (404, "user_not_found")
    extra = client.post(
        f"{API}/admin/enrollments", json={**body, "source": "x"}, headers=admin_headers
    )
    assert extra.status_code == 422
