"""Reading the audit log (filters, who/what/when, before and after), unpublishing a course,
and an order's payment events, through the admin API."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from syllabus.kit.runtime import Runtime
from tests.admin.world import API, audit_entries
from tests.catalog.factories import make_course, signed_in
from tests.commerce.orders_factory import make_paid_order
from tests.factories import make_user


def test_the_audit_log_lists_admin_actions_newest_first_with_filters(
    client: TestClient, db: Session
) -> None:
    admin, headers = signed_in(client, db, "admin")
    other_admin, other_headers = signed_in(client, db, "admin")
    first, second = make_user(db, name="First"), make_user(db, name="Second")
    client.post(f"{API}/admin/users/{first.id}/ban", json={"reason": "Spam"}, headers=headers)
    client.patch(f"{API}/admin/users/{second.id}", json={"role": "instructor"}, headers=headers)
    client.post(f"{API}/admin/users/{first.id}/unban", headers=other_headers)

    everything = client.get(f"{API}/admin/audit-log", headers=headers).json()
    assert [e["action"] for e in everything["items"]] == [
        "user.unbanned",
        "user.role_changed",
        "user.banned",
    ]
    newest = everything["items"][0]
    assert newest["actor"] == {
        "id": other_admin.id,
        "name": other_admin.name,
        "email": other_admin.email,
    }
    assert (newest["target_type"], newest["target_id"]) == ("user", first.id)
    assert newest["before"]["status"] == "banned"
    assert newest["after"] == {"status": "active"}
    assert newest["created_at"].endswith(("Z", "+00:00"))

    def actions(**params: str) -> list[str]:
        body = client.get(f"{API}/admin/audit-log", params=params, headers=headers).json()
        return [e["action"] for e in body["items"]]

    assert actions(target_id=first.id) == ["user.unbanned", "user.banned"]
    assert actions(actor=admin.id) == ["user.role_changed", "user.banned"]
    assert actions(action="user.banned") == ["user.banned"]
    assert actions(action="user.", target_type="user") == [
        "user.unbanned",
        "user.role_changed",
        "user.banned",
    ]
    assert actions(target_type="course") == []
    page = client.get(f"{API}/admin/audit-log?page_size=1&page=2", headers=headers).json()
    assert (page["total"], [e["action"] for e in page["items"]]) == (3, ["user.role_changed"])


def test_an_admin_unpublishes_a_course_and_it_leaves_the_catalog(
    client: TestClient, db: Session
) -> None:
    admin, headers = signed_in(client, db, "admin")
    course = make_course(db, make_user(db, role="instructor"), title="Questionable")
    assert client.get(f"{API}/courses/{course.slug}").status_code == 200

    response = client.post(f"{API}/admin/courses/{course.slug}/unpublish", headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "unpublished"
    assert client.get(f"{API}/courses/{course.slug}").status_code == 404
    [entry] = audit_entries(db, action="course.unpublished", target_id=course.id)
    assert (entry.actor_id, entry.before, entry.after) == (
        admin.id,
        {"status": "published"},
        {"status": "unpublished"},
    )
    again = client.post(f"{API}/admin/courses/{course.id}/unpublish", headers=headers)
    assert (again.status_code, again.json()["code"]) == (409, "invalid_status_transition")


def test_an_admin_unpublishing_their_own_course_is_audited_too(
    client: TestClient, db: Session
) -> None:
    admin, headers = signed_in(client, db, "admin")
    course = make_course(db, admin)
    assert client.post(f"{API}/admin/courses/{course.id}/unpublish", headers=headers).is_success
    assert len(audit_entries(db, action="course.unpublished", target_id=course.id)) == 1


def test_an_order_shows_its_payment_events(
    client: TestClient, db: Session, runtime: Runtime
) -> None:
    _admin, headers = signed_in(client, db, "admin")
    course = make_course(db, make_user(db, role="instructor"))
    order = make_paid_order(db, runtime, make_user(db), [course])
    response = client.get(f"{API}/admin/orders/{order.id}/payment-events", headers=headers)
    assert response.status_code == 200, response.text
    [payment] = [e for e in response.json() if e["kind"] == "payment"]
    assert payment["status"] == "succeeded"
    assert payment["amount"] == {"amount": order.total_amount, "currency": "USD"}
    assert payment["reference"] == f"sbx_pay_{order.id}"
    missing = client.get(f"{API}/admin/orders/{'0' * 36}/payment-events", headers=headers)
    assert (missing.status_code, missing.json()["code"]) == (404, "order_not_found")
