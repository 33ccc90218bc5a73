"""Access and refresh tokens: every forged, stale or replayed one is refused."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from syllabus.accounts.models import User
from syllabus.kit.runtime import Runtime
from tests.factories import PASSWORD, bearer, login, make_user

ME = "/api/v1/users/me"


def _b64(data: dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _claims(token: str) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return claims


def _sign(runtime: Runtime, claims: dict[str, Any], *, key: str | None = None) -> str:
    kid = runtime.settings.jwt_active_kid
    secret = key if key is not None else runtime.settings.signing_keys[kid]
    return jwt.encode(claims, secret, algorithm="HS256", headers={"kid": kid})


def _refused(client: TestClient, token: str) -> None:
    response = client.get(ME, headers=bearer(token))
    assert response.status_code == 401, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "invalid_token"


@pytest.fixture
def signed_in(client: TestClient, db: Session) -> tuple[User, dict[str, Any]]:
    user = make_user(db)
    tokens = login(client, user.email)
    assert client.get(ME, headers=bearer(tokens)).status_code == 200
    return user, tokens


def _tampered(token: str, _rt: Runtime) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["role"] = "admin"
    return f"{header}.{_b64(claims)}.{signature}"


def _alg_none(token: str, _rt: Runtime) -> str:
    header = jwt.get_unverified_header(token) | {"alg": "none"}
    return f"{_b64(header)}.{_b64(_claims(token))}."


def _wrong_key(token: str, rt: Runtime) -> str:
    return _sign(rt, _claims(token), key="not-the-key-" * 4)


def _expired(token: str, rt: Runtime) -> str:
    now = int(datetime.now(UTC).timestamp())
    return _sign(rt, _claims(token) | {"iat": now - 3600, "exp": now - 600})


def _issued_in_future(token: str, rt: Runtime) -> str:
    future = int((datetime.now(UTC) + timedelta(hours=1)).timestamp())
    return _sign(rt, _claims(token) | {"iat": future, "exp": future + 900})


def _other_issuer(token: str, rt: Runtime) -> str:
    return _sign(rt, _claims(token) | {"iss": "someone-else"})


def _not_access_type(token: str, rt: Runtime) -> str:
    return _sign(rt, _claims(token) | {"typ": "refresh"})


def _unknown_kid(token: str, rt: Runtime) -> str:
    secret = rt.settings.signing_keys[rt.settings.jwt_active_kid]
    return jwt.encode(_claims(token), secret, algorithm="HS256", headers={"kid": "nope"})


def _other_algorithm(token: str, rt: Runtime) -> str:
    secret = rt.settings.signing_keys[rt.settings.jwt_active_kid]
    kid = rt.settings.jwt_active_kid
    return jwt.encode(_claims(token), secret, algorithm="HS384", headers={"kid": kid})


def _no_session(token: str, rt: Runtime) -> str:
    claims = _claims(token)
    claims.pop("sid")
    return _sign(rt, claims)


FORGERIES: dict[str, Callable[[str, Runtime], str]] = {
    "tampered payload": _tampered,
    "alg none": _alg_none,
    "wrong key": _wrong_key,
    "expired": _expired,
    "issued in the future": _issued_in_future,
    "other issuer": _other_issuer,
    "not an access token": _not_access_type,
    "unknown key id": _unknown_kid,
    "other algorithm": _other_algorithm,
    "names no session": _no_session,
}


@pytest.mark.parametrize("forgery", list(FORGERIES), ids=list(FORGERIES))
def test_forged_or_stale_access_token_is_refused(
    client: TestClient, runtime: Runtime, signed_in: tuple[User, dict[str, Any]], forgery: str
) -> None:
    _, tokens = signed_in
    _refused(client, FORGERIES[forgery](tokens["access_token"], runtime))


@pytest.mark.parametrize("token", ["not.a.jwt", "", "a" * 2000])
def test_garbage_bearer_is_refused(client: TestClient, token: str) -> None:
    response = client.get(ME, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_reused_refresh_token_revokes_the_whole_family(
    client: TestClient, signed_in: tuple[User, dict[str, Any]]
) -> None:
    _, tokens = signed_in
    first = client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert first.status_code == 200
    rotated = first.json()

    replay = client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert replay.status_code == 401
    assert replay.json()["code"] == "token_reused"

    descendant = client.post(
        "/api/v1/auth/refresh", json={"refresh_token": rotated["refresh_token"]}
    )
    assert descendant.status_code == 401
    _refused(client, rotated["access_token"])


def test_access_token_dies_with_a_ban(
    client: TestClient, db: Session, signed_in: tuple[User, dict[str, Any]]
) -> None:
    user, tokens = signed_in
    admin = make_user(db, role="admin")
    ban = client.post(
        f"/api/v1/admin/users/{user.id}/ban",
        json={"reason": "spam"},
        headers=bearer(login(client, admin.email)),
    )
    assert ban.status_code == 200, ban.text
    _refused(client, tokens["access_token"])
    again = client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert again.status_code in (401, 403)
    assert (
        client.post("/api/v1/auth/login", json={"email": user.email, "password": PASSWORD}).json()[
            "code"
        ]
        == "account_banned"
    )


def test_password_change_ends_the_other_sessions(
    client: TestClient, signed_in: tuple[User, dict[str, Any]]
) -> None:
    user, old = signed_in
    current = login(client, user.email)
    changed = client.put(
        "/api/v1/users/me/password",
        json={"current_password": PASSWORD, "new_password": "a whole new passphrase"},
        headers=bearer(current),
    )
    assert changed.status_code == 204, changed.text
    _refused(client, old["access_token"])
    stale = client.post("/api/v1/auth/refresh", json={"refresh_token": old["refresh_token"]})
    assert stale.status_code == 401


def test_logout_all_ends_every_token(
    client: TestClient, signed_in: tuple[User, dict[str, Any]]
) -> None:
    _, tokens = signed_in
    assert client.post("/api/v1/auth/logout-all", headers=bearer(tokens)).status_code == 204
    _refused(client, tokens["access_token"])
    refresh = client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert refresh.status_code == 401
