"""Certificates, course and instructor-application decisions notify in-app and by email."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from syllabus.accounts.models import User
from syllabus.kit.mail import read_outbox
from syllabus.kit.runtime import Runtime
from syllabus.learning import certificates
from syllabus.notifications.models import Notification, NotificationPreference
from tests.catalog.factories import make_course, signed_in
from tests.factories import mails_to, make_user

ADMIN = "/api/v1/admin"
APPLY = "/api/v1/users/me/instructor-application"
PITCH = {"bio": "Ten years of teaching Python to beginners.", "topics": ["python"]}


def notifications_of(db: Session, user: User) -> list[Notification]:
    db.expire_all()
    query = select(Notification).where(Notification.user_id == user.id)
    return list(db.scalars(query.order_by(Notification.created_at, Notification.id)))


def html_mails_to(runtime: Runtime, address: str) -> list[str]:
    parts = []
    for message in read_outbox(runtime.settings.mail_dir):
        html = message.get_body(preferencelist=("html",))
        if message["To"] == address and html is not None:
            parts.append(html.get_content())
    return parts


# ------------------------------------------------------------- certificates


def test_a_certificate_notifies_once(
    db: Session, runtime: Runtime, run_jobs: Callable[[], int]
) -> None:
    owner = make_user(db, role="instructor")
    course = make_course(db, owner, title="Compilers from scratch")
    student = make_user(db)
    certificate = certificates.issue_certificate(
        db, runtime, user_id=student.id, course_id=course.id
    )
    assert certificate is not None
    db.commit()
    # Issuing again (a retried job) returns the same certificate and tells nobody twice.
    certificates.issue_certificate(db, runtime, user_id=student.id, course_id=course.id)
    db.commit()

    [notice] = notifications_of(db, student)
    assert notice.kind == "certificate_issued"
    assert "Compilers from scratch" in notice.title
    assert notice.url == f"/certificates/{certificate.code}"
    assert notice.dedupe_key == f"certificate:{certificate.id}:{student.id}"
    run_jobs()
    [mail] = mails_to(runtime, student.email)
    assert "Compilers from scratch" in mail
    assert f"{runtime.settings.base_url.rstrip('/')}/certificates/{certificate.code}" in mail


def test_the_certificate_email_goes_out_even_with_email_turned_off(
    db: Session, runtime: Runtime, run_jobs: Callable[[], int]
) -> None:
    course = make_course(db, make_user(db, role="instructor"))
    student = make_user(db)
    db.add(
        NotificationPreference(
            user_id=student.id, kind="certificate_issued", in_app=False, email=False
        )
    )
    db.commit()
    certificates.issue_certificate(db, runtime, user_id=student.id, course_id=course.id)
    db.commit()
    assert notifications_of(db, student) == []
    run_jobs()
    assert len(mails_to(runtime, student.email)) == 1


# ---------------------------------------------------------- course decisions


def test_approval_notifies_the_instructor(
    client: TestClient, db: Session, runtime: Runtime, run_jobs: Callable[[], int]
) -> None:
    owner = make_user(db, role="instructor")
    course = make_course(db, owner, status="in_review", title="Rust in Action")
    _, admin = signed_in(client, db, "admin")
    assert client.post(f"{ADMIN}/courses/{course.id}/approve", headers=admin).status_code == 200

    [notice] = notifications_of(db, owner)
    assert notice.kind == "course_decided"
    assert notice.title == "Your course Rust in Action is published"
    assert notice.url == f"/studio/courses/{course.id}"
    run_jobs()
    [mail] = mails_to(runtime, owner.email)
    assert "Rust in Action" in mail
    assert f"/courses/{course.slug}" in mail


def test_each_rejection_is_a_notification_of_its_own(
    client: TestClient, db: Session, runtime: Runtime, run_jobs: Callable[[], int]
) -> None:
    owner, owner_headers = signed_in(client, db, "instructor")
    course = make_course(db, owner, status="in_review", title="Go Basics")
    _, admin = signed_in(client, db, "admin")
    reasons = ["The audio is <inaudible>.", "Section 2 is still empty."]
    for reason in reasons:
        rejected = client.post(
            f"{ADMIN}/courses/{course.id}/reject", json={"reason": reason}, headers=admin
        )
        assert rejected.status_code == 200, rejected.text
        submitted = client.post(f"/api/v1/courses/{course.id}/submit", headers=owner_headers)
        assert submitted.status_code == 200, submitted.text

    notices = notifications_of(db, owner)
    assert [n.body for n in notices] == reasons
    assert {n.title for n in notices} == {"Your course Go Basics needs changes"}
    assert len({n.dedupe_key for n in notices}) == 2
    run_jobs()
    texts = mails_to(runtime, owner.email)
    assert [reason in text for reason, text in zip(reasons, texts, strict=True)] == [True, True]
    assert "The audio is &lt;inaudible&gt;." in html_mails_to(runtime, owner.email)[0]


def test_in_app_off_still_emails_the_decision(
    client: TestClient, db: Session, runtime: Runtime, run_jobs: Callable[[], int]
) -> None:
    owner = make_user(db, role="instructor")
    db.add(NotificationPreference(user_id=owner.id, kind="course_decided", in_app=False))
    db.commit()
    course = make_course(db, owner, status="in_review")
    _, admin = signed_in(client, db, "admin")
    assert client.post(f"{ADMIN}/courses/{course.id}/approve", headers=admin).status_code == 200
    assert notifications_of(db, owner) == []
    run_jobs()
    assert len(mails_to(runtime, owner.email)) == 1


# ------------------------------------------------ instructor applications


def _apply(client: TestClient, db: Session) -> tuple[User, str]:
    student, headers = signed_in(client, db, "student")
    applied = client.post(APPLY, json=PITCH, headers=headers)
    assert applied.status_code == 202, applied.text
    return student, applied.json()["id"]


def test_an_approved_application_says_start_teaching(
    client: TestClient, db: Session, runtime: Runtime, run_jobs: Callable[[], int]
) -> None:
    student, application_id = _apply(client, db)
    _, admin = signed_in(client, db, "admin")
    decided = client.post(
        f"{ADMIN}/instructor-applications/{application_id}/decision",
        json={"approve": True},
        headers=admin,
    )
    assert decided.status_code == 200, decided.text

    [notice] = notifications_of(db, student)
    assert (notice.kind, notice.title, notice.url) == (
        "application_decided",
        "You are now an instructor",
        "/studio",
    )
    assert notice.dedupe_key == f"application:{application_id}:{student.id}"
    run_jobs()
    [mail] = mails_to(runtime, student.email)
    [message] = [m for m in read_outbox(runtime.settings.mail_dir) if m["To"] == student.email]
    assert "instructor" in message["Subject"]
    assert f"{runtime.settings.base_url.rstrip('/')}/studio" in mail
    assert "Start teaching" in html_mails_to(runtime, student.email)[0]


def test_a_rejected_application_gives_the_reason(
    client: TestClient, db: Session, runtime: Runtime, run_jobs: Callable[[], int]
) -> None:
    student, application_id = _apply(client, db)
    _, admin = signed_in(client, db, "admin")
    note = "Please add <b>sample</b> lessons."
    decided = client.post(
        f"{ADMIN}/instructor-applications/{application_id}/decision",
        json={"approve": False, "note": note},
        headers=admin,
    )
    assert decided.status_code == 200, decided.text

    [notice] = notifications_of(db, student)
    assert (notice.title, notice.body, notice.url) == (
        "Your instructor application was not approved",
        note,
        "/teach",
    )
    run_jobs()
    [mail] = mails_to(runtime, student.email)
    assert note in mail
    assert "/teach" in mail
    html = html_mails_to(runtime, student.email)[0]
    assert "&lt;b&gt;sample&lt;/b&gt;" in html
    assert "<b>sample</b>" not in html


def test_a_rejection_without_a_note(
    client: TestClient, db: Session, runtime: Runtime, run_jobs: Callable[[], int]
) -> None:
    student, application_id = _apply(client, db)
    _, admin = signed_in(client, db, "admin")
    client.post(
        f"{ADMIN}/instructor-applications/{application_id}/decision",
        json={"approve": False},
        headers=admin,
    )
    [notice] = notifications_of(db, student)
    assert notice.body == "You are welcome to apply again."
    run_jobs()
    [mail] = mails_to(runtime, student.email)
    assert "The reviewer wrote" not in mail
