"""GET /courses/{course}/content: who may read lessons, hidden answers, drip dates, query count."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from syllabus.accounts.models import User
from syllabus.catalog import content
from syllabus.catalog.models import Course, Lesson, Section
from syllabus.kit.runtime import Runtime
from tests.catalog.factories import actor_of, make_course, make_enrollment, signed_in
from tests.factories import make_user
from tests.support.queries import counted_statements

API = "/api/v1"
QUESTIONS = [
    {
        "kind": "single",
        "prompt": "Pick B",
        "choices": ["A", "B"],
        "answer": 1,
        "explanation": "B it is",
    },
    {"kind": "multiple", "prompt": "Pick both", "choices": ["A", "B"], "answer": [0, 1]},
    {"kind": "true_false", "prompt": "Sky is blue", "answer": True, "explanation": "Mostly"},
    {"kind": "short", "prompt": "Say hi", "answer": ["hi", "hello"]},
]


def course_with_quiz(client: TestClient, db: Session) -> tuple[User, dict[str, str], Course, str]:
    """A published course: 3 text lessons and a quiz lesson with 4 questions."""
    owner, headers = signed_in(client, db)
    course = make_course(db, owner)
    section_id = db.scalars(select(Section.id).where(Section.course_id == course.id)).one()
    lesson = client.post(
        f"{API}/sections/{section_id}/lessons",
        json={"title": "Quiz", "kind": "quiz"},
        headers=headers,
    ).json()
    response = client.put(
        f"{API}/lessons/{lesson['id']}/quiz",
        json={"pass_percent": 75, "max_attempts": 2, "questions": QUESTIONS},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    return owner, headers, course, lesson["id"]


def keys_anywhere(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in keys_anywhere(v)}
    if isinstance(value, list):
        return {k for v in value for k in keys_anywhere(v)}
    return set()


def test_enrolled_student_reads_lessons_without_answers(client: TestClient, db: Session) -> None:
    _, _, course, quiz_lesson = course_with_quiz(client, db)
    student, headers = signed_in(client, db, "student")
    make_enrollment(db, student, course)
    response = client.get(f"{API}/courses/{course.slug}/content", headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["course_id"], body["slug"], body["title"]) == (
        course.id,
        course.slug,
        course.title,
    )
    [section] = body["sections"]
    assert [x["title"] for x in section["lessons"]] == ["Lesson 1", "Lesson 2", "Lesson 3", "Quiz"]
    first = section["lessons"][0]
    assert first["body"] == f"Lesson 1 of *{course.title}*."
    assert first["body_html"].startswith("<p>Lesson 1 of <em>")
    assert first["available_at"] is None
    quiz = section["lessons"][3]["quiz"]
    assert section["lessons"][3]["id"] == quiz_lesson
    assert (quiz["pass_percent"], quiz["max_attempts"], quiz["shuffle"]) == (75, 2, False)
    assert [q["prompt"] for q in quiz["questions"]] == [q["prompt"] for q in QUESTIONS]
    assert set(quiz["questions"][0]) == {"id", "position", "kind", "prompt", "choices"}
    assert quiz["questions"][0]["choices"] == ["A", "B"]
    assert "answer" not in keys_anywhere(body)
    assert "explanation" not in keys_anywhere(body)
    assert "answer" not in response.text
    assert "explanation" not in response.text
    assert "B it is" not in response.text
    assert "hello" not in response.text


def test_who_may_read_content(client: TestClient, db: Session) -> None:
    owner, owner_headers, course, _ = course_with_quiz(client, db)
    url = f"{API}/courses/{course.id}/content"
    assert client.get(url).status_code == 401
    _, stranger = signed_in(client, db, "student")
    refused = client.get(url, headers=stranger)
    assert refused.status_code == 403
    assert refused.json()["code"] == "not_enrolled"
    _, other_instructor = signed_in(client, db)
    assert client.get(url, headers=other_instructor).json()["code"] == "not_enrolled"

    own = client.get(url, headers=owner_headers)
    assert own.status_code == 200
    _, admin = signed_in(client, db, "admin")
    assert client.get(url, headers=admin).status_code == 200

    revoked, revoked_headers = signed_in(client, db, "student")
    make_enrollment(db, revoked, course, status="revoked")
    assert client.get(url, headers=revoked_headers).status_code == 403

    draft = make_course(db, owner, status="draft")
    hidden = client.get(f"{API}/courses/{draft.id}/content", headers=stranger)
    assert hidden.status_code == 404
    assert client.get(f"{API}/courses/nope/content", headers=stranger).status_code == 404
    assert client.get(f"{API}/courses/{draft.id}/content", headers=owner_headers).status_code == 200


def test_archived_course_stays_readable_for_its_students(client: TestClient, db: Session) -> None:
    owner = make_user(db, role="instructor")
    course = make_course(db, owner, status="archived")
    student, headers = signed_in(client, db, "student")
    url = f"{API}/courses/{course.id}/content"
    assert client.get(url, headers=headers).status_code == 404
    make_enrollment(db, student, course)
    assert client.get(url, headers=headers).status_code == 200


def test_drip_dates_count_from_the_enrollment(client: TestClient, db: Session) -> None:
    owner, owner_headers = signed_in(client, db)
    course = make_course(db, owner, lessons=4)
    lessons = db.scalars(
        select(Lesson).where(Lesson.course_id == course.id).order_by(Lesson.position)
    ).all()
    past_date = datetime(2020, 5, 1, 8, 0, tzinfo=UTC)
    future_date = datetime.now(UTC) + timedelta(days=60)
    drips: list[dict[str, Any]] = [
        {"drip_days": 3},
        {"drip_days": 30},
        {"drip_date": past_date.isoformat()},
        {"drip_date": future_date.isoformat()},
    ]
    for lesson, drip in zip(lessons, drips, strict=True):
        response = client.patch(f"{API}/lessons/{lesson.id}", json=drip, headers=owner_headers)
        assert response.status_code == 200, response.text

    student, headers = signed_in(client, db, "student")
    enrollment = make_enrollment(db, student, course, days_ago=10)
    body = client.get(f"{API}/courses/{course.id}/content", headers=headers).json()
    got = {x["title"]: x for x in body["sections"][0]["lessons"]}

    def at(lesson: dict[str, Any]) -> datetime:
        return datetime.fromisoformat(lesson["available_at"].replace("Z", "+00:00"))

    assert at(got["Lesson 1"]) == enrollment.created_at + timedelta(days=3)
    assert got["Lesson 1"]["body"], "open: the body is there"
    assert at(got["Lesson 2"]) == enrollment.created_at + timedelta(days=30)
    assert (got["Lesson 2"]["body"], got["Lesson 2"]["body_html"]) == ("", ""), "still locked"
    assert got["Lesson 2"]["drip_days"] == 30
    assert at(got["Lesson 3"]) == past_date
    assert got["Lesson 3"]["body"]
    assert at(got["Lesson 4"]) == future_date
    assert got["Lesson 4"]["body"] == ""

    as_owner = client.get(f"{API}/courses/{course.id}/content", headers=owner_headers).json()
    owner_lessons = as_owner["sections"][0]["lessons"]
    assert [x["available_at"] for x in owner_lessons] == [None] * 4
    assert all(x["body"] for x in owner_lessons), "the owner sees everything"


def test_content_is_a_fixed_number_of_queries(
    client: TestClient, db: Session, runtime: Runtime
) -> None:
    _, _, small, _ = course_with_quiz(client, db)
    big_owner, big_headers = signed_in(client, db)
    big = make_course(db, big_owner, lessons=12)
    section_id = db.scalars(select(Section.id).where(Section.course_id == big.id)).one()
    for n in range(5):
        lesson = client.post(
            f"{API}/sections/{section_id}/lessons",
            json={"title": f"Quiz {n}", "kind": "quiz"},
            headers=big_headers,
        ).json()
        client.put(
            f"{API}/lessons/{lesson['id']}/quiz", json={"questions": QUESTIONS}, headers=big_headers
        )
    student = make_user(db)
    make_enrollment(db, student, small)
    make_enrollment(db, student, big)

    counts = []
    for course in (small, big):
        with runtime.db.session_scope() as session, counted_statements(runtime) as statements:
            result = content.course_content(session, runtime, actor_of(student), course.id)
        assert result.sections
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
    assert 4 <= counts[0] <= 8, counts
