"""Certificates: issued by a job on completion, listed, verified publicly, a real PDF."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from syllabus.accounts.models import User
from syllabus.catalog.models import Course
from syllabus.kit.runtime import Runtime
from syllabus.learning import certificates
from syllabus.learning.models import Certificate, Enrollment
from tests.catalog.factories import actor_of, make_course, make_enrollment, signed_in
from tests.factories import mails_to, make_user
from tests.learning.helpers import API, lessons_of, pdf_text, put_progress


def complete_course(
    client: TestClient, db: Session, **course_fields: object
) -> tuple[User, dict[str, str], Course]:
    owner = make_user(db, role="instructor", name="Grace Hopper")
    course = make_course(db, owner, lessons=2, title="Compilers from scratch", **course_fields)
    student, headers = signed_in(client, db, "student")
    student.name = "Zoë Ålvarez"
    db.commit()
    make_enrollment(db, student, course)
    for lesson in lessons_of(db, course):
        response = put_progress(client, headers, lesson.id, completed=True)
        assert response.status_code == 200, response.text
    assert response.json()["completed_at"] is not None
    return student, headers, course


def test_completion_issues_a_verifiable_certificate(
    client: TestClient, db: Session, run_jobs: Callable[[], int], runtime: Runtime
) -> None:
    student, headers, _ = complete_course(client, db)
    assert client.get(f"{API}/me/certificates", headers=headers).json()["items"] == []
    assert run_jobs() >= 2, "issue, then render"

    mine = client.get(f"{API}/me/certificates", headers=headers)
    assert mine.status_code == 200
    assert (mine.json()["total"], mine.json()["page"]) == (1, 1)
    [cert] = mine.json()["items"]
    assert (cert["student_name"], cert["course_title"], cert["instructor_name"]) == (
        "Zoë Ålvarez",
        "Compilers from scratch",
        "Grace Hopper",
    )
    code = cert["code"]
    assert re.fullmatch(r"[A-Z2-7]{16}", code), "unguessable: 80 random bits in base32"
    assert cert["pdf_url"] == f"{API}/certificates/{code}.pdf"
    assert cert["verify_url"] == f"{runtime.settings.base_url}/certificates/{code}"
    [mail] = mails_to(runtime, student.email)[-1:]
    assert "Compilers from scratch" in mail
    assert f"/certificates/{code}" in mail, "the student is emailed the verification link"

    public = client.get(f"{API}/certificates/{code}")  # no sign-in needed
    assert public.status_code == 200
    shown = public.json()
    assert (shown["code"], shown["student_name"], shown["course_title"]) == (
        code,
        "Zoë Ålvarez",
        "Compilers from scratch",
    )
    issued = datetime.fromisoformat(shown["issued_at"].replace("Z", "+00:00"))
    assert abs((datetime.now(UTC) - issued).total_seconds()) < 300
    assert client.get(f"{API}/certificates/{code.lower()}").json()["code"] == code
    with runtime.db.session_scope() as session:  # the service functions the pages use
        assert certificates.verify(session, code).student_name == "Zoë Ålvarez"
        listed = certificates.my_certificates(session, runtime, actor_of(student))
        assert [c.code for c in listed] == [code]

    pdf = client.get(cert["pdf_url"])
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"].startswith("inline")
    assert pdf.content.startswith(b"%PDF")
    assert runtime.storage.exists(f"certificates/{code}.pdf")
    text = pdf_text(pdf.content)
    for expected in ("Zoë Ålvarez", "Compilers from scratch", "Grace Hopper", code):
        assert expected in text, (expected, text)
    assert issued.strftime("%d %B %Y") in text
    assert cert["verify_url"].encode() in pdf.content, "the verification link"
    assert b"/Subtype /Image" in pdf.content, "the QR code"


def test_unknown_codes_are_404(client: TestClient) -> None:
    for code in ("AAAAAAAAAAAAAAAA", "nope", "ABC-DEF", "x" * 300):
        response = client.get(f"{API}/certificates/{code}")
        assert response.status_code == 404
        assert response.json()["code"] == "certificate_not_found"
    assert client.get(f"{API}/certificates/AAAAAAAAAAAAAAAA.pdf").status_code == 404


def test_issuing_twice_makes_one_certificate(
    client: TestClient, db: Session, run_jobs: Callable[[], int], runtime: Runtime
) -> None:
    student, _, course = complete_course(client, db)
    run_jobs()
    enrollment_id = db.scalars(select(Enrollment.id).where(Enrollment.user_id == student.id)).one()
    with runtime.db.session_scope() as session:
        again = certificates.issue_for_enrollment(session, runtime, enrollment_id)
        direct = certificates.issue_certificate(
            session, runtime, user_id=student.id, course_id=course.id
        )
    assert again is not None
    assert direct is not None
    assert again.id == direct.id
    run_jobs()
    count = db.scalar(select(func.count()).where(Certificate.user_id == student.id))
    assert count == 1


def test_no_certificate_when_the_course_gives_none(
    client: TestClient, db: Session, run_jobs: Callable[[], int]
) -> None:
    _, headers, _ = complete_course(client, db, has_certificate=False)
    run_jobs()
    assert client.get(f"{API}/me/certificates", headers=headers).json()["total"] == 0


def test_pdf_renders_any_name(runtime: Runtime) -> None:
    certificate = Certificate(
        code=certificates.new_code(),
        student_name="Łukasz (Ada) \\ O'Brien",
        course_title="Zürich: a long course title " * 4,
        instructor_name="Dr. Émile",
        issued_at=datetime(2026, 3, 4, tzinfo=UTC),
    )
    url = certificates.verify_url(runtime, certificate.code)
    raw = certificates.render_pdf(certificate, url, compress=False)
    assert raw.startswith(b"%PDF")
    text = pdf_text(raw)
    assert "Łukasz (Ada) \\ O'Brien" in text
    assert "04 March 2026" in text
    assert pdf_text(certificates.render_pdf(certificate, url)).count("Dr. Émile") == 1
