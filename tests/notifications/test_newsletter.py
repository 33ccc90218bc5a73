"""The newsletter: admins only, mailed in batches by jobs to opted-in active users, each once."""

from __future__ import annotations

import itertools
from collections import Counter
from email.message import EmailMessage
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from syllabus.accounts.models import User
from syllabus.admin.audit import AuditEntry
from syllabus.kit.mail import message_text, read_outbox
from syllabus.kit.outbox import OutboxMessage
from syllabus.kit.runtime import Runtime
from syllabus.notifications import newsletter
from syllabus.notifications.email import SEND_MAIL
from tests.catalog.factories import signed_in
from tests.factories import make_user
from tests.web.test_account_pages import csrf_of, web_login

API = "/api/v1/admin/newsletters"
XSS = "<script>alert(1)</script>"
_batch = itertools.count(1)


def add_users(db: Session, count: int, *, opted_in: bool, status: str = "active") -> list[str]:
    """Many users in one statement; returns their emails."""
    batch = next(_batch)
    rows = [
        {
            "email": f"news{batch}-{n}@example.com",
            "name": f"Reader {batch}-{n}",
            "status": status,
            "marketing_opt_in": opted_in,
        }
        for n in range(count)
    ]
    db.execute(insert(User), rows)
    db.commit()
    return [f"news{batch}-{n}@example.com" for n in range(count)]


def outbox_rows(db: Session, task: str) -> list[OutboxMessage]:
    db.expire_all()
    return list(db.scalars(select(OutboxMessage).where(OutboxMessage.task == task)))


def html_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    content = part.get_content()
    assert isinstance(content, str)
    return content


def test_only_admins_send_the_newsletter(client: TestClient, db: Session) -> None:
    body = {"subject": "News", "body": "Hello"}
    assert client.post(API, json=body).status_code == 401
    for role in ("student", "instructor"):
        _user, headers = signed_in(client, db, role)
        response = client.post(API, json=body, headers=headers)
        assert response.status_code == 403
        assert response.json()["code"] == "not_admin"


def test_newsletter_input_is_bounded(client: TestClient, db: Session) -> None:
    _admin, headers = signed_in(client, db, "admin")
    for bad in (
        {"subject": "x" * 201, "body": "Hello"},
        {"subject": "News", "body": "x" * 20_001},
        {"subject": "   ", "body": "Hello"},
        {"subject": "News", "body": ""},
        {"subject": "News", "body": "Hello", "to": "everyone"},
    ):
        assert client.post(API, json=bad, headers=headers).status_code == 422, bad


