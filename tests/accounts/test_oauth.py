"""OAuth / OIDC sign-in against a real OIDC provider on loopback: new, linked and refused."""

from __future__ import annotations

import time
from collections.abc import Iterator
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from syllabus.accounts import oauth_providers
from syllabus.accounts.models import OAuthAccount, User
from syllabus.config import Settings
from syllabus.kit.runtime import Runtime
from tests.factories import bearer, login, make_user
from tests.support.oidc_provider import OIDCProvider, Person, running_oidc_provider

CLIENT_ID = "syllabus-test-client"
CLIENT_SECRET = "loopback-only-client-secret"
BASE = "http://testserver"
OAUTH = "/api/v1/auth/oauth"
ME = "/api/v1/users/me"
LINKED = "/api/v1/users/me/oauth"


@pytest.fixture(scope="module")
def oidc_server() -> Iterator[OIDCProvider]:
    redirect_uris = [f"{BASE}{OAUTH}/oidc/callback", f"{BASE}{OAUTH}/github/callback"]
    with running_oidc_provider(
        client_id=CLIENT_ID, client_secret=CLIENT_SECRET, redirect_uris=redirect_uris
    ) as provider:
        yield provider


@pytest.fixture
def provider(oidc_server: OIDCProvider) -> Iterator[OIDCProvider]:
    oidc_server.reset()
    oauth_providers.clear_cache()
    yield oidc_server
    oauth_providers.clear_cache()


@pytest.fixture
def settings(settings: Settings, provider: OIDCProvider) -> Settings:
    return settings.model_copy(
        update={
            "base_url": BASE,
            "oauth_oidc_name": "Loopback SSO",
            "oauth_oidc_issuer": provider.issuer,
            "oauth_oidc_client_id": CLIENT_ID,
            "oauth_oidc_client_secret": CLIENT_SECRET,
        }
    )


@pytest.fixture
def browser(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, base_url=BASE, follow_redirects=False) as test_client:
        yield test_client


def start(browser: TestClient, name: str = "oidc", **params: str) -> httpx.Response:
    response = browser.get(f"{OAUTH}/{name}/authorize", params=params)
    assert response.status_code == 302, response.text
    return response


def to_provider(location: str) -> str:
    """Follow the app's redirect to the loopback provider; returns its redirect back (a path)."""
    answer = httpx.get(location, follow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    back = urlsplit(answer.headers["location"])
    assert f"{back.scheme}://{back.netloc}" == BASE
    return f"{back.path}?{back.query}"


def sign_in(browser: TestClient, name: str = "oidc", **params: str) -> httpx.Response:
    location = start(browser, name, **params).headers["location"]
    return browser.get(to_provider(location))


def count(db: Session, model: type[User] | type[OAuthAccount]) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(model)) or 0


def user_by_email(db: Session, email: str) -> User | None:
    db.expire_all()
    return db.scalar(select(User).where(User.email == email))


def links_of(db: Session, user_id: str) -> list[OAuthAccount]:
    db.expire_all()
    return list(db.scalars(select(OAuthAccount).where(OAuthAccount.user_id == user_id)))


def query_of(url: str) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlsplit(url).query).items()}


def set_cookie_headers(response: httpx.Response, name: str) -> list[str]:
    return [h for h in response.headers.get_list("set-cookie") if h.startswith(f"{name}=")]


# --- signing in -----------------------------------------------------------------------


