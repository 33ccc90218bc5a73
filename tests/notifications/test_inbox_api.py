"""Notifications API: my list, marking read, read-all and delivery preferences; others' are 404."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from syllabus.accounts.models import User
from syllabus.kit.db import new_id, utcnow
from syllabus.notifications.kinds import KINDS
from syllabus.notifications.models import Notification, NotificationPreference
from tests.catalog.factories import signed_in

API = "/api/v1/notifications"
PREFS = f"{API}/preferences"


def add(db: Session, user: User, title: str, *, minutes_ago: int = 0, read: bool = False) -> str:
    nid = new_id()
    created = utcnow() - timedelta(minutes=minutes_ago)
    db.execute(
        insert(Notification),
        [
            {
                "id": nid,
                "user_id": user.id,
                "kind": "question_answered",
                "title": title,
                "body": f"About {title}",
                "url": "/learn/x",
                "dedupe_key": f"test:{nid}",
                "created_at": created,
                "read_at": created if read else None,
            }
        ],
    )
    db.commit()
    return nid


def listing(client: TestClient, headers: dict[str, str], **params: Any) -> dict[str, Any]:
    response = client.get(API, params=params, headers=headers)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def test_my_notifications_newest_first_with_the_unread_count(
    client: TestClient, db: Session
) -> None:
    me, headers = signed_in(client, db, "student")
    other, _ = signed_in(client, db, "student")
    add(db, me, "oldest", minutes_ago=30, read=True)
    middle = add(db, me, "middle", minutes_ago=20)
    add(db, me, "newest", minutes_ago=10)
    add(db, other, "not mine")

    data = listing(client, headers)
    assert [item["title"] for item in data["items"]] == ["newest", "middle", "oldest"]
    assert (data["total"], data["page"], data["page_size"], data["unread_count"]) == (3, 1, 20, 2)
    item = data["items"][1]
    assert item["id"] == middle
    assert set(item) == {"id", "kind", "title", "body", "url", "created_at", "read_at", "read"}
    assert (item["kind"], item["body"], item["url"], item["read"], item["read_at"]) == (
        "question_answered",
        "About middle",
        "/learn/x",
        False,
        None,
    )
    assert data["items"][2]["read"] is True

    unread = listing(client, headers, unread="true")
    assert [item["title"] for item in unread["items"]] == ["newest", "middle"]
    assert (unread["total"], unread["unread_count"]) == (2, 2)

    second = listing(client, headers, page=2, page_size=2)
    assert [item["title"] for item in second["items"]] == ["oldest"]
    assert (second["total"], second["page"], second["page_size"]) == (3, 2, 2)


def test_mark_one_read_and_unread(client: TestClient, db: Session) -> None:
    me, headers = signed_in(client, db, "student")
    nid = add(db, me, "hello")

    read = client.patch(f"{API}/{nid}", json={"read": True}, headers=headers)
    assert read.status_code == 200, read.text
    assert read.json()["read"] is True
    first_read_at = read.json()["read_at"]
    assert first_read_at
    again = client.patch(f"{API}/{nid}", json={"read": True}, headers=headers)
    assert again.json()["read_at"] == first_read_at, "the first read time is kept"
    assert listing(client, headers)["unread_count"] == 0

    unread = client.patch(f"{API}/{nid}", json={"read": False}, headers=headers)
    assert (unread.json()["read"], unread.json()["read_at"]) == (False, None)
    assert listing(client, headers)["unread_count"] == 1


def test_read_all_marks_only_mine(client: TestClient, db: Session) -> None:
    me, headers = signed_in(client, db, "student")
    other, other_headers = signed_in(client, db, "student")
    for n in range(3):
        add(db, me, f"mine {n}")
    add(db, other, "theirs")

    response = client.post(f"{API}/read-all", headers=headers)
    assert (response.status_code, response.content) == (204, b"")
    assert listing(client, headers)["unread_count"] == 0
    assert all(item["read"] for item in listing(client, headers)["items"])
    assert listing(client, other_headers)["unread_count"] == 1


def test_another_users_notification_is_404(client: TestClient, db: Session) -> None:
    _, headers = signed_in(client, db, "student")
    other, _ = signed_in(client, db, "student")
    theirs = add(db, other, "private")
    for target in (theirs, "no-such-id"):
        response = client.patch(f"{API}/{target}", json={"read": True}, headers=headers)
        assert (response.status_code, response.json()["code"]) == (404, "notification_not_found")
    db.expire_all()
    assert db.scalar(select(Notification.read_at).where(Notification.id == theirs)) is None


def test_signed_out_is_401(client: TestClient, db: Session) -> None:
    me, _ = signed_in(client, db, "student")
    nid = add(db, me, "hello")
    for method, url, body in (
        ("GET", API, None),
        ("PATCH", f"{API}/{nid}", {"read": True}),
        ("POST", f"{API}/read-all", None),
        ("GET", PREFS, None),
        ("PUT", PREFS, {"kinds": []}),
    ):
        response = client.request(method, url, json=body)
        assert response.status_code == 401, (method, url)


def test_bad_input_is_422(client: TestClient, db: Session) -> None:
    me, headers = signed_in(client, db, "student")
    nid = add(db, me, "hello")
    for body in ({}, {"read": "maybe"}, {"read": True, "extra": 1}):
        response = client.patch(f"{API}/{nid}", json=body, headers=headers)
        assert response.status_code == 422, body
    for params in ({"page": 0}, {"page_size": 101}, {"unread": "perhaps"}):
        assert client.get(API, params=params, headers=headers).status_code == 422, params
    too_long = client.patch(f"{API}/{'x' * 37}", json={"read": True}, headers=headers)
    assert too_long.status_code == 422


# ----------------------------------------------------------------- preferences


def test_preferences_default_to_every_channel_on(client: TestClient, db: Session) -> None:
    _, headers = signed_in(client, db, "student")
    response = client.get(PREFS, headers=headers)
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["marketing_email"] is False, "the newsletter is opt-in"
    assert [k["kind"] for k in data["kinds"]] == list(KINDS)
    for entry in data["kinds"]:
        kind = KINDS[entry["kind"]]
        assert entry == {
            "kind": kind.name,
            "label": kind.label,
            "in_app": True,
            "email": True,
            "transactional": kind.transactional,
        }


def test_put_changes_the_listed_kinds_only(client: TestClient, db: Session) -> None:
    me, headers = signed_in(client, db, "student")
    body = {
        "kinds": [
            {"kind": "announcement", "in_app": False, "email": False},
            {"kind": "message_received", "email": False},
            # A transactional kind's email stays on whatever is sent.
            {"kind": "certificate_issued", "in_app": False, "email": False},
        ],
        "marketing_email": True,
    }
    response = client.put(PREFS, json=body, headers=headers)
    assert response.status_code == 200, response.text
    state = {k["kind"]: (k["in_app"], k["email"]) for k in response.json()["kinds"]}
    assert state["announcement"] == (False, False)
    assert state["message_received"] == (True, False)
    assert state["certificate_issued"] == (False, True)
    assert state["question_asked"] == (True, True)
    assert response.json()["marketing_email"] is True
    assert client.get(PREFS, headers=headers).json() == response.json()
    db.expire_all()
    user = db.get(User, me.id)
    assert user is not None
    assert user.marketing_opt_in is True

    # A second save updates the stored rows; what GET returned can be sent back as it is.
    current = client.get(PREFS, headers=headers).json()
    current["kinds"][0]["email"] = False
    current["marketing_email"] = False
    again = client.put(PREFS, json=current, headers=headers)
    assert again.status_code == 200, again.text
    assert again.json() == current
    stored = db.scalars(
        select(NotificationPreference).where(NotificationPreference.user_id == me.id)
    ).all()
    assert len(stored) == len(KINDS)


def test_put_refuses_unknown_or_repeated_kinds(client: TestClient, db: Session) -> None:
    _, headers = signed_in(client, db, "student")
    for body in (
        {"kinds": [{"kind": "nonsense", "in_app": False}]},
        {"kinds": [{"kind": "announcement"}, {"kind": "announcement"}]},
        {"kinds": [{"kind": "announcement", "in_app": "sometimes"}]},
        {"kinds": [{"kind": "announcement", "push": True}]},
        {"kinds": [], "newsletter": True},
        {"kinds": "announcement"},
    ):
        response = client.put(PREFS, json=body, headers=headers)
        assert response.status_code == 422, body
    assert all(k["in_app"] for k in client.get(PREFS, headers=headers).json()["kinds"])
