"""The studio's course list and the admin review queue: a page is a fixed number of statements."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from syllabus.accounts.models import User
from syllabus.kit.db import utcnow
from syllabus.kit.runtime import Runtime
from tests.catalog_public.seed import count_statements, seed_course
from tests.factories import make_user
from tests.web.test_account_pages import web_login


def _statements(client: TestClient, runtime: Runtime, url: str, expected: list[str]) -> int:
    """SQL statements of one GET of `url` (after a first one warms up anything lazy)."""
    client.get(url)
    with count_statements(runtime.db.engine) as counter:
        response = client.get(url)
    assert response.status_code == 200
    for text in expected:
        assert text in response.text
    return counter.count


def _drafts(db: Session, instructor: User, start: int, stop: int) -> None:
    """Courses that carry a reviewer's note: the studio shows it on draft and unpublished ones."""
    for n in range(start, stop):
        status = "draft" if n % 2 else "unpublished"
        seed_course(
            db, instructor, title=f"Studio {n}", status=status, review_note=f"Note {n}", lessons=1
        )


def _in_review(db: Session, instructor: User, start: int, stop: int) -> None:
    for n in range(start, stop):
        submitted = utcnow() - timedelta(hours=n + 1)
        seed_course(db, instructor, title=f"Queued {n}", status="in_review", submitted_at=submitted)


def test_the_studio_list_does_not_query_per_course(
    client: TestClient, db: Session, runtime: Runtime
) -> None:
    ida = make_user(db, email="ida@example.com", name="Ida Instructor", role="instructor")
    web_login(client, ida.email)
    _drafts(db, ida, 0, 3)
    few = _statements(client, runtime, "/studio", ["Note 0", "Note 2"])
    _drafts(db, ida, 3, 12)
    many = _statements(client, runtime, "/studio", ["Note 0", "Note 11"])
    assert few == many, f"{few} statements for 3 courses, {many} for 12"


def test_the_review_queue_does_not_query_per_course(
    client: TestClient, db: Session, runtime: Runtime
) -> None:
    ida = make_user(db, email="ida@example.com", name="Ida Instructor", role="instructor")
    make_user(db, email="ada@example.com", name="Ada Admin", role="admin")
    web_login(client, "ada@example.com")
    _in_review(db, ida, 0, 3)
    few = _statements(client, runtime, "/admin/reviews", ["Queued 2", "<time datetime="])
    _in_review(db, ida, 3, 12)
    many = _statements(client, runtime, "/admin/reviews", ["Queued 11", "<time datetime="])
    assert few == many, f"{few} statements for 3 courses, {many} for 12"
