"""Direct message pages: compose from My learning, the inbox, a conversation and its reply
form, refusals, the rate limit, escaping, and an inbox that does not query per thread."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from syllabus.accounts.models import User
from syllabus.catalog.models import Course
from syllabus.community.models import Message, MessageThread
from syllabus.kit.db import utcnow
from syllabus.kit.runtime import Runtime
from tests.catalog.factories import make_course, make_enrollment
from tests.catalog_public.seed import count_statements
from tests.factories import bearer, login, make_user
from tests.web.test_account_pages import csrf_of, web_login

XSS = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


@pytest.fixture
def second_client(app: FastAPI) -> Iterator[TestClient]:
    """Another browser, for the other person of the conversation."""
    with TestClient(app, base_url="http://testserver") as browser:
        yield browser


def _people(db: Session, **names: str) -> tuple[User, User, Course]:
    owner = make_user(db, role="instructor", name=names.get("owner", "Olga Owner"))
    course = make_course(db, owner, title=names.get("course", "Sourdough basics"))
    student = make_user(db, name=names.get("student", "Sam Student"))
    make_enrollment(db, student, course)
    return owner, student, course


def _thread(db: Session, course: Course, student: User) -> MessageThread:
    db.expire_all()
    return db.scalars(
        select(MessageThread).where(
            MessageThread.course_id == course.id, MessageThread.student_id == student.id
        )
    ).one()


def _compose(client: TestClient, course: Course, body: str, student: User | None = None) -> str:
    """Send a first message through the compose form; returns where it redirected."""
    query = f"?course={course.slug}" + (f"&student={student.id}" if student else "")
    page = client.get(f"/messages/new{query}")
    assert page.status_code == 200, page.text
    data = {"course": course.slug, "body": body, "csrf_token": csrf_of(page)}
    if student is not None:
        data["student"] = student.id
    sent = client.post("/messages/new", data=data, follow_redirects=False)
    assert sent.status_code == 303, sent.text
    return sent.headers["location"]


def test_a_student_writes_and_the_instructor_answers(
    client: TestClient, second_client: TestClient, db: Session
) -> None:
    owner, student, course = _people(db)
    web_login(client, student.email)

    learning = client.get("/my/learning").text
    assert f'href="/messages/new?course={course.slug}"' in learning
    compose = client.get(f"/messages/new?course={course.slug}")
    assert "Message Olga Owner" in compose.text
    assert 'action="/messages/new"' in compose.text

    location = _compose(client, course, "Which flour should I buy?\nRye or wheat?")
    thread = _thread(db, course, student)
    assert location == f"/messages/{thread.id}"
    page = client.get(location)
    assert "Your message was sent." in page.text
    assert "Which flour should I buy?\nRye or wheat?" in page.text
    assert (thread.student_unread, thread.instructor_unread) == (0, 1)
    # Composing again opens the existing conversation.
    again = client.get(f"/messages/new?course={course.slug}", follow_redirects=False)
    assert (again.status_code, again.headers["location"]) == (303, location)

    web_login(second_client, owner.email)
    inbox = second_client.get("/messages")
    assert inbox.status_code == 200
    assert "Sam Student" in inbox.text
    assert "Sourdough basics" in inbox.text
    assert "Which flour should I buy? Rye or wheat?" in inbox.text  # the excerpt, on one line
    assert 'data-unread="1"' in inbox.text
    opened = second_client.get(location)
    assert "Which flour should I buy?" in opened.text
    assert _thread(db, course, student).instructor_unread == 0
    assert 'data-unread="1"' not in second_client.get("/messages").text

    reply = second_client.post(
        location,
        data={"body": "Rye, for a start.", "csrf_token": csrf_of(opened)},
        follow_redirects=False,
    )
    assert (reply.status_code, reply.headers["location"]) == (303, f"{location}#latest")
    assert _thread(db, course, student).student_unread == 1
    assert "Rye, for a start." in client.get("/messages").text
    assert "Rye, for a start." in client.get(location).text
    assert _thread(db, course, student).student_unread == 0


def test_the_instructor_starts_a_conversation_with_a_student(
    client: TestClient, db: Session
) -> None:
    owner, student, course = _people(db)
    web_login(client, owner.email)
    page = client.get(f"/messages/new?course={course.slug}&student={student.id}")
    assert "Message Sam Student" in page.text
    assert f'name="student" value="{student.id}"' in page.text
    location = _compose(client, course, "Welcome to the course!", student)
    assert location == f"/messages/{_thread(db, course, student).id}"
    assert _thread(db, course, student).student_unread == 1


def test_refusals_on_the_pages(client: TestClient, second_client: TestClient, db: Session) -> None:
    _owner, student, course = _people(db)
    stranger = make_user(db)
    start = second_client.post(
        "/api/v1/messages/threads",
        json={"course": course.id, "body": "Private"},
        headers=bearer(login(second_client, student.email)),
    )
    thread_id = start.json()["id"]

    signed_out = client.get(f"/messages/{thread_id}", follow_redirects=False)
    assert signed_out.status_code == 303
    assert signed_out.headers["location"].startswith("/login")
    assert client.get("/messages", follow_redirects=False).status_code == 303

    web_login(client, stranger.email)
    assert client.get(f"/messages/{thread_id}").status_code == 404
    assert client.get("/messages/no-such-thread").status_code == 404
    assert "Private" not in client.get("/messages").text
    assert client.get(f"/messages/new?course={course.slug}").status_code == 403
    assert client.get("/messages/new?course=no-such-course").status_code == 404
    token = csrf_of(client.get("/messages"))
    posted = client.post(
        f"/messages/{thread_id}", data={"body": "Hi", "csrf_token": token}, follow_redirects=False
    )
    assert posted.status_code == 404
    cold = client.post(
        "/messages/new",
        data={"course": course.slug, "body": "Hi", "csrf_token": token},
        follow_redirects=False,
    )
    assert cold.status_code == 403

    web_login(second_client, student.email)
    no_token = second_client.post(f"/messages/{thread_id}", data={"body": "Hi"})
    assert no_token.status_code == 403
    assert len(db.scalars(select(Message).where(Message.thread_id == thread_id)).all()) == 1


def test_an_admin_reads_without_writing(client: TestClient, db: Session) -> None:
    _owner, student, course = _people(db)
    admin = make_user(db, role="admin")
    start = client.post(
        "/api/v1/messages/threads",
        json={"course": course.id, "body": "Please help"},
        headers=bearer(login(client, student.email)),
    )
    web_login(client, admin.email)
    page = client.get(f"/messages/{start.json()['id']}")
    assert page.status_code == 200
    assert "Please help" in page.text
    assert "as a moderator" in page.text
    assert "Your reply" not in page.text


def test_a_refused_message_keeps_the_text(
    client: TestClient, db: Session, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    _owner, student, course = _people(db)
    web_login(client, student.email)
    location = _compose(client, course, "First")
    page = client.get(location)

    too_long = client.post(
        location, data={"body": "x" * 5001, "csrf_token": csrf_of(page)}, follow_redirects=False
    )
    assert too_long.status_code == 422
    assert "Use at most 5000 characters." in too_long.text
    empty = client.post(
        location, data={"body": "   ", "csrf_token": csrf_of(page)}, follow_redirects=False
    )
    assert (empty.status_code, "This field is required." in empty.text) == (422, True)

    monkeypatch.setattr(
        runtime, "settings", runtime.settings.model_copy(update={"message_rate_limit": "1/minute"})
    )
    runtime.rate_limiter.clear_all()
    assert (
        client.post(
            location, data={"body": "Second", "csrf_token": csrf_of(page)}, follow_redirects=False
        ).status_code
        == 303
    )
    limited = client.post(
        location, data={"body": "Third, kept", "csrf_token": csrf_of(page)}, follow_redirects=False
    )
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) >= 1
    assert "You are sending messages too fast." in limited.text
    assert ">Third, kept</textarea>" in limited.text
    bodies = db.scalars(select(Message.body).order_by(Message.created_at)).all()
    assert bodies == ["First", "Second"]


def test_user_text_is_escaped_on_every_page(
    client: TestClient, second_client: TestClient, db: Session
) -> None:
    owner, student, course = _people(
        db, owner=f"Olga {XSS}", student=f"Sam {XSS}", course=f"Bread {XSS}"
    )
    web_login(client, student.email)
    compose = client.get(f"/messages/new?course={course.slug}")
    location = _compose(client, course, f"Body {XSS}")
    web_login(second_client, owner.email)

    pages = [
        compose,
        client.get("/messages"),
        client.get(location),
        second_client.get("/messages"),
        second_client.get(location),
        client.get("/my/learning"),
    ]
    for page in pages:
        assert page.status_code == 200
        assert XSS not in page.text
        assert ESCAPED in page.text
    assert f"Body {ESCAPED}" in pages[2].text
    assert f"Sam {ESCAPED}" in pages[4].text


# ------------------------------------------------------------------ queries


def _seed_threads(db: Session, owner: User, course: Course, start: int, stop: int) -> None:
    now = utcnow()
    for n in range(start, stop):
        student = make_user(db, name=f"Student {n}")
        at = now - timedelta(minutes=100 - n)
        thread = MessageThread(
            course_id=course.id,
            student_id=student.id,
            instructor_id=owner.id,
            last_message_at=at,
            instructor_unread=1,
        )
        db.add(thread)
        db.flush()
        db.add(Message(thread_id=thread.id, sender_id=student.id, body=f"Hello {n}", created_at=at))
    db.commit()


def _statements(client: TestClient, runtime: Runtime, url: str, expected: list[str]) -> int:
    client.get(url)
    with count_statements(runtime.db.engine) as counter:
        response = client.get(url)
    assert response.status_code == 200
    for text in expected:
        assert text in response.text
    return counter.count


def test_the_inbox_does_not_query_per_thread(
    client: TestClient, db: Session, runtime: Runtime
) -> None:
    owner = make_user(db, role="instructor")
    course = make_course(db, owner)
    web_login(client, owner.email)
    headers = bearer(login(client, owner.email))
    _seed_threads(db, owner, course, 0, 3)
    few_page = _statements(client, runtime, "/messages", ["Hello 2", "Student 0"])
    with count_statements(runtime.db.engine) as api_few:
        assert len(client.get("/api/v1/messages/threads", headers=headers).json()["items"]) == 3

    _seed_threads(db, owner, course, 3, 30)
    many_page = _statements(client, runtime, "/messages", ["Hello 29", "Student 10"])
    with count_statements(runtime.db.engine) as api_many:
        listed = client.get("/api/v1/messages/threads", headers=headers).json()
    assert (len(listed["items"]), listed["total"], listed["unread_total"]) == (20, 30, 30)

    assert few_page == many_page, f"{few_page} statements for 3 threads, {many_page} for 30"
    assert api_few.count == api_many.count, f"{api_few.count} vs {api_many.count}"
