"""Lesson progress: idempotent, order-independent, the video rule, drip locks, counters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from syllabus.catalog.models import Course
from syllabus.kit.db import utcnow
from syllabus.kit.runtime import Runtime
from syllabus.learning import progress
from syllabus.learning.models import Enrollment, LessonProgress
from tests.catalog.factories import actor_of, make_course, make_enrollment, signed_in
from tests.factories import make_user
from tests.learning.helpers import API, lessons_of, put_progress, set_lesson
from tests.support.queries import counted_statements


def video_course(db: Session, lessons: int = 3) -> tuple[Course, list[str]]:
    owner = make_user(db, role="instructor")
    course = make_course(db, owner, lessons=lessons, lesson_seconds=300)
    ids = []
    for lesson in lessons_of(db, course):
        set_lesson(db, lesson, kind="video")
        ids.append(lesson.id)
    return course, ids


def test_progress_is_idempotent_and_order_independent(client: TestClient, db: Session) -> None:
    course, (lesson, *_) = video_course(db)
    student, headers = signed_in(client, db, "student")
    make_enrollment(db, student, course)

    first = put_progress(client, headers, lesson, position_seconds=120)
    assert first.status_code == 200, first.text
    assert first.json()["lessons"] == [
        {
            "lesson_id": lesson,
            "completed": False,
            "position_seconds": 120,
            "completed_at": None,
            "available_at": None,
            "locked": False,
        }
    ]
    late = put_progress(client, headers, lesson, position_seconds=60)
    assert late.json()["lessons"][0]["position_seconds"] == 120, "a late older position loses"
    assert put_progress(client, headers, lesson, position_seconds=120).json() == late.json()
    assert put_progress(client, headers, lesson).json()["lessons"][0]["position_seconds"] == 120
    rows = db.scalars(select(LessonProgress).where(LessonProgress.lesson_id == lesson)).all()
    assert [(r.position_seconds, r.completed_at) for r in rows] == [(120, None)]


def test_video_completes_at_ninety_percent(client: TestClient, db: Session) -> None:
    course, (lesson, *_) = video_course(db)
    student, headers = signed_in(client, db, "student")
    make_enrollment(db, student, course)
    assert not put_progress(client, headers, lesson, position_seconds=269).json()["lessons"][0][
        "completed"
    ]
    done = put_progress(client, headers, lesson, position_seconds=270).json()
    assert done["lessons"][0]["completed"] is True
    assert done["percent"] == 33
    # Sticky: rewinding or `completed: false` does not undo it.
    again = put_progress(client, headers, lesson, position_seconds=10, completed=False).json()
    assert again["lessons"][0]["completed"] is True
    assert again["lessons"][0]["position_seconds"] == 270
    assert again["percent"] == 33


def test_video_percent_is_a_setting(client: TestClient, db: Session, runtime: Runtime) -> None:
    runtime.settings = runtime.settings.model_copy(update={"video_complete_percent": 50})
    course, (lesson, second, _) = video_course(db)
    student, headers = signed_in(client, db, "student")
    make_enrollment(db, student, course)
    assert put_progress(client, headers, lesson, position_seconds=150).json()["lessons"][0][
        "completed"
    ]
    # "Mark complete" works whatever was watched.
    marked = put_progress(client, headers, second, completed=True).json()
    assert marked["lessons"][0]["completed"] is True
    assert marked["percent"] == 66


def test_percent_and_completion_are_kept_on_write(
    client: TestClient, db: Session, run_jobs: object
) -> None:
    owner = make_user(db, role="instructor")
    course = make_course(db, owner, lessons=3, has_certificate=False)
    lessons = [x.id for x in lessons_of(db, course)]
    student, headers = signed_in(client, db, "student")
    enrollment = make_enrollment(db, student, course)

    text_position = put_progress(client, headers, lessons[0], position_seconds=400).json()
    assert text_position["lessons"][0]["completed"] is False, "text lessons complete on request"
    percents = []
    for lesson in lessons:
        body = put_progress(client, headers, lesson, completed=True).json()
        percents.append((body["percent"], body["completed_lessons"], body["completed_at"]))
    assert [p[:2] for p in percents] == [(33, 1), (66, 2), (100, 3)]
    assert percents[0][2] is None
    assert percents[1][2] is None
    completed_at = percents[2][2]
    assert completed_at is not None

    db.expire_all()
    row = db.get(Enrollment, enrollment.id)
    assert row is not None
    assert (row.progress_percent, row.completed_lessons, row.last_lesson_id) == (
        100,
        3,
        lessons[2],
    )
    # Completing again keeps the first completion date.
    assert put_progress(client, headers, lessons[0], completed=True).json()["completed_at"] == (
        completed_at
    )

    state = client.get(f"{API}/courses/{course.slug}/progress", headers=headers)
    assert state.status_code == 200
    body = state.json()
    assert (body["course_id"], body["percent"], body["completed_at"]) == (
        course.id,
        100,
        completed_at,
    )
    assert [x["lesson_id"] for x in body["lessons"]] == lessons
    assert all(x["completed"] for x in body["lessons"])
    assert body["lessons"][0]["position_seconds"] == 400
    mine = client.get(f"{API}/me/enrollments", headers=headers).json()["items"]
    assert (mine[0]["progress_percent"], mine[0]["completed_at"]) == (100, completed_at)


def test_drip_locked_lessons_are_refused_until_they_open(client: TestClient, db: Session) -> None:
    owner = make_user(db, role="instructor")
    course = make_course(db, owner, lessons=3)
    weekly, dated, free = lessons_of(db, course)
    set_lesson(db, weekly, drip_days=7)
    opens_on = datetime.now(UTC) + timedelta(days=20)
    set_lesson(db, dated, drip_date=opens_on)
    student, headers = signed_in(client, db, "student")
    enrollment = make_enrollment(db, student, course)

    locked = put_progress(client, headers, weekly.id, completed=True)
    assert locked.status_code == 409
    assert locked.json()["code"] == "lesson_locked"
    unlock = enrollment.created_at + timedelta(days=7)
    assert unlock.strftime("%Y-%m-%d") in locked.json()["detail"]
    dated_refusal = put_progress(client, headers, dated.id, position_seconds=5)
    assert dated_refusal.status_code == 409
    assert opens_on.strftime("%Y-%m-%d") in dated_refusal.json()["detail"]
    assert put_progress(client, headers, free.id, completed=True).status_code == 200

    shown = client.get(f"{API}/courses/{course.id}/progress", headers=headers).json()["lessons"]
    assert [x["locked"] for x in shown] == [True, True, False]
    assert shown[0]["available_at"] is not None

    # Time passes: the enrollment is eight days old.
    row = db.get(Enrollment, enrollment.id)
    assert row is not None
    row.created_at = utcnow() - timedelta(days=8)
    db.commit()
    opened = put_progress(client, headers, weekly.id, completed=True)
    assert opened.status_code == 200, opened.text
    assert opened.json()["lessons"][0]["completed"] is True
    assert put_progress(client, headers, dated.id, completed=True).status_code == 409
    shown = client.get(f"{API}/courses/{course.id}/progress", headers=headers).json()["lessons"]
    assert [x["locked"] for x in shown] == [False, True, False]


def test_only_enrolled_students_record_progress(client: TestClient, db: Session) -> None:
    owner, owner_headers = signed_in(client, db)
    course = make_course(db, owner)
    lesson = lessons_of(db, course)[0].id
    _, stranger = signed_in(client, db, "student")
    refused = put_progress(client, stranger, lesson, completed=True)
    assert (refused.status_code, refused.json()["code"]) == (403, "not_enrolled")
    assert put_progress(client, owner_headers, lesson, completed=True).status_code == 403
    revoked, revoked_headers = signed_in(client, db, "student")
    make_enrollment(db, revoked, course, status="revoked")
    assert put_progress(client, revoked_headers, lesson, completed=True).status_code == 403
    progress_read = client.get(f"{API}/courses/{course.id}/progress", headers=stranger)
    assert (progress_read.status_code, progress_read.json()["code"]) == (403, "not_enrolled")

    draft = make_course(db, owner, status="draft")
    hidden = lessons_of(db, draft)[0].id
    assert put_progress(client, stranger, hidden, completed=True).status_code == 404
    assert client.get(f"{API}/courses/{draft.id}/progress", headers=stranger).status_code == 404
    assert put_progress(client, stranger, "no-such-lesson", completed=True).status_code == 404
    assert put_progress(client, {}, lesson, completed=True).status_code == 401
    bad = put_progress(client, stranger, lesson, position_seconds=-1)
    assert bad.status_code == 422
    assert put_progress(client, stranger, lesson, extra=1).status_code == 422


def test_a_progress_write_is_a_fixed_number_of_statements(db: Session, runtime: Runtime) -> None:
    owner = make_user(db, role="instructor")
    student = make_user(db)
    actor = actor_of(student)
    counts = []
    for size in (10, 200):
        course = make_course(db, owner, lessons=size)
        make_enrollment(db, student, course)
        lessons = [x.id for x in lessons_of(db, course)]
        for lesson in lessons[:-1]:  # all done but the last: the next write completes the course
            db.add(
                LessonProgress(
                    enrollment_id=db.scalars(
                        select(Enrollment.id).where(Enrollment.course_id == course.id)
                    ).one(),
                    lesson_id=lesson,
                    position_seconds=0,
                    completed_at=utcnow(),
                    updated_at=utcnow(),
                )
            )
        db.commit()
        measured = []
        for body in ({"position_seconds": 30}, {"completed": True}, {"completed": True}):
            with runtime.db.session_scope() as session, counted_statements(runtime) as statements:
                result = progress.record_progress(
                    session,
                    runtime,
                    actor,
                    lessons[-1],
                    position_seconds=body.get("position_seconds"),
                    completed=body.get("completed"),
                )
            measured.append(len(statements))
        assert result.percent == 100
        assert result.completed_at is not None
        counts.append(measured)
    print("statements per write (position, completing, repeat):", counts)
    assert counts[0] == counts[1], counts
    assert max(counts[0]) <= 10, counts
