"""Forgot, reset and change passwords."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from syllabus.accounts.models import PasswordResetToken
from syllabus.kit.db import utcnow
from syllabus.kit.runtime import Runtime
from tests.factories import PASSWORD, bearer, link_token, login, mails_to, make_user

FORGOT = "/api/v1/auth/password/forgot"
RESET = "/api/v1/auth/password/reset"
NEW_PASSWORD = "a brand new passphrase 42"


def test_forgot_is_202_whether_or_not_the_account_exists(
    client: TestClient, db: Session, runtime: Runtime, run_jobs
) -> None:
    make_user(db, email="ann@example.com")
    known = client.post(FORGOT, json={"email": "ann@example.com"})
    unknown = client.post(FORGOT, json={"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 202
    assert known.content == unknown.content
    run_jobs()
    assert len(mails_to(runtime, "ann@example.com")) == 1
    assert mails_to(runtime, "nobody@example.com") == []
    assert "/reset-password?token=" in mails_to(runtime, "ann@example.com")[0]


def test_reset_sets_the_password_once_and_ends_sessions(
    client: TestClient, db: Session, runtime: Runtime, run_jobs
) -> None:
    make_user(db, email="ann@example.com")
    old_session = login(client, "ann@example.com")
    client.post(FORGOT, json={"email": "ann@example.com"})
    run_jobs()
    token = link_token(runtime, "ann@example.com")

    assert client.post(RESET, json={"token": token, "password": NEW_PASSWORD}).status_code == 204
    assert client.get("/api/v1/users/me", headers=bearer(old_session)).status_code == 401
    old_login = client.post(
        "/api/v1/auth/login", json={"email": "ann@example.com", "password": PASSWORD}
    )
    assert old_login.status_code == 401
    login(client, "ann@example.com", NEW_PASSWORD)

    again = client.post(RESET, json={"token": token, "password": "yet another phrase 7"})
    assert again.status_code == 400
    assert again.json()["code"] == "invalid_token"


def test_expired_reset_link_is_refused(
    client: TestClient, db: Session, runtime: Runtime, run_jobs
) -> None:
    make_user(db, email="ann@example.com")
    client.post(FORGOT, json={"email": "ann@example.com"})
    run_jobs()
    token = link_token(runtime, "ann@example.com")
    db.execute(update(PasswordResetToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.commit()
    assert client.post(RESET, json={"token": token, "password": NEW_PASSWORD}).status_code == 400
    login(client, "ann@example.com", PASSWORD)


def test_reset_refuses_a_weak_password_and_keeps_the_link(
    client: TestClient, db: Session, runtime: Runtime, run_jobs
) -> None:
    make_user(db, email="ann@example.com")
    client.post(FORGOT, json={"email": "ann@example.com"})
    run_jobs()
    token = link_token(runtime, "ann@example.com")
    weak = client.post(RESET, json={"token": token, "password": "qwertyuiop"})
    assert weak.status_code == 422
    assert client.post(RESET, json={"token": token, "password": NEW_PASSWORD}).status_code == 204


def test_change_password_needs_the_current_one_and_ends_other_sessions(
    client: TestClient, db: Session
) -> None:
    make_user(db, email="ann@example.com")
    here = login(client, "ann@example.com")
    elsewhere = login(client, "ann@example.com")
    wrong = client.put(
        "/api/v1/users/me/password",
        json={"current_password": "not it at all", "new_password": NEW_PASSWORD},
        headers=bearer(here),
    )
    assert wrong.status_code == 400
    assert wrong.json()["code"] == "wrong_password"

    changed = client.put(
        "/api/v1/users/me/password",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        headers=bearer(here),
    )
    assert changed.status_code == 204
    assert client.get("/api/v1/users/me", headers=bearer(here)).status_code == 200
    assert client.get("/api/v1/users/me", headers=bearer(elsewhere)).status_code == 401
    login(client, "ann@example.com", NEW_PASSWORD)
