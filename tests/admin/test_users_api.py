"""Managing users through the API: search and filters, one user's details, role changes and
bans that end every session at once, all written to the audit log."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from syllabus.accounts.models import InstructorApplication
from syllabus.kit.runtime import Runtime
from tests.admin.world import API, audit_entries
from tests.catalog.factories import make_course, make_enrollment, signed_in
from tests.commerce.orders_factory import make_paid_order
from tests.factories import PASSWORD, bearer, login, make_user


def names(body: dict[str, Any]) -> list[str]:
    return [item["name"] for item in body["items"]]


def test_search_by_name_or_email_and_filter_by_role_and_status(
    client: TestClient, db: Session
) -> None:
    _admin, headers = signed_in(client, db, "admin")
    make_user(db, name="Grace Hopper", email="grace@navy.example")
    make_user(db, name="Alan Turing", email="alan@bletchley.example", role="instructor")
    make_user(db, name="Grace Banned", email="gb@example.com", status="banned")
    make_user(db, name="100% Real", email="real@example.com")

    by_name = client.get(f"{API}/admin/users", params={"q": "grace"}, headers=headers).json()
    assert sorted(names(by_name)) == ["Grace Banned", "Grace Hopper"]
    assert (by_name["total"], by_name["page"], by_name["page_size"]) == (2, 1, 20)
    by_email = client.get(f"{API}/admin/users", params={"q": "BLETCHLEY"}, headers=headers)
    assert names(by_email.json()) == ["Alan Turing"]
    teachers = client.get(f"{API}/admin/users", params={"role": "instructor"}, headers=headers)
    assert names(teachers.json()) == ["Alan Turing"]
    banned = client.get(
        f"{API}/admin/users", params={"q": "grace", "status": "banned"}, headers=headers
    ).json()
    assert names(banned) == ["Grace Banned"]
    assert banned["items"][0]["status"] == "banned"
    # A wildcard typed in the search is a plain character.
    percent = client.get(f"{API}/admin/users", params={"q": "%"}, headers=headers).json()
    assert names(percent) == ["100% Real"]

    first = client.get(f"{API}/admin/users", params={"page_size": 2}, headers=headers).json()
    assert len(first["items"]) == 2
    assert first["total"] == 5

    too_long = client.get(f"{API}/admin/users", params={"q": "x" * 101}, headers=headers)
    assert too_long.status_code == 422
    bad_role = client.get(f"{API}/admin/users", params={"role": "owner"}, headers=headers)
    assert bad_role.status_code == 422


def test_user_detail_lists_orders_enrollments_courses_and_sessions(
    client: TestClient, db: Session, runtime: Runtime
) -> None:
    _admin, headers = signed_in(client, db, "admin")
    teacher = make_user(db, role="instructor", name="Tess Teacher")
    course = make_course(db, teacher, title="Pottery basics")
    other = make_course(db, teacher, title="Glazing", price=0)
    order = make_paid_order(
        db, runtime, teacher, [make_course(db, make_user(db, role="instructor"))]
    )
    make_enrollment(db, teacher, other)
    login(client, teacher.email)
    login(client, teacher.email)
    db.add(InstructorApplication(user_id=teacher.id, pitch="x" * 30, topics=["clay"]))
    db.commit()

    response = client.get(f"{API}/admin/users/{teacher.id}", headers=headers)
    assert response.status_code == 200, response.text
    detail = response.json()
    assert (detail["name"], detail["role"], detail["status"]) == (
        "Tess Teacher",
        "instructor",
        "active",
    )
    assert detail["counts"] == {"orders": 1, "enrollments": 2, "courses": 2, "active_sessions": 2}
    assert [o["id"] for o in detail["orders"]] == [order.id]
    assert detail["orders"][0]["total"]["currency"] == "USD"
    assert {c["title"] for c in detail["courses"]} == {course.title, other.title}
    assert "Glazing" in {e["course"]["title"] for e in detail["enrollments"]}
    assert len(detail["sessions"]) == 2
    assert detail["pending_application"]["topics"] == ["clay"]

    missing = client.get(f"{API}/admin/users/{'0' * 36}", headers=headers)
    assert missing.status_code == 404


def test_ban_ends_every_session_at_once_and_unban_lets_them_back(
    client: TestClient, db: Session
) -> None:
    admin, headers = signed_in(client, db, "admin")
    user = make_user(db, name="Spammy")
    tokens = login(client, user.email)
    assert client.get(f"{API}/users/me", headers=bearer(tokens)).status_code == 200

    banned = client.post(
        f"{API}/admin/users/{user.id}/ban", json={"reason": "Posting spam"}, headers=headers
    )
    assert banned.status_code == 200, banned.text
    assert banned.json()["ban_reason"] == "Posting spam"
    assert client.get(f"{API}/users/me", headers=bearer(tokens)).status_code == 401
    again = client.post(f"{API}/auth/login", json={"email": user.email, "password": PASSWORD})
    assert (again.status_code, again.json()["code"]) == (403, "account_banned")
    detail = client.get(f"{API}/admin/users/{user.id}", headers=headers).json()
    assert detail["counts"]["active_sessions"] == 0

    [entry] = audit_entries(db, action="user.banned", target_id=user.id)
    assert entry.actor_id == admin.id
    assert entry.before == {"status": "active"}
    assert entry.after is not None
    assert entry.after["sessions_revoked"] == 1
    assert entry.reason == "Posting spam"

    assert client.post(f"{API}/admin/users/{user.id}/unban", headers=headers).status_code == 200
    assert login(client, user.email)["user"]["status"] == "active"


def test_role_change_is_audited_with_before_and_after(client: TestClient, db: Session) -> None:
    admin, headers = signed_in(client, db, "admin")
    user = make_user(db)
    changed = client.patch(
        f"{API}/admin/users/{user.id}", json={"role": "instructor"}, headers=headers
    )
    assert changed.json()["role"] == "instructor"
    [entry] = audit_entries(db, action="user.role_changed", target_id=user.id)
    assert (entry.actor_id, entry.before, entry.after) == (
        admin.id,
        {"role": "student"},
        {"role": "instructor"},
    )
    own = client.patch(f"{API}/admin/users/{admin.id}", json={"role": "student"}, headers=headers)
    assert own.status_code == 409
