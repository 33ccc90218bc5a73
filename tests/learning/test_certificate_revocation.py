"""Revoking a certificate: admins only, the public verification says so, the PDF stops."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from syllabus.admin.audit import AuditEntry
from tests.catalog.factories import signed_in
from tests.learning.helpers import API
from tests.learning.test_certificates_api import complete_course
from tests.web.test_account_pages import csrf_of, web_login

XSS = "<script>alert(1)</script>"


def issued_code(client: TestClient, db: Session, run_jobs: Callable[[], int]) -> str:
    _student, headers, _course = complete_course(client, db)
    run_jobs()
    [cert] = client.get(f"{API}/me/certificates", headers=headers).json()["items"]
    code: str = cert["code"]
    return code


def test_an_admin_revokes_and_restores_a_certificate(
    client: TestClient, db: Session, run_jobs: Callable[[], int]
) -> None:
    code = issued_code(client, db, run_jobs)
    assert client.get(f"{API}/certificates/{code}").json()["status"] == "valid"
    assert client.get(f"{API}/certificates/{code}.pdf").status_code == 200
    _admin, admin_headers = signed_in(client, db, "admin")

    revoked = client.post(
        f"{API}/admin/certificates/{code}/revoke",
        json={"reason": "Completed by someone else"},
        headers=admin_headers,
    )
    assert revoked.status_code == 200, revoked.text
    assert (revoked.json()["status"], revoked.json()["pdf_url"]) == ("revoked", None)

    public = client.get(f"{API}/certificates/{code}").json()
    assert public["status"] == "revoked"
    assert public["revoked_at"] is not None
    assert "revoked_reason" not in public, "the reason is not public"
    pdf = client.get(f"{API}/certificates/{code}.pdf")
    assert (pdf.status_code, pdf.json()["code"]) == (409, "certificate_revoked")
    page = client.get(f"/certificates/{code}")
    assert "Revoked certificate" in page.text
    assert "Verified certificate" not in page.text
    assert "Download PDF" not in page.text

    again = client.post(
        f"{API}/admin/certificates/{code}/revoke", json={"reason": "twice"}, headers=admin_headers
    )
    assert (again.status_code, again.json()["code"]) == (409, "certificate_revoked")
    entries = db.scalars(select(AuditEntry).where(AuditEntry.action == "certificate.revoked"))
    assert [e.reason for e in entries] == ["Completed by someone else"]

    restored = client.post(f"{API}/admin/certificates/{code}/restore", headers=admin_headers)
    assert (restored.status_code, restored.json()["status"]) == (200, "valid")
    assert client.get(f"{API}/certificates/{code}.pdf").status_code == 200
    not_revoked = client.post(f"{API}/admin/certificates/{code}/restore", headers=admin_headers)
    assert (not_revoked.status_code, not_revoked.json()["code"]) == (
        409,
        "certificate_not_revoked",
    )


def test_only_admins_revoke_and_bad_input_changes_nothing(
    client: TestClient, db: Session, run_jobs: Callable[[], int]
) -> None:
    code = issued_code(client, db, run_jobs)
    body = {"reason": "Because"}
    assert client.post(f"{API}/admin/certificates/{code}/revoke", json=body).status_code == 401
    _student, student_headers = signed_in(client, db, "student")
    refused = client.post(
        f"{API}/admin/certificates/{code}/revoke", json=body, headers=student_headers
    )
    assert (refused.status_code, refused.json()["code"]) == (403, "not_admin")
    _admin, admin_headers = signed_in(client, db, "admin")
    for bad in ({}, {"reason": ""}, {"reason": "x" * 501}, {"reason": "ok!", "extra": 1}):
        response = client.post(
            f"{API}/admin/certificates/{code}/revoke", json=bad, headers=admin_headers
        )
        assert response.status_code == 422, bad
    unknown = client.post(
        f"{API}/admin/certificates/AAAAAAAAAAAAAAAA/revoke", json=body, headers=admin_headers
    )
    assert (unknown.status_code, unknown.json()["code"]) == (404, "certificate_not_found")
    assert client.get(f"{API}/certificates/{code}").json()["status"] == "valid"


def test_the_admin_revokes_from_the_certificate_page(
    client: TestClient, db: Session, run_jobs: Callable[[], int]
) -> None:
    code = issued_code(client, db, run_jobs)
    anonymous = client.get(f"/certificates/{code}")
    assert "Revoke certificate" not in anonymous.text, "only admins see the form"

    admin, _headers = signed_in(client, db, "admin")
    web_login(client, admin.email)
    page = client.get(f"/certificates/{code}")
    assert "Revoke certificate" in page.text
    token = csrf_of(page)
    short = client.post(
        f"/certificates/{code}/revoke",
        data={"csrf_token": token, "reason": "x"},
        follow_redirects=True,
    )
    assert "give a reason of 3 to 500 characters" in short.text
    assert "Verified certificate" in short.text, "nothing changed"

    done = client.post(
        f"/certificates/{code}/revoke",
        data={"csrf_token": token, "reason": XSS},
        follow_redirects=True,
    )
    assert "Revoked certificate" in done.text
    assert XSS not in done.text
    assert "&lt;script&gt;" in done.text, "the reason is escaped"
    restored = client.post(
        f"/certificates/{code}/restore", data={"csrf_token": token}, follow_redirects=True
    )
    assert "Verified certificate" in restored.text
    assert (
        client.post(f"/certificates/{code}/revoke", data={"reason": "no token"}).status_code == 403
    )
