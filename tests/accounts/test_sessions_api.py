"""Log in, refresh with rotation and reuse detection, log out, sessions, throttling, tokens."""

from __future__ import annotations

import time

import jwt
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from syllabus.accounts.models import User
from syllabus.kit.runtime import Runtime
from tests.factories import PASSWORD, bearer, login, make_user

LOGIN = "/api/v1/auth/login"
REFRESH = "/api/v1/auth/refresh"
ME = "/api/v1/users/me"


def test_login_returns_the_documented_pair(client: TestClient, db: Session) -> None:
    user = make_user(db, email="ann@example.com")
    tokens = login(client, "ANN@example.com")
    assert tokens["token_type"] == "bearer"
    assert tokens["expires_in"] == 900
    assert tokens["user"]["id"] == user.id
    header = jwt.get_unverified_header(tokens["access_token"])
    assert header["alg"] == "HS256"
    assert header["kid"]
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    assert {"exp", "iat", "sub", "role"} <= claims.keys()
    assert claims["exp"] - claims["iat"] == 900
    assert claims["sub"] == user.id
    assert claims["role"] == "student"
    me = client.get(ME, headers=bearer(tokens))
    assert me.status_code == 200
    assert me.json()["email"] == "ann@example.com"


def test_bad_credentials_are_401_whatever_is_wrong(client: TestClient, db: Session) -> None:
    make_user(db, email="ann@example.com")
    wrong_password = client.post(LOGIN, json={"email": "ann@example.com", "password": "nope-nope"})
    unknown = client.post(LOGIN, json={"email": "who@example.com", "password": PASSWORD})
    for response in (wrong_password, unknown):
        assert response.status_code == 401
        assert response.json()["code"] == "invalid_credentials"
    assert wrong_password.json()["detail"] == unknown.json()["detail"]


def test_banned_user_cannot_log_in(client: TestClient, db: Session) -> None:
    make_user(db, email="ban@example.com", status="banned")
    response = client.post(LOGIN, json={"email": "ban@example.com", "password": PASSWORD})
    assert response.status_code == 403
    assert response.json()["code"] == "account_banned"


def test_repeated_failures_are_throttled_per_account(client: TestClient, db: Session) -> None:
    make_user(db, email="ann@example.com")
    for _ in range(5):
        assert (
            client.post(
                LOGIN, json={"email": "ann@example.com", "password": "wrong-pass"}
            ).status_code
            == 401
        )
    blocked = client.post(LOGIN, json={"email": "ann@example.com", "password": PASSWORD})
    assert blocked.status_code == 429
    assert blocked.json()["code"] == "rate_limited"
    assert int(blocked.headers["Retry-After"]) >= 1


def test_login_is_throttled_per_ip(client: TestClient, db: Session, runtime: Runtime) -> None:
    for n in range(20):
        client.post(LOGIN, json={"email": f"x{n}@example.com", "password": "wrong-pass"})
    response = client.post(LOGIN, json={"email": "y@example.com", "password": "wrong-pass"})
    assert response.status_code == 429


