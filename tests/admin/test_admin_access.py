"""Every admin route, found by walking the application's routes: nobody but an admin gets in,
and every state-changing admin API call leaves exactly one audit entry (who, what, on which
object, values before and/or after).

A new state-changing route under /api/v1/admin needs an example in `EXAMPLES`, or
`test_every_state_changing_admin_api_route_has_an_example` fails. Read-only GET routes need
none: they only have to refuse non-admins.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from syllabus.kit.runtime import Runtime
from tests.admin.world import API, World, audit_entries, make_world
from tests.factories import make_user
from tests.web.test_account_pages import web_login

DUMMY_ID = "00000000-0000-4000-8000-000000000000"
_PARAM = re.compile(r"\{[^}]+\}")


@dataclass(frozen=True)
class Example:
    url: str
    body: dict[str, Any] | None = None
    action: str = ""
    target_id: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


Route = tuple[str, str]  # (method, path template)

# One example per state-changing admin API route: the request an admin makes, and the
# audit action and target it must record.
EXAMPLES: dict[Route, Callable[[World], Example]] = {
    ("PATCH", "/api/v1/admin/users/{user_id}"): lambda w: Example(
        f"{API}/admin/users/{w.target.id}", {"role": "instructor"}, "user.role_changed", w.target.id
    ),
    ("POST", "/api/v1/admin/users/{user_id}/ban"): lambda w: Example(
        f"{API}/admin/users/{w.target.id}/ban", {"reason": "Spam"}, "user.banned", w.target.id
    ),
    ("POST", "/api/v1/admin/users/{user_id}/unban"): lambda w: Example(
        f"{API}/admin/users/{w.banned.id}/unban", None, "user.unbanned", w.banned.id
    ),
    (
        "POST",
        "/api/v1/admin/instructor-applications/{application_id}/decision",
    ): lambda w: Example(
        f"{API}/admin/instructor-applications/{w.application.id}/decision",
        {"approve": True},
        "instructor_application.approved",
        w.application.id,
    ),
    ("POST", "/api/v1/admin/courses/{course}/approve"): lambda w: Example(
        f"{API}/admin/courses/{w.in_review.id}/approve", None, "course.approved", w.in_review.id
    ),
    ("POST", "/api/v1/admin/courses/{course}/reject"): lambda w: Example(
        f"{API}/admin/courses/{w.second_in_review.id}/reject",
        {"reason": "Add captions to the videos."},
        "course.rejected",
        w.second_in_review.id,
    ),
    ("DELETE", "/api/v1/admin/courses/{course}"): lambda w: Example(
        f"{API}/admin/courses/{w.draft.id}", None, "course.deleted", w.draft.id
    ),
    ("POST", "/api/v1/admin/courses/{course}/unpublish"): lambda w: Example(
        f"{API}/admin/courses/{w.published.id}/unpublish",
        None,
        "course.unpublished",
        w.published.id,
    ),
    ("POST", "/api/v1/admin/enrollments"): lambda w: Example(
        f"{API}/admin/enrollments",
        {"user_id": w.target.id, "course_id": w.published.id},
        "enrollment.grant",
    ),
    ("POST", "/api/v1/admin/certificates/{code}/revoke"): lambda w: Example(
        f"{API}/admin/certificates/{w.certificate.code}/revoke",
        {"reason": "Completed by someone else"},
        "certificate.revoked",
        w.certificate.id,
    ),
    ("POST", "/api/v1/admin/certificates/{code}/restore"): lambda w: Example(
        f"{API}/admin/certificates/{w.revoked_certificate.code}/restore",
        None,
        "certificate.restored",
        w.revoked_certificate.id,
    ),
    ("POST", "/api/v1/admin/reviews/{review_id}/hide"): lambda w: Example(
        f"{API}/admin/reviews/{w.review.id}/hide", {"reason": "spam"}, "review.hide", w.review.id
    ),
    ("POST", "/api/v1/admin/coupons"): lambda w: Example(
        f"{API}/admin/coupons", {"code": "SITEWIDE10", "percent_off": 10}, "coupon.create"
    ),
    ("POST", "/api/v1/admin/orders/{order_id}/refund"): lambda w: Example(
        f"{API}/admin/orders/{w.order.id}/refund",
        {"amount": 500, "reason": "Goodwill for a broken video"},
        "order.refund",
        w.order.id,
    ),
    ("POST", "/api/v1/admin/payouts"): lambda w: Example(
        f"{API}/admin/payouts", {"note": "November"}, "payout_batch.create"
    ),
    ("POST", "/api/v1/admin/payouts/{payout_id}/mark-paid"): lambda w: Example(
        f"{API}/admin/payouts/{w.payout.id}/mark-paid",
        {"reference": "SEPA-0042"},
        "payout.mark_paid",
        w.payout.id,
    ),
    ("POST", "/api/v1/admin/newsletters"): lambda w: Example(
        f"{API}/admin/newsletters", {"subject": "News", "body": "Hello"}, "newsletter.send"
    ),
    ("POST", "/api/v1/admin/outbox/{message_id}/retry"): lambda w: Example(
        f"{API}/admin/outbox/{w.failed_message.id}/retry",
        None,
        "outbox.retry",
        w.failed_message.id,
    ),
}


def admin_routes(app: FastAPI, prefix: str) -> list[Route]:
    """(method, path) of every route under `prefix`, from the application itself."""
    found: set[Route] = set()
    for context in iter_route_contexts(app.routes):
        path = getattr(context, "path", "") or ""
        if not (path == prefix or path.startswith(prefix + "/")):
            continue
        methods = getattr(context, "methods", None) or getattr(
            context.original_route, "methods", None
        )
        for method in methods or ():
            if method != "HEAD":
                found.add((method, path))
    return sorted(found)


def _dummy(path: str) -> str:
    return _PARAM.sub(DUMMY_ID, path)


def _state_changing(route: Route) -> bool:
    return route[0] != "GET"


@pytest.fixture
def world(client: TestClient, db: Session, runtime: Runtime) -> World:
    return make_world(client, db, runtime)


def test_the_walk_finds_the_admin_console(app: FastAPI) -> None:
    api = admin_routes(app, "/api/v1/admin")
    pages = admin_routes(app, "/admin")
    assert ("GET", "/api/v1/admin/users") in api
    assert ("GET", "/api/v1/admin/audit-log") in api
    assert ("POST", "/api/v1/admin/users/{user_id}/ban") in api
    assert ("GET", "/admin/users") in pages
    assert ("GET", "/admin/audit-log") in pages


def test_every_state_changing_admin_api_route_has_an_example(app: FastAPI) -> None:
    missing = [r for r in admin_routes(app, "/api/v1/admin") if _state_changing(r)]
    missing = [r for r in missing if r not in EXAMPLES]
    assert missing == [], "add an example (and its audit action) for these routes"


def test_admin_api_routes_refuse_everyone_but_admins(
    client: TestClient, app: FastAPI, db: Session, world: World
) -> None:
    before = len(audit_entries(db))
    for method, path in admin_routes(app, "/api/v1/admin"):
        example = EXAMPLES[(method, path)](world) if (method, path) in EXAMPLES else None
        url = example.url if example else _dummy(path)
        body = (example.body if example else None) if method != "GET" else None
        kwargs: dict[str, Any] = {"json": body} if body is not None else {}
        anonymous = client.request(method, url, **kwargs)
        assert anonymous.status_code == 401, (method, path, anonymous.text)
        for role in ("student", "instructor"):
            refused = client.request(method, url, headers=world.headers[role], **kwargs)
            assert refused.status_code == 403, (role, method, path, refused.text)
            assert refused.headers["content-type"].startswith("application/problem+json")
    assert len(audit_entries(db)) == before, "a refused request changes nothing"


def test_every_state_changing_admin_api_call_is_audited(
    client: TestClient, app: FastAPI, db: Session, world: World
) -> None:
    routes = [r for r in admin_routes(app, "/api/v1/admin") if _state_changing(r)]
    assert len(routes) >= len(EXAMPLES) - 1
    for route in routes:
        example = EXAMPLES[route](world)
        seen = {entry.id for entry in audit_entries(db, actor_id=world.admin.id)}
        kwargs: dict[str, Any] = {"json": example.body} if example.body is not None else {}
        response = client.request(route[0], example.url, headers=world.headers["admin"], **kwargs)
        assert response.status_code < 300, (route, response.text)
        new = [e for e in audit_entries(db, actor_id=world.admin.id) if e.id not in seen]
        assert len(new) == 1, (route, [e.action for e in new])
        entry = new[0]
        assert entry.action == example.action, route
        assert entry.target_type, route
        assert entry.target_id, route
        if example.target_id:
            assert entry.target_id == example.target_id, route
        assert entry.before is not None or entry.after is not None, route
        assert entry.created_at is not None


def test_admin_pages_refuse_everyone_but_admins(
    client: TestClient, app: FastAPI, db: Session
) -> None:
    pages = admin_routes(app, "/admin")
    for method, path in pages:
        if method == "GET":
            anonymous = client.get(_dummy(path), follow_redirects=False)
            assert anonymous.status_code == 303, path
            assert anonymous.headers["location"].startswith("/login"), path
    for role in ("student", "instructor"):
        client.cookies.clear()
        user = make_user(db, role=role)
        web_login(client, user.email)
        token = client.cookies["syl_csrf"]
        for method, path in pages:
            if method == "GET":
                response = client.get(_dummy(path), follow_redirects=False)
            else:
                response = client.request(
                    method, _dummy(path), data={"csrf_token": token}, follow_redirects=False
                )
            assert response.status_code == 403, (role, method, path)
            assert "text/html" in response.headers["content-type"], path
