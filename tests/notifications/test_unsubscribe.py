"""One-click unsubscribe: headers and footer link on non-transactional mail, a signed token,
and a cookie-less POST that takes effect."""

from __future__ import annotations

import re
from email.message import EmailMessage
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from syllabus.accounts.models import User
from syllabus.kit.mail import message_text, read_outbox
from syllabus.kit.runtime import Runtime
from syllabus.notifications.email import queue_mail
from syllabus.notifications.kinds import MARKETING
from syllabus.notifications.models import NotificationPreference
from syllabus.notifications.service import Notice, notify
from syllabus.notifications.unsubscribe import unsubscribe_token, unsubscribe_url
from tests.factories import make_user

ONE_CLICK = {"List-Unsubscribe": "One-Click"}


@pytest.fixture
def mail_client(app: FastAPI) -> Any:
    """A client with no cookies at all, as a mail provider's server posts."""
    with TestClient(app, base_url="http://testserver") as fresh:
        yield fresh


def only_mail(runtime: Runtime, to: str) -> EmailMessage:
    [message] = [m for m in read_outbox(runtime.settings.mail_dir) if m["To"] == to]
    return message


def html_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    content = part.get_content()
    assert isinstance(content, str)
    return content


def link_path(message: EmailMessage) -> str:
    header = str(message["List-Unsubscribe"])
    match = re.fullmatch(r"<https?://[^/]+(/unsubscribe/[A-Za-z0-9_.\-]+)>", header)
    assert match, header
    return match.group(1)


def preference(db: Session, user: User, kind: str) -> tuple[bool, bool] | None:
    db.expire_all()
    found = db.get(NotificationPreference, (user.id, kind))
    return None if found is None else (found.in_app, found.email)


def test_non_transactional_mail_carries_one_click_headers_and_a_footer_link(
    runtime: Runtime, run_jobs: Any, db: Session
) -> None:
    user = make_user(db)
    with runtime.db.session_scope() as session:
        queue_mail(
            session,
            to=user.email,
            template="welcome",
            context={"name": user.name},
            unsubscribe=(user.id, "announcement"),
        )
        queue_mail(
            session,
            to="reset@example.com",
            template="password_reset",
            context={"name": "Ann", "link": "http://x/reset?token=t", "minutes": 30},
        )
    assert run_jobs() == 2

    message = only_mail(runtime, user.email)
    url = unsubscribe_url(runtime.settings, user.id, "announcement")
    assert message["List-Unsubscribe"] == f"<{url}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert url.startswith(runtime.settings.base_url.rstrip("/") + "/unsubscribe/")
    assert f"Unsubscribe from these emails: {url}" in message_text(message)
    assert f'href="{url}"' in html_of(message)

    transactional = only_mail(runtime, "reset@example.com")
    assert transactional["List-Unsubscribe"] is None
    assert transactional["List-Unsubscribe-Post"] is None
    assert "Unsubscribe" not in message_text(transactional)
    assert "/unsubscribe/" not in html_of(transactional)


def test_notification_email_follows_the_kind(runtime: Runtime, run_jobs: Any, db: Session) -> None:
    user = make_user(db)
    with runtime.db.session_scope() as session:
        for kind in ("announcement", "certificate_issued"):
            notice = Notice(kind=kind, title="Hello", email_template="welcome")
            notify(session, user.id, notice, key=f"test:{kind}")
    assert run_jobs() == 2
    headers = {str(m["List-Unsubscribe"]) for m in read_outbox(runtime.settings.mail_dir)}
    assert headers == {
        "None",  # certificate_issued is transactional
        f"<{unsubscribe_url(runtime.settings, user.id, 'announcement')}>",
    }


def test_the_link_shows_a_confirm_page_and_changes_nothing(
    client: TestClient, runtime: Runtime, db: Session
) -> None:
    user = make_user(db)
    token = unsubscribe_token(runtime.settings, user.id, "question_answered")
    page = client.get(f"/unsubscribe/{token}")
    assert page.status_code == 200
    assert "Answers to my questions" in page.text
    assert f'action="/unsubscribe/{token}"' in page.text
    assert 'method="post"' in page.text
    assert preference(db, user, "question_answered") is None