def test_refresh_rotates_and_reuse_revokes_the_family(client: TestClient, db: Session) -> None:
    make_user(db, email="ann@example.com")
    first = login(client, "ann@example.com")
    second = client.post(REFRESH, json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200
    second_pair = second.json()
    assert second_pair["refresh_token"] != first["refresh_token"]
    assert client.get(ME, headers=bearer(second_pair)).status_code == 200

    reused = client.post(REFRESH, json={"refresh_token": first["refresh_token"]})
    assert reused.status_code == 401
    assert reused.json()["code"] == "token_reused"
    # The whole family is gone: the newest refresh token and its access token too.
    assert (
        client.post(REFRESH, json={"refresh_token": second_pair["refresh_token"]}).status_code
        == 401
    )
    assert client.get(ME, headers=bearer(second_pair)).status_code == 401


def test_reuse_revokes_only_that_family(client: TestClient, db: Session) -> None:
    make_user(db, email="ann@example.com")
    laptop = login(client, "ann@example.com")
    phone = login(client, "ann@example.com")
    client.post(REFRESH, json={"refresh_token": laptop["refresh_token"]})
    client.post(REFRESH, json={"refresh_token": laptop["refresh_token"]})
    assert client.get(ME, headers=bearer(phone)).status_code == 200


def test_unknown_refresh_token_is_401(client: TestClient) -> None:
    response = client.post(REFRESH, json={"refresh_token": "x" * 43})
    assert response.status_code == 401


def test_logout_ends_the_session_at_once(client: TestClient, db: Session) -> None:
    make_user(db, email="ann@example.com")
    tokens = login(client, "ann@example.com")
    other = login(client, "ann@example.com")
    response = client.post(
        "/api/v1/auth/logout",
        json={"refresh_token": tokens["refresh_token"]},
        headers=bearer(tokens),
    )
    assert response.status_code == 204
    assert client.get(ME, headers=bearer(tokens)).status_code == 401
    assert client.post(REFRESH, json={"refresh_token": tokens["refresh_token"]}).status_code == 401
    assert client.get(ME, headers=bearer(other)).status_code == 200


def test_logout_all_ends_every_session(client: TestClient, db: Session) -> None:
    make_user(db, email="ann@example.com")
    one = login(client, "ann@example.com")
    two = login(client, "ann@example.com")
    assert client.post("/api/v1/auth/logout-all", headers=bearer(one)).status_code == 204
    for pair in (one, two):
        assert client.get(ME, headers=bearer(pair)).status_code == 401
        assert (
            client.post(REFRESH, json={"refresh_token": pair["refresh_token"]}).status_code == 401
        )


def test_sessions_are_listed_and_can_be_ended(client: TestClient, db: Session) -> None:
    make_user(db, email="ann@example.com")
    laptop = login(client, "ann@example.com", **{"User-Agent": "Laptop Firefox"})
    phone = login(client, "ann@example.com", **{"User-Agent": "Phone Safari"})
    listed = client.get("/api/v1/users/me/sessions", headers=bearer(laptop)).json()
    assert {s["device"] for s in listed} == {"Laptop Firefox", "Phone Safari"}
    assert [s["current"] for s in listed if s["device"] == "Laptop Firefox"] == [True]
    phone_id = next(s["id"] for s in listed if s["device"] == "Phone Safari")
    assert (
        client.delete(f"/api/v1/users/me/sessions/{phone_id}", headers=bearer(laptop)).status_code
        == 204
    )
    assert client.get(ME, headers=bearer(phone)).status_code == 401
    assert client.get(ME, headers=bearer(laptop)).status_code == 200


def test_another_users_session_is_404(client: TestClient, db: Session) -> None:
    make_user(db, email="ann@example.com")
    make_user(db, email="bob@example.com")
    ann = login(client, "ann@example.com")
    bob = login(client, "bob@example.com")
    bob_session = client.get("/api/v1/users/me/sessions", headers=bearer(bob)).json()[0]["id"]
    assert (
        client.delete(f"/api/v1/users/me/sessions/{bob_session}", headers=bearer(ann)).status_code
        == 404
    )
    assert client.get(ME, headers=bearer(bob)).status_code == 200


def test_ban_mid_session_stops_the_access_token(client: TestClient, db: Session) -> None:
    user = make_user(db, email="ann@example.com")
    tokens = login(client, "ann@example.com")
    assert client.get(ME, headers=bearer(tokens)).status_code == 200
    db.get(User, user.id).status = "banned"  # type: ignore[union-attr]
    db.commit()
    assert client.get(ME, headers=bearer(tokens)).status_code == 401
    refreshed = client.post(REFRESH, json={"refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 403
    assert refreshed.json()["code"] == "account_banned"


def test_forged_and_broken_access_tokens_are_refused(
    client: TestClient, db: Session, runtime: Runtime
) -> None:
    make_user(db, email="ann@example.com")
    tokens = login(client, "ann@example.com")
    good = tokens["access_token"]
    claims = jwt.decode(good, options={"verify_signature": False})
    kid = jwt.get_unverified_header(good)["kid"]
    now = int(time.time())
    forged = [
        good[:-4] + ("AAAA" if not good.endswith("AAAA") else "BBBB"),
        jwt.encode(
            claims, "another-key-another-key-another-key", algorithm="HS256", headers={"kid": kid}
        ),
        jwt.encode(claims, None, algorithm="none", headers={"kid": kid}),
        jwt.encode(
            {**claims, "exp": now - 60},
            runtime.settings.secret_key,
            algorithm="HS256",
            headers={"kid": kid},
        ),
        jwt.encode(
            {**claims, "iat": now + 3600, "exp": now + 7200},
            runtime.settings.secret_key,
            algorithm="HS256",
            headers={"kid": kid},
        ),
        jwt.encode(
            claims, runtime.settings.secret_key, algorithm="HS256", headers={"kid": "retired"}
        ),
        "not-a-jwt",
    ]
    for token in forged:
        response = client.get(ME, headers=bearer(token))
        assert response.status_code == 401, token
        assert response.headers["content-type"] == "application/problem+json"
    assert client.get(ME).status_code == 401


def test_keys_rotate_by_kid(client: TestClient, db: Session, runtime: Runtime, monkeypatch) -> None:
    make_user(db, email="ann@example.com")
    old = login(client, "ann@example.com")
    settings = runtime.settings
    monkeypatch.setattr(settings, "jwt_keys", {"k2": "n" * 48})
    monkeypatch.setattr(settings, "jwt_active_kid", "k2")
    new = login(client, "ann@example.com")
    assert jwt.get_unverified_header(new["access_token"])["kid"] == "k2"
    assert client.get(ME, headers=bearer(new)).status_code == 200
    assert client.get(ME, headers=bearer(old)).status_code == 200, "old kid still verifies"
