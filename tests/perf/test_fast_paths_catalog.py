"""The catalog API's fast path answers exactly like the route, and never with stale data."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from syllabus.accounts.models import User
from syllabus.catalog import public
from syllabus.kit.runtime import Runtime
from tests.catalog.factories import make_course
from tests.factories import bearer, login, make_user

LIST = "/api/v1/courses"
QUERY = "?page=1&page_size=20&sort=newest"


def visible(response: httpx.Response) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """Status, headers in order (all but the per-request id) and body bytes."""
    headers = [(k, v) for k, v in response.headers.raw if k.lower() != b"x-request-id"]
    return response.status_code, headers, response.content


@pytest.fixture
def route_reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the pages the route itself builds (the fast path builds none)."""
    calls: list[int] = []
    original: Callable[..., bytes] = public.list_courses

    def counting(*args: Any, **kwargs: Any) -> bytes:
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(public, "list_courses", counting)
    return calls


@pytest.fixture
def instructor(db: Session) -> User:
    user = make_user(db, role="instructor")
    for index in range(3):
        make_course(db, user, title=f"Published course {index}")
    return user


def test_a_warm_page_comes_from_the_fast_path_byte_for_byte(
    client: TestClient, instructor: User, route_reads: list[int]
) -> None:
    answers = [visible(client.get(LIST + QUERY)) for _ in range(3)]
    built = len(route_reads)
    answers += [visible(client.get(LIST + QUERY)) for _ in range(3)]

    assert answers[0][0] == 200
    assert all(answer == answers[0] for answer in answers), "same status, headers and body"
    assert 1 <= built <= 2, "the route builds the page at most twice"
    assert len(route_reads) == built, "then the fast path answers from the cache"
    headers = dict(answers[0][1])
    assert headers[b"cache-control"] == b"public, max-age=60"
    assert headers[b"content-type"] == b"application/json"
    assert b"Published course 2" in answers[0][2]


def test_fast_answers_carry_the_request_id_and_security_headers(
    client: TestClient, instructor: User
) -> None:
    for _ in range(3):
        client.get(LIST + QUERY)
    response = client.get(LIST + QUERY, headers={"X-Request-ID": "fast-path-42"})
    assert response.headers["x-request-id"] == "fast-path-42"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "default-src 'self'" in response.headers["content-security-policy"]


@pytest.mark.parametrize("form", ["{etag}", "W/{etag}", '"other", {etag}', "*"])
def test_if_none_match_gets_the_same_304(
    client: TestClient, instructor: User, route_reads: list[int], form: str
) -> None:
    etag = client.get(LIST + QUERY).headers["etag"]
    header = {"If-None-Match": form.format(etag=etag)}
    answers = [visible(client.get(LIST + QUERY, headers=header)) for _ in range(2)]
    built = len(route_reads)
    answers += [visible(client.get(LIST + QUERY, headers=header)) for _ in range(2)]
    assert answers[0][0] == 304
    assert answers[0][2] == b""
    assert all(answer == answers[0] for answer in answers)
    headers = dict(answers[0][1])
    assert headers[b"etag"] == etag.encode()
    assert headers[b"cache-control"] == b"public, max-age=60"
    assert b"content-type" not in headers
    assert len(route_reads) == built


def test_another_etag_gets_the_page(client: TestClient, instructor: User) -> None:
    for _ in range(3):
        response = client.get(LIST + QUERY, headers={"If-None-Match": '"not-this-one"'})
        assert response.status_code == 200
        assert response.json()["items"]


@pytest.mark.parametrize("query", ["?page=0", "?page_size=500", "?level=wizard", "?sort=cheapest"])
def test_invalid_queries_are_422_every_time(client: TestClient, query: str) -> None:
    for _ in range(3):
        response = client.get(LIST + query)
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == "validation_error"


def test_a_write_is_seen_at_the_next_request(
    client: TestClient, db: Session, instructor: User, route_reads: list[int]
) -> None:
    for _ in range(3):
        client.get(LIST + QUERY)
    built = len(route_reads)
    client.get(LIST + QUERY)
    assert len(route_reads) == built, "warm"

    course = make_course(db, instructor, status="draft", title="Draft until now")
    headers = bearer(login(client, instructor.email))
    renamed = client.patch(
        f"/api/v1/courses/{course.id}", json={"title": "Renamed draft"}, headers=headers
    )
    assert renamed.status_code == 200, renamed.text
    published_before = [item["title"] for item in client.get(LIST + QUERY).json()["items"]]
    assert "Renamed draft" not in published_before

    first = next(item for item in client.get(LIST + QUERY).json()["items"])
    edited = client.patch(
        f"/api/v1/courses/{first['id']}", json={"title": "A brand new title"}, headers=headers
    )
    assert edited.status_code == 200, edited.text
    titles = [item["title"] for item in client.get(LIST + QUERY).json()["items"]]
    assert "A brand new title" in titles
    assert first["title"] not in titles


def test_query_strings_differ_by_page(client: TestClient, instructor: User) -> None:
    for _ in range(3):
        first = client.get(LIST + "?page=1&page_size=2&sort=newest").json()
        second = client.get(LIST + "?page=2&page_size=2&sort=newest").json()
    assert [first["page"], second["page"]] == [1, 2]
    assert {c["id"] for c in first["items"]}.isdisjoint({c["id"] for c in second["items"]})


def test_with_the_cache_off_every_page_is_built(
    client: TestClient, instructor: User, runtime: Runtime, route_reads: list[int]
) -> None:
    from syllabus.kit.cache import NullCache

    runtime.cache = NullCache()
    answers = [visible(client.get(LIST + QUERY)) for _ in range(3)]
    assert all(answer == answers[0] for answer in answers)
    assert len(route_reads) == 3