def test_one_click_post_without_cookies_turns_the_kinds_email_off(
    mail_client: TestClient, runtime: Runtime, db: Session
) -> None:
    user = make_user(db)
    db.add(NotificationPreference(user_id=user.id, kind="message_received", in_app=False))
    db.commit()
    for kind in ("announcement", "message_received"):
        path = f"/unsubscribe/{unsubscribe_token(runtime.settings, user.id, kind)}"
        for _ in range(2):  # idempotent
            mail_client.cookies.clear()
            response = mail_client.post(path, data=ONE_CLICK)
            assert response.status_code == 200, response.text
            assert "cookie" not in response.request.headers
            assert "You are unsubscribed" in response.text
    assert preference(db, user, "announcement") == (True, False)
    assert preference(db, user, "message_received") == (False, False), "in-app is left alone"


def test_one_click_from_a_webmail_origin_is_accepted(
    mail_client: TestClient, runtime: Runtime, db: Session
) -> None:
    user = make_user(db)
    path = f"/unsubscribe/{unsubscribe_token(runtime.settings, user.id, 'review_replied')}"
    response = mail_client.post(path, data=ONE_CLICK, headers={"Origin": "https://mail.example"})
    assert response.status_code == 200
    assert preference(db, user, "review_replied") == (True, False)


def test_marketing_unsubscribe_clears_the_opt_in_and_stops_the_newsletter(
    mail_client: TestClient, runtime: Runtime, run_jobs: Any, db: Session
) -> None:
    user = make_user(db)
    user.marketing_opt_in = True
    db.commit()
    with runtime.db.session_scope() as session:
        queue_mail(
            session,
            to=user.email,
            template="welcome",
            context={"name": user.name},
            unsubscribe=(user.id, MARKETING),
        )
    run_jobs()
    path = link_path(only_mail(runtime, user.email))

    response = mail_client.post(path, data=ONE_CLICK)
    assert response.status_code == 200
    assert "newsletter" in response.text
    mail_client.cookies.clear()
    db.expire_all()
    assert db.scalar(select(User.marketing_opt_in).where(User.id == user.id)) is False
    assert mail_client.post(path).status_code == 200, "a bare POST works too"


def test_after_unsubscribing_the_kind_sends_no_more_email(
    mail_client: TestClient, runtime: Runtime, run_jobs: Any, db: Session
) -> None:
    user = make_user(db)
    path = f"/unsubscribe/{unsubscribe_token(runtime.settings, user.id, 'announcement')}"
    assert mail_client.post(path, data=ONE_CLICK).status_code == 200
    with runtime.db.session_scope() as session:
        notice = Notice(kind="announcement", title="News", email_template="welcome")
        assert notify(session, user.id, notice, key="after-unsubscribe") == 1
    assert run_jobs() == 0, "the in-app notification stays; no email is queued"


def test_tampered_or_foreign_tokens_are_not_found(
    client: TestClient, mail_client: TestClient, runtime: Runtime, db: Session
) -> None:
    user = make_user(db)
    user.marketing_opt_in = True
    db.commit()
    good = unsubscribe_token(runtime.settings, user.id, MARKETING)
    forged = runtime.settings.model_copy(update={"secret_key": "another-secret-" + "x" * 40})
    tampered = [
        good[:-2] + ("AA" if not good.endswith("AA") else "BB"),
        unsubscribe_token(forged, user.id, MARKETING),
        unsubscribe_token(runtime.settings, user.id, "certificate_issued"),  # transactional
        unsubscribe_token(runtime.settings, user.id, "no_such_kind"),
        unsubscribe_token(runtime.settings, "00000000-0000-0000-0000-000000000000", MARKETING),
        "not-a-token",
    ]
    for token in tampered:
        assert client.get(f"/unsubscribe/{token}").status_code == 404, token
        response = mail_client.post(f"/unsubscribe/{token}", data=ONE_CLICK)
        assert response.status_code == 404, token
        assert "text/html" in response.headers["content-type"]
    assert client.get("/unsubscribe/" + "a" * 400).status_code in (404, 422)
    db.expire_all()
    assert db.scalar(select(User.marketing_opt_in).where(User.id == user.id)) is True
