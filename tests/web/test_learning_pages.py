"""Learning pages: enroll, my learning, the player (ticks, locks, mark complete), quizzes and
certificates, through the browser's transport (cookies, CSRF, htmx headers)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from syllabus.accounts.models import User
from syllabus.catalog.models import Course, Lesson, Quiz, QuizQuestion, Section
from syllabus.kit.db import utcnow
from syllabus.kit.runtime import Runtime
from syllabus.learning import certificates
from syllabus.learning.models import Enrollment, QuizAttempt
from tests.catalog.factories import make_course, make_enrollment
from tests.factories import make_user
from tests.web.test_account_pages import csrf_of, web_login

HX = {"HX-Request": "true"}
SHORT_ANSWER = "zanzibar"
EXPLAIN_SINGLE = "Paris has been the capital since 987."
EXPLAIN_SHORT = "The island is famous for its spice farms."


# ----------------------------------------------------------------- helpers


def post(
    client: TestClient, url: str, data: dict[str, Any] | None = None, **headers: str
) -> Response:
    """POST as the page's form would: with the token already in the cookie jar."""
    token = client.cookies["syl_csrf"]
    return client.post(
        url, data={**(data or {}), "csrf_token": token}, headers=headers, follow_redirects=False
    )


def lessons_of(db: Session, course: Course) -> list[Lesson]:
    return list(
        db.scalars(
            select(Lesson).where(Lesson.course_id == course.id).order_by(Lesson.position)
        ).all()
    )


def add_quiz(db: Session, course: Course, *, max_attempts: int | None = None) -> Lesson:
    """A quiz lesson at the end of the course: single choice, true/false and short answer."""
    section = db.scalars(select(Section).where(Section.course_id == course.id)).first()
    assert section is not None
    lesson = Lesson(
        section_id=section.id,
        course_id=course.id,
        title="Check yourself",
        kind="quiz",
        position=len(lessons_of(db, course)),
    )
    db.add(lesson)
    db.flush()
    db.add(Quiz(lesson_id=lesson.id, pass_percent=60, max_attempts=max_attempts))
    db.flush()
    db.add_all(
        [
            QuizQuestion(
                lesson_id=lesson.id,
                position=0,
                kind="single",
                prompt="What is the capital of France?",
                choices=["Lyon", "Paris", "Nice"],
                answer=1,
                explanation=EXPLAIN_SINGLE,
            ),
            QuizQuestion(
                lesson_id=lesson.id,
                position=1,
                kind="true_false",
                prompt="Water boils at 100 °C at sea level.",
                choices=[],
                answer=True,
                explanation="",
            ),
            QuizQuestion(
                lesson_id=lesson.id,
                position=2,
                kind="short",
                prompt="Which island is called the Spice Island?",
                choices=[],
                answer=[SHORT_ANSWER, "unguja"],
                explanation=EXPLAIN_SHORT,
            ),
        ]
    )
    course.lesson_count += 1
    db.commit()
    return lesson


def questions_of(db: Session, lesson: Lesson) -> list[QuizQuestion]:
    return list(
        db.scalars(
            select(QuizQuestion)
            .where(QuizQuestion.lesson_id == lesson.id)
            .order_by(QuizQuestion.position)
        ).all()
    )


def right_answers(db: Session, lesson: Lesson) -> dict[str, str]:
    single, true_false, short = questions_of(db, lesson)
    return {f"q-{single.id}": "1", f"q-{true_false.id}": "true", f"q-{short.id}": " Zanzibar "}


def wrong_answers(db: Session, lesson: Lesson) -> dict[str, str]:
    single, true_false, _short = questions_of(db, lesson)
    return {f"q-{single.id}": "0", f"q-{true_false.id}": "true"}


def student(db: Session, client: TestClient, name: str = "Sam Student") -> User:
    user = make_user(db, name=name)
    web_login(client, user.email)
    return user


def free_course(db: Session, lessons: int = 3, **fields: Any) -> Course:
    teacher = make_user(db, role="instructor", name="Ines Instructor")
    return make_course(db, teacher, price=0, lessons=lessons, **fields)


def lesson_url(course: Course, lesson: Lesson) -> str:
    return f"/learn/{course.slug}/lessons/{lesson.id}"


def enrollment_of(db: Session, user: User, course: Course) -> Enrollment | None:
    db.expire_all()
    return db.scalar(
        select(Enrollment).where(Enrollment.user_id == user.id, Enrollment.course_id == course.id)
    )


# ------------------------------------------------------------------ enroll


