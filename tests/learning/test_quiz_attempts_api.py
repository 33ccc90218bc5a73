"""Quiz attempts: grading per kind, answers only after submission, attempt limits, completion."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from syllabus.catalog.models import Lesson
from syllabus.learning.models import QuizAttempt
from syllabus.learning.quiz_attempts import is_correct
from tests.catalog.factories import make_course, make_enrollment, signed_in
from tests.learning.helpers import API, add_quiz, lessons_of, put_progress, question_ids

RIGHT: list[Any] = [1, [2, 0], True, "  pARIS "]


def quiz_course(
    client: TestClient, db: Session, **quiz: Any
) -> tuple[str, dict[str, str], list[str], Any]:
    """A published course (one text lesson + a quiz), an enrolled student and question ids."""
    owner, owner_headers = signed_in(client, db)
    course = make_course(db, owner, lessons=1, price=0)
    lesson_id = add_quiz(client, db, owner_headers, course, **quiz)
    student, headers = signed_in(client, db, "student")
    make_enrollment(db, student, course)
    return lesson_id, headers, question_ids(client, headers, course), course


def submit(client: TestClient, headers: dict[str, str], lesson_id: str, answers: Any) -> Any:
    return client.post(
        f"{API}/quizzes/{lesson_id}/attempts", json={"answers": answers}, headers=headers
    )


def test_grading_rules_per_kind() -> None:
    assert is_correct("single", 1, 1)
    assert not is_correct("single", 1, 2)
    assert not is_correct("single", 1, "1")
    assert not is_correct("single", 1, True), "a bool is not an index"
    assert is_correct("multiple", [0, 2], [2, 0])
    assert not is_correct("multiple", [0, 2], [0])
    assert not is_correct("multiple", [0, 2], [0, 1, 2])
    assert not is_correct("multiple", [0, 2], "0,2")
    assert is_correct("true_false", True, True)
    assert not is_correct("true_false", True, False)
    assert not is_correct("true_false", True, "true")
    assert is_correct("short", ["Paris", "Paris, France"], "  paris ")
    assert is_correct("short", ["Paris", "Paris, France"], "PARIS,FRANCE")
    assert is_correct("short", ["New York"], "new   york")
    assert not is_correct("short", ["Paris"], "Pari")
    assert not is_correct("short", ["Paris"], None)


def test_a_right_submission_is_graded_and_completes_the_lesson(
    client: TestClient, db: Session
) -> None:
    lesson_id, headers, ids, course = quiz_course(client, db)
    content = client.get(f"{API}/courses/{course.id}/content", headers=headers)
    assert "answer" not in content.text
    assert "explanation" not in content.text
    assert "B is the second letter." not in content.text

    response = submit(client, headers, lesson_id, dict(zip(ids, RIGHT, strict=True)))
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["score_percent"], body["passed"], body["number"]) == (100, True, 1)
    assert body["correct"] == dict.fromkeys(ids, True)
    results = {q["question_id"]: q for q in body["questions"]}
    assert results[ids[0]]["answer"] == 1
    assert results[ids[0]]["explanation"] == "B is the second letter."
    assert results[ids[1]]["answer"] == [0, 2]
    assert results[ids[3]]["answer"] == ["Paris", "Paris, France"]
    assert body["lesson_completed"] is True
    assert body["course_percent"] == 50
    assert body["attempts_left"] is None

    state = client.get(f"{API}/courses/{course.id}/progress", headers=headers).json()
    assert [x["completed"] for x in state["lessons"]] == [False, True]
    # Answers are still never part of the content read.
    content = client.get(f"{API}/courses/{course.id}/content", headers=headers)
    assert "answer" not in content.text
    assert "Paris" not in content.text


def test_partial_answers_score_and_fail(client: TestClient, db: Session) -> None:
    lesson_id, headers, ids, _course = quiz_course(client, db, pass_percent=75)
    answers = {ids[0]: 0, ids[1]: [0], ids[2]: True, "not-a-question": 1}
    body = submit(client, headers, lesson_id, answers).json()
    assert (body["score_percent"], body["passed"]) == (25, False)
    assert body["correct"] == {ids[0]: False, ids[1]: False, ids[2]: True, ids[3]: False}
    assert body["lesson_completed"] is False
    assert body["course_percent"] == 0
    three = submit(client, headers, lesson_id, {**dict(zip(ids, RIGHT, strict=True)), ids[1]: 1})
    assert (three.json()["score_percent"], three.json()["passed"]) == (75, True)
    stored = db.scalars(select(QuizAttempt).order_by(QuizAttempt.number)).all()
    assert [(a.number, a.score_percent, a.passed) for a in stored] == [
        (1, 25, False),
        (2, 75, True),
    ]
    assert "not-a-question" not in stored[0].answers
    malformed = submit(client, headers, lesson_id, {ids[0]: {"x": 1}, ids[3]: 7})
    assert malformed.status_code == 201
    assert malformed.json()["score_percent"] == 0


def test_attempts_are_limited(client: TestClient, db: Session) -> None:
    lesson_id, headers, ids, _ = quiz_course(client, db, max_attempts=2)
    first = submit(client, headers, lesson_id, {})
    assert first.json()["attempts_left"] == 1
    assert submit(client, headers, lesson_id, {ids[0]: 1}).json()["attempts_left"] == 0
    refused = submit(client, headers, lesson_id, dict(zip(ids, RIGHT, strict=True)))
    assert refused.status_code == 409
    assert refused.json()["code"] == "max_attempts_reached"
    listed = client.get(f"{API}/quizzes/{lesson_id}/attempts", headers=headers)
    assert listed.status_code == 200
    assert [(a["number"], a["score_percent"]) for a in listed.json()] == [(1, 0), (2, 25)]
    assert "answers" not in listed.text


def test_a_quiz_completes_only_by_passing(client: TestClient, db: Session) -> None:
    lesson_id, headers, ids, _ = quiz_course(client, db)
    marked = put_progress(client, headers, lesson_id, completed=True)
    assert marked.status_code == 200
    assert marked.json()["lessons"][0]["completed"] is False
    submit(client, headers, lesson_id, dict(zip(ids, RIGHT, strict=True)))
    assert put_progress(client, headers, lesson_id).json()["lessons"][0]["completed"] is True


def test_who_may_attempt(client: TestClient, db: Session) -> None:
    lesson_id, _, ids, course = quiz_course(client, db)
    _, stranger = signed_in(client, db, "student")
    refused = submit(client, stranger, lesson_id, {ids[0]: 1})
    assert (refused.status_code, refused.json()["code"]) == (403, "not_enrolled")
    assert client.get(f"{API}/quizzes/{lesson_id}/attempts", headers=stranger).status_code == 403
    assert submit(client, {}, lesson_id, {}).status_code == 401
    text_lesson = lessons_of(db, course)[0].id
    student, headers = signed_in(client, db, "student")
    make_enrollment(db, student, course)
    not_quiz = submit(client, headers, text_lesson, {})
    assert (not_quiz.status_code, not_quiz.json()["code"]) == (404, "quiz_not_found")
    assert submit(client, headers, "nope", {}).status_code == 404
    assert (
        client.post(
            f"{API}/quizzes/{lesson_id}/attempts", json={"answers": []}, headers=headers
        ).status_code
        == 422
    )


def test_locked_quiz_is_refused(client: TestClient, db: Session) -> None:
    lesson_id, headers, ids, _ = quiz_course(client, db)
    lesson = db.get(Lesson, lesson_id)
    assert lesson is not None
    lesson.drip_days = 3
    db.commit()
    refused = submit(client, headers, lesson_id, dict(zip(ids, RIGHT, strict=True)))
    assert (refused.status_code, refused.json()["code"]) == (409, "lesson_locked")
