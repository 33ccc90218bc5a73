"""Notification pages: the inbox, opening and marking read, the badge, the settings form."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from syllabus.accounts.models import User
from syllabus.kit.db import new_id, utcnow
from syllabus.notifications.kinds import KINDS
from syllabus.notifications.models import Notification, NotificationPreference
from tests.factories import make_user
from tests.web.test_account_pages import csrf_of, web_login

XSS = "<script>alert(1)</script>"
HX = {"HX-Request": "true"}


def add(
    db: Session,
    user: User,
    title: str,
    *,
    body: str = "",
    url: str = "/my/learning",
    minutes_ago: int = 0,
    read: bool = False,
) -> str:
    nid = new_id()
    created = utcnow() - timedelta(minutes=minutes_ago)
    db.execute(
        insert(Notification),
        [
            {
                "id": nid,
                "user_id": user.id,
                "kind": "announcement",
                "title": title,
                "body": body,
                "url": url,
                "dedupe_key": f"test:{nid}",
                "created_at": created,
                "read_at": created if read else None,
            }
        ],
    )
    db.commit()
    return nid


def read_at(db: Session, nid: str) -> object:
    db.expire_all()
    return db.scalar(select(Notification.read_at).where(Notification.id == nid))


def badge_count(html: str) -> int:
    match = re.search(r'data-testid="unread-count"[^>]*>(\d+)<', html)
    assert match, "the page shows the unread badge"
    return int(match.group(1))


@pytest.fixture
def user(client: TestClient, db: Session) -> User:
    user = make_user(db)
    web_login(client, user.email)
    return user


# ------------------------------------------------------------------- inbox


def test_the_inbox_lists_mine_newest_first_with_unread_highlighted(
    client: TestClient, db: Session, user: User
) -> None:
    other = make_user(db)
    add(db, user, "Older and read", minutes_ago=20, read=True)
    add(db, user, "Newer and unread", body="Line one\nLine two", minutes_ago=10)
    add(db, other, "Someone else's")

    page = client.get("/notifications")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    html = page.text
    assert html.index("Newer and unread") < html.index("Older and read")
    assert "Someone else" not in html
    assert html.count('class="inbox-item inbox-item--unread"') == 1
    assert "1 unread." in html
    assert badge_count(html) == 1
    assert 'action="/notifications/read-all"' in html


def test_the_unread_filter_and_pages(client: TestClient, db: Session, user: User) -> None:
    for n in range(25):
        add(db, user, f"Note {n:02d}", minutes_ago=100 - n, read=n % 2 == 0)

    first = client.get("/notifications").text
    assert "Note 24" in first
    assert "Note 05" in first
    assert "Note 04" not in first
    assert 'href="/notifications?page=2"' in first
    second = client.get("/notifications?page=2").text
    assert "Note 04" in second
    assert "Note 05" not in second

    unread = client.get("/notifications?show=unread").text
    assert "Note 23" in unread
    assert "Note 24" not in unread
    assert unread.count('data-testid="notification"') == 12
    assert client.get("/notifications?show=everything").status_code == 422
    past_the_end = client.get("/notifications?show=unread&page=9").text
    assert "Nothing on this page" in past_the_end
    assert 'href="/notifications?show=unread"' in past_the_end


def test_opening_marks_read_and_goes_to_its_page(
    client: TestClient, db: Session, user: User
) -> None:
    nid = add(db, user, "Your answer", url="/courses/python?tab=qa#q-1")
    token = csrf_of(client.get("/notifications"))
    response = client.post(
        f"/notifications/{nid}/open", data={"csrf_token": token}, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/courses/python?tab=qa#q-1"
    assert read_at(db, nid) is not None


@pytest.mark.parametrize(
    "url", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)", ""]
)
def test_opening_never_leaves_the_site(
    client: TestClient, db: Session, user: User, url: str
) -> None:
    nid = add(db, user, "Odd link", url=url)
    token = csrf_of(client.get("/notifications"))
    response = client.post(
        f"/notifications/{nid}/open", data={"csrf_token": token}, follow_redirects=False
    )
    assert (response.status_code, response.headers["location"]) == (303, "/notifications")
    assert read_at(db, nid) is not None


def test_others_notifications_are_404_and_forms_need_the_token(
    client: TestClient, db: Session, user: User
) -> None:
    theirs = add(db, make_user(db), "Private")
    mine = add(db, user, "Mine")
    token = csrf_of(client.get("/notifications"))
    for action in ("open", "read"):
        refused = client.post(
            f"/notifications/{theirs}/{action}", data={"csrf_token": token}, follow_redirects=False
        )
        assert refused.status_code == 404, action
        forged = client.post(
            f"/notifications/{mine}/{action}", data={"csrf_token": "x" * 43}, follow_redirects=False
        )
        assert forged.status_code == 403, action
    assert read_at(db, theirs) is None
    assert read_at(db, mine) is None


def test_mark_read_as_a_form_and_with_htmx(client: TestClient, db: Session, user: User) -> None:
    first = add(db, user, "First", minutes_ago=2)
    second = add(db, user, "Second", minutes_ago=1)
    token = csrf_of(client.get("/notifications"))

    plain = client.post(
        f"/notifications/{first}/read",
        data={"csrf_token": token, "back": "/notifications?show=unread"},
        follow_redirects=False,
    )
    assert (plain.status_code, plain.headers["location"]) == (303, "/notifications?show=unread")
    assert read_at(db, first) is not None
    assert "Notification marked as read." in client.get("/notifications?show=unread").text

    htmx = client.post(
        f"/notifications/{second}/read",
        data={"back": "https://evil.example/"},
        headers={**HX, "X-CSRF-Token": token},
        follow_redirects=False,
    )
    assert htmx.status_code == 200
    assert f'id="notification-{second}"' in htmx.text
    assert "inbox-item--unread" not in htmx.text
    assert 'hx-swap-oob="outerHTML:[data-unread-count]"' in htmx.text
    assert badge_count(htmx.text) == 0
    assert read_at(db, second) is not None


def test_mark_all_read(client: TestClient, db: Session, user: User) -> None:
    ids = [add(db, user, f"Note {n}") for n in range(3)]
    theirs = add(db, make_user(db), "Theirs")
    token = csrf_of(client.get("/notifications"))
    response = client.post(
        "/notifications/read-all",
        data={"csrf_token": token, "back": "//evil.example"},
        follow_redirects=False,
    )
    assert (response.status_code, response.headers["location"]) == (303, "/notifications")
    assert all(read_at(db, nid) is not None for nid in ids)
    assert read_at(db, theirs) is None
    page = client.get("/notifications").text
    assert "All notifications are marked as read." in page
    assert "You are all caught up." in page
    assert 'action="/notifications/read-all"' not in page
    assert badge_count(page) == 0


def test_user_text_is_escaped(client: TestClient, db: Session, user: User) -> None:
    add(db, user, XSS, body=f"{XSS}\n{XSS}")
    html = client.get("/notifications").text
    assert XSS not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_badge_fragment_counts_unread(client: TestClient, db: Session, user: User) -> None:
    add(db, user, "One")
    add(db, user, "Two")
    add(db, user, "Seen", read=True)
    badge = client.get("/notifications/badge", headers=HX)
    assert badge.status_code == 200
    assert badge.headers["cache-control"] == "no-store"
    assert badge_count(badge.text) == 2


def test_signed_out_visitors_are_sent_to_log_in(client: TestClient) -> None:
    for url in ("/notifications", "/account/notifications"):
        response = client.get(url, follow_redirects=False)
        assert response.status_code == 303, url
        assert response.headers["location"].startswith("/login?next=")
    assert badge_count(client.get("/notifications/badge").text) == 0


# ---------------------------------------------------------------- settings


def test_the_settings_form_shows_every_kind(client: TestClient, db: Session, user: User) -> None:
    page = client.get("/account/notifications")
    assert page.status_code == 200
    html = page.text
    for name, kind in KINDS.items():
        assert kind.label in html
        assert f'name="in_app_{name}" value="on" checked' in html
        if kind.transactional:
            assert f'id="email-{name}" checked disabled' in html
            assert f'name="email_{name}"' not in html
        else:
            assert f'name="email_{name}" value="on" checked' in html
    assert 'name="marketing_email" value="on">' in html, "the newsletter starts unticked"


def test_saving_the_settings(client: TestClient, db: Session, user: User) -> None:
    token = csrf_of(client.get("/account/notifications"))
    ticked = {
        f"{channel}_{name}": "on"
        for name in KINDS
        for channel in ("in_app", "email")
        if name != "announcement"
    }
    ticked.pop("email_message_received")
    response = client.post(
        "/account/notifications",
        data={
            **ticked,
            "email_certificate_issued": "",
            "marketing_email": "on",
            "csrf_token": token,
        },
        follow_redirects=False,
    )
    assert (response.status_code, response.headers["location"]) == (303, "/account/notifications")

    db.expire_all()
    stored = {
        row.kind: (row.in_app, row.email)
        for row in db.scalars(
            select(NotificationPreference).where(NotificationPreference.user_id == user.id)
        )
    }
    assert stored["announcement"] == (False, False)
    assert stored["message_received"] == (True, False)
    assert stored["question_asked"] == (True, True)
    assert stored["certificate_issued"] == (True, True)
    saved = db.get(User, user.id)
    assert saved is not None
    assert saved.marketing_opt_in is True

    page = client.get("/account/notifications").text
    assert "Your notification settings were saved." in page
    assert 'name="in_app_announcement" value="on">' in page
    assert 'name="marketing_email" value="on" checked>' in page

    # Unticking everything keeps transactional email on.
    token = csrf_of(client.get("/account/notifications"))
    client.post("/account/notifications", data={"csrf_token": token}, follow_redirects=False)
    db.expire_all()
    stored = {
        row.kind: (row.in_app, row.email)
        for row in db.scalars(
            select(NotificationPreference).where(NotificationPreference.user_id == user.id)
        )
    }
    assert stored["certificate_issued"] == (False, True)
    assert stored["announcement"] == (False, False)
    saved = db.get(User, user.id)
    assert saved is not None
    assert saved.marketing_opt_in is False


def test_the_settings_form_needs_the_token(client: TestClient, db: Session, user: User) -> None:
    response = client.post(
        "/account/notifications", data={"csrf_token": "x" * 43}, follow_redirects=False
    )
    assert response.status_code == 403
    assert (
        db.scalars(
            select(NotificationPreference).where(NotificationPreference.user_id == user.id)
        ).all()
        == []
    )