def test_first_sign_in_creates_an_active_account_without_password(
    browser: TestClient, provider: OIDCProvider, db: Session
) -> None:
    provider.person = Person(sub="ann-1", email="Ann@Example.com", name="Ann Example")
    redirect = start(browser)
    location = redirect.headers["location"]
    assert location.startswith(f"{provider.issuer}/authorize?")
    params = query_of(location)
    assert params["client_id"] == CLIENT_ID
    assert params["response_type"] == "code"
    assert params["redirect_uri"] == f"{BASE}{OAUTH}/oidc/callback"
    assert params["code_challenge_method"] == "S256"
    assert len(params["code_challenge"]) == 43
    assert params["state"]
    assert params["nonce"]
    assert set(params["scope"].split()) >= {"openid", "email"}
    [state_cookie] = set_cookie_headers(redirect, "syl_oauth")
    assert "httponly" in state_cookie.lower()
    assert "samesite=lax" in state_cookie.lower()
    assert f"path={OAUTH}" in state_cookie.lower()
    assert params["state"] not in state_cookie  # signed and encoded, not the bare value

    callback = browser.get(to_provider(location))

    assert callback.status_code == 302, callback.text
    assert callback.headers["location"] == "/"
    access = callback.cookies.get("syl_at")
    assert access
    assert callback.cookies.get("syl_rt")
    assert any("max-age=0" in h.lower() for h in set_cookie_headers(callback, "syl_oauth"))
    user = user_by_email(db, "ann@example.com")
    assert user is not None
    assert user.status == "active"
    assert user.password_hash is None
    assert user.role == "student"
    assert user.name == "Ann Example"
    [link] = links_of(db, user.id)
    assert (link.provider, link.subject, link.email) == ("oidc", "ann-1", "Ann@Example.com")
    assert provider.token_requests == [{"auth_method": "client_secret_basic", "result": "ok"}]
    me = browser.get(ME, headers=bearer(access))
    assert me.status_code == 200
    assert me.json()["email"] == "ann@example.com"


def test_signing_in_again_with_the_same_subject_is_the_same_user(
    browser: TestClient, provider: OIDCProvider, db: Session
) -> None:
    provider.person = Person(sub="ann-1", email="ann@example.com")
    first = sign_in(browser)
    users_after_first = count(db, User)
    browser.cookies.clear()
    provider.person = Person(sub="ann-1", email="ann.new@example.com", name="Ann Renamed")
    second = sign_in(browser)

    assert first.status_code == second.status_code == 302
    first_me = browser.get(ME, headers=bearer(first.cookies["syl_at"])).json()
    second_me = browser.get(ME, headers=bearer(second.cookies["syl_at"])).json()
    assert first_me["id"] == second_me["id"]
    assert count(db, User) == users_after_first
    [link] = links_of(db, first_me["id"])
    assert link.email == "ann.new@example.com"  # the provider's latest address is kept


def test_next_must_be_a_local_path(browser: TestClient, provider: OIDCProvider) -> None:
    provider.person = Person(sub="n-1", email="next@example.com")
    assert sign_in(browser, next="/courses/python?tab=reviews").headers["location"] == (
        "/courses/python?tab=reviews"
    )
    for hostile in ("//evil.example/x", "https://evil.example/", "/\\evil.example", "courses"):
        browser.cookies.clear()
        assert sign_in(browser, next=hostile).headers["location"] == "/"


def test_a_verified_email_links_the_existing_password_account(
    browser: TestClient, provider: OIDCProvider, db: Session
) -> None:
    owner = make_user(db, email="bob@example.com")
    users_before = count(db, User)
    provider.person = Person(sub="bob-sso", email="Bob@example.com", email_verified=True)

    callback = sign_in(browser)

    assert callback.status_code == 302
    assert callback.headers["location"] == "/"
    assert count(db, User) == users_before
    me = browser.get(ME, headers=bearer(callback.cookies["syl_at"])).json()
    assert me["id"] == owner.id
    linked = browser.get(LINKED, headers=bearer(login(browser, "bob@example.com")))
    assert linked.status_code == 200
    [item] = linked.json()
    assert item["provider"] == "oidc"
    assert item["label"] == "Loopback SSO"
    assert item["email"] == "Bob@example.com"
    assert item["linked_at"]


