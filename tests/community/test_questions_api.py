"""Lesson Q&A API: who may ask, answer and hide, answer counts, notifications and emails."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from syllabus.accounts.models import User
from syllabus.admin.audit import AuditEntry
from syllabus.catalog.models import Course, Lesson
from syllabus.community.models import Answer, Question
from syllabus.kit.mail import read_outbox
from syllabus.kit.runtime import Runtime
from syllabus.notifications.models import Notification, NotificationPreference
from tests.catalog.factories import make_course, make_enrollment, signed_in
from tests.factories import mails_to

API = "/api/v1"
XSS = "<script>alert(1)</script>"

Headers = dict[str, str]


def first_lesson(db: Session, course: Course) -> Lesson:
    lesson = db.scalars(
        select(Lesson).where(Lesson.course_id == course.id).order_by(Lesson.position)
    ).first()
    assert lesson is not None
    return lesson


def enrolled_student(client: TestClient, db: Session, course: Course) -> tuple[User, Headers]:
    student, headers = signed_in(client, db, "student")
    make_enrollment(db, student, course)
    return student, headers


def ask(
    client: TestClient, lesson: Lesson, headers: Headers, title: str = "How?", body: str = ""
) -> dict[str, Any]:
    response = client.post(
        f"{API}/lessons/{lesson.id}/questions", json={"title": title, "body": body}, headers=headers
    )
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


def answer(
    client: TestClient, question_id: str, headers: Headers, body: str = "Like this."
) -> dict[str, Any]:
    response = client.post(
        f"{API}/questions/{question_id}/answers", json={"body": body}, headers=headers
    )
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


def listed(client: TestClient, lesson: Lesson, headers: Headers, **params: Any) -> dict[str, Any]:
    response = client.get(f"{API}/lessons/{lesson.id}/questions", params=params, headers=headers)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def notifications_of(db: Session, user: User) -> list[Notification]:
    db.expire_all()
    return list(
        db.scalars(
            select(Notification)
            .where(Notification.user_id == user.id)
            .order_by(Notification.created_at)
        )
    )


def html_mails_to(runtime: Runtime, address: str) -> list[str]:
    parts = []
    for message in read_outbox(runtime.settings.mail_dir):
        if message["To"] == address:
            html = message.get_body(preferencelist=("html",))
            assert html is not None
            parts.append(str(html.get_content()))
    return parts


class Course3:
    """A published course, its instructor and first lesson, with signed-in headers."""

    def __init__(self, client: TestClient, db: Session, **fields: Any) -> None:
        self.owner, self.owner_headers = signed_in(client, db, "instructor")
        self.course = make_course(db, self.owner, **fields)
        self.lesson = first_lesson(db, self.course)


# ------------------------------------------------------------------- asking


def test_an_enrolled_student_asks_and_the_instructor_is_notified(
    client: TestClient, db: Session, runtime: Runtime, run_jobs: Callable[[], int]
) -> None:
    c = Course3(client, db)
    student, headers = enrolled_student(client, db, c.course)

    body = ask(client, c.lesson, headers, "  Why a snapshot?  ", "  I do not get it.\nHelp  ")
    assert body["title"] == "Why a snapshot?"
    assert body["body"] == "I do not get it.\nHelp"
    assert body["author"] == {"id": student.id, "name": student.name, "is_instructor": False}
    assert (body["lesson_id"], body["course_id"]) == (c.lesson.id, c.course.id)
    assert (body["status"], body["answer_count"]) == ("visible", 0)
    assert all(body[key] for key in ("id", "created_at", "updated_at", "last_activity_at"))

    [note] = notifications_of(db, c.owner)
    path = f"/learn/{c.course.slug}/lessons/{c.lesson.id}/questions/{body['id']}"
    assert (note.kind, note.url, note.read_at) == ("question_asked", path, None)
    assert note.dedupe_key == f"question:{body['id']}:{c.owner.id}"
    assert c.course.title in note.title
    assert "Why a snapshot?" in note.body
    assert notifications_of(db, student) == []

    run_jobs()
    [mail] = mails_to(runtime, c.owner.email)
    assert "Why a snapshot?" in mail
    assert "I do not get it." in mail
    assert f"{runtime.settings.base_url.rstrip('/')}{path}" in mail
    assert mails_to(runtime, student.email) == []


def test_the_instructor_asking_on_their_own_course_is_not_notified(
    client: TestClient, db: Session, runtime: Runtime, run_jobs: Callable[[], int]
) -> None:
    c = Course3(client, db)
    body = ask(client, c.lesson, c.owner_headers, "A note for everyone")
    assert body["author"]["is_instructor"] is True
    assert notifications_of(db, c.owner) == []
    run_jobs()
    assert mails_to(runtime, c.owner.email) == []


def test_email_follows_the_instructors_preference(
    client: TestClient, db: Session, runtime: Runtime, run_jobs: Callable[[], int]
) -> None:
    c = Course3(client, db)
    db.add(NotificationPreference(user_id=c.owner.id, kind="question_asked", email=False))
    db.commit()
    _, headers = enrolled_student(client, db, c.course)
    ask(client, c.lesson, headers)
    assert len(notifications_of(db, c.owner)) == 1
    run_jobs()
    assert mails_to(runtime, c.owner.email) == []


def test_who_may_not_ask_or_read(client: TestClient, db: Session) -> None:
    c = Course3(client, db)
    url = f"{API}/lessons/{c.lesson.id}/questions"
    question = {"title": "Hello", "body": ""}

    assert client.get(url).status_code == 401
    assert client.post(url, json=question).status_code == 401

    _, stranger = signed_in(client, db, "student")
    for response in (
        client.get(url, headers=stranger),
        client.post(url, json=question, headers=stranger),
    ):
        assert (response.status_code, response.json()["code"]) == (403, "not_enrolled")

    revoked, revoked_headers = signed_in(client, db, "student")
    make_enrollment(db, revoked, c.course, status="revoked")
    assert client.post(url, json=question, headers=revoked_headers).status_code == 403

    # Another instructor is a stranger here too.
    _, other_owner = signed_in(client, db, "instructor")
    assert client.get(url, headers=other_owner).status_code == 403

    unknown = client.get(f"{API}/lessons/nope/questions", headers=stranger)
    assert (unknown.status_code, unknown.json()["code"]) == (404, "lesson_not_found")

    draft = make_course(db, c.owner, status="draft")
    draft_url = f"{API}/lessons/{first_lesson(db, draft).id}/questions"
    hidden = client.post(draft_url, json=question, headers=stranger)
    assert (hidden.status_code, hidden.json()["code"]) == (404, "lesson_not_found")
    # The owner of a draft course may already use it; so may an admin.
    assert client.get(draft_url, headers=c.owner_headers).status_code == 200
    _, admin = signed_in(client, db, "admin")
    assert client.get(draft_url, headers=admin).status_code == 200
    assert client.post(draft_url, json=question, headers=admin).status_code == 201

    _, student = enrolled_student(client, db, c.course)
    for bad in (
        {"title": ""},
        {"title": "   "},
        {"title": "x" * 201},
        {"title": "ok", "body": "x" * 5001},
        {"title": "ok", "extra": 1},
        {"body": "no title"},
    ):
        assert client.post(url, json=bad, headers=student).status_code == 422, bad
    assert db.scalars(select(Question).where(Question.lesson_id == c.lesson.id)).all() == []


def test_a_drip_locked_lesson_takes_no_questions_from_students(
    client: TestClient, db: Session
) -> None:
    c = Course3(client, db)
    c.lesson.drip_days = 7
    db.commit()
    _, headers = enrolled_student(client, db, c.course)
    refused = client.post(
        f"{API}/lessons/{c.lesson.id}/questions", json={"title": "Early"}, headers=headers
    )
    assert (refused.status_code, refused.json()["code"]) == (409, "lesson_locked")
    assert client.get(f"{API}/lessons/{c.lesson.id}/questions", headers=headers).status_code == 409
    ask(client, c.lesson, c.owner_headers, "The owner is never locked out")


# --------------------------------------------------------------- the lists


def test_the_list_is_paginated_latest_activity_first(client: TestClient, db: Session) -> None:
    c = Course3(client, db)
    _, headers = enrolled_student(client, db, c.course)
    ids = [ask(client, c.lesson, headers, f"Question {n}")["id"] for n in range(3)]
    other_lesson = db.scalars(
        select(Lesson).where(Lesson.course_id == c.course.id, Lesson.id != c.lesson.id)
    ).first()
    assert other_lesson is not None
    ask(client, other_lesson, headers, "Elsewhere")

    page = listed(client, c.lesson, headers)
    assert (page["total"], page["page"], page["page_size"]) == (3, 1, 20)
    assert [item["id"] for item in page["items"]] == ids[::-1]
    item = page["items"][0]
    assert set(item) >= {
        "id",
        "title",
        "body",
        "author",
        "answer_count",
        "created_at",
        "last_activity_at",
        "status",
    }

    # An answer brings its question to the top.
    answer(client, ids[0], c.owner_headers)
    page = listed(client, c.lesson, headers, page_size=2)
    assert [item["id"] for item in page["items"]] == [ids[0], ids[2]]
    assert page["items"][0]["answer_count"] == 1
    second = listed(client, c.lesson, headers, page_size=2, page=2)
    assert [item["id"] for item in second["items"]] == [ids[1]]
    assert (
        client.get(
            f"{API}/lessons/{c.lesson.id}/questions?page_size=101", headers=headers
        ).status_code
        == 422
    )


def test_a_thread_lists_answers_oldest_first_with_the_instructor_badge(
    client: TestClient, db: Session
) -> None:
    c = Course3(client, db)
    student, headers = enrolled_student(client, db, c.course)
    classmate, classmate_headers = enrolled_student(client, db, c.course)
    question = ask(client, c.lesson, headers, "Why?", "Tell me")
    first = answer(client, question["id"], classmate_headers, "Because.")
    second = answer(client, question["id"], c.owner_headers, "Because, officially.")
    assert first["author"] == {"id": classmate.id, "name": classmate.name, "is_instructor": False}
    assert second["author"]["is_instructor"] is True
    assert (second["question_id"], second["status"]) == (question["id"], "visible")

    thread = client.get(f"{API}/questions/{question['id']}", headers=headers).json()
    assert (thread["title"], thread["body"], thread["answer_count"]) == ("Why?", "Tell me", 2)
    assert thread["author"]["id"] == student.id
    assert [a["id"] for a in thread["answers"]] == [first["id"], second["id"]]
    assert [a["author"]["is_instructor"] for a in thread["answers"]] == [False, True]

    _, stranger = signed_in(client, db, "student")
    refused = client.get(f"{API}/questions/{question['id']}", headers=stranger)
    assert (refused.status_code, refused.json()["code"]) == (403, "not_enrolled")
    unknown = client.get(f"{API}/questions/nope", headers=headers)
    assert (unknown.status_code, unknown.json()["code"]) == (404, "question_not_found")
    assert client.get(f"{API}/questions/{question['id']}").status_code == 401


# ----------------------------------------------------------------- answers


def test_an_answer_notifies_the_asker_once(
    client: TestClient, db: Session, runtime: Runtime, run_jobs: Callable[[], int]
) -> None:
    c = Course3(client, db)
    student, headers = enrolled_student(client, db, c.course)
    question = ask(client, c.lesson, headers, "Why a snapshot?")
    reply = answer(client, question["id"], c.owner_headers, "Because it is cheap.")

    [note] = notifications_of(db, student)
    path = f"/learn/{c.course.slug}/lessons/{c.lesson.id}/questions/{question['id']}"
    assert note.kind == "question_answered"
    assert note.url == f"{path}#answer-{reply['id']}"
    assert note.dedupe_key == f"answer:{reply['id']}:{student.id}"
    assert c.owner.name in note.title
    assert "Because it is cheap." in note.body

    # Answering one's own question tells nobody.
    answer(client, question["id"], headers, "Got it, thanks!")
    assert len(notifications_of(db, student)) == 1

    run_jobs()
    [mail] = mails_to(runtime, student.email)
    assert "Because it is cheap." in mail
    assert "Why a snapshot?" in mail
    assert f"{runtime.settings.base_url.rstrip('/')}{path}#answer-{reply['id']}" in mail
    # The instructor got the question's email only.
    assert len(mails_to(runtime, c.owner.email)) == 1


def test_who_may_not_answer(client: TestClient, db: Session) -> None:
    c = Course3(client, db)
    _, headers = enrolled_student(client, db, c.course)
    question = ask(client, c.lesson, headers)
    url = f"{API}/questions/{question['id']}/answers"

    assert client.post(url, json={"body": "x"}).status_code == 401
    _, stranger = signed_in(client, db, "student")
    refused = client.post(url, json={"body": "x"}, headers=stranger)
    assert (refused.status_code, refused.json()["code"]) == (403, "not_enrolled")
    unknown = client.post(f"{API}/questions/nope/answers", json={"body": "x"}, headers=headers)
    assert (unknown.status_code, unknown.json()["code"]) == (404, "question_not_found")
    for bad in ({"body": ""}, {"body": "  "}, {"body": "x" * 5001}, {}):
        assert client.post(url, json=bad, headers=headers).status_code == 422, bad
    assert db.scalars(select(Answer).where(Answer.question_id == question["id"])).all() == []


# -------------------------------------------------------------- moderation


def test_the_instructor_hides_and_shows_a_question(client: TestClient, db: Session) -> None:
    c = Course3(client, db)
    _, headers = enrolled_student(client, db, c.course)
    question = ask(client, c.lesson, headers, "Spam")
    url = f"{API}/questions/{question['id']}/hide"

    refused = client.post(url, headers=headers)
    assert (refused.status_code, refused.json()["code"]) == (403, "not_course_owner")
    _, stranger = signed_in(client, db, "student")
    assert client.post(url, headers=stranger).status_code == 403
    assert client.post(url).status_code == 401
    assert client.post(f"{API}/questions/nope/hide", headers=c.owner_headers).status_code == 404

    hidden = client.post(url, headers=c.owner_headers)
    assert (hidden.status_code, hidden.json()["status"]) == (200, "hidden")

    # Gone for students, marked for the instructor.
    assert listed(client, c.lesson, headers)["items"] == []
    gone = client.get(f"{API}/questions/{question['id']}", headers=headers)
    assert (gone.status_code, gone.json()["code"]) == (404, "question_not_found")
    assert client.post(f"{url}", headers=headers).status_code == 404
    answers = client.post(
        f"{API}/questions/{question['id']}/answers", json={"body": "x"}, headers=headers
    )
    assert answers.status_code == 404
    [item] = listed(client, c.lesson, c.owner_headers)["items"]
    assert item["status"] == "hidden"
    closed = client.post(
        f"{API}/questions/{question['id']}/answers", json={"body": "x"}, headers=c.owner_headers
    )
    assert (closed.status_code, closed.json()["code"]) == (409, "question_hidden")

    shown = client.post(url, json={"hidden": False}, headers=c.owner_headers)
    assert shown.json()["status"] == "visible"
    assert len(listed(client, c.lesson, headers)["items"]) == 1


def test_hiding_answers_keeps_the_count_of_visible_ones(client: TestClient, db: Session) -> None:
    c = Course3(client, db)
    _, headers = enrolled_student(client, db, c.course)
    _, admin = signed_in(client, db, "admin")
    question = ask(client, c.lesson, headers)
    first = answer(client, question["id"], c.owner_headers, "One")
    second = answer(client, question["id"], headers, "Two")

    def count() -> int:
        return int(listed(client, c.lesson, headers)["items"][0]["answer_count"])

    assert count() == 2
    refused = client.post(f"{API}/answers/{second['id']}/hide", headers=headers)
    assert (refused.status_code, refused.json()["code"]) == (403, "not_course_owner")

    hidden = client.post(f"{API}/answers/{second['id']}/hide", headers=admin)
    assert (hidden.status_code, hidden.json()["status"]) == (200, "hidden")
    assert count() == 1
    # Again: nothing changes.
    assert (
        client.post(f"{API}/answers/{second['id']}/hide", headers=c.owner_headers).status_code
        == 200
    )
    assert count() == 1
    thread = client.get(f"{API}/questions/{question['id']}", headers=headers).json()
    assert [a["id"] for a in thread["answers"]] == [first["id"]]
    owner_view = client.get(f"{API}/questions/{question['id']}", headers=c.owner_headers).json()
    assert [a["status"] for a in owner_view["answers"]] == ["visible", "hidden"]
    gone = client.post(f"{API}/answers/{second['id']}/hide", headers=headers)
    assert (gone.status_code, gone.json()["code"]) == (404, "answer_not_found")
    assert client.post(f"{API}/answers/nope/hide", headers=admin).status_code == 404

    shown = client.post(
        f"{API}/answers/{second['id']}/hide", json={"hidden": False}, headers=c.owner_headers
    )
    assert shown.json()["status"] == "visible"
    assert count() == 2

    actions = db.scalars(
        select(AuditEntry.action).where(AuditEntry.target_id == second["id"])
    ).all()
    assert actions == ["answer.hide"]  # the admin's; the instructor's own moderation is not


# ------------------------------------------------------- edit and delete


def test_the_author_edits_and_deletes_their_question(client: TestClient, db: Session) -> None:
    c = Course3(client, db)
    _, headers = enrolled_student(client, db, c.course)
    _, classmate = enrolled_student(client, db, c.course)
    question = ask(client, c.lesson, headers, "Typo", "Body")
    url = f"{API}/questions/{question['id']}"
    answer(client, question["id"], classmate)

    edited = client.patch(url, json={"title": " Fixed "}, headers=headers)
    assert (edited.status_code, edited.json()["title"], edited.json()["body"]) == (
        200,
        "Fixed",
        "Body",
    )
    for other in (classmate, c.owner_headers):
        refused = client.patch(url, json={"title": "Mine"}, headers=other)
        assert (refused.status_code, refused.json()["code"]) == (403, "not_question_author")
        assert client.delete(url, headers=other).status_code == 403
    assert client.patch(url, json={"title": ""}, headers=headers).status_code == 422

    assert client.delete(url, headers=headers).status_code == 204
    assert client.get(url, headers=headers).status_code == 404
    db.expire_all()
    assert db.scalars(select(Answer).where(Answer.question_id == question["id"])).all() == []


def test_an_admin_deletes_a_question_on_the_record(client: TestClient, db: Session) -> None:
    c = Course3(client, db)
    _, headers = enrolled_student(client, db, c.course)
    _, admin = signed_in(client, db, "admin")
    question = ask(client, c.lesson, headers)
    assert client.delete(f"{API}/questions/{question['id']}", headers=admin).status_code == 204
    action = db.scalar(select(AuditEntry.action).where(AuditEntry.target_id == question["id"]))
    assert action == "question.delete"


# ----------------------------------------------------------------- escaping


def test_markup_is_stored_as_text_and_escaped_in_emails(
    client: TestClient, db: Session, runtime: Runtime, run_jobs: Callable[[], int]
) -> None:
    c = Course3(client, db)
    student, headers = enrolled_student(client, db, c.course)
    question = ask(client, c.lesson, headers, XSS, XSS)
    assert (question["title"], question["body"]) == (XSS, XSS)
    answer(client, question["id"], c.owner_headers, XSS)
    run_jobs()
    for address in (c.owner.email, student.email):
        [html] = html_mails_to(runtime, address)
        assert XSS not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_long_posts_are_shortened_in_notifications_and_emails(
    client: TestClient, db: Session, runtime: Runtime, run_jobs: Callable[[], int]
) -> None:
    c = Course3(client, db)
    student, headers = enrolled_student(client, db, c.course)
    question = ask(client, c.lesson, headers)
    long_answer = "word " * 1000
    answer(client, question["id"], c.owner_headers, long_answer)
    [note] = notifications_of(db, student)
    assert len(note.body) <= 200
    assert note.body.endswith("…")
    run_jobs()
    [mail] = mails_to(runtime, student.email)
    assert "word " * 150 in mail
    assert long_answer.strip() not in mail
