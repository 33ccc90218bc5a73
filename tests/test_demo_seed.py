"""`syllabus seed-demo`: a believable marketplace with exact aggregates, in few statements."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from syllabus.accounts.models import User
from syllabus.catalog.models import Course, Lesson, Quiz, QuizQuestion, Section
from syllabus.catalog.schemas import CourseCreate, LessonCreate, QuizIn
from syllabus.cli import DEMO_PASSWORD, app
from syllabus.commerce.models import (
    CommerceEvent,
    Coupon,
    Earning,
    Order,
    OrderLine,
    Payment,
)
from syllabus.community.models import (
    Announcement,
    Answer,
    Message,
    MessageThread,
    Question,
    Review,
)
from syllabus.demo import DemoLogins, seed_demo
from syllabus.demo.media import add_demo_videos
from syllabus.kit.runtime import Runtime
from syllabus.learning.models import Enrollment
from syllabus.media import keys
from syllabus.media.models import MediaAsset
from syllabus.notifications.models import Notification
from tests.factories import login, make_user
from tests.support.queries import counted_statements

TABLES: tuple[Any, ...] = (
    User,
    Course,
    Section,
    Lesson,
    Quiz,
    QuizQuestion,
    Enrollment,
    Review,
    Order,
    OrderLine,
    Payment,
    CommerceEvent,
    Earning,
    Coupon,
    Question,
    Answer,
    Announcement,
    MessageThread,
    Message,
    Notification,
)


def _row_counts(db: Session) -> dict[str, int]:
    return {
        model.__tablename__: db.scalar(select(func.count()).select_from(model)) or 0
        for model in TABLES
    }


@pytest.fixture
def seeded(db: Session, runtime: Runtime) -> DemoLogins:
    logins = seed_demo(db, password=DEMO_PASSWORD)
    db.commit()
    return logins


def test_seed_builds_a_marketplace_with_bulk_inserts(db: Session, runtime: Runtime) -> None:
    totals: list[int] = []
    batches: list[int] = []
    with counted_statements(runtime) as statements:
        logins = seed_demo(
            db, password=DEMO_PASSWORD, progress=batches.append, on_total=totals.append
        )
    db.commit()

    assert logins.created
    assert len(statements) < 50, f"{len(statements)} statements: bulk inserts expected"
    counts = _row_counts(db)
    assert totals == [sum(counts.values())] == [sum(batches)]
    assert counts["users"] == 1 + 8 + 60
    roles = Counter(db.scalars(select(User.role)))
    assert roles == {"admin": 1, "instructor": 8, "student": 60}
    assert set(db.scalars(select(User.status))) == {"active"}

    courses = db.scalars(select(Course)).all()
    published = [c for c in courses if c.status == "published"]
    assert len(published) >= 44
    assert len({c.category_id for c in published}) >= 10
    assert Counter(c.status for c in courses if c.status != "published") == {
        "draft": 2,
        "in_review": 1,
    }
    assert 4 <= sum(c.is_featured for c in published) <= 8
    assert {"en", "es", "fr", "de"} <= {c.language for c in published}
    assert {"USD", "EUR", "INR"} <= {c.currency for c in published}
    assert any(c.price_amount == 0 for c in published)
    assert any((c.list_price_amount or 0) > c.price_amount > 0 for c in published)
    assert all(c.price_amount <= 12999 for c in published if c.currency == "USD")
    assert all(c.published_at and c.submitted_at for c in published)
    assert all(
        c.description_html.startswith("<p>") and "<h2>" in c.description_html for c in courses
    )

    sections = Counter(db.scalars(select(Section.course_id)))
    assert all(3 <= sections[c.id] <= 8 for c in published)
    lessons = db.scalars(select(Lesson)).all()
    per_section = Counter(lesson.section_id for lesson in lessons)
    assert all(3 <= n <= 8 for n in per_section.values())
    text = [lesson for lesson in lessons if lesson.kind == "text"]
    assert len(text) > len(lessons) / 2
    assert all(lesson.body_html.strip() and lesson.duration_seconds > 0 for lesson in text)
    previews = {(lesson.course_id, lesson.title) for lesson in lessons if lesson.is_preview}
    assert len(previews) == len(courses)

    quiz_lessons = {lesson.id for lesson in lessons if lesson.kind == "quiz"}
    assert len(quiz_lessons) == sum(sections.values())
    quizzes = db.scalars(select(Quiz)).all()
    assert {q.lesson_id for q in quizzes} == quiz_lessons
    assert {(q.pass_percent, q.max_attempts) for q in quizzes} == {(70, 3)}
    questions = db.scalars(select(QuizQuestion)).all()
    assert {q.kind for q in questions} == {"single", "multiple", "true_false", "short"}
    per_quiz = Counter(q.lesson_id for q in questions)
    assert all(3 <= per_quiz[lesson_id] <= 5 for lesson_id in quiz_lessons)
    assert all(q.explanation for q in questions)


def test_seeded_aggregates_equal_the_rows(db: Session, seeded: DemoLogins) -> None:
    lessons = {
        course_id: (count, duration)
        for course_id, count, duration in db.execute(
            select(Lesson.course_id, func.count(), func.sum(Lesson.duration_seconds)).group_by(
                Lesson.course_id
            )
        ).tuples()
    }
    enrolled = dict(
        db.execute(
            select(Enrollment.course_id, func.count())
            .where(Enrollment.status == "active")
            .group_by(Enrollment.course_id)
        ).all()
    )
    histograms: dict[str, dict[str, int]] = defaultdict(lambda: {str(n): 0 for n in range(1, 6)})
    for course_id, rating, count in db.execute(
        select(Review.course_id, Review.rating, func.count())
        .where(Review.status == "visible")
        .group_by(Review.course_id, Review.rating)
    ).tuples():
        histograms[course_id][str(rating)] = count

    for course in db.scalars(select(Course)):
        histogram = histograms[course.id]
        count = sum(histogram.values())
        total = sum(int(stars) * n for stars, n in histogram.items())
        assert (course.lesson_count, course.duration_seconds) == lessons[course.id]
        assert course.enrollment_count == enrolled.get(course.id, 0)
        assert course.rating_histogram == histogram
        assert (course.rating_count, course.rating_sum) == (count, total)
        assert course.rating_avg == (round(total / count, 2) if count else 0.0)

    enrollments = db.scalars(select(Enrollment)).all()
    reviews = db.scalars(select(Review)).all()
    assert 0.3 <= len(reviews) / len(enrollments) <= 0.5
    assert sum(r.rating for r in reviews) / len(reviews) > 3.8
    assert {e.source for e in enrollments} == {"free", "purchase"}
    published = {c.id: c for c in db.scalars(select(Course)) if c.status == "published"}
    for enrollment in enrollments:
        course = published[enrollment.course_id]
        assert course.published_at is not None
        assert enrollment.created_at >= course.published_at
        assert (enrollment.completed_at is not None) == (enrollment.progress_percent == 100)
        assert (enrollment.source == "free") == (course.price_amount == 0)
    assert len({e.progress_percent for e in enrollments}) > 20


def test_seeded_content_fits_the_catalog_inputs(db: Session, seeded: DemoLogins) -> None:
    for course in db.scalars(select(Course)):
        CourseCreate.model_validate(
            {
                "title": course.title,
                "subtitle": course.subtitle,
                "description": course.description,
                "category_id": course.category_id,
                "level": course.level,
                "language": course.language,
                "outcomes": course.outcomes,
                "requirements": course.requirements,
                "audience": course.audience,
                "tags": course.tags,
                "price": {"amount": course.price_amount, "currency": course.currency},
            }
        )
        assert 4 <= len(course.outcomes) <= 6
        assert 2 <= len(course.requirements) <= 3
        assert 2 <= len(course.audience) <= 3
    for lesson in db.scalars(select(Lesson)):
        LessonCreate.model_validate(
            {
                "title": lesson.title,
                "kind": lesson.kind,
                "body": lesson.body,
                "duration_seconds": lesson.duration_seconds,
                "is_preview": lesson.is_preview,
            }
        )
    questions: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for q in db.scalars(select(QuizQuestion).order_by(QuizQuestion.position)):
        questions[q.lesson_id].append(
            {
                "kind": q.kind,
                "prompt": q.prompt,
                "choices": q.choices,
                "answer": q.answer,
                "explanation": q.explanation,
            }
        )
        if q.kind == "single":
            assert 0 <= q.answer < len(q.choices)
        elif q.kind == "multiple":
            assert q.answer == sorted(q.answer)
            assert set(q.answer) < set(range(len(q.choices)))
        elif q.kind == "true_false":
            assert isinstance(q.answer, bool)
        else:
            assert q.answer
            assert all(isinstance(a, str) for a in q.answer)
    for quiz in db.scalars(select(Quiz)):
        QuizIn.model_validate(
            {
                "pass_percent": quiz.pass_percent,
                "max_attempts": quiz.max_attempts,
                "questions": questions[quiz.lesson_id],
            }
        )


def test_seeding_twice_adds_nothing(db: Session, seeded: DemoLogins, runtime: Runtime) -> None:
    before = _row_counts(db)
    with counted_statements(runtime) as statements:
        again = seed_demo(db, password=DEMO_PASSWORD)
    db.commit()
    assert not again.created
    assert again.shown() == seeded.shown()
    assert len(statements) == 1
    assert _row_counts(db) == before


def test_cli_seeds_an_empty_database_and_its_logins_sign_in(
    client: TestClient, db: Session, runtime: Runtime
) -> None:
    assert db.scalar(select(func.count()).select_from(User)) == 0
    result = CliRunner().invoke(app, ["seed-demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert f"password: {DEMO_PASSWORD}" in result.output
    emails = re.findall(r"[\w.]+@syllabus\.example", result.output)
    assert len(emails) == 5
    roles = [login(client, email, DEMO_PASSWORD)["user"]["role"] for email in emails]
    assert roles == ["admin", "instructor", "instructor", "student", "student"]

    videos = db.scalars(select(Lesson).where(Lesson.kind == "video")).all()
    assert f"{len(videos)} video lessons play demo clips" in result.output
    assert videos
    assert all(lesson.media_id for lesson in videos)
    assets = db.scalars(select(MediaAsset)).all()
    assert {a.id for a in assets} == {lesson.media_id for lesson in videos}
    assert {a.status for a in assets} == {"uploaded"}
    assert all(a.source_key and runtime.storage.size(a.source_key) > 0 for a in assets)

    again = CliRunner().invoke(app, ["seed-demo"])
    assert again.exit_code == 0, again.output
    assert again.output.strip() == "Demo data already present."


def test_cli_if_empty_leaves_a_database_with_users_alone(db: Session, runtime: Runtime) -> None:
    make_user(db, email="someone@example.com")
    before = _row_counts(db)
    result = CliRunner().invoke(app, ["seed-demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "The database already has users; no demo data added."
    db.expire_all()
    assert _row_counts(db) == before


def test_cli_refuses_a_weak_password(db: Session, runtime: Runtime) -> None:
    result = CliRunner().invoke(app, ["seed-demo", "--password", "password"])
    assert result.exit_code == 2
    assert "Cannot seed the demo" in result.output
    assert _row_counts(db)["courses"] == 0


def test_every_demo_purchase_has_a_paid_order_and_the_instructors_share(
    db: Session, seeded: DemoLogins
) -> None:
    purchases = db.execute(
        select(Enrollment.user_id, Enrollment.course_id).where(Enrollment.source == "purchase")
    ).all()
    paid = db.execute(
        select(Order.user_id, OrderLine.course_id, OrderLine.amount, Course.price_amount)
        .join(OrderLine, OrderLine.order_id == Order.id)
        .join(Course, Course.id == OrderLine.course_id)
        .where(Order.status == "paid", OrderLine.granted_at.is_not(None))
    ).all()
    assert purchases, "the demo sells paid courses"
    assert {(p.user_id, p.course_id) for p in purchases} == {(p.user_id, p.course_id) for p in paid}
    assert all(p.amount == p.price_amount > 0 for p in paid)
    earnings = db.scalars(select(Earning)).all()
    assert len(earnings) == len(paid)
    for entry in earnings:
        assert entry.instructor_amount == entry.gross_amount * 70 // 100
        assert entry.instructor_amount + entry.platform_amount == entry.gross_amount
    coupons = db.scalars(select(Coupon)).all()
    assert coupons
    assert all(c.course_id and c.percent_off and c.code.isupper() for c in coupons)


def test_demo_students_have_questions_answers_and_unread_notifications(
    client: TestClient, db: Session, seeded: DemoLogins
) -> None:
    questions = db.scalars(select(Question)).all()
    assert questions, "some lessons have questions"
    answers = Counter(db.scalars(select(Answer.question_id)))
    assert all(q.answer_count == answers[q.id] for q in questions), "counts equal the rows"
    for announcement in db.scalars(select(Announcement)):
        enrolled = db.scalar(
            select(func.count())
            .select_from(Enrollment)
            .where(Enrollment.course_id == announcement.course_id)
        )
        assert (announcement.delivered, announcement.recipient_count) == (True, enrolled)
    [thread] = db.scalars(select(MessageThread)).all()
    assert len(db.scalars(select(Message).where(Message.thread_id == thread.id)).all()) == 2

    student = next(x for x in seeded.shown() if x.role == "student")
    tokens = login(client, student.email, DEMO_PASSWORD)
    inbox = client.get(
        "/api/v1/notifications", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    ).json()
    assert inbox["unread_count"] > 0
    assert {item["kind"] for item in inbox["items"]} >= {"question_answered"}
    assert db.scalar(select(func.count()).select_from(Notification)) >= inbox["total"]


def test_demo_video_lessons_get_clips_of_their_instructor_transcoded_like_uploads(
    db: Session, seeded: DemoLogins, runtime: Runtime, run_jobs: Callable[[], int]
) -> None:
    shown = add_demo_videos(db, runtime, seeded, seconds=2.0)
    db.commit()

    videos = db.scalars(select(Lesson).where(Lesson.kind == "video")).all()
    assert len(videos) == shown
    courses = {c.id: c for c in db.scalars(select(Course))}
    published = {c.id for c in courses.values() if c.status == "published"}
    assert {lesson.course_id for lesson in videos} == published
    assert {lesson.course_id for lesson in videos if lesson.is_preview} == published
    assets = {a.id: a for a in db.scalars(select(MediaAsset))}
    for lesson in videos:
        assert assets[lesson.media_id].owner_id == courses[lesson.course_id].instructor_id
    assert len(assets) == len({courses[c].instructor_id for c in published})

    run_jobs()

    db.expire_all()
    for asset in db.scalars(select(MediaAsset)):
        assert (asset.status, asset.duration_seconds, asset.error) == ("ready", 2, None)
        assert [r["name"] for r in asset.renditions] == ["360p"]
        assert runtime.storage.exists(keys.master_key(asset.id))
        assert runtime.storage.exists(keys.poster_key(asset.id))
    assert {
        lesson.duration_seconds
        for lesson in db.scalars(select(Lesson).where(Lesson.kind == "video"))
    } == {2}
    totals = dict(
        db.execute(
            select(Lesson.course_id, func.sum(Lesson.duration_seconds)).group_by(Lesson.course_id)
        )
        .tuples()
        .all()
    )
    for course in db.scalars(select(Course)):
        assert course.duration_seconds == totals[course.id], "course lengths follow the videos"
