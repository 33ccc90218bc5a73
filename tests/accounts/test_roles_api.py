"""Applying to teach, admin decisions, role changes, bans and the audit trail they leave."""

from __future__ import annotations

import jwt
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from syllabus.accounts.models import User
from syllabus.admin.audit import AuditEntry
from syllabus.kit.runtime import Runtime
from tests.factories import PASSWORD, bearer, login, make_user

ME = "/api/v1/users/me"
APPLY = "/api/v1/users/me/instructor-application"
APPLICATIONS = "/api/v1/admin/instructor-applications"
PITCH = {"bio": "Ten years of teaching Python to beginners.", "topics": ["python", "testing"]}


def _admin(client: TestClient, db: Session) -> tuple[User, dict[str, str]]:
    admin = make_user(db, role="admin")
    return admin, bearer(login(client, admin.email))


def _student(client: TestClient, db: Session) -> tuple[User, dict[str, str]]:
    student = make_user(db)
    return student, bearer(login(client, student.email))


def _audit(db: Session, action: str, target_id: str) -> list[AuditEntry]:
    db.expire_all()
    return list(
        db.scalars(
            select(AuditEntry).where(AuditEntry.action == action, AuditEntry.target_id == target_id)
        )
    )


# --- applying to teach ----------------------------------------------------------------


