"""The anonymous landing page from the cache: the same page, the visitor's own CSRF token,
and never anything of a signed-in visitor."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from syllabus.accounts.models import User
from syllabus.catalog.models import Course
from syllabus.web.routes import catalog as catalog_pages
from tests.catalog.factories import make_course
from tests.catalog_public.seed import web_login
from tests.factories import bearer, login, make_user

CSRF = "syl_csrf"
A_TOKEN = "Aa0_visitor-csrf-token-0123456789abcdefghijk"
META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


def visible(response: httpx.Response) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    headers = [(k, v) for k, v in response.headers.raw if k.lower() != b"x-request-id"]
    return response.status_code, headers, response.content


@pytest.fixture
def rendered(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the landing pages the route reads and renders (the fast path renders none)."""
    calls: list[int] = []
    original: Callable[..., Any] = catalog_pages.public.course_page

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(catalog_pages.public, "course_page", counting)
    return calls


@pytest.fixture
def instructor(db: Session) -> User:
    return make_user(db, role="instructor", name="Grace Hopper")


@pytest.fixture
def course(db: Session, instructor: User) -> Course:
    return make_course(db, instructor, title="Compilers from scratch")


def page_of(course: Course) -> str:
    return f"/courses/{course.slug}"


def anonymous_get(client: TestClient, url: str, token: str | None = A_TOKEN) -> httpx.Response:
    client.cookies.clear()
    if token is not None:
        client.cookies.set(CSRF, token)
    return client.get(url)


def test_visitors_with_a_token_get_the_same_page_from_the_cache(
    client: TestClient, course: Course, rendered: list[int]
) -> None:
    answers = [visible(anonymous_get(client, page_of(course))) for _ in range(3)]
    built = len(rendered)
    answers += [visible(anonymous_get(client, page_of(course))) for _ in range(3)]

    assert answers[0][0] == 200
    assert all(answer == answers[0] for answer in answers), "same status, headers and bytes"
    assert 1 <= built <= 2, "the route renders the page at most twice"
    assert len(rendered) == built, "then it is answered from the cache"
    html = answers[0][2].decode()
    assert META.findall(html) == [A_TOKEN], "the visitor's own token, once"
    assert "Compilers from scratch" in html
    assert b"set-cookie" not in dict(answers[0][1])
    assert dict(answers[0][1])[b"content-type"] == b"text/html; charset=utf-8"


def test_a_new_visitor_gets_a_new_token_and_its_cookie(
    client: TestClient, course: Course, rendered: list[int]
) -> None:
    tokens = []
    for _ in range(5):
        response = anonymous_get(client, page_of(course), token=None)
        assert response.status_code == 200
        cookie = response.headers["set-cookie"]
        assert cookie.startswith(f"{CSRF}=")
        attributes = {part.strip() for part in cookie.split(";")}
        assert {"HttpOnly", "SameSite=lax", "Path=/"} <= attributes
        token = cookie.split(";", 1)[0].split("=", 1)[1]
        assert META.findall(response.text) == [token]
        tokens.append(token)
    assert len(set(tokens)) == 5, "each new visitor has a token of their own"
    assert len(rendered) <= 2


def test_fast_answers_carry_the_request_id_and_security_headers(
    client: TestClient, course: Course
) -> None:
    for _ in range(3):
        anonymous_get(client, page_of(course))
    client.cookies.set(CSRF, A_TOKEN)
    response = client.get(page_of(course), headers={"X-Request-ID": "landing-7"})
    assert response.headers["x-request-id"] == "landing-7"
    assert response.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


def test_a_signed_in_visitor_never_shares_the_cached_page(
    client: TestClient, db: Session, course: Course
) -> None:
    student = make_user(db, name="Zelda Signedin")
    for _ in range(3):
        anonymous_get(client, page_of(course))

    web_login(client, student)
    mine = client.get(page_of(course)).text
    assert "Zelda Signedin" in mine
    assert "Log out" in mine

    for _ in range(3):
        anonymous = anonymous_get(client, page_of(course)).text
        assert "Zelda Signedin" not in anonymous
        assert "Log out" not in anonymous
        assert "Log in" in anonymous


def test_a_page_seen_signed_in_first_is_not_shared_later(
    client: TestClient, db: Session, course: Course
) -> None:
    student = make_user(db, name="Yuri Firstvisit")
    web_login(client, student)
    for _ in range(3):
        assert "Yuri Firstvisit" in client.get(page_of(course)).text
    for _ in range(3):
        assert "Yuri Firstvisit" not in anonymous_get(client, page_of(course)).text


def test_the_search_text_is_shown_not_the_shared_page(client: TestClient, course: Course) -> None:
    for _ in range(3):
        anonymous_get(client, page_of(course))
    client.cookies.set(CSRF, A_TOKEN)
    page = client.get(page_of(course) + "?q=parsers").text
    assert 'value="parsers"' in page


def test_a_flash_message_is_shown_once(client: TestClient, course: Course) -> None:
    for _ in range(3):
        anonymous_get(client, page_of(course))
    client.cookies.set("syl_flash", "logged_out")
    flashed = client.get(page_of(course))
    assert "You are logged out." in flashed.text
    assert 'syl_flash=""' in flashed.headers["set-cookie"], "the message is consumed"
    assert "You are logged out." not in anonymous_get(client, page_of(course)).text


def test_an_edit_shows_at_the_next_request(
    client: TestClient, instructor: User, course: Course, rendered: list[int]
) -> None:
    for _ in range(3):
        anonymous_get(client, page_of(course))
    headers = bearer(login(client, instructor.email))
    client.cookies.clear()
    edited = client.patch(
        f"/api/v1/courses/{course.id}", json={"title": "Compilers, revised"}, headers=headers
    )
    assert edited.status_code == 200, edited.text
    page = anonymous_get(client, page_of(course)).text
    assert '<meta property="og:title" content="Compilers, revised">' in page
    assert 'content="Compilers from scratch"' not in page


def test_an_unpublished_course_is_gone_at_the_next_request(
    client: TestClient, instructor: User, course: Course
) -> None:
    for _ in range(3):
        assert anonymous_get(client, page_of(course)).status_code == 200
    headers = bearer(login(client, instructor.email))
    client.cookies.clear()
    assert client.post(f"/api/v1/courses/{course.id}/unpublish", headers=headers).status_code == 200
    assert anonymous_get(client, page_of(course)).status_code == 404
