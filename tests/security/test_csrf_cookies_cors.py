"""Pages refuse forged form posts; cookies are HttpOnly and SameSite; CORS stays closed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import func, inspect, select, table
from sqlalchemy.orm import Session

from syllabus.app import create_app
from syllabus.config import Settings
from syllabus.kit.runtime import Runtime, set_runtime
from tests.factories import PASSWORD, make_user

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
# Posted by mail clients (RFC 8058 one-click unsubscribe), authenticated by the
# unguessable token in the path rather than by a session, so no CSRF applies.
NOT_BROWSER_FORMS = {"/unsubscribe/{token}"}
_PARAM = re.compile(r"\{([^}]+)\}")


def _page_write_routes(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path) of every page route that changes state, included routers flattened."""
    routes = []
    for route in iter_route_contexts(app.routes):
        path, methods = route.path, route.methods
        if not path or not methods or path.startswith(("/api/", "/static")):
            continue
        for method in sorted(methods & STATE_CHANGING):
            if path not in NOT_BROWSER_FORMS:
                routes.append((method, path))
    return routes


def _csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page renders a CSRF field"
    return match.group(1)


def _web_login(client: TestClient, email: str) -> None:
    token = _csrf_from(client.get("/login").text)
    response = client.post(
        "/login",
        data={"email": email, "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def _row_counts(db: Session) -> dict[str, int]:
    db.expire_all()
    names = inspect(db.get_bind()).get_table_names()
    return {name: db.scalar(select(func.count()).select_from(table(name))) or 0 for name in names}


def test_every_page_write_is_refused_without_a_csrf_token(
    app: FastAPI, client: TestClient, db: Session, runtime: Runtime
) -> None:
    user = make_user(db, role="instructor")
    _web_login(client, user.email)
    routes = _page_write_routes(app)
    assert len(routes) > 10, "the pages post forms"
    before = _row_counts(db)
    accepted = []
    for method, path in routes:
        url = _PARAM.sub("x0", path)
        # The signed-in cookies go along; the CSRF cookie and field do not.
        client.cookies.delete("syl_csrf")
        response = client.request(method, url, data={"title": "x"}, follow_redirects=False)
        if response.status_code != 403:
            accepted.append(f"{method} {path}: {response.status_code}")
    assert not accepted, "page writes that took no CSRF token:\n" + "\n".join(accepted)
    assert _row_counts(db) == before, "a refused form changed nothing"
    still_signed_in = client.get("/account/profile", follow_redirects=False)
    assert still_signed_in.status_code == 200, "the refused posts did not sign the user out"


def test_a_wrong_csrf_token_or_foreign_origin_is_refused(client: TestClient, db: Session) -> None:
    user = make_user(db)
    _web_login(client, user.email)
    token = _csrf_from(client.get("/login").text)
    wrong = client.post("/logout", data={"csrf_token": "A" * 43}, follow_redirects=False)
    assert wrong.status_code == 403
    foreign = client.post(
        "/logout",
        data={"csrf_token": token},
        headers={"Origin": "https://evil.example"},
        follow_redirects=False,
    )
    assert foreign.status_code == 403
    assert "csrf" in foreign.text.lower() or "form" in foreign.text.lower()


def _set_cookies(client: TestClient, email: str) -> list[str]:
    token = _csrf_from(client.get("/login").text)
    response = client.post(
        "/login",
        data={"email": email, "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303
    return response.headers.get_list("set-cookie")


def test_login_cookies_are_httponly_and_samesite(client: TestClient, db: Session) -> None:
    user = make_user(db)
    cookies = _set_cookies(client, user.email)
    names = {cookie.split("=", 1)[0] for cookie in cookies}
    assert {"syl_at", "syl_rt", "syl_csrf"} <= names
    for cookie in cookies:
        flags = cookie.lower()
        assert "httponly" in flags, cookie
        assert re.search(r"samesite=(lax|strict)", flags), cookie
        assert "secure" not in flags.split(";")[1:], "plain http keeps cookies usable locally"


def test_cookies_are_secure_when_served_over_https(
    settings: Settings, runtime: Runtime, db: Session
) -> None:
    secure = settings.model_copy(update={"base_url": "https://school.example"})
    https_runtime = Runtime(secure, runtime.db)
    set_runtime(https_runtime)
    try:
        https = create_app(secure, runtime=https_runtime)
        user = make_user(db)
        with TestClient(https, base_url="https://school.example") as client:
            cookies = _set_cookies(client, user.email)
    finally:
        set_runtime(runtime)
    assert cookies
    for cookie in cookies:
        assert "; secure" in cookie.lower(), cookie


def _preflight(client: TestClient, origin: str) -> dict[str, str]:
    response = client.options(
        "/api/v1/users/me",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "PATCH",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )
    return {key.lower(): value for key, value in response.headers.items()}


def test_cors_is_closed_by_default(client: TestClient) -> None:
    headers = _preflight(client, "https://evil.example")
    assert "access-control-allow-origin" not in headers
    simple = client.get("/api/v1/categories", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in {k.lower() for k in simple.headers}


@pytest.mark.parametrize("origin", ["https://app.example"])
def test_cors_opens_only_to_configured_origins(
    settings: Settings, runtime: Runtime, origin: str, tmp_path: Path
) -> None:
    app = create_app(settings.model_copy(update={"cors_origins": [origin]}), runtime=runtime)
    with TestClient(app) as client:
        allowed = _preflight(client, origin)
        refused = _preflight(client, "https://evil.example")
    assert allowed.get("access-control-allow-origin") == origin
    assert "access-control-allow-origin" not in refused
    assert "*" not in allowed.get("access-control-allow-origin", "")
