"""Admins watch email delivery: failed and pending outbox messages, and retry the failed ones."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from syllabus.admin.audit import AuditEntry
from syllabus.kit import outbox, queue
from syllabus.kit.db import utcnow
from syllabus.kit.outbox import OutboxMessage
from syllabus.kit.runtime import Runtime
from syllabus.notifications.email import queue_mail
from tests.catalog.factories import signed_in
from tests.factories import make_user
from tests.support.outbox_probe import RECORD
from tests.web.test_account_pages import csrf_of, web_login

API = "/api/v1/admin/outbox"
XSS = "<script>alert(1)</script>"


def queue_welcome(runtime: Runtime, to: str) -> str:
    with runtime.db.session_scope() as session:
        queue_mail(session, to=to, template="welcome", context={"name": "Ann"}, key=f"w:{to}")
        found = session.scalar(select(OutboxMessage.id).where(OutboxMessage.key == f"w:{to}"))
        assert found is not None
        return found


def mark_failed(
    db: Session, message_id: str, error: str = "SMTPDataError: (554, b'refused')"
) -> None:
    db.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .values(attempts=outbox.MAX_ATTEMPTS, last_error=error, failed_at=utcnow())
    )
    db.commit()


def mark_retrying(db: Session, message_id: str) -> None:
    db.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .values(attempts=2, last_error="ConnectionRefusedError: down", next_attempt_at=utcnow())
    )
    db.commit()


def items(client: TestClient, headers: dict[str, str], **params: Any) -> dict[str, Any]:
    response = client.get(API, params=params, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


# --------------------------------------------------------------------- API


def test_only_admins_see_the_outbox(client: TestClient, db: Session) -> None:
    _student, student = signed_in(client, db, "student")
    _teacher, teacher = signed_in(client, db, "instructor")
    assert client.get(API).status_code == 401
    for headers in (student, teacher):
        response = client.get(API, headers=headers)
        assert response.status_code == 403
        assert response.json()["code"] == "not_admin"
        assert client.post(f"{API}/x/retry", headers=headers).status_code == 403
    assert client.post(f"{API}/x/retry").status_code == 401


def test_failed_and_pending_lists_with_recipients(
    client: TestClient, db: Session, runtime: Runtime
) -> None:
    _admin, headers = signed_in(client, db, "admin")
    failed = queue_welcome(runtime, "failed@example.com")
    waiting = queue_welcome(runtime, "waiting@example.com")
    with runtime.db.session_scope() as session:
        other = outbox.enqueue(session, RECORD, {"file": "/nonexistent", "text": "t"}).id
    queue.huey.flush()
    mark_failed(db, failed)

    body = items(client, headers, state="failed")
    assert (body["total"], body["page"], body["page_size"]) == (1, 1, 20)
    [item] = body["items"]
    assert item["id"] == failed
    assert item["task"] == "mail.send"
    assert item["recipient"] == "failed@example.com"
    assert item["attempts"] == outbox.MAX_ATTEMPTS
    assert item["last_error"].startswith("SMTPDataError")
    assert item["failed_at"] is not None
    assert {"created_at", "next_attempt_at"} <= set(item)
    assert items(client, headers)["total"] == 1, "failed is the default"

    pending = items(client, headers, state="pending")
    by_id = {entry["id"]: entry for entry in pending["items"]}
    assert set(by_id) == {waiting, other}
    assert by_id[waiting]["recipient"] == "waiting@example.com"
    assert by_id[other]["recipient"] is None, "only an email has a recipient"
    assert items(client, headers, state="retrying")["total"] == 0

    assert items(client, headers, state="pending", page_size=1)["items"][0]["id"] in by_id
    assert client.get(API, params={"state": "lost"}, headers=headers).status_code == 422


def test_retry_hands_a_failed_mail_over_again(
    client: TestClient, db: Session, runtime: Runtime, run_jobs: Any
) -> None:
    admin, headers = signed_in(client, db, "admin")
    failed = queue_welcome(runtime, "again@example.com")
    queue.huey.flush()
    mark_failed(db, failed)

    response = client.post(f"{API}/{failed}/retry", headers=headers)
    assert response.status_code == 204, response.text
    assert run_jobs() == 1
    assert items(client, headers, state="failed")["total"] == 0
    [mail] = [m for m in _written(runtime) if m == "again@example.com"]
    assert mail

    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "outbox.retry"))
    assert entry is not None
    assert (entry.actor_id, entry.target_id) == (admin.id, failed)

    again = client.post(f"{API}/{failed}/retry", headers=headers)
    assert again.status_code == 409
    assert again.json()["code"] == "outbox_message_not_failed"
    unknown = client.post(f"{API}/00000000-0000-0000-0000-000000000000/retry", headers=headers)
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "outbox_message_not_found"


def _written(runtime: Runtime) -> list[str]:
    from syllabus.kit.mail import read_outbox

    return [str(m["To"]) for m in read_outbox(runtime.settings.mail_dir)]


# ------------------------------------------------------------------- pages


def test_mail_page_is_for_admins_only(client: TestClient, db: Session) -> None:
    student = make_user(db)
    assert client.get("/admin/mail", follow_redirects=False).status_code == 303
    web_login(client, student.email)
    assert client.get("/admin/mail").status_code == 403
    assert client.get("/admin/newsletter").status_code == 403


def test_mail_page_lists_failed_mail_escaped_and_retries_it(
    client: TestClient, db: Session, runtime: Runtime, run_jobs: Any
) -> None:
    admin = make_user(db, role="admin")
    failed = queue_welcome(runtime, "page@example.com")
    retrying = queue_welcome(runtime, "later@example.com")
    queue.huey.flush()
    mark_failed(db, failed, error=f"SMTPRecipientsRefused: {XSS}")
    mark_retrying(db, retrying)
    web_login(client, admin.email)

    page = client.get("/admin/mail")
    assert page.status_code == 200
    assert "page@example.com" in page.text
    assert "later@example.com" not in page.text
    assert XSS not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert f'action="/admin/mail/{failed}/retry"' in page.text

    tab = client.get("/admin/mail", params={"state": "retrying"})
    assert "later@example.com" in tab.text
    assert "page@example.com" not in tab.text
    assert "/retry" not in tab.text, "only failed messages have a Retry button"

    refused = client.post(f"/admin/mail/{failed}/retry", follow_redirects=False)
    assert refused.status_code == 403, "the form needs its CSRF token"
    response = client.post(
        f"/admin/mail/{failed}/retry",
        data={"csrf_token": csrf_of(page)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/mail"
    assert run_jobs() == 1
    assert "page@example.com" in _written(runtime)
    after = client.get("/admin/mail")
    assert "handed to the queue again" in after.text
    assert "page@example.com" not in after.text

    twice = client.post(
        f"/admin/mail/{failed}/retry", data={"csrf_token": csrf_of(after)}, follow_redirects=False
    )
    assert twice.status_code == 303
    assert "no longer failed" in client.get("/admin/mail").text
