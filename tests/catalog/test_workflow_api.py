"""The review workflow: submit, approve, reject, unpublish, archive; emails and audit entries."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from syllabus.admin.audit import AuditEntry
from syllabus.catalog.models import Course
from syllabus.kit.mail import read_outbox
from syllabus.kit.runtime import Runtime
from tests.catalog.factories import make_course, make_enrollment, signed_in
from tests.factories import mails_to, make_user

API = "/api/v1"
ADMIN = "/api/v1/admin/courses"


def audit_entries(db: Session, course_id: str) -> list[AuditEntry]:
    db.expire_all()
    query = select(AuditEntry).where(AuditEntry.target_id == course_id)
    return list(db.scalars(query.order_by(AuditEntry.created_at)))


def status_of(db: Session, course_id: str) -> str:
    db.expire_all()
    course = db.get(Course, course_id)
    assert course is not None
    return course.status


def test_submit_approve_publishes_and_emails(
    client: TestClient, db: Session, runtime: Runtime, run_jobs: Callable[[], int]
) -> None:
    owner, headers = signed_in(client, db)
    course = make_course(db, owner, status="draft", title="Rust in Action")
    submitted = client.post(f"{API}/courses/{course.slug}/submit", headers=headers)
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["status"] == "in_review"
    assert submitted.json()["published_at"] is None

    admin, admin_headers = signed_in(client, db, "admin")
    queue = client.get(ADMIN, params={"status": "in_review"}, headers=admin_headers).json()
    assert [item["id"] for item in queue["items"]] == [course.id]
    lists = runtime.cache.version("catalog:lists")

    approved = client.post(f"{ADMIN}/{course.id}/approve", headers=admin_headers)
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "published"
    assert approved.json()["published_at"]
    assert runtime.cache.version("catalog:lists") > lists, "the catalog lists show it now"

    [entry] = audit_entries(db, course.id)
    assert (entry.actor_id, entry.action, entry.before, entry.after) == (
        admin.id,
        "course.approved",
        {"status": "in_review"},
        {"status": "published"},
    )
    assert run_jobs() >= 1
    [text] = mails_to(runtime, owner.email)
    assert "Rust in Action" in text
    assert "published" in text
    assert f"/courses/{course.slug}" in text
    [message] = [m for m in read_outbox(runtime.settings.mail_dir) if m["To"] == owner.email]
    assert "Rust in Action" in message["Subject"]
    assert message.get_body(preferencelist=("html",)) is not None


def test_reject_stores_the_reason_and_emails_it(
    client: TestClient, db: Session, runtime: Runtime, run_jobs: Callable[[], int]
) -> None:
    owner, headers = signed_in(client, db)
    course = make_course(db, owner, status="in_review", title="Go Basics")
    admin, admin_headers = signed_in(client, db, "admin")
    reason = "The audio in section 2 is <inaudible> & needs re-recording."
    rejected = client.post(
        f"{ADMIN}/{course.slug}/reject", json={"reason": reason}, headers=admin_headers
    )
    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["status"] == "draft"
    assert rejected.json()["review_note"] == reason
    [entry] = audit_entries(db, course.id)
    assert (entry.actor_id, entry.action, entry.reason, entry.before, entry.after) == (
        admin.id,
        "course.rejected",
        reason,
        {"status": "in_review"},
        {"status": "draft"},
    )
    assert run_jobs() >= 1
    [text] = mails_to(runtime, owner.email)
    assert reason in text
    [message] = [m for m in read_outbox(runtime.settings.mail_dir) if m["To"] == owner.email]
    html = message.get_body(preferencelist=("html",))
    assert html is not None
    assert "&lt;inaudible&gt; &amp; needs" in html.get_content()

    # The instructor fixes it and submits again; approval clears the note.
    assert client.post(f"{API}/courses/{course.id}/submit", headers=headers).status_code == 200
    approved = client.post(f"{ADMIN}/{course.id}/approve", headers=admin_headers).json()
    assert approved["review_note"] is None


def test_refused_transitions(client: TestClient, db: Session) -> None:
    owner, headers = signed_in(client, db)
    _, admin = signed_in(client, db, "admin")
    draft = make_course(db, owner, status="draft")
    published = make_course(db, owner)
    archived = make_course(db, owner, status="archived")

    def code(response: object) -> tuple[int, str]:
        return response.status_code, response.json()["code"]  # type: ignore[attr-defined]

    conflict = (409, "invalid_status_transition")
    assert code(client.post(f"{ADMIN}/{draft.id}/approve", headers=admin)) == conflict
    reject = client.post(f"{ADMIN}/{draft.id}/reject", json={"reason": "x"}, headers=admin)
    assert code(reject) == conflict
    assert code(client.post(f"{API}/courses/{published.id}/submit", headers=headers)) == conflict
    assert code(client.post(f"{API}/courses/{draft.id}/unpublish", headers=headers)) == conflict
    assert code(client.post(f"{API}/courses/{archived.id}/archive", headers=headers)) == conflict
    assert code(client.post(f"{API}/courses/{archived.id}/submit", headers=headers)) == conflict
    assert code(client.post(f"{ADMIN}/{published.id}/approve", headers=admin)) == conflict
    assert status_of(db, draft.id) == "draft"
    assert status_of(db, published.id) == "published"


def test_submit_needs_lessons(client: TestClient, db: Session) -> None:
    owner, headers = signed_in(client, db)
    empty = make_course(db, owner, status="draft", lessons=0)
    response = client.post(f"{API}/courses/{empty.id}/submit", headers=headers)
    assert response.status_code == 409
    assert response.json()["code"] == "course_incomplete"
    assert "lesson" in response.json()["detail"]
    assert status_of(db, empty.id) == "draft"


def test_who_may_move_a_course(client: TestClient, db: Session) -> None:
    owner = make_user(db, role="instructor")
    draft = make_course(db, owner, status="draft")
    in_review = make_course(db, owner, status="in_review")
    published = make_course(db, owner)
    _, other = signed_in(client, db)
    _, student = signed_in(client, db, "student")
    assert client.post(f"{API}/courses/{draft.id}/submit", headers=other).status_code == 404
    assert client.post(f"{API}/courses/{published.id}/unpublish", headers=other).status_code == 403
    assert client.post(f"{API}/courses/{published.id}/archive", headers=other).status_code == 403
    assert client.post(f"{API}/courses/{draft.id}/submit").status_code == 401
    for who in (other, student):
        refused = client.post(f"{ADMIN}/{in_review.id}/approve", headers=who)
        assert refused.status_code == 403
        assert refused.json()["code"] == "not_admin"
        body = {"reason": "no"}
        assert (
            client.post(f"{ADMIN}/{in_review.id}/reject", json=body, headers=who).status_code == 403
        )
        assert client.get(ADMIN, headers=who).status_code == 403
    assert client.post(f"{ADMIN}/{in_review.id}/approve").status_code == 401
    assert status_of(db, in_review.id) == "in_review"
    _, admin = signed_in(client, db, "admin")
    assert client.post(f"{ADMIN}/nope/approve", headers=admin).status_code == 404
    for body in ({}, {"reason": ""}, {"reason": "r" * 1001}):
        response = client.post(f"{ADMIN}/{in_review.id}/reject", json=body, headers=admin)
        assert response.status_code == 422, body


def test_unpublish_resubmit_and_archive(client: TestClient, db: Session, runtime: Runtime) -> None:
    owner, headers = signed_in(client, db)
    course = make_course(db, owner)
    published_at = course.published_at
    lists = runtime.cache.version("catalog:lists")
    unpublished = client.post(f"{API}/courses/{course.id}/unpublish", headers=headers)
    assert unpublished.status_code == 200
    assert unpublished.json()["status"] == "unpublished"
    assert runtime.cache.version("catalog:lists") > lists, "it leaves the lists"
    assert client.post(f"{API}/courses/{course.id}/submit", headers=headers).json()["status"] == (
        "in_review"
    )
    admin, admin_headers = signed_in(client, db, "admin")
    again = client.post(f"{ADMIN}/{course.id}/approve", headers=admin_headers).json()
    assert again["status"] == "published"
    republished_at = datetime.fromisoformat(again["published_at"].replace("Z", "+00:00"))
    assert republished_at == published_at, "the first publication date stays"

    make_enrollment(db, make_user(db), course)
    archived = client.post(f"{API}/courses/{course.id}/archive", headers=headers)
    assert archived.status_code == 200
    assert archived.json()["status"] == "archived"

    other = make_course(db, owner)
    by_admin = client.post(f"{API}/courses/{other.id}/unpublish", headers=admin_headers)
    assert by_admin.json()["status"] == "unpublished"
    [entry] = audit_entries(db, other.id)
    assert (entry.actor_id, entry.action) == (admin.id, "course.unpublished")


def test_admin_course_list(client: TestClient, db: Session) -> None:
    owner = make_user(db, role="instructor")
    waiting = [make_course(db, owner, status="in_review") for _ in range(3)]
    make_course(db, owner, status="draft")
    make_course(db, owner)
    _, admin = signed_in(client, db, "admin")
    everything = client.get(ADMIN, headers=admin).json()
    assert everything["total"] == 5
    queue = client.get(ADMIN, params={"status": "in_review", "page_size": 2}, headers=admin)
    assert queue.status_code == 200
    assert queue.json()["total"] == 3
    assert [item["id"] for item in queue.json()["items"]] == [c.id for c in waiting[:2]]
    assert all(item["status"] == "in_review" for item in queue.json()["items"])
    assert client.get(ADMIN, params={"status": "lost"}, headers=admin).status_code == 422
