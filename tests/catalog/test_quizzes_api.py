"""Quiz definitions: each question kind's rules, replacing the set, who may see answers."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from syllabus.catalog.models import Lesson, QuizQuestion, Section
from tests.catalog.factories import make_course, signed_in

API = "/api/v1"

GOOD_QUESTIONS: list[dict[str, Any]] = [
    {"kind": "single", "prompt": "2 + 2?", "choices": ["3", "4", "5"], "answer": 1},
    {
        "kind": "multiple",
        "prompt": "Primes?",
        "choices": ["2", "4", "5", "9"],
        "answer": [2, 0],
        "explanation": "2 and 5 have no divisors but 1 and themselves.",
    },
    {
        "kind": "true_false",
        "prompt": "Python is typed dynamically.",
        "choices": ["x"],
        "answer": True,
    },
    {"kind": "short", "prompt": "Capital of France?", "answer": ["  Paris ", "paris", "Paris"]},
    {"kind": "short", "prompt": "Opposite of up?", "answer": " down "},
]


def quiz_lesson(client: TestClient, db: Session) -> tuple[str, dict[str, str], str]:
    """(course id, owner headers, quiz lesson id) of a draft course with a quiz lesson."""
    owner, headers = signed_in(client, db)
    course = make_course(db, owner, status="draft", lessons=1)
    section_id = db.scalars(select(Section.id).where(Section.course_id == course.id)).one()
    response = client.post(
        f"{API}/sections/{section_id}/lessons",
        json={"title": "Check yourself", "kind": "quiz"},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    return course.id, headers, response.json()["id"]


def test_owner_sets_a_quiz_and_sees_the_answers(client: TestClient, db: Session) -> None:
    _, headers, lesson = quiz_lesson(client, db)
    url = f"{API}/lessons/{lesson}/quiz"
    empty = client.get(url, headers=headers)
    assert empty.status_code == 200
    assert empty.json()["questions"] == []
    body = {"pass_percent": 80, "max_attempts": 3, "shuffle": True, "questions": GOOD_QUESTIONS}
    response = client.put(url, json=body, headers=headers)
    assert response.status_code == 200, response.text
    quiz = response.json()
    assert (quiz["lesson_id"], quiz["pass_percent"], quiz["max_attempts"], quiz["shuffle"]) == (
        lesson,
        80,
        3,
        True,
    )
    stored = [(q["position"], q["kind"], q["choices"], q["answer"]) for q in quiz["questions"]]
    assert stored == [
        (0, "single", ["3", "4", "5"], 1),
        (1, "multiple", ["2", "4", "5", "9"], [0, 2]),
        (2, "true_false", [], True),
        (3, "short", [], ["Paris", "paris"]),
        (4, "short", [], ["down"]),
    ]
    assert quiz["questions"][1]["explanation"].startswith("2 and 5")
    assert all(q["id"] for q in quiz["questions"])
    assert client.get(url, headers=headers).json() == quiz


def test_setting_a_quiz_replaces_the_questions(client: TestClient, db: Session) -> None:
    _, headers, lesson = quiz_lesson(client, db)
    url = f"{API}/lessons/{lesson}/quiz"
    first = client.put(url, json={"questions": GOOD_QUESTIONS}, headers=headers).json()
    assert (first["pass_percent"], first["max_attempts"], first["shuffle"]) == (70, None, False)
    second = client.put(url, json={"questions": GOOD_QUESTIONS[:1]}, headers=headers).json()
    assert len(second["questions"]) == 1
    count = select(func.count()).where(QuizQuestion.lesson_id == lesson)
    assert db.scalar(count) == 1


@pytest.mark.parametrize(
    "question",
    [
        {"kind": "single", "prompt": "p", "choices": ["only"], "answer": 0},
        {"kind": "single", "prompt": "p", "choices": ["a", "b"], "answer": 2},
        {"kind": "single", "prompt": "p", "choices": ["a", "b"], "answer": -1},
        {"kind": "single", "prompt": "p", "choices": ["a", "b"], "answer": True},
        {"kind": "single", "prompt": "p", "choices": ["a", "b"], "answer": [0]},
        {"kind": "single", "prompt": "p", "choices": ["a", "b"], "answer": "a"},
        {"kind": "multiple", "prompt": "p", "choices": ["a"], "answer": [0]},
        {"kind": "multiple", "prompt": "p", "choices": ["a", "b"], "answer": []},
        {"kind": "multiple", "prompt": "p", "choices": ["a", "b"], "answer": [0, 0]},
        {"kind": "multiple", "prompt": "p", "choices": ["a", "b"], "answer": [0, 2]},
        {"kind": "multiple", "prompt": "p", "choices": ["a", "b"], "answer": 0},
        {"kind": "true_false", "prompt": "p", "answer": 1},
        {"kind": "true_false", "prompt": "p", "answer": "true"},
        {"kind": "short", "prompt": "p", "answer": []},
        {"kind": "short", "prompt": "p", "answer": "   "},
        {"kind": "short", "prompt": "p", "answer": [f"a{n}" for n in range(11)]},
        {"kind": "short", "prompt": "p", "answer": ["a" * 201]},
        {"kind": "short", "prompt": "p", "answer": 3},
        {"kind": "short", "prompt": "p", "answer": [1, 2]},
    ],
)
def test_invalid_questions_are_422_naming_the_question(
    client: TestClient, db: Session, question: dict[str, Any]
) -> None:
    _, headers, lesson = quiz_lesson(client, db)
    url = f"{API}/lessons/{lesson}/quiz"
    client.put(url, json={"questions": GOOD_QUESTIONS[:1]}, headers=headers)
    response = client.put(url, json={"questions": [GOOD_QUESTIONS[0], question]}, headers=headers)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] == "invalid_quiz"
    assert "Question 1" in problem["detail"]
    assert problem["errors"][0]["loc"] == ["body", "questions", 1, "answer"]
    assert len(client.get(url, headers=headers).json()["questions"]) == 1, "nothing replaced"


@pytest.mark.parametrize(
    "body",
    [
        {"questions": []},
        {"questions": [{**GOOD_QUESTIONS[0], "kind": "essay"}]},
        {"questions": [{**GOOD_QUESTIONS[0], "prompt": ""}]},
        {"questions": [{**GOOD_QUESTIONS[0], "prompt": "p" * 2001}]},
        {"questions": [{**GOOD_QUESTIONS[0], "choices": [str(n) for n in range(11)]}]},
        {"questions": [{**GOOD_QUESTIONS[0], "choices": ["a", ""]}]},
        {"questions": [GOOD_QUESTIONS[0]] * 101},
        {"questions": GOOD_QUESTIONS, "pass_percent": 101},
        {"questions": GOOD_QUESTIONS, "max_attempts": 0},
        {"questions": GOOD_QUESTIONS, "time_limit": 10},
    ],
)
def test_malformed_quizzes_are_422(client: TestClient, db: Session, body: dict[str, Any]) -> None:
    _, headers, lesson = quiz_lesson(client, db)
    response = client.put(f"{API}/lessons/{lesson}/quiz", json=body, headers=headers)
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


def test_only_quiz_lessons_take_questions(client: TestClient, db: Session) -> None:
    owner, headers = signed_in(client, db)
    course = make_course(db, owner, status="draft", lessons=1)
    text_lesson = db.scalars(select(Lesson.id).where(Lesson.course_id == course.id)).one()
    response = client.put(
        f"{API}/lessons/{text_lesson}/quiz", json={"questions": GOOD_QUESTIONS}, headers=headers
    )
    assert response.status_code == 409
    assert response.json()["code"] == "not_quiz_lesson"


def test_others_never_see_or_set_answers(client: TestClient, db: Session) -> None:
    _, headers, lesson = quiz_lesson(client, db)
    url = f"{API}/lessons/{lesson}/quiz"
    client.put(url, json={"questions": GOOD_QUESTIONS}, headers=headers)
    _, other = signed_in(client, db)
    _, student = signed_in(client, db, "student")
    for who in (other, student):
        assert client.get(url, headers=who).status_code == 404
        assert client.put(url, json={"questions": GOOD_QUESTIONS}, headers=who).status_code == 404
    assert client.get(url).status_code == 401
    _, admin = signed_in(client, db, "admin")
    assert client.get(url, headers=admin).json()["questions"][0]["answer"] == 1
    assert client.get(f"{API}/lessons/nope/quiz", headers=headers).status_code == 404
