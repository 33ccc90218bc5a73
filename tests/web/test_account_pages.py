"""Account pages through the browser's transport: forms, cookies, CSRF, redirects, escaping."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import timedelta

import jwt
import pytest
from fastapi.testclient import TestClient
from httpx import Response
from PIL import Image
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from syllabus.accounts.models import InstructorApplication, OAuthAccount, RefreshToken, User
from syllabus.accounts.models import UserSession as SessionRow
from syllabus.kit.db import utcnow
from syllabus.kit.runtime import Runtime
from syllabus.kit.security import issue_access_token, token_digest, verify_password
from tests.factories import PASSWORD, activation_code, link_token, login, make_user

ACCOUNT_PAGES = ["/account/profile", "/account/password", "/account/sessions", "/account/linked"]
PUBLIC_PAGES = [
    "/register",
    "/login",
    "/activate",
    "/activate/resend",
    "/forgot-password",
    "/reset-password?token=" + "t" * 40,
    "/teach",
]
NEW_PASSWORD = "a quite different secret 42"
_TOKEN = re.compile(r'name="csrf[-_]token" (?:value|content)="([^"]+)"')


# ----------------------------------------------------------------- helpers


def csrf_of(response: Response) -> str:
    match = _TOKEN.search(response.text)
    assert match, "the page carries a CSRF token"
    return match.group(1)


def submit(
    client: TestClient,
    url: str,
    data: dict[str, str],
    *,
    page: str | None = None,
    files: dict[str, tuple[str, bytes, str]] | None = None,
) -> Response:
    """POST a form as a browser would: with the token of the page that shows it."""
    token = csrf_of(client.get(page or url))
    return client.post(url, data={**data, "csrf_token": token}, files=files, follow_redirects=False)


def web_login(client: TestClient, email: str, password: str = PASSWORD) -> Response:
    response = submit(client, "/login", {"email": email, "password": password})
    assert response.status_code == 303, response.text
    return response


def set_cookies(response: Response) -> dict[str, str]:
    """Set-Cookie headers by cookie name."""
    return {h.split("=", 1)[0]: h for h in response.headers.get_list("set-cookie")}


def replace_cookies(client: TestClient, **values: str) -> None:
    client.cookies.clear()
    for name, value in values.items():
        client.cookies.set(name, value, domain="testserver.local", path="/")


def session_id_of(client: TestClient) -> str:
    claims = jwt.decode(client.cookies["syl_at"], options={"verify_signature": False})
    return str(claims["sid"])


def live_sessions(db: Session, user: User) -> int:
    db.expire_all()
    count = db.scalar(
        select(func.count())
        .select_from(SessionRow)
        .where(SessionRow.user_id == user.id, SessionRow.revoked_at.is_(None))
    )
    return int(count or 0)


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (67, 56, 202)).save(out, format="PNG")
    return out.getvalue()


# ------------------------------------------------------ who sees which page


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_public_pages_render_with_a_csrf_token(client: TestClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    token = client.cookies["syl_csrf"]
    assert f'<meta name="csrf-token" content="{token}">' in response.text
    if url != "/teach":
        assert f'name="csrf_token" value="{token}"' in response.text
    csrf_cookie = set_cookies(response)["syl_csrf"].lower()
    assert "httponly" in csrf_cookie
    assert "samesite=lax" in csrf_cookie
    assert 'name="robots" content="noindex"' in response.text or url == "/teach"


@pytest.mark.parametrize("url", ACCOUNT_PAGES)
def test_account_pages_send_anonymous_visitors_to_login(client: TestClient, url: str) -> None:
    response = client.get(url + "?tab=1", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=" + url.replace("/", "%2F") + "%3Ftab%3D1"
    followed = client.get(url + "?tab=1")
    assert followed.url.path == "/login"
    assert 'name="next" value="' + url + '?tab=1"' in followed.text

    htmx = client.get(url, headers={"HX-Request": "true"}, follow_redirects=False)
    assert htmx.status_code == 401
    assert htmx.headers["HX-Redirect"].startswith("/login?next=")


@pytest.mark.parametrize("url", ACCOUNT_PAGES)
def test_account_pages_render_for_their_owner(client: TestClient, db: Session, url: str) -> None:
    make_user(db, email="ann@example.com", name="Ann Lee")
    web_login(client, "ann@example.com")
    response = client.get(url, follow_redirects=False)
    assert response.status_code == 200
    assert 'class="menu__label">Ann Lee<' in response.text  # the account menu
    assert 'aria-current="page">' in response.text
    assert csrf_of(response) == client.cookies["syl_csrf"]


def test_signed_in_people_skip_the_login_and_signup_pages(client: TestClient, db: Session) -> None:
    make_user(db, email="ann@example.com")
    web_login(client, "ann@example.com")
    assert client.get("/login", follow_redirects=False).headers["location"] == "/"
    assert client.get("/register", follow_redirects=False).headers["location"] == "/"
    to_next = client.get("/login?next=/account/sessions", follow_redirects=False)
    assert to_next.headers["location"] == "/account/sessions"


def test_teach_page_fits_the_visitor(client: TestClient, db: Session) -> None:
    anonymous = client.get("/teach")
    assert "Sign up to apply" in anonymous.text
    assert 'action="/teach"' not in anonymous.text

    make_user(db, email="ann@example.com")
    web_login(client, "ann@example.com")
    student = client.get("/teach")
    assert 'action="/teach"' in student.text

    client.cookies.clear()
    make_user(db, email="tom@example.com", role="instructor")
    web_login(client, "tom@example.com")
    instructor = client.get("/teach")
    assert "You are an instructor" in instructor.text
    assert 'action="/teach"' not in instructor.text


# -------------------------------------------------------------------- CSRF


def test_forms_without_or_with_a_wrong_csrf_token_change_nothing(
    client: TestClient, db: Session
) -> None:
    user = make_user(db, email="ann@example.com", name="Ann")
    web_login(client, "ann@example.com")
    other = make_user(db, email="bob@example.com")
    sid = session_id_of(client)
    attempts = [
        ("/account/profile", {"name": "Mallory", "headline": "", "bio": "", "links": ""}),
        (
            "/account/password",
            {
                "current_password": PASSWORD,
                "new_password": NEW_PASSWORD,
                "new_password_confirm": NEW_PASSWORD,
            },
        ),
        ("/teach", {"bio": "I would like to teach many things.", "topics": "Python"}),
        (f"/account/sessions/{sid}/end", {}),
        ("/account/sessions/logout-all", {}),
        ("/logout", {}),
        ("/login", {"email": other.email, "password": PASSWORD}),
        ("/register", {"name": "Eve", "email": "eve@example.com", "password": NEW_PASSWORD}),
    ]
    for url, data in attempts:
        for token in (None, "x" * 43, ""):
            body = dict(data) if token is None else {**data, "csrf_token": token}
            response = client.post(url, data=body, follow_redirects=False)
            assert response.status_code == 403, (url, token)
            assert "Form expired" in response.text
            assert "syl_at" not in set_cookies(response)

    db.expire_all()
    assert db.get(User, user.id).name == "Ann"
    assert verify_password(PASSWORD, db.get(User, user.id).password_hash)
    assert live_sessions(db, user) == 1
    assert live_sessions(db, other) == 0
    assert db.scalar(select(func.count()).select_from(InstructorApplication)) == 0
    assert db.scalar(select(User).where(User.email == "eve@example.com")) is None
    assert client.get("/account/profile", follow_redirects=False).status_code == 200


def test_csrf_cookie_must_match_and_foreign_origins_are_refused(
    client: TestClient, db: Session
) -> None:
    make_user(db, email="ann@example.com", name="Ann")
    web_login(client, "ann@example.com")
    token = csrf_of(client.get("/account/profile"))
    data = {"name": "Ann B", "headline": "", "bio": "", "links": "", "csrf_token": token}

    foreign = client.post(
        "/account/profile",
        data=data,
        headers={"Origin": "https://evil.example"},
        follow_redirects=False,
    )
    assert foreign.status_code == 403
    from_referer = client.post(
        "/account/profile",
        data=data,
        headers={"Referer": "https://evil.example/page"},
        follow_redirects=False,
    )
    assert from_referer.status_code == 403
    same_site = client.post(
        "/account/profile",
        data=data,
        headers={"Origin": "http://testserver"},
        follow_redirects=False,
    )
    assert same_site.status_code == 303

    # The form's token alone is not enough: it must match this browser's cookie.
    access, refresh = client.cookies["syl_at"], client.cookies["syl_rt"]
    replace_cookies(client, syl_at=access, syl_rt=refresh, syl_csrf="y" * 43)
    stale = client.post("/account/profile", data=data, follow_redirects=False)
    assert stale.status_code == 403


def test_htmx_sends_the_token_in_a_header(client: TestClient, db: Session) -> None:
    user = make_user(db, email="ann@example.com")
    login(client, "ann@example.com")  # a second session, through the API
    web_login(client, "ann@example.com")
    current = session_id_of(client)
    db.expire_all()
    other = db.scalar(
        select(SessionRow.id).where(SessionRow.user_id == user.id, SessionRow.id != current)
    )
    token = csrf_of(client.get("/account/sessions"))
    response = client.post(
        f"/account/sessions/{other}/end",
        headers={"HX-Request": "true", "X-CSRF-Token": token},
        follow_redirects=False,
    )
    assert response.status_code == 200
    assert response.text == ""
    assert live_sessions(db, user) == 1

    refused = client.post(
        f"/account/sessions/{current}/end",
        headers={"HX-Request": "true", "X-CSRF-Token": "z" * 43},
        follow_redirects=False,
    )
    assert refused.status_code == 403
    assert refused.headers["HX-Retarget"] == "#toasts"


# ------------------------------------------------------------ the journey


def test_register_activate_login_edit_profile_and_log_out(
    client: TestClient, db: Session, runtime: Runtime, run_jobs: Callable[[], int]
) -> None:
    registered = submit(
        client, "/register", {"name": "Ann Lee", "email": "Ann@Example.com", "password": PASSWORD}
    )
    assert registered.status_code == 303
    assert registered.headers["location"] == "/activate?email=ann%40example.com&sent=1"
    waiting = client.get(registered.headers["location"])
    assert "We emailed a 6-digit code to ann@example.com" in waiting.text
    assert 'value="ann@example.com"' in waiting.text

    run_jobs()
    code = activation_code(runtime, "ann@example.com")
    activated = submit(client, "/activate", {"email": "ann@example.com", "code": code})
    assert activated.status_code == 303
    assert activated.headers["location"] == "/login"
    assert "Your account is active" in client.get("/login").text

    logged_in = submit(client, "/login", {"email": "ann@example.com", "password": PASSWORD})
    assert logged_in.status_code == 303
    assert logged_in.headers["location"] == "/"
    cookies = set_cookies(logged_in)
    for name in ("syl_at", "syl_rt", "syl_csrf"):
        header = cookies[name].lower()
        assert "httponly" in header
        assert "samesite=lax" in header
        assert "path=/" in header
    assert "max-age=900" in cookies["syl_at"].lower()

    profile = client.get("/account/profile")
    assert profile.status_code == 200
    assert 'value="Ann Lee"' in profile.text
    saved = submit(
        client,
        "/account/profile",
        {
            "name": "Ann Q. Lee",
            "headline": "Teaches Python",
            "bio": "Ten years of teaching.",
            "links": "https://ann.example.com\n\nhttps://example.org/ann\n",
        },
    )
    assert saved.status_code == 303
    assert saved.headers["location"] == "/account/profile"
    after = client.get("/account/profile")
    assert "Your profile was saved." in after.text
    assert 'value="Ann Q. Lee"' in after.text
    assert 'value="Teaches Python"' in after.text
    assert "https://ann.example.com/\nhttps://example.org/ann</textarea>" in after.text
    assert 'class="menu__label">Ann Q. Lee<' in after.text
    db.expire_all()
    user = db.scalar(select(User).where(User.email == "ann@example.com"))
    assert user is not None
    assert user.name == "Ann Q. Lee"
    assert user.bio == "Ten years of teaching."
    assert "Your profile was saved." not in client.get("/account/profile").text  # shown once

    listed = client.get("/account/sessions")
    assert listed.text.count('<tr id="session-') == 1
    assert "This device" in listed.text
    sid = session_id_of(client)
    assert f'id="session-{sid}"' in listed.text

    out = submit(client, "/logout", {}, page="/account/sessions")
    assert out.status_code == 303
    assert out.headers["location"] == "/"
    cleared = set_cookies(out)
    for name in ("syl_at", "syl_rt"):
        assert "max-age=0" in cleared[name].lower()
    assert "syl_at" not in client.cookies
    assert "syl_rt" not in client.cookies
    db.expire_all()
    assert db.get(SessionRow, sid).revoked_at is not None
    again = client.get("/account/profile", follow_redirects=False)
    assert again.status_code == 303
    assert again.headers["location"] == "/login?next=%2Faccount%2Fprofile"


def test_activation_link_and_resend(
    client: TestClient, db: Session, runtime: Runtime, run_jobs: Callable[[], int]
) -> None:
    submit(client, "/register", {"name": "Ann", "email": "ann@example.com", "password": PASSWORD})
    resent = submit(client, "/activate/resend", {"email": "ann@example.com"})
    assert resent.status_code == 303
    assert resent.headers["location"] == "/activate?email=ann%40example.com"
    run_jobs()
    token = link_token(runtime, "ann@example.com")

    broken = client.get("/activate?token=" + "n" * 40)
    assert broken.status_code == 400
    assert "invalid or has expired" in broken.text

    opened = client.get("/activate?token=" + token, follow_redirects=False)
    assert opened.status_code == 303
    assert opened.headers["location"] == "/login"
    db.expire_all()
    user = db.scalar(select(User).where(User.email == "ann@example.com"))
    assert user is not None
    assert user.status == "active"


def test_forgot_and_reset_password_pages(
    client: TestClient, db: Session, runtime: Runtime, run_jobs: Callable[[], int]
) -> None:
    make_user(db, email="ann@example.com")
    asked = submit(client, "/forgot-password", {"email": "ann@example.com"})
    assert asked.status_code == 303
    assert "Check your email" in client.get(asked.headers["location"]).text
    run_jobs()
    token = link_token(runtime, "ann@example.com")

    page = client.get("/reset-password?token=" + token)
    assert f'name="token" value="{token}"' in page.text
    mismatch = submit(
        client,
        "/reset-password",
        {"token": token, "password": NEW_PASSWORD, "password_confirm": "something else 42"},
        page="/reset-password?token=" + token,
    )
    assert mismatch.status_code == 422
    assert "The two passwords do not match." in mismatch.text
    assert NEW_PASSWORD not in mismatch.text

    done = submit(
        client,
        "/reset-password",
        {"token": token, "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD},
        page="/reset-password?token=" + token,
    )
    assert done.status_code == 303
    assert done.headers["location"] == "/login"
    assert "Log in with the new one" in client.get("/login").text
    web_login(client, "ann@example.com", NEW_PASSWORD)

    used = submit(
        client,
        "/reset-password",
        {"token": token, "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD},
        page="/reset-password?token=" + token,
    )
    assert used.status_code == 400
    assert "Ask for a new link" in used.text


# --------------------------------------------------------- errors in forms


def test_invalid_registration_shows_errors_next_to_the_fields(client: TestClient) -> None:
    response = submit(
        client, "/register", {"name": "Ann Lee", "email": "not-an-email", "password": "short"}
    )
    assert response.status_code == 422
    assert 'value="Ann Lee"' in response.text
    assert 'value="not-an-email"' in response.text
    assert "Enter a valid email address." in response.text
    assert "Use at least 8 characters." in response.text
    assert 'id="field-email" name="email" type="email" value="not-an-email"' in response.text
    assert 'aria-invalid="true" aria-describedby="field-email-error"' in response.text
    assert 'aria-describedby="field-password-hint field-password-error"' in response.text
    assert 'value="short"' not in response.text

    common = submit(
        client, "/register", {"name": "Ann", "email": "ann@example.com", "password": "password"}
    )
    assert common.status_code == 422
    assert "most common" in common.text


def test_taken_email_offers_login(client: TestClient, db: Session) -> None:
    make_user(db, email="ann@example.com")
    response = submit(
        client, "/register", {"name": "Ann", "email": "ann@example.com", "password": NEW_PASSWORD}
    )
    assert response.status_code == 409
    assert "already exists" in response.text
    assert 'href="/forgot-password"' in response.text
    assert NEW_PASSWORD not in response.text


def test_wrong_code_is_shown_on_the_code_field(client: TestClient, db: Session) -> None:
    make_user(db, email="ann@example.com", status="pending")
    malformed = submit(client, "/activate", {"email": "ann@example.com", "code": "12ab"})
    assert malformed.status_code == 422
    assert "Enter the 6-digit code from the email." in malformed.text
    wrong = submit(client, "/activate", {"email": "ann@example.com", "code": "000000"})
    assert wrong.status_code == 400
    assert "That code is wrong or has expired." in wrong.text
    assert 'aria-describedby="field-code-hint field-code-error"' in wrong.text


def test_failed_logins_keep_the_email_not_the_password(client: TestClient, db: Session) -> None:
    make_user(db, email="ann@example.com")
    make_user(db, email="new@example.com", status="pending")
    wrong = submit(client, "/login", {"email": "ann@example.com", "password": "not my password"})
    assert wrong.status_code == 401
    assert "The email or password is wrong." in wrong.text
    assert 'value="ann@example.com"' in wrong.text
    assert "not my password" not in wrong.text
    assert "syl_at" not in set_cookies(wrong)

    pending = submit(client, "/login", {"email": "new@example.com", "password": PASSWORD})
    assert pending.status_code == 403
    assert 'href="/activate?email=new%40example.com"' in pending.text


def test_throttled_login_shows_the_reason(client: TestClient, db: Session) -> None:
    make_user(db, email="ann@example.com")
    token = csrf_of(client.get("/login"))
    for _ in range(5):
        client.post(
            "/login",
            data={"email": "ann@example.com", "password": "wrong-pass", "csrf_token": token},
        )
    blocked = client.post(
        "/login", data={"email": "ann@example.com", "password": PASSWORD, "csrf_token": token}
    )
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) >= 1
    assert "Too many failed sign-ins for this account" in blocked.text
    assert "syl_at" not in client.cookies


def test_login_returns_only_to_local_pages(client: TestClient, db: Session) -> None:
    make_user(db, email="ann@example.com")
    for target, expected in [
        ("/account/sessions", "/account/sessions"),
        ("//evil.example/x", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
    ]:
        client.cookies.clear()
        page = client.get("/login", params={"next": target})
        assert 'name="next"' in page.text if expected != "/" else 'name="next"' not in page.text
        response = client.post(
            "/login",
            data={
                "email": "ann@example.com",
                "password": PASSWORD,
                "next": target,
                "csrf_token": csrf_of(page),
            },
            follow_redirects=False,
        )
        assert response.status_code == 303
        assert response.headers["location"] == expected


def test_oauth_buttons_and_errors_on_the_login_page(client: TestClient, runtime: Runtime) -> None:
    plain = client.get("/login")
    assert "Continue with" not in plain.text
    runtime.settings = runtime.settings.model_copy(
        update={"oauth_github_client_id": "id", "oauth_github_client_secret": "secret"}
    )
    page = client.get("/login", params={"next": "/account/profile"})
    assert (
        'href="/api/v1/auth/oauth/github/authorize?next=/account/profile">Continue with GitHub'
        in page.text
    )
    known = client.get("/login?error=email_not_verified")
    assert "has not verified your email address" in known.text
    unknown = client.get("/login", params={"error": "<script>alert(1)</script>"})
    assert "Signing in with the provider did not work" in unknown.text
    assert "<script>alert(1)" not in unknown.text


# --------------------------------------------------------- cookie sign-in


def test_expired_access_cookie_is_renewed_and_a_reused_refresh_cookie_refused(
    client: TestClient, db: Session, runtime: Runtime
) -> None:
    user = make_user(db, email="ann@example.com", name="Ann")
    web_login(client, "ann@example.com")
    sid = session_id_of(client)
    first_refresh, csrf = client.cookies["syl_rt"], client.cookies["syl_csrf"]
    expired, _ = issue_access_token(
        user_id=user.id,
        role=user.role,
        session_id=sid,
        keys=runtime.settings.signing_keys,
        kid=runtime.settings.jwt_active_kid,
        ttl_seconds=60,
        now=utcnow() - timedelta(hours=1),
    )
    replace_cookies(client, syl_at=expired, syl_rt=first_refresh, syl_csrf=csrf)
    renewed = client.get("/account/profile", follow_redirects=False)
    assert renewed.status_code == 200
    assert 'value="Ann"' in renewed.text
    cookies = set_cookies(renewed)
    assert "httponly" in cookies["syl_at"].lower()
    assert "httponly" in cookies["syl_rt"].lower()
    second_refresh = client.cookies["syl_rt"]
    assert second_refresh != first_refresh
    assert client.cookies["syl_at"] != expired

    # Without any access cookie the same happens; a POST works on the renewed cookies too.
    replace_cookies(client, syl_rt=second_refresh, syl_csrf=csrf)
    saved = client.post(
        "/account/profile",
        data={"name": "Ann B", "headline": "", "bio": "", "links": "", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    assert {"syl_at", "syl_rt"} <= set(set_cookies(saved))
    third_refresh = client.cookies["syl_rt"]

    # Two tabs racing with the same refresh cookie: the late one gets an access cookie only.
    replace_cookies(client, syl_rt=second_refresh, syl_csrf=csrf)
    raced = client.get("/account/profile", follow_redirects=False)
    assert raced.status_code == 200
    assert set(set_cookies(raced)) == {"syl_at"}

    # The same old cookie presented again long after rotation is theft: refused, session ended.
    db.execute(
        update(RefreshToken)
        .where(RefreshToken.token_digest == token_digest(second_refresh))
        .values(rotated_at=utcnow() - timedelta(minutes=5))
    )
    db.commit()
    replace_cookies(client, syl_rt=second_refresh, syl_csrf=csrf)
    reused = client.get("/account/profile", follow_redirects=False)
    assert reused.status_code == 303
    assert reused.headers["location"] == "/login?next=%2Faccount%2Fprofile"
    cleared = set_cookies(reused)
    assert "max-age=0" in cleared["syl_at"].lower()
    assert "max-age=0" in cleared["syl_rt"].lower()
    db.expire_all()
    assert db.get(SessionRow, sid).revoked_at is not None

    replace_cookies(client, syl_rt=third_refresh, syl_csrf=csrf)
    assert client.get("/account/profile", follow_redirects=False).status_code == 303


def test_a_revoked_session_signs_the_browser_out(client: TestClient, db: Session) -> None:
    user = make_user(db, email="ann@example.com")
    web_login(client, "ann@example.com")
    db.execute(update(SessionRow).where(SessionRow.user_id == user.id).values(revoked_at=utcnow()))
    db.commit()
    response = client.get("/account/sessions", follow_redirects=False)
    assert response.status_code == 303
    assert "max-age=0" in set_cookies(response)["syl_rt"].lower()


# ------------------------------------------------------------ escaping (XSS)


def test_names_and_input_are_escaped(client: TestClient, db: Session) -> None:
    make_user(db, email="ann@example.com", name="<script>alert(1)</script>")
    web_login(client, "ann@example.com")
    page = client.get("/account/profile")
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text

    attack = '"><img src=x onerror=alert(1)>'
    rejected = submit(
        client,
        "/account/profile",
        {"name": attack, "headline": attack, "bio": "</textarea><script>x()</script>", "links": ""},
    )
    assert rejected.status_code == 303
    shown = client.get("/account/profile").text
    assert "<img src=x" not in shown
    assert "</textarea><script>" not in shown
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in shown


# -------------------------------------------------------- the other pages


def test_avatar_upload(client: TestClient, db: Session) -> None:
    make_user(db, email="ann@example.com")
    web_login(client, "ann@example.com")
    assert "avatar-upload__image--empty" in client.get("/account/profile").text

    bad = submit(
        client,
        "/account/avatar",
        {},
        page="/account/profile",
        files={"avatar": ("notes.txt", b"hello, not an image", "text/plain")},
    )
    assert bad.status_code == 422
    assert "Upload a JPEG, PNG or WEBP image." in bad.text
    assert 'id="field-avatar-error"' in bad.text

    missing = submit(client, "/account/avatar", {}, page="/account/profile")
    assert missing.status_code == 422
    assert "Choose an image file" in missing.text

    good = submit(
        client,
        "/account/avatar",
        {},
        page="/account/profile",
        files={"avatar": ("me.png", png_bytes(), "image/png")},
    )
    assert good.status_code == 303
    page = client.get("/account/profile").text
    assert "Your photo was updated." in page
    match = re.search(r'<img class="avatar-upload__image" src="([^"]+)"', page)
    assert match
    image = client.get(match.group(1).replace("&amp;", "&"))
    assert image.status_code == 200
    assert image.content[:4] == b"RIFF"  # re-encoded as WEBP


def test_change_password_page(client: TestClient, db: Session) -> None:
    user = make_user(db, email="ann@example.com")
    login(client, "ann@example.com")  # another device
    web_login(client, "ann@example.com")
    fields = {"new_password": NEW_PASSWORD, "new_password_confirm": NEW_PASSWORD}

    wrong = submit(client, "/account/password", {"current_password": "nope-nope", **fields})
    assert wrong.status_code == 400
    assert "The current password is wrong." in wrong.text
    assert 'aria-describedby="field-current-password-error"' in wrong.text
    mismatch = submit(
        client,
        "/account/password",
        {"current_password": PASSWORD, **fields, "new_password_confirm": "other"},
    )
    assert mismatch.status_code == 422
    assert "do not match" in mismatch.text

    changed = submit(client, "/account/password", {"current_password": PASSWORD, **fields})
    assert changed.status_code == 303
    assert "Your other sessions were logged out." in client.get("/account/password").text
    assert live_sessions(db, user) == 1
    db.expire_all()
    assert verify_password(NEW_PASSWORD, db.get(User, user.id).password_hash)


def test_end_a_session_and_log_out_everywhere(client: TestClient, db: Session) -> None:
    user = make_user(db, email="ann@example.com")
    stranger = make_user(db, email="bob@example.com")
    login(client, "bob@example.com")
    login(
        client, "ann@example.com", **{"User-Agent": "Mozilla/5.0 (Windows NT 10.0) Firefox/120.0"}
    )
    web_login(client, "ann@example.com")
    page = client.get("/account/sessions")
    assert page.text.count('<tr id="session-') == 2
    assert "Firefox on Windows" in page.text
    current = session_id_of(client)
    db.expire_all()
    other = db.scalar(
        select(SessionRow.id).where(SessionRow.user_id == user.id, SessionRow.id != current)
    )
    bobs = db.scalar(select(SessionRow.id).where(SessionRow.user_id == stranger.id))

    not_yours = submit(client, f"/account/sessions/{bobs}/end", {}, page="/account/sessions")
    assert not_yours.status_code == 404
    assert live_sessions(db, stranger) == 1

    ended = submit(client, f"/account/sessions/{other}/end", {}, page="/account/sessions")
    assert ended.status_code == 303
    assert "That session was logged out." in client.get("/account/sessions").text
    assert live_sessions(db, user) == 1

    everywhere = submit(client, "/account/sessions/logout-all", {}, page="/account/sessions")
    assert everywhere.status_code == 303
    assert everywhere.headers["location"] == "/login"
    assert live_sessions(db, user) == 0
    assert "syl_rt" not in client.cookies
    assert "You are logged out on every device." in client.get("/login").text


def test_apply_to_teach(client: TestClient, db: Session) -> None:
    make_user(db, email="ann@example.com")
    web_login(client, "ann@example.com")
    short = submit(client, "/teach", {"bio": "Too short", "topics": "Python"})
    assert short.status_code == 422
    assert "Use at least 20 characters." in short.text
    assert 'value="Python"' in short.text

    sent = submit(
        client, "/teach", {"bio": "I have taught Python for ten years.", "topics": "Python, SQL"}
    )
    assert sent.status_code == 303
    assert "Your application was sent." in client.get("/teach").text
    application = db.scalar(select(InstructorApplication))
    assert application is not None
    assert application.topics == ["Python", "SQL"]

    again = submit(
        client, "/teach", {"bio": "I have taught Python for ten years.", "topics": "Python"}
    )
    assert again.status_code == 409
    assert "already waiting" in again.text


def test_linked_accounts_page(client: TestClient, db: Session, runtime: Runtime) -> None:
    make_user(db, email="ann@example.com")
    web_login(client, "ann@example.com")
    assert "No sign-in services" in client.get("/account/linked").text

    runtime.settings = runtime.settings.model_copy(
        update={"oauth_github_client_id": "id", "oauth_github_client_secret": "secret"}
    )
    offer = client.get("/account/linked")
    assert "/api/v1/auth/oauth/github/authorize?next=/account/linked" in offer.text

    user = db.scalar(select(User).where(User.email == "ann@example.com"))
    assert user is not None
    db.add(OAuthAccount(user_id=user.id, provider="github", subject="42", email=user.email))
    db.commit()
    linked = client.get("/account/linked")
    assert "Linked" in linked.text
    assert 'action="/account/linked/github/unlink"' in linked.text
    assert "Link GitHub" not in linked.text
    failed = client.get("/account/linked?error=oauth_account_taken")
    assert "already linked to another account" in failed.text

    done = submit(client, "/account/linked/github/unlink", {}, page="/account/linked")
    assert done.status_code == 303
    assert "The provider was unlinked" in client.get("/account/linked").text
    assert db.scalar(select(func.count()).select_from(OAuthAccount)) == 0


def test_the_only_sign_in_method_cannot_be_unlinked(
    client: TestClient, db: Session, runtime: Runtime
) -> None:
    runtime.settings = runtime.settings.model_copy(
        update={"oauth_github_client_id": "id", "oauth_github_client_secret": "secret"}
    )
    user = make_user(db, email="ann@example.com", password=None)
    db.add(OAuthAccount(user_id=user.id, provider="github", subject="42", email=user.email))
    db.commit()
    login_via_provider = client.get("/login")  # the token of an anonymous page
    assert login_via_provider.status_code == 200
    # No password: sign in the way the OAuth callback does, with a fresh session.
    from syllabus.accounts import sessions
    from syllabus.accounts.sessions import Client
    from syllabus.web.session import ACCESS_COOKIE, REFRESH_COOKIE

    with runtime.db.session_scope() as s:
        pair = sessions.start_session(s, runtime, s.get(User, user.id), Client())
    client.cookies.set(ACCESS_COOKIE, pair.access_token, domain="testserver.local", path="/")
    assert pair.refresh_token is not None
    client.cookies.set(REFRESH_COOKIE, pair.refresh_token, domain="testserver.local", path="/")

    assert "have no password here yet" in client.get("/account/password").text
    refused = submit(client, "/account/linked/github/unlink", {}, page="/account/linked")
    assert refused.status_code == 409
    assert "only way to sign in" in refused.text
    assert db.scalar(select(func.count()).select_from(OAuthAccount)) == 1


def test_profile_errors_are_shown_next_to_their_fields(client: TestClient, db: Session) -> None:
    make_user(db, email="ann@example.com", name="Ann")
    web_login(client, "ann@example.com")
    bad_link = submit(
        client,
        "/account/profile",
        {"name": "", "headline": "Kept", "bio": "", "links": "https://ok.example\njavascript:x"},
    )
    assert bad_link.status_code == 422
    assert "This field is required." in bad_link.text
    assert "Entry 2: Enter a full web address starting with https://." in bad_link.text
    assert 'value="Kept"' in bad_link.text
    assert "javascript:x</textarea>" in bad_link.text
    too_many = "\n".join(f"https://site{n}.example" for n in range(6))
    many = submit(
        client, "/account/profile", {"name": "Ann", "headline": "", "bio": "", "links": too_many}
    )
    assert many.status_code == 422
    assert "Give at most 5 entries." in many.text
    db.expire_all()
    user = db.scalar(select(User).where(User.email == "ann@example.com"))
    assert user is not None
    assert user.name == "Ann"
    assert user.headline is None