def test_enroll_in_a_free_course_through_the_landing_page_form(
    client: TestClient, db: Session
) -> None:
    course = free_course(db)
    user = student(db, client)
    landing = client.get(f"/courses/{course.slug}")
    assert f'action="/courses/{course.slug}/enroll"' in landing.text

    refused = client.post(f"/courses/{course.slug}/enroll", follow_redirects=False)
    assert refused.status_code == 403
    assert enrollment_of(db, user, course) is None

    response = client.post(
        f"/courses/{course.slug}/enroll",
        data={"csrf_token": csrf_of(landing), "course_id": course.id},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/learn/{course.slug}"
    enrolled = enrollment_of(db, user, course)
    assert enrolled is not None
    assert enrolled.source == "free"

    first = lessons_of(db, course)[0]
    to_lesson = client.get(f"/learn/{course.slug}", follow_redirects=False)
    assert to_lesson.status_code == 303
    assert to_lesson.headers["location"] == lesson_url(course, first)
    player = client.get(to_lesson.headers["location"])
    assert player.status_code == 200
    assert "You are enrolled. Enjoy the course!" in player.text

    again = post(client, f"/courses/{course.slug}/enroll")
    assert again.status_code == 303
    assert again.headers["location"] == f"/learn/{course.slug}"
    landing = client.get(f"/courses/{course.slug}")
    assert f'href="/learn/{course.slug}"' in landing.text


def test_a_paid_course_sends_the_student_back_to_buy_it(client: TestClient, db: Session) -> None:
    teacher = make_user(db, role="instructor")
    course = make_course(db, teacher, price=2500)
    user = student(db, client)
    client.get("/my/learning")
    response = post(client, f"/courses/{course.slug}/enroll")
    assert response.status_code == 303
    assert response.headers["location"] == f"/courses/{course.slug}"
    assert enrollment_of(db, user, course) is None
    landing = client.get(response.headers["location"])
    assert "This is a paid course: buy it to start learning." in landing.text


def test_anonymous_visitors_are_sent_to_log_in(client: TestClient, db: Session) -> None:
    course = free_course(db)
    first = lessons_of(db, course)[0]
    for url in (
        "/my/learning",
        "/my/certificates",
        f"/learn/{course.slug}",
        lesson_url(course, first),
    ):
        response = client.get(url, follow_redirects=False)
        assert response.status_code == 303, url
        assert response.headers["location"].startswith("/login?next=")
    client.get("/login")
    enroll = post(client, f"/courses/{course.slug}/enroll")
    assert enroll.status_code == 303
    assert enroll.headers["location"] == f"/login?next=%2Fcourses%2F{course.slug}"


def test_a_student_who_is_not_enrolled_is_sent_to_the_landing_page(
    client: TestClient, db: Session
) -> None:
    course = free_course(db)
    first = lessons_of(db, course)[0]
    student(db, client)
    for url in (f"/learn/{course.slug}", lesson_url(course, first)):
        response = client.get(url, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == f"/courses/{course.slug}"
    landing = client.get(f"/courses/{course.slug}")
    assert "Enroll in this course to open its lessons." in landing.text
    htmx = post(client, lesson_url(course, first) + "/complete", **HX)
    assert htmx.status_code == 204
    assert htmx.headers["HX-Redirect"] == f"/courses/{course.slug}"


# ------------------------------------------------------------------ player


def test_player_shows_the_curriculum_with_ticks_and_drip_locks(
    client: TestClient, db: Session
) -> None:
    course = free_course(db)
    first, second, third = lessons_of(db, course)
    third.drip_days = 5
    second.kind, second.body, second.body_html = "video", "", ""
    db.commit()
    user = student(db, client)
    make_enrollment(db, user, course)
    assert post(client, lesson_url(course, first) + "/complete").status_code == 303

    page = client.get(lesson_url(course, first))
    assert page.status_code == 200
    html = page.text
    assert '<meta name="robots" content="noindex">' in html
    assert f'id="outline-{first.id}"' in html
    assert re.search(rf'outline-item--done is-current" id="outline-{first.id}"', html)
    assert re.search(rf'outline-item--todo" id="outline-{second.id}"', html)
    assert re.search(rf'outline-item--locked" id="outline-{third.id}"', html)
    opens = utcnow() + timedelta(days=5)
    assert f"Opens {opens.day} {opens:%B %Y}" in html
    assert "Lesson 1 of <em>" in html  # the text lesson's sanitised body
    assert 'class="prose lesson-prose"' in html
    assert f'href="{lesson_url(course, second)}" rel="next"' in html
    assert "Lesson marked as complete." in html  # the flash of the plain-form POST
    assert "Mark complete" not in html  # done already
    assert '<progress class="progress progress--small" max="100" value="33"' in html
    assert "33%" in html

    video = client.get(lesson_url(course, second)).text
    assert "Video coming soon" in video
    assert f'href="{lesson_url(course, first)}" rel="prev"' in video
    assert "Mark complete" in video

    locked = client.get(lesson_url(course, third)).text
    assert f"Available on {opens.day} {opens:%B %Y}" in locked
    assert "Lesson 3 of <em>" not in locked  # no content
    assert "Mark complete" not in locked
    refused = post(client, lesson_url(course, third) + "/complete")
    assert refused.status_code == 303
    assert "That lesson is not available yet." in client.get(refused.headers["location"]).text


def test_mark_complete_with_htmx_swaps_the_button_tick_and_progress(
    client: TestClient, db: Session
) -> None:
    course = free_course(db, lessons=2)
    first, _second = lessons_of(db, course)
    user = student(db, client)
    make_enrollment(db, user, course)
    client.get(lesson_url(course, first))

    response = post(client, lesson_url(course, first) + "/complete", **HX)
    assert response.status_code == 200
    html = response.text
    assert html.lstrip().startswith('<div class="lesson-complete" id="lesson-complete">')
    assert "Completed" in html
    assert "Mark complete" not in html
    assert re.search(
        rf'outline-item--done is-current" id="outline-{first.id}" hx-swap-oob="true"', html
    )
    assert 'id="player-progress" hx-swap-oob="true"' in html
    assert "50%" in html
    enrollment = enrollment_of(db, user, course)
    assert enrollment is not None
    assert enrollment.progress_percent == 50

    again = post(client, lesson_url(course, first) + "/complete", **HX)
    assert again.status_code == 200  # idempotent
    assert enrollment_of(db, user, course).progress_percent == 50  # type: ignore[union-attr]


def test_resume_goes_to_the_last_lesson_opened(client: TestClient, db: Session) -> None:
    course = free_course(db)
    _first, second, _third = lessons_of(db, course)
    user = student(db, client)
    make_enrollment(db, user, course)
    client.get(lesson_url(course, second))
    resume = client.get(f"/learn/{course.slug}", follow_redirects=False)
    assert resume.headers["location"] == lesson_url(course, second)


def test_the_owner_previews_the_player_without_progress(client: TestClient, db: Session) -> None:
    teacher = make_user(db, role="instructor")
    course = make_course(db, teacher, price=0)
    first = lessons_of(db, course)[0]
    web_login(client, teacher.email)
    page = client.get(lesson_url(course, first))
    assert page.status_code == 200
    assert "You are previewing this course as its instructor" in page.text
    assert "Mark complete" not in page.text
    quiz = add_quiz(db, course)
    preview = client.get(lesson_url(course, quiz)).text
    assert "What is the capital of France?" in preview
    assert 'type="submit" disabled>Submit answers' in preview
    assert EXPLAIN_SINGLE not in preview


# -------------------------------------------------------------------- quiz


def test_the_quiz_page_never_contains_the_answers(client: TestClient, db: Session) -> None:
    course = free_course(db, lessons=1)
    quiz = add_quiz(db, course)
    user = student(db, client)
    make_enrollment(db, user, course)
    html = client.get(lesson_url(course, quiz)).text
    assert "What is the capital of France?" in html
    assert 'name="q-' in html
    assert 'type="radio"' in html
    assert 'type="text"' in html
    for secret in (
        SHORT_ANSWER,
        "unguja",
        EXPLAIN_SINGLE,
        EXPLAIN_SHORT,
        "Correct",
        "right answer",
    ):
        assert secret.lower() not in html.lower(), secret
    assert "Pass the quiz to complete this lesson." in html


def test_a_quiz_is_graded_with_each_question_explained(client: TestClient, db: Session) -> None:
    course = free_course(db, lessons=1)
    quiz = add_quiz(db, course, max_attempts=3)
    user = student(db, client)
    make_enrollment(db, user, course)
    client.get(lesson_url(course, quiz))

    failed = post(client, lesson_url(course, quiz) + "/quiz", wrong_answers(db, quiz))
    assert failed.status_code == 200
    html = failed.text
    assert "Not quite there yet" in html
    assert "33%" in html
    assert EXPLAIN_SINGLE in html
    assert EXPLAIN_SHORT in html
    assert html.count("badge--danger") == 2
    assert 'badge--success">Correct' in html
    assert SHORT_ANSWER in html  # the right answer, shown once graded
    assert "2 of 3 attempts left" in html
    assert f'href="{lesson_url(course, quiz)}?retake=1"' in html

    retry = client.get(lesson_url(course, quiz) + "?retake=1").text
    assert "Your best score so far is 33%" in retry
    assert "Submit answers" in retry

    passed = post(client, lesson_url(course, quiz) + "/quiz", right_answers(db, quiz), **HX)
    assert passed.status_code == 200
    html = passed.text
    assert html.lstrip().startswith('<section class="quiz" id="quiz-panel"')
    assert "You passed!" in html
    assert "100%" in html
    assert re.search(
        rf'outline-item--done is-current" id="outline-{quiz.id}" hx-swap-oob="true"', html
    )
    assert 'id="lesson-complete" hx-swap-oob="true"' in html
    assert "Quiz passed" in html
    attempts = db.scalars(select(QuizAttempt).where(QuizAttempt.lesson_id == quiz.id)).all()
    assert sorted(a.score_percent for a in attempts) == [33, 100]

    after = client.get(lesson_url(course, quiz)).text
    assert "You passed this quiz" in after
    assert "Submit answers" not in after


def test_no_more_attempts_than_the_quiz_allows(client: TestClient, db: Session) -> None:
    course = free_course(db, lessons=1)
    quiz = add_quiz(db, course, max_attempts=1)
    user = student(db, client)
    make_enrollment(db, user, course)
    client.get(lesson_url(course, quiz))
    first = post(client, lesson_url(course, quiz) + "/quiz", wrong_answers(db, quiz))
    assert "You have used all your attempts." in first.text
    assert "Try again" not in first.text

    page = client.get(lesson_url(course, quiz)).text
    assert "No attempts left" in page
    assert "Submit answers" not in page

    refused = post(client, lesson_url(course, quiz) + "/quiz", right_answers(db, quiz))
    assert refused.status_code == 409
    assert "You have used all 1 attempts at this quiz." in refused.text
    assert len(db.scalars(select(QuizAttempt).where(QuizAttempt.lesson_id == quiz.id)).all()) == 1


# ------------------------------------------------------------- my learning


def test_my_learning_lists_courses_with_progress_and_resume(
    client: TestClient, db: Session
) -> None:
    course = free_course(db, title="Knots for sailors")
    other = free_course(db, title="Untouched course")
    first, second, _third = lessons_of(db, course)
    user = student(db, client)
    make_enrollment(db, user, course)
    make_enrollment(db, user, other)
    post(client, lesson_url(course, first) + "/complete")
    client.get(lesson_url(course, second))

    html = client.get("/my/learning").text
    assert "Knots for sailors" in html
    assert "Untouched course" in html
    assert "33% complete" in html
    assert "0% complete" in html
    assert f'href="{lesson_url(course, second)}"' in html
    assert "Last lesson:</span> Lesson 2" in html
    assert "Resume" in html
    assert "Start course" in html
    assert "Ines Instructor" in html


def test_my_learning_is_friendly_when_empty(client: TestClient, db: Session) -> None:
    student(db, client)
    html = client.get("/my/learning").text
    assert "You have not enrolled in a course yet" in html
    assert 'href="/courses"' in html


# ------------------------------------------------------------ certificates


def test_certificate_list_and_public_verification_page(
    client: TestClient, db: Session, runtime: Runtime
) -> None:
    course = free_course(db, lessons=1, title="Bread baking")
    user = student(db, client, name="Cora Certified")
    enrollment = make_enrollment(db, user, course)
    first = lessons_of(db, course)[0]
    post(client, lesson_url(course, first) + "/complete")
    assert enrollment_of(db, user, course).completed_at is not None  # type: ignore[union-attr]
    cert = certificates.issue_for_enrollment(db, runtime, enrollment.id)
    assert cert is not None
    certificates.render_certificate(db, runtime, cert.id)
    db.commit()

    mine = client.get("/my/certificates").text
    assert "Bread baking" in mine
    assert cert.code in mine
    assert f'href="/api/v1/certificates/{cert.code}.pdf"' in mine
    learning = client.get("/my/learning").text
    assert "Completed" in learning
    assert f'href="/certificates/{cert.code}"' in learning

    client.cookies.clear()
    public = client.get(f"/certificates/{cert.code}")
    assert public.status_code == 200
    assert '<meta name="robots" content="noindex">' in public.text
    for text in ("Cora Certified", "Bread baking", "Ines Instructor", cert.code, "Verified"):
        assert text in public.text
    lower = client.get(f"/certificates/{cert.code.lower()}", follow_redirects=False)
    assert lower.status_code == 301
    pdf = client.get(f"/api/v1/certificates/{cert.code}.pdf")
    assert pdf.content.startswith(b"%PDF")

    unknown = client.get("/certificates/AAAAAAAAAAAAAAAA")
    assert unknown.status_code == 404
    assert 'class="error-page' in unknown.text


def test_no_certificates_yet(client: TestClient, db: Session) -> None:
    student(db, client)
    assert "No certificates yet" in client.get("/my/certificates").text