def test_a_verified_email_activates_a_pending_account(
    browser: TestClient, provider: OIDCProvider, db: Session
) -> None:
    pending = make_user(db, email="pen@example.com", status="pending")
    provider.person = Person(sub="pen-sso", email="pen@example.com")

    callback = sign_in(browser)

    assert callback.headers["location"] == "/"
    db.expire_all()
    refreshed = db.get(User, pending.id)
    assert refreshed is not None
    assert refreshed.status == "active"
    assert len(links_of(db, pending.id)) == 1


@pytest.mark.parametrize("existing", [True, False], ids=["matching-account", "no-account"])
def test_an_unverified_email_is_refused_and_nothing_is_linked_or_created(
    browser: TestClient, provider: OIDCProvider, db: Session, existing: bool
) -> None:
    if existing:
        make_user(db, email="carol@example.com")
    users_before, links_before = count(db, User), count(db, OAuthAccount)
    provider.person = Person(sub="carol-sso", email="carol@example.com", email_verified=False)

    callback = sign_in(browser)

    assert callback.status_code == 302
    assert callback.headers["location"] == "/login?error=email_not_verified"
    assert "syl_at" not in callback.cookies
    assert count(db, User) == users_before
    assert count(db, OAuthAccount) == links_before


def test_a_banned_user_cannot_sign_in_through_a_linked_provider(
    browser: TestClient, provider: OIDCProvider, db: Session
) -> None:
    user = make_user(db, email="dan@example.com")
    provider.person = Person(sub="dan-sso", email="dan@example.com")
    sign_in(browser)
    user.status = "banned"
    db.commit()
    browser.cookies.clear()

    callback = sign_in(browser)

    assert callback.headers["location"] == "/login?error=account_banned"
    assert "syl_at" not in callback.cookies