def test_approved_application_makes_an_instructor(client: TestClient, db: Session) -> None:
    admin, admin_headers = _admin(client, db)
    student, headers = _student(client, db)
    applied = client.post(APPLY, json=PITCH, headers=headers)
    assert applied.status_code == 202, applied.text
    application = applied.json()
    assert application["status"] == "pending"
    assert application["user"]["id"] == student.id
    assert application["topics"] == ["python", "testing"]

    listed = client.get(APPLICATIONS, params={"status": "pending"}, headers=admin_headers).json()
    assert listed["total"] == 1
    assert (listed["page"], listed["page_size"]) == (1, 20)
    assert [item["id"] for item in listed["items"]] == [application["id"]]

    decided = client.post(
        f"{APPLICATIONS}/{application['id']}/decision",
        json={"approve": True, "note": "Welcome aboard"},
        headers=admin_headers,
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "approved"
    assert decided.json()["decision_note"] == "Welcome aboard"

    tokens = login(client, student.email)
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    assert claims["role"] == "instructor"
    assert tokens["user"]["role"] == "instructor"
    [entry] = _audit(db, "instructor_application.approved", application["id"])
    assert entry.actor_id == admin.id
    assert entry.before == {"status": "pending", "role": "student", "user_id": student.id}
    assert entry.after == {"status": "approved", "role": "instructor", "user_id": student.id}
    assert (
        client.get(APPLICATIONS, params={"status": "pending"}, headers=admin_headers).json()[
            "total"
        ]
        == 0
    )


def test_rejected_applicant_stays_a_student_and_may_apply_again(
    client: TestClient, db: Session
) -> None:
    _, admin_headers = _admin(client, db)
    _, headers = _student(client, db)
    application = client.post(APPLY, json=PITCH, headers=headers).json()
    decision = f"{APPLICATIONS}/{application['id']}/decision"
    rejected = client.post(
        decision, json={"approve": False, "note": "Too thin"}, headers=admin_headers
    )
    assert rejected.json()["status"] == "rejected"
    assert client.get(ME, headers=headers).json()["role"] == "student"
    again = client.post(decision, json={"approve": True}, headers=admin_headers)
    assert again.status_code == 409
    assert again.json()["code"] == "application_decided"
    assert client.post(APPLY, json=PITCH, headers=headers).status_code == 202


def test_auto_approve_makes_an_instructor_at_once(
    client: TestClient, db: Session, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runtime.settings, "instructor_auto_approve", True)
    _, headers = _student(client, db)
    response = client.post(APPLY, json=PITCH, headers=headers)
    assert response.status_code == 202
    assert response.json()["status"] == "approved"
    assert client.get(ME, headers=headers).json()["role"] == "instructor"


def test_second_pending_application_is_409(client: TestClient, db: Session) -> None:
    _, headers = _student(client, db)
    assert client.post(APPLY, json=PITCH, headers=headers).status_code == 202
    again = client.post(APPLY, json=PITCH, headers=headers)
    assert again.status_code == 409
    assert again.json()["code"] == "application_pending"


def test_instructors_and_admins_cannot_apply(client: TestClient, db: Session) -> None:
    for role in ("instructor", "admin"):
        user = make_user(db, role=role)
        response = client.post(APPLY, json=PITCH, headers=bearer(login(client, user.email)))
        assert response.status_code == 409, role
        assert response.json()["code"] == "already_instructor"


def test_malformed_applications_are_422(client: TestClient, db: Session) -> None:
    _, headers = _student(client, db)
    for body in (
        {"bio": "too short"},
        {"bio": PITCH["bio"], "topics": [f"t{n}" for n in range(11)]},
        {**PITCH, "role": "admin"},
    ):
        assert client.post(APPLY, json=body, headers=headers).status_code == 422, body
    assert client.post(APPLY, json=PITCH).status_code == 401


# --- who may use the admin routes --------------------------------------------------------


def test_admin_routes_refuse_others(client: TestClient, db: Session) -> None:
    target = make_user(db)
    calls = [
        ("PATCH", f"/api/v1/admin/users/{target.id}", {"role": "admin"}),
        ("POST", f"/api/v1/admin/users/{target.id}/ban", {"reason": "spam"}),
        ("POST", f"/api/v1/admin/users/{target.id}/unban", None),
        ("GET", APPLICATIONS, None),
        ("POST", f"{APPLICATIONS}/some-id/decision", {"approve": True}),
    ]
    for role in ("student", "instructor"):
        user = make_user(db, role=role)
        headers = bearer(login(client, user.email))
        for method, url, body in calls:
            response = client.request(method, url, json=body, headers=headers)
            assert response.status_code == 403, (role, method, url)
            assert response.json()["code"] == "not_admin"
    for method, url, body in calls:
        assert client.request(method, url, json=body).status_code == 401, (method, url)
    db.expire_all()
    assert db.get(User, target.id).role == "student"  # type: ignore[union-attr]


# --- role changes ---------------------------------------------------------------------


def test_admin_changes_a_role(client: TestClient, db: Session) -> None:
    admin, admin_headers = _admin(client, db)
    student, headers = _student(client, db)
    response = client.patch(
        f"/api/v1/admin/users/{student.id}", json={"role": "instructor"}, headers=admin_headers
    )
    assert response.status_code == 200
    assert response.json()["role"] == "instructor"
    assert client.get(ME, headers=headers).json()["role"] == "instructor"
    [entry] = _audit(db, "user.role_changed", student.id)
    assert (entry.actor_id, entry.before, entry.after) == (
        admin.id,
        {"role": "student"},
        {"role": "instructor"},
    )


def test_role_change_refusals(client: TestClient, db: Session) -> None:
    admin, admin_headers = _admin(client, db)
    student = make_user(db)
    own = client.patch(
        f"/api/v1/admin/users/{admin.id}", json={"role": "student"}, headers=admin_headers
    )
    assert own.status_code == 409
    assert own.json()["code"] == "cannot_demote_self"
    unknown = client.patch(
        "/api/v1/admin/users/nobody", json={"role": "admin"}, headers=admin_headers
    )
    assert unknown.status_code == 404
    bad = client.patch(
        f"/api/v1/admin/users/{student.id}", json={"role": "owner"}, headers=admin_headers
    )
    assert bad.status_code == 422
    assert client.get(ME, headers=admin_headers).json()["role"] == "admin"


# --- bans -------------------------------------------------------------------------------


def test_ban_ends_sessions_blocks_login_and_is_audited(client: TestClient, db: Session) -> None:
    admin, admin_headers = _admin(client, db)
    student, headers = _student(client, db)
    assert client.get(ME, headers=headers).status_code == 200
    banned = client.post(
        f"/api/v1/admin/users/{student.id}/ban",
        json={"reason": "Spam in Q&A"},
        headers=admin_headers,
    )
    assert banned.status_code == 200, banned.text
    assert banned.json()["status"] == "banned"
    assert banned.json()["ban_reason"] == "Spam in Q&A"
    assert banned.json()["banned_at"]

    assert client.get(ME, headers=headers).status_code == 401
    refused = client.post("/api/v1/auth/login", json={"email": student.email, "password": PASSWORD})
    assert refused.status_code == 403
    assert refused.json()["code"] == "account_banned"
    [entry] = _audit(db, "user.banned", student.id)
    assert entry.actor_id == admin.id
    assert entry.reason == "Spam in Q&A"
    assert entry.before == {"status": "active"}
    assert entry.after is not None
    assert entry.after["status"] == "banned"
    assert entry.after["sessions_revoked"] == 1
    again = client.post(
        f"/api/v1/admin/users/{student.id}/ban", json={"reason": "again"}, headers=admin_headers
    )
    assert again.status_code == 409


def test_unban_restores_login(client: TestClient, db: Session) -> None:
    _, admin_headers = _admin(client, db)
    student, _ = _student(client, db)
    client.post(
        f"/api/v1/admin/users/{student.id}/ban", json={"reason": "x"}, headers=admin_headers
    )
    response = client.post(f"/api/v1/admin/users/{student.id}/unban", headers=admin_headers)
    assert response.status_code == 200
    assert response.json()["status"] == "active"
    assert response.json()["ban_reason"] is None
    assert client.get(ME, headers=bearer(login(client, student.email))).status_code == 200
    [entry] = _audit(db, "user.unbanned", student.id)
    assert (entry.before or {})["status"] == "banned"
    assert entry.after == {"status": "active"}
    not_banned = client.post(f"/api/v1/admin/users/{student.id}/unban", headers=admin_headers)
    assert not_banned.status_code == 409


def test_unbanning_a_never_activated_account_keeps_it_pending(
    client: TestClient, db: Session
) -> None:
    _, admin_headers = _admin(client, db)
    pending = make_user(db, status="pending")
    client.post(
        f"/api/v1/admin/users/{pending.id}/ban", json={"reason": "x"}, headers=admin_headers
    )
    response = client.post(f"/api/v1/admin/users/{pending.id}/unban", headers=admin_headers)
    assert response.json()["status"] == "pending"


def test_ban_refusals(client: TestClient, db: Session) -> None:
    admin, admin_headers = _admin(client, db)
    own = client.post(
        f"/api/v1/admin/users/{admin.id}/ban", json={"reason": "x"}, headers=admin_headers
    )
    assert own.status_code == 409
    assert own.json()["code"] == "cannot_ban_self"
    assert client.get(ME, headers=admin_headers).status_code == 200
    unknown = client.post(
        "/api/v1/admin/users/nobody/ban", json={"reason": "x"}, headers=admin_headers
    )
    assert unknown.status_code == 404
    student = make_user(db)
    for body in ({}, {"reason": ""}, {"reason": "r" * 501}, {"reason": "x", "until": "never"}):
        response = client.post(
            f"/api/v1/admin/users/{student.id}/ban", json=body, headers=admin_headers
        )
        assert response.status_code == 422, body
