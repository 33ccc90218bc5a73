"""Direct messages through the API: who may write to whom, unread counts per side, the rate
limit, the recipient's notification and email, and counts that stay exact under races."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from syllabus.accounts.models import User
from syllabus.admin.audit import AuditEntry
from syllabus.catalog.models import Course
from syllabus.community import messages
from syllabus.community.message_schemas import ThreadStart
from syllabus.community.models import Message, MessageThread
from syllabus.kit import queue
from syllabus.kit.mail import read_outbox
from syllabus.kit.runtime import Runtime
from syllabus.notifications.models import Notification, NotificationPreference
from tests.catalog.factories import actor_of, make_course, make_enrollment, signed_in
from tests.factories import bearer, login, mails_to, make_user
from tests.support.races import all_at_once

API = "/api/v1"
THREADS = f"{API}/messages/threads"
XSS = "<script>alert(1)</script>"


# ----------------------------------------------------------------- helpers


def enrolled_student(
    client: TestClient, db: Session, course: Course
) -> tuple[User, dict[str, str]]:
    student, headers = signed_in(client, db, "student")
    make_enrollment(db, student, course)
    return student, headers


def start(
    client: TestClient,
    headers: dict[str, str],
    course: Course | str,
    body: str = "Hello",
    **extra: Any,
) -> dict[str, Any]:
    key = course if isinstance(course, str) else course.id
    response = client.post(THREADS, json={"course": key, "body": body, **extra}, headers=headers)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


def send(client: TestClient, headers: dict[str, str], thread_id: str, body: str) -> dict[str, Any]:
    response = client.post(f"{THREADS}/{thread_id}", json={"body": body}, headers=headers)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


def unread(db: Session, thread_id: str) -> tuple[int, int]:
    """(student_unread, instructor_unread) as stored."""
    db.expire_all()
    row = db.execute(
        select(MessageThread.student_unread, MessageThread.instructor_unread).where(
            MessageThread.id == thread_id
        )
    ).one()
    return row[0], row[1]


def listed(client: TestClient, headers: dict[str, str], **params: Any) -> dict[str, Any]:
    response = client.get(THREADS, params=params, headers=headers)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


# ------------------------------------------------------------------- start


def test_a_student_starts_then_continues_one_thread(client: TestClient, db: Session) -> None:
    owner, _ = signed_in(client, db, "instructor")
    course = make_course(db, owner)
    student, headers = enrolled_student(client, db, course)

    first = start(client, headers, course, "  Is there a transcript?  ")
    assert first["course"] == {"id": course.id, "slug": course.slug, "title": course.title}
    assert first["other"] == {"id": owner.id, "name": owner.name}
    assert (first["role"], first["unread"]) == ("student", 0)
    assert first["student"]["id"] == student.id
    assert [m["body"] for m in first["messages"]] == ["Is there a transcript?"]
    assert first["messages"][0]["sender"] == {"id": student.id, "name": student.name}
    assert all(first[key] for key in ("id", "last_message_at", "created_at"))

    again = start(client, headers, course.slug, "And subtitles?")
    assert again["id"] == first["id"]
    assert [m["body"] for m in again["messages"]] == ["Is there a transcript?", "And subtitles?"]
    assert db.scalar(select(func.count()).select_from(MessageThread)) == 1
    assert unread(db, first["id"]) == (0, 2)


def test_the_instructor_writes_to_an_enrolled_student(client: TestClient, db: Session) -> None:
    owner, owner_headers = signed_in(client, db, "instructor")
    course = make_course(db, owner)
    student, student_headers = enrolled_student(client, db, course)
    outsider = make_user(db)

    created = start(client, owner_headers, course, "Welcome aboard!", student_id=student.id)
    assert (created["role"], created["other"]["id"]) == ("instructor", student.id)
    assert unread(db, created["id"]) == (1, 0)
    # The student's own "start" lands in the same conversation.
    assert start(client, student_headers, course, "Thanks!")["id"] == created["id"]

    missing = client.post(THREADS, json={"course": course.id, "body": "Hi"}, headers=owner_headers)
    assert (missing.status_code, missing.json()["code"]) == (422, "student_required")
    for student_id in (outsider.id, "no-such-user"):
        refused = client.post(
            THREADS,
            json={"course": course.id, "body": "Hi", "student_id": student_id},
            headers=owner_headers,
        )
        assert (refused.status_code, refused.json()["code"]) == (403, "not_enrolled")
    to_self = client.post(
        THREADS,
        json={"course": course.id, "body": "Hi", "student_id": owner.id},
        headers=owner_headers,
    )
    assert (to_self.status_code, to_self.json()["code"]) == (422, "cannot_message_self")


def test_no_cold_messages(client: TestClient, db: Session) -> None:
    owner, _ = signed_in(client, db, "instructor")
    course = make_course(db, owner)
    draft = make_course(db, owner, status="draft")
    student, _ = enrolled_student(client, db, course)
    _, stranger = signed_in(client, db, "student")
    _, other_instructor = signed_in(client, db, "instructor")
    revoked, revoked_headers = signed_in(client, db, "student")
    make_enrollment(db, revoked, course, status="revoked")

    def post(headers: dict[str, str] | None, **payload: Any) -> tuple[int, str]:
        response = client.post(
            THREADS, json={"course": course.id, "body": "Hi", **payload}, headers=headers or {}
        )
        return response.status_code, response.json().get("code", "")

    assert post(stranger) == (403, "not_enrolled")
    assert post(revoked_headers) == (403, "not_enrolled")
    assert post(other_instructor) == (403, "not_enrolled")
    assert post(other_instructor, student_id=student.id) == (403, "not_course_owner")
    assert post(stranger, student_id=student.id) == (403, "not_course_owner")
    assert post(stranger, course=draft.id) == (404, "course_not_found")
    assert post(stranger, course="no-such-course") == (404, "course_not_found")
    assert post(None)[0] == 401
    assert db.scalar(select(func.count()).select_from(MessageThread)) == 0


def test_malformed_messages_are_422(client: TestClient, db: Session) -> None:
    owner, _ = signed_in(client, db, "instructor")
    course = make_course(db, owner)
    _, headers = enrolled_student(client, db, course)
    for bad in (
        {"course": course.id, "body": "   "},
        {"course": course.id, "body": "x" * 5001},
        {"course": course.id},
        {"course": "", "body": "Hi"},
        {"course": course.id, "body": "Hi", "to": "someone"},
    ):
        assert client.post(THREADS, json=bad, headers=headers).status_code == 422, bad
    thread = start(client, headers, course, "x" * 5000)
    for bad_body in ({"body": ""}, {"body": "y" * 5001}, {}):
        response = client.post(f"{THREADS}/{thread['id']}", json=bad_body, headers=headers)
        assert response.status_code == 422, bad_body


# ------------------------------------------------------------- permissions


def test_only_the_two_participants_read_and_write(client: TestClient, db: Session) -> None:
    owner, owner_headers = signed_in(client, db, "instructor")
    course = make_course(db, owner)
    _, student = enrolled_student(client, db, course)
    _, classmate = enrolled_student(client, db, course)
    _, other_instructor = signed_in(client, db, "instructor")
    admin_user, admin = signed_in(client, db, "admin")
    thread = start(client, student, course, "Private question")
    url = f"{THREADS}/{thread['id']}"

    for headers in (classmate, other_instructor):
        read = client.get(url, headers=headers)
        assert (read.status_code, read.json()["code"]) == (404, "thread_not_found")
        write = client.post(url, json={"body": "Hi"}, headers=headers)
        assert (write.status_code, write.json()["code"]) == (404, "thread_not_found")
        assert listed(client, headers)["items"] == []
    assert client.get(url).status_code == 401
    assert client.post(url, json={"body": "Hi"}).status_code == 401
    unknown = client.get(f"{THREADS}/no-such-thread", headers=student)
    assert (unknown.status_code, unknown.json()["code"]) == (404, "thread_not_found")

    # Admins read for moderation (audit-logged, nothing marked read) but do not write.
    moderated = client.get(url, headers=admin)
    assert moderated.status_code == 200, moderated.text
    assert moderated.json()["role"] is None
    assert [m["body"] for m in moderated.json()["messages"]] == ["Private question"]
    entry = db.scalars(select(AuditEntry).where(AuditEntry.target_id == thread["id"])).one()
    assert (entry.action, entry.actor_id) == ("message_thread.read", admin_user.id)
    assert unread(db, thread["id"]) == (0, 1)
    write = client.post(url, json={"body": "Hi"}, headers=admin)
    assert (write.status_code, write.json()["code"]) == (403, "not_thread_participant")

    assert client.get(url, headers=owner_headers).status_code == 200
    assert send(client, owner_headers, thread["id"], "Answer")["body"] == "Answer"


# ----------------------------------------------------------------- unread


def test_unread_counts_are_kept_per_side(client: TestClient, db: Session) -> None:
    owner, owner_headers = signed_in(client, db, "instructor")
    course = make_course(db, owner)
    student, student_headers = enrolled_student(client, db, course)
    thread = start(client, student_headers, course, "One")
    thread_id = thread["id"]
    sent = send(client, student_headers, thread_id, "Two")
    assert sent["sender"] == {"id": student.id, "name": student.name}
    assert (sent["thread_id"], sent["body"]) == (thread_id, "Two")

    assert unread(db, thread_id) == (0, 2)
    mine = listed(client, owner_headers)
    assert (mine["unread_total"], mine["items"][0]["unread"]) == (2, 2)
    theirs = listed(client, student_headers)
    assert (theirs["unread_total"], theirs["items"][0]["unread"]) == (0, 0)

    opened = client.get(f"{THREADS}/{thread_id}", headers=owner_headers).json()
    assert [m["body"] for m in opened["messages"]] == ["One", "Two"]
    assert opened["unread"] == 0
    assert unread(db, thread_id) == (0, 0)
    assert listed(client, owner_headers)["unread_total"] == 0

    send(client, owner_headers, thread_id, "Three")
    assert unread(db, thread_id) == (1, 0)
    assert listed(client, student_headers)["unread_total"] == 1
    client.get(f"{THREADS}/{thread_id}", headers=student_headers)
    assert unread(db, thread_id) == (0, 0)


def test_threads_list_newest_activity_first(client: TestClient, db: Session) -> None:
    owner, owner_headers = signed_in(client, db, "instructor")
    first_course = make_course(db, owner, title="Pottery")
    second_course = make_course(db, owner, title="Glazing")
    alice, alice_headers = enrolled_student(client, db, first_course)
    make_enrollment(db, alice, second_course)
    bob, bob_headers = enrolled_student(client, db, first_course)

    a1 = start(client, alice_headers, first_course, "About pottery")
    b1 = start(client, bob_headers, first_course, "Bob here")
    a2 = start(client, alice_headers, second_course, "About glazing " + "word " * 80)
    send(client, owner_headers, b1["id"], "Hi Bob")

    page = listed(client, owner_headers)
    assert [item["id"] for item in page["items"]] == [b1["id"], a2["id"], a1["id"]]
    assert (page["total"], page["page"], page["page_size"]) == (3, 1, 20)
    assert page["unread_total"] == 3
    top = page["items"][0]
    assert (top["other"], top["role"], top["unread"]) == (
        {"id": bob.id, "name": bob.name},
        "instructor",
        1,
    )
    assert top["last_message"]["excerpt"] == "Hi Bob"
    assert top["last_message"]["sender_id"] == owner.id
    long = page["items"][1]["last_message"]["excerpt"]
    assert long.startswith("About glazing word")
    assert long.endswith("…")
    assert len(long) <= 140

    second = listed(client, owner_headers, page=2, page_size=2)
    assert [item["id"] for item in second["items"]] == [a1["id"]]
    alice_page = listed(client, alice_headers)
    assert [item["course"]["title"] for item in alice_page["items"]] == ["Glazing", "Pottery"]
    assert all(item["role"] == "student" for item in alice_page["items"])
    assert client.get(THREADS).status_code == 401
    assert client.get(THREADS, params={"page_size": 101}, headers=owner_headers).status_code == 422


def test_a_long_conversation_pages_back(client: TestClient, db: Session) -> None:
    owner, owner_headers = signed_in(client, db, "instructor")
    course = make_course(db, owner)
    _, headers = enrolled_student(client, db, course)
    thread = start(client, headers, course, "m0")
    for n in range(1, 5):
        send(client, headers if n % 2 else owner_headers, thread["id"], f"m{n}")
    url = f"{THREADS}/{thread['id']}"

    latest = client.get(url, params={"limit": 2}, headers=headers).json()
    assert [m["body"] for m in latest["messages"]] == ["m3", "m4"]
    assert latest["has_earlier"] is True
    older = client.get(
        url, params={"limit": 2, "before": latest["messages"][0]["id"]}, headers=headers
    ).json()
    assert [m["body"] for m in older["messages"]] == ["m1", "m2"]
    oldest = client.get(
        url, params={"limit": 2, "before": older["messages"][0]["id"]}, headers=headers
    ).json()
    assert ([m["body"] for m in oldest["messages"]], oldest["has_earlier"]) == (["m0"], False)
    everything = client.get(url, headers=headers).json()
    assert len(everything["messages"]) == 5
    assert everything["has_earlier"] is False
    assert client.get(url, params={"limit": 101}, headers=headers).status_code == 422


# ------------------------------------------------------------- rate limit


def test_messages_are_rate_limited_per_sender(
    client: TestClient, db: Session, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        runtime, "settings", runtime.settings.model_copy(update={"message_rate_limit": "3/minute"})
    )
    owner, owner_headers = signed_in(client, db, "instructor")
    course = make_course(db, owner)
    _, headers = enrolled_student(client, db, course)
    thread = start(client, headers, course, "1")
    send(client, headers, thread["id"], "2")
    send(client, headers, thread["id"], "3")

    for refused in (
        client.post(f"{THREADS}/{thread['id']}", json={"body": "4"}, headers=headers),
        client.post(THREADS, json={"course": course.id, "body": "4"}, headers=headers),
    ):
        assert (refused.status_code, refused.json()["code"]) == (429, "rate_limited")
        assert int(refused.headers["Retry-After"]) >= 1
    assert db.scalar(select(func.count()).select_from(Message)) == 3
    assert unread(db, thread["id"]) == (0, 3)
    # The limit is the sender's own: the instructor still answers.
    send(client, owner_headers, thread["id"], "Slow down, I'm reading")


# ------------------------------------------------------- notify and email


def test_the_recipient_is_notified_and_emailed_an_excerpt(
    client: TestClient, db: Session, runtime: Runtime, run_jobs: Callable[[], int]
) -> None:
    owner, owner_headers = signed_in(client, db, "instructor")
    course = make_course(db, owner, title="Bread baking")
    student, headers = enrolled_student(client, db, course)
    tail = "THE-VERY-END-OF-A-LONG-MESSAGE"
    body = "Question about the starter. " + "More details follow here. " * 80 + tail
    thread = start(client, headers, course, body)
    message_id = thread["messages"][0]["id"]

    note = db.scalars(select(Notification).where(Notification.user_id == owner.id)).one()
    assert note.kind == "message_received"
    assert note.url == f"/messages/{thread['id']}"
    assert note.dedupe_key == f"message:{message_id}:{owner.id}"
    assert student.name in note.title
    assert note.body.startswith("Question about the starter.")
    assert tail not in note.body
    assert db.scalars(select(Notification).where(Notification.user_id == student.id)).all() == []

    run_jobs()
    (mail,) = mails_to(runtime, owner.email)
    assert "Question about the starter." in mail
    assert tail not in mail
    assert f"{runtime.settings.base_url.rstrip('/')}/messages/{thread['id']}" in mail
    assert "Bread baking" in mail

    # Email off for this kind: the in-app notification only.
    db.add(NotificationPreference(user_id=student.id, kind="message_received", email=False))
    db.commit()
    send(client, owner_headers, thread["id"], "Feed it twice a day.")
    run_jobs()
    assert mails_to(runtime, student.email) == []
    notes = db.scalars(select(Notification).where(Notification.user_id == student.id)).all()
    assert [n.body for n in notes] == ["Feed it twice a day."]


def test_user_text_in_the_email_is_escaped(
    client: TestClient, db: Session, runtime: Runtime, run_jobs: Callable[[], int]
) -> None:
    owner = make_user(db, role="instructor", name=f"Ins {XSS}")
    course = make_course(db, owner, title=f"Course {XSS}")
    student = make_user(db, name=f"Stu {XSS}")
    make_enrollment(db, student, course)
    thread = start(client, bearer(login(client, student.email)), course, XSS)
    assert thread["messages"][0]["body"] == XSS  # stored as typed
    run_jobs()
    (mail,) = [m for m in read_outbox(runtime.settings.mail_dir) if m["To"] == owner.email]
    html_part = mail.get_body(preferencelist=("html",))
    assert html_part is not None
    html = html_part.get_content()
    assert XSS not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# ------------------------------------------------------------------ races


def test_concurrent_messages_keep_the_counts_exact(committed_runtime: Runtime) -> None:
    rt = committed_runtime
    with rt.db.session_scope() as s:
        owner = make_user(s, role="instructor")
        student = make_user(s)
        course = make_course(s, owner)
        make_enrollment(s, student, course)
        s.expunge_all()
    teacher, learner = actor_of(owner), actor_of(student)

    def first(actor: Any, **extra: Any) -> str:
        with rt.db.session_scope() as s:
            data = ThreadStart(course=course.id, body="first", **extra)
            return messages.start_thread(s, rt, actor, data)

    # Both write the very first message at once: one thread between them.
    ids = all_at_once([lambda: first(learner), lambda: first(teacher, student_id=student.id)])
    assert ids[0] == ids[1]
    thread_id = ids[0]

    def say(actor: Any, n: int) -> None:
        with rt.db.session_scope() as s:
            messages.send_message(s, rt, actor, thread_id, f"message {n}")

    per_side = 6
    all_at_once(
        [lambda n=n: say(learner, n) for n in range(per_side)]
        + [lambda n=n: say(teacher, n) for n in range(per_side)]
    )
    queue.huey.flush()

    with rt.db.session_scope() as s:
        thread = s.get(MessageThread, thread_id)
        assert thread is not None
        assert (thread.student_unread, thread.instructor_unread) == (per_side + 1, per_side + 1)
        count = s.scalar(
            select(func.count()).select_from(Message).where(Message.thread_id == thread_id)
        )
        assert count == 2 * per_side + 2
        notes = s.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.kind == "message_received", Notification.user_id == owner.id)
        )
        assert notes == per_side + 1
