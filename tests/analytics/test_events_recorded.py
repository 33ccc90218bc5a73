"""Each business change records its event in the same transaction, and the player's batches
are stored for enrolled students only."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from syllabus.analytics.models import AnalyticsEvent
from syllabus.kit.runtime import Runtime
from tests.catalog.factories import make_course, signed_in
from tests.commerce.orders_factory import make_paid_order
from tests.factories import bearer, login, make_user
from tests.learning.helpers import add_quiz, lessons_of, question_ids

API = "/api/v1"


def recorded(db: Session, *names: str) -> list[AnalyticsEvent]:
    db.expire_all()
    query = select(AnalyticsEvent).order_by(AnalyticsEvent.recorded_at, AnalyticsEvent.name)
    if names:
        query = query.where(AnalyticsEvent.name.in_(names))
    return list(db.scalars(query))


def test_enrolling_and_progress_record_started_and_completed_once(
    client: TestClient, db: Session
) -> None:
    teacher = make_user(db, role="instructor")
    course = make_course(db, teacher, price=0)
    student, headers = signed_in(client, db, role="student")
    assert client.post(f"{API}/courses/{course.id}/enroll", headers=headers).status_code == 201
    lesson = lessons_of(db, course)[0]
    for body in ({"position_seconds": 10}, {"completed": True}, {"completed": True}):
        put = client.put(f"{API}/lessons/{lesson.id}/progress", json=body, headers=headers)
        assert put.status_code == 200, put.text
    found = [(e.name, e.user_id, e.course_id, e.lesson_id) for e in recorded(db)]
    assert found == [
        ("enrolled", student.id, course.id, None),
        ("lesson_started", student.id, course.id, lesson.id),
        ("lesson_completed", student.id, course.id, lesson.id),
    ]


def test_a_paid_order_records_one_purchase_per_line_with_its_amount(
    db: Session, runtime: Runtime
) -> None:
    teacher = make_user(db, role="instructor")
    first, second = make_course(db, teacher, price=1999), make_course(db, teacher, price=500)
    buyer = make_user(db)
    order = make_paid_order(db, runtime, buyer, [first, second])
    purchases = recorded(db, "purchased")
    assert sorted((e.course_id, e.value, e.currency, e.object_id) for e in purchases) == sorted(
        [(first.id, 1999, "USD", order.id), (second.id, 500, "USD", order.id)]
    )
    assert {e.course_id for e in recorded(db, "enrolled")} == {first.id, second.id}


def test_a_refund_records_its_amount(
    client: TestClient, db: Session, runtime: Runtime, run_jobs: Callable[[], int]
) -> None:
    teacher = make_user(db, role="instructor")
    course = make_course(db, teacher, price=1999)
    buyer = make_user(db)
    order = make_paid_order(db, runtime, buyer, [course])
    admin = make_user(db, role="admin")
    refund = client.post(
        f"{API}/admin/orders/{order.id}/refund",
        json={"reason": "Goodwill refund for a broken video."},
        headers=bearer(login(client, admin.email)),
    )
    assert refund.status_code in (200, 201, 202), refund.text
    for _ in range(5):
        if not run_jobs():
            break
    refunds = recorded(db, "refunded")
    assert [(e.value, e.currency, e.user_id) for e in refunds] == [(1999, "USD", buyer.id)]


def test_quiz_attempts_record_submitted_and_passed(client: TestClient, db: Session) -> None:
    teacher, teacher_headers = signed_in(client, db)
    course = make_course(db, teacher, price=0, lessons=1)
    quiz_id = add_quiz(
        client,
        db,
        teacher_headers,
        course,
        questions=[{"kind": "true_false", "prompt": "Sky is blue", "answer": True}],
        pass_percent=100,
    )
    _, headers = signed_in(client, db, role="student")
    assert client.post(f"{API}/courses/{course.id}/enroll", headers=headers).status_code == 201
    [question_id] = question_ids(client, headers, course)
    wrong = client.post(
        f"{API}/quizzes/{quiz_id}/attempts", json={"answers": {question_id: False}},
        headers=headers,
    )  # fmt: skip
    assert wrong.status_code == 201, wrong.text
    right = client.post(
        f"{API}/quizzes/{quiz_id}/attempts", json={"answers": {question_id: True}},
        headers=headers,
    )  # fmt: skip
    assert right.status_code == 201, right.text
    assert right.json()["passed"]
    quiz = [(e.name, e.value) for e in recorded(db, "quiz_submitted", "quiz_passed")]
    assert sorted(quiz) == [("quiz_passed", 100), ("quiz_submitted", 0), ("quiz_submitted", 100)]
    reached = [e.name for e in recorded(db, "lesson_started", "lesson_completed")]
    assert sorted(reached) == ["lesson_completed", "lesson_started"]


def test_finishing_a_course_records_the_certificate(
    client: TestClient, db: Session, run_jobs: Callable[[], int]
) -> None:
    teacher = make_user(db, role="instructor")
    course = make_course(db, teacher, price=0, lessons=1, has_certificate=True)
    student, headers = signed_in(client, db, role="student")
    assert client.post(f"{API}/courses/{course.id}/enroll", headers=headers).status_code == 201
    lesson = lessons_of(db, course)[0]
    done = client.put(
        f"{API}/lessons/{lesson.id}/progress", json={"completed": True}, headers=headers
    )
    assert done.status_code == 200
    run_jobs()
    issued = recorded(db, "certificate_issued")
    assert [(e.user_id, e.course_id) for e in issued] == [(student.id, course.id)]


def test_a_search_is_recorded_for_its_first_page_only(
    client: TestClient, db: Session, run_jobs: Callable[[], int]
) -> None:
    assert client.get(f"{API}/courses", params={"q": "python basics"}).status_code == 200
    assert client.get(f"{API}/courses", params={"q": "python", "page": 2}).status_code == 200
    assert client.get(f"{API}/courses").status_code == 200
    run_jobs()
    searches = recorded(db, "searched")
    assert [e.context for e in searches] == [{"q": "python basics"}]


def test_player_batches_are_stored_for_enrolled_students(client: TestClient, db: Session) -> None:
    teacher = make_user(db, role="instructor")
    course = make_course(db, teacher, price=0)
    other = make_course(db, teacher, price=0)
    _student, headers = signed_in(client, db, role="student")
    assert client.post(f"{API}/courses/{course.id}/enroll", headers=headers).status_code == 201
    lesson = lessons_of(db, course)[0]
    batch = [
        {"lesson_id": lesson.id, "kind": "play", "position_seconds": 0},
        {"lesson_id": lesson.id, "kind": "pause", "position_seconds": 42},
        {"lesson_id": lesson.id, "kind": "ended", "position_seconds": 300,
         "at": "2001-01-01T00:00:00Z"},
    ]  # fmt: skip
    sent = client.post(f"{API}/analytics/player-events", json={"events": batch}, headers=headers)
    assert sent.status_code == 200
    assert sent.json() == {"recorded": 3}
    stored = recorded(db, "video_played", "video_paused", "video_ended")
    assert sorted((e.name, e.value) for e in stored) == [
        ("video_ended", 300), ("video_paused", 42), ("video_played", 0)
    ]  # fmt: skip
    # A player clock far off is not believed.
    assert all(e.occurred_at.year > 2001 for e in stored)

    stranger = {"lesson_id": lessons_of(db, other)[0].id, "kind": "play", "position_seconds": 1}
    refused = client.post(
        f"{API}/analytics/player-events", json={"events": [stranger]}, headers=headers
    )
    assert refused.status_code == 403
    assert refused.json()["code"] == "not_enrolled"
    too_many = {"events": [batch[0]] * 51}
    assert (
        client.post(f"{API}/analytics/player-events", json=too_many, headers=headers).status_code
        == 422
    )
    odd = {"events": [{**batch[0], "extra": 1}]}
    assert (
        client.post(f"{API}/analytics/player-events", json=odd, headers=headers).status_code == 422
    )
    assert client.post(f"{API}/analytics/player-events", json={"events": batch}).status_code == 401
    assert len(recorded(db, "video_played", "video_paused", "video_ended")) == 3