def test_newsletter_reaches_each_opted_in_active_user_once_in_batches(
    client: TestClient, db: Session, runtime: Runtime, run_jobs: Any
) -> None:
    assert runtime.settings.fanout_batch_size == 200
    admin, headers = signed_in(client, db, "admin")
    readers = add_users(db, 450, opted_in=True)
    outsiders = (
        add_users(db, 7, opted_in=False)
        + add_users(db, 3, opted_in=True, status="pending")
        + add_users(db, 3, opted_in=True, status="banned")
    )

    response = client.post(API, json={"subject": "  Spring news  ", "body": "**New** courses."})
    assert response.status_code == 401
    response = client.post(
        API, json={"subject": "  Spring news  ", "body": "**New** courses."}, headers=headers
    )
    assert response.status_code == 202, response.text
    queued = response.json()
    assert queued["recipients"] == 450

    entry = db.scalar(select(AuditEntry).where(AuditEntry.target_id == queued["id"]))
    assert entry is not None
    assert (entry.actor_id, entry.action) == (admin.id, "newsletter.send")
    assert entry.after == {"subject": "Spring news", "recipients": 450}

    # Jobs: the first batch queues 200 emails and the next batch, and so on.
    assert run_jobs() > 450
    batches = outbox_rows(db, newsletter.DELIVER)
    assert len(batches) == 3
    assert all(batch.done_at is not None for batch in batches)

    # A batch delivered twice (a broker redelivery past the claim) queues nothing new.
    with runtime.db.session_scope() as session:
        for batch in batches:
            newsletter.deliver_batch(session, dict(batch.payload))
    assert run_jobs() == 0
    mails = outbox_rows(db, SEND_MAIL)
    assert len(mails) == 450
    assert all(mail.done_at is not None for mail in mails)

    received = Counter(str(m["To"]) for m in read_outbox(runtime.settings.mail_dir))
    assert received == Counter(readers), "every subscriber once, nobody else"
    assert not set(outsiders) & set(received)

    sample = next(m for m in read_outbox(runtime.settings.mail_dir) if m["To"] == readers[0])
    assert sample["Subject"] == "Spring news"
    assert sample["List-Unsubscribe"] is not None
    assert sample["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "<strong>New</strong> courses." in html_of(sample)
    text = message_text(sample)
    assert "**New** courses." in text
    assert "Hello Reader" in text
    assert "Unsubscribe from these emails: " in text


def test_unsubscribed_readers_get_no_later_newsletter(
    client: TestClient, db: Session, runtime: Runtime, run_jobs: Any
) -> None:
    _admin, headers = signed_in(client, db, "admin")
    [reader] = add_users(db, 1, opted_in=True)
    body = {"subject": "One", "body": "First."}
    assert client.post(API, json=body, headers=headers).json()["recipients"] == 1
    run_jobs()
    [message] = [m for m in read_outbox(runtime.settings.mail_dir) if m["To"] == reader]
    link = str(message["List-Unsubscribe"]).strip("<>")
    path = link[link.index("/unsubscribe/") :]
    client.cookies.clear()
    assert client.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 200

    second = client.post(API, json={"subject": "Two", "body": "Second."}, headers=headers)
    assert second.json()["recipients"] == 0
    run_jobs()
    assert [str(m["Subject"]) for m in read_outbox(runtime.settings.mail_dir)] == ["One"]


def test_script_in_the_newsletter_is_inert_in_every_part(
    client: TestClient, db: Session, runtime: Runtime, run_jobs: Any
) -> None:
    _admin, headers = signed_in(client, db, "admin")
    [reader] = add_users(db, 1, opted_in=True)
    body = (
        f"Hi {XSS}\n\n<img src=x onerror=alert(1)>\n\n[click](javascript:alert(1))\n\n"
        "<iframe src=https://evil.example></iframe>"
    )
    response = client.post(API, json={"subject": f"News {XSS}", "body": body}, headers=headers)
    assert response.status_code == 202
    run_jobs()
    [message] = read_outbox(runtime.settings.mail_dir)
    html = html_of(message)
    assert "<script" not in html
    assert "<img" not in html
    assert "<iframe" not in html
    assert 'href="javascript:' not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, "the subject and text are escaped"
    assert message["To"] == reader


# ------------------------------------------------------------------- page


def test_newsletter_page_previews_sanitised_then_sends(
    client: TestClient, db: Session, runtime: Runtime, run_jobs: Any
) -> None:
    admin = make_user(db, role="admin")
    readers = add_users(db, 2, opted_in=True)
    web_login(client, admin.email)
    page = client.get("/admin/newsletter")
    assert page.status_code == 200
    assert 'data-testid="subscriber-count">2<' in page.text

    fields = {"subject": f"Hi {XSS}", "body": f"**Bold** {XSS}", "csrf_token": csrf_of(page)}
    preview = client.post("/admin/newsletter", data={**fields, "action": "preview"})
    assert preview.status_code == 200
    assert "<strong>Bold</strong>" in preview.text
    assert XSS not in preview.text
    assert run_jobs() == 0, "a preview sends nothing"

    invalid = client.post("/admin/newsletter", data={**fields, "subject": "", "action": "send"})
    assert invalid.status_code == 422
    assert "This field is required." in invalid.text
    assert run_jobs() == 0

    refused = client.post("/admin/newsletter", data={**fields, "csrf_token": "", "action": "send"})
    assert refused.status_code == 403

    sent = client.post(
        "/admin/newsletter", data={**fields, "action": "send"}, follow_redirects=False
    )
    assert sent.status_code == 303
    assert sent.headers["location"] == "/admin/newsletter"
    assert "on its way" in client.get("/admin/newsletter").text
    run_jobs()
    assert sorted(str(m["To"]) for m in read_outbox(runtime.settings.mail_dir)) == readers
    assert db.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "newsletter.send")
    )