def test_a_github_account_signs_in_with_its_verified_primary_email(
    browser: TestClient,
    provider: OIDCProvider,
    db: Session,
    runtime: Runtime,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    runtime.settings = runtime.settings.model_copy(
        update={"oauth_github_client_id": CLIENT_ID, "oauth_github_client_secret": CLIENT_SECRET}
    )
    monkeypatch.setattr(
        oauth_providers, "GITHUB_AUTHORIZE_URL", f"{provider.issuer}/github/authorize"
    )
    monkeypatch.setattr(oauth_providers, "GITHUB_TOKEN_URL", f"{provider.issuer}/github/token")
    monkeypatch.setattr(oauth_providers, "GITHUB_API_URL", f"{provider.issuer}/github/api")
    provider.person = Person(sub="583231", email="octo@example.com", name="The Octocat")

    location = start(browser, "github").headers["location"]
    assert query_of(location)["code_challenge_method"] == "S256"
    callback = browser.get(to_provider(location))

    assert callback.headers["location"] == "/"
    user = user_by_email(db, "octo@example.com")
    assert user is not None
    assert user.name == "The Octocat"
    [link] = links_of(db, user.id)
    assert (link.provider, link.subject) == ("github", "583231")
    assert provider.token_requests[-1]["auth_method"] == "client_secret_post"


# --- linking while signed in ------------------------------------------------------------


def test_a_signed_in_user_links_a_provider_to_their_account(
    browser: TestClient, provider: OIDCProvider, db: Session
) -> None:
    owner = make_user(db, email="erin@example.com")
    browser.cookies.set("syl_at", login(browser, "erin@example.com")["access_token"])
    provider.person = Person(sub="erin-work", email="erin@work.example", email_verified=False)

    callback = sign_in(browser)

    assert callback.status_code == 302
    assert callback.headers["location"] == "/account/linked"
    assert "syl_rt" not in callback.cookies  # no new session: the same browser stays signed in
    [link] = links_of(db, owner.id)
    assert (link.subject, link.email) == ("erin-work", "erin@work.example")
    assert user_by_email(db, "erin@work.example") is None


def test_a_provider_account_linked_to_someone_else_is_not_moved(
    browser: TestClient, provider: OIDCProvider, db: Session
) -> None:
    provider.person = Person(sub="shared", email="first@example.com")
    sign_in(browser)
    first = user_by_email(db, "first@example.com")
    assert first is not None
    browser.cookies.clear()
    make_user(db, email="second@example.com")
    browser.cookies.set("syl_at", login(browser, "second@example.com")["access_token"])

    callback = sign_in(browser)

    assert callback.headers["location"] == "/account/linked?error=oauth_account_taken"
    db.expire_all()
    owner = db.scalar(select(OAuthAccount.user_id).where(OAuthAccount.subject == "shared"))
    assert owner == first.id


# --- refusals ---------------------------------------------------------------------------


def test_a_tampered_state_is_refused_before_any_token_exchange(
    browser: TestClient, provider: OIDCProvider, db: Session
) -> None:
    users_before = count(db, User)
    back = to_provider(start(browser).headers["location"])
    params = query_of(back)
    params["state"] = params["state"][:-2] + "xx"

    callback = browser.get(f"{OAUTH}/oidc/callback?{urlencode(params)}")

    assert callback.status_code == 302
    assert callback.headers["location"] == "/login?error=oauth_failed"
    assert "syl_at" not in callback.cookies
    assert provider.token_requests == []
    assert count(db, User) == users_before


def test_a_callback_without_the_state_cookie_is_refused(
    app: FastAPI, browser: TestClient, provider: OIDCProvider, db: Session
) -> None:
    back = to_provider(start(browser).headers["location"])
    with TestClient(app, base_url=BASE, follow_redirects=False) as other_browser:
        callback = other_browser.get(back)
    assert callback.headers["location"] == "/login?error=oauth_failed"
    assert provider.token_requests == []


def test_a_wrong_pkce_verifier_is_refused_by_the_provider(
    browser: TestClient, provider: OIDCProvider, db: Session
) -> None:
    users_before = count(db, User)
    location = start(browser).headers["location"]
    parts = urlsplit(location)
    params = query_of(location)
    # An attacker's challenge: the app's own verifier no longer matches it.
    params["code_challenge"] = "A" * 43
    tampered = f"{parts.scheme}://{parts.netloc}{parts.path}?{urlencode(params)}"

    callback = browser.get(to_provider(tampered))

    assert callback.headers["location"] == "/login?error=oauth_failed"
    assert provider.token_requests == [
        {"auth_method": "client_secret_basic", "result": "invalid_grant"}
    ]
    assert count(db, User) == users_before


def test_denied_consent_is_a_readable_failure(
    browser: TestClient, provider: OIDCProvider, db: Session
) -> None:
    provider.deny = True
    callback = sign_in(browser)
    assert callback.headers["location"] == "/login?error=oauth_failed"
    assert provider.token_requests == []


def test_the_same_code_cannot_be_used_twice(
    browser: TestClient, provider: OIDCProvider, db: Session
) -> None:
    provider.person = Person(sub="once", email="once@example.com")
    location = start(browser).headers["location"]
    back = to_provider(location)
    cookie = browser.cookies.get("syl_oauth")
    assert cookie
    assert browser.get(back).headers["location"] == "/"
    browser.cookies.clear()
    browser.cookies.set("syl_oauth", cookie, path=OAUTH)
    replay = browser.get(back)
    assert replay.headers["location"] == "/login?error=oauth_failed"
    assert provider.token_requests[-1]["result"] == "invalid_grant"


@pytest.mark.parametrize(
    "overrides",
    [
        {"aud": "another-client"},
        {"aud": "another-client", "azp": CLIENT_ID},
        {"iss": "http://127.0.0.1:1/other-issuer"},
        {"nonce": "replayed-nonce"},
        {"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200},
    ],
    ids=["aud", "aud-with-azp", "iss", "nonce", "exp"],
)
def test_an_id_token_with_wrong_claims_is_refused(
    browser: TestClient, provider: OIDCProvider, db: Session, overrides: dict[str, object]
) -> None:
    users_before = count(db, User)
    provider.person = Person(sub="mallory", email="mallory@example.com")
    provider.id_token_overrides = overrides

    callback = sign_in(browser)

    assert callback.headers["location"] == "/login?error=oauth_failed"
    assert count(db, User) == users_before


def test_a_rotated_signing_key_is_fetched_again(
    browser: TestClient, provider: OIDCProvider, db: Session
) -> None:
    provider.person = Person(sub="rot", email="rot@example.com")
    assert sign_in(browser).headers["location"] == "/"
    provider.rotate_key()
    browser.cookies.clear()
    assert sign_in(browser).headers["location"] == "/"


def test_client_secret_post_is_used_when_the_issuer_only_accepts_it(
    browser: TestClient, provider: OIDCProvider
) -> None:
    provider.auth_methods = ["client_secret_post"]
    provider.person = Person(sub="post", email="post@example.com")
    assert sign_in(browser).headers["location"] == "/"
    assert provider.token_requests[-1]["auth_method"] == "client_secret_post"


# --- linked providers -----------------------------------------------------------------


def test_unlinking_works_when_the_user_has_a_password(
    browser: TestClient, provider: OIDCProvider, db: Session
) -> None:
    make_user(db, email="fay@example.com")
    provider.person = Person(sub="fay-sso", email="fay@example.com")
    sign_in(browser)
    browser.cookies.clear()
    headers = bearer(login(browser, "fay@example.com"))

    assert len(browser.get(LINKED, headers=headers).json()) == 1
    assert browser.delete(f"{LINKED}/oidc", headers=headers).status_code == 204
    assert browser.get(LINKED, headers=headers).json() == []
    again = browser.delete(f"{LINKED}/oidc", headers=headers)
    assert again.status_code == 404
    assert again.json()["code"] == "not_found"


def test_the_only_way_in_cannot_be_unlinked(
    browser: TestClient, provider: OIDCProvider, db: Session
) -> None:
    provider.person = Person(sub="gus-sso", email="gus@example.com")
    headers = bearer(sign_in(browser).cookies["syl_at"])

    refused = browser.delete(f"{LINKED}/oidc", headers=headers)

    assert refused.status_code == 409
    assert refused.json()["code"] == "last_sign_in_method"
    assert len(browser.get(LINKED, headers=headers).json()) == 1


def test_linked_providers_need_a_signed_in_user(browser: TestClient) -> None:
    assert browser.get(LINKED).status_code == 401
    assert browser.delete(f"{LINKED}/oidc").status_code == 401


# --- the provider registry ----------------------------------------------------------------


def test_unknown_provider_is_404(browser: TestClient) -> None:
    for path in (f"{OAUTH}/myspace/authorize", f"{OAUTH}/myspace/callback?code=x&state=y"):
        response = browser.get(path)
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


def test_only_fully_configured_providers_are_enabled(browser: TestClient, runtime: Runtime) -> None:
    runtime.settings = runtime.settings.model_copy(
        update={"oauth_google_client_id": "id-without-a-secret", "oauth_github_client_id": None}
    )

    listed = browser.get(f"{OAUTH}/providers")

    assert listed.status_code == 200
    assert listed.json() == [
        {
            "name": "oidc",
            "label": "Loopback SSO",
            "authorize_url": f"{BASE}{OAUTH}/oidc/authorize",
        }
    ]
    assert browser.get(f"{OAUTH}/google/authorize").status_code == 404
    assert browser.get(f"{OAUTH}/github/authorize").status_code == 404


def test_an_unreachable_issuer_sends_the_browser_back_with_an_error(
    browser: TestClient, runtime: Runtime
) -> None:
    runtime.settings = runtime.settings.model_copy(
        update={"oauth_oidc_issuer": "http://127.0.0.1:9/nowhere"}
    )
    response = browser.get(f"{OAUTH}/oidc/authorize")
    assert response.status_code == 302
    assert response.headers["location"] == "/login?error=oauth_failed"
