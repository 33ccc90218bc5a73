"""Lesson Q&A pages: the player's panel, asking and answering with forms, moderation,
who may open what, escaping, and a constant number of statements per page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from syllabus.accounts.models import User
from syllabus.catalog.models import Course, Lesson
from syllabus.community.models import Answer, Question
from syllabus.kit.db import utcnow
from syllabus.kit.runtime import Runtime
from syllabus.notifications.models import Notification
from tests.catalog.factories import make_course, make_enrollment
from tests.catalog_public.seed import count_statements
from tests.factories import make_user
from tests.web.test_account_pages import csrf_of, web_login

XSS = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
HTMX = {"HX-Request": "true"}


class Setup:
    """A published course with its instructor, an enrolled student and a stranger."""

    def __init__(self, db: Session) -> None:
        self.owner = make_user(db, role="instructor", name="Grace Instructor")
        self.student = make_user(db, name="Linus Learner")
        self.stranger = make_user(db, name="Stan Stranger")
        self.course: Course = make_course(db, self.owner)
        self.lesson: Lesson = db.scalars(
            select(Lesson).where(Lesson.course_id == self.course.id, Lesson.position == 0)
        ).one()
        make_enrollment(db, self.student, self.course)

    @property
    def lesson_url(self) -> str:
        return f"/learn/{self.course.slug}/lessons/{self.lesson.id}"

    @property
    def questions_url(self) -> str:
        return f"{self.lesson_url}/questions"

    def question_url(self, question_id: str) -> str:
        return f"{self.questions_url}/{question_id}"


@pytest.fixture
def s(db: Session) -> Setup:
    return Setup(db)


def sign_in(client: TestClient, user: User) -> None:
    client.cookies.clear()
    web_login(client, user.email)


def post(client: TestClient, page: str, url: str, data: dict[str, str]) -> Response:
    token = csrf_of(client.get(page))
    return client.post(url, data={**data, "csrf_token": token}, follow_redirects=False)


def add_question(
    db: Session, s: Setup, author: User, title: str = "How?", body: str = "", **fields: object
) -> Question:
    question = Question(
        course_id=s.course.id,
        lesson_id=s.lesson.id,
        user_id=author.id,
        title=title,
        body=body,
        **fields,
    )
    db.add(question)
    db.commit()
    return question


def add_answer(db: Session, question: Question, author: User, body: str = "So.") -> Answer:
    answer = Answer(question_id=question.id, user_id=author.id, body=body)
    db.add(answer)
    question.answer_count += 1
    db.commit()
    return answer


# -------------------------------------------------------------- the panel


def test_the_player_shows_the_panel_and_its_list_loads_as_a_fragment(
    client: TestClient, db: Session, s: Setup
) -> None:
    add_question(db, s, s.student, "What is a snapshot?")
    sign_in(client, s.student)
    player = client.get(s.lesson_url)
    assert player.status_code == 200
    assert "Questions about this lesson" in player.text
    assert f'hx-get="{s.questions_url}"' in player.text
    assert f'action="{s.questions_url}"' in player.text
    assert 'name="title"' in player.text

    fragment = client.get(s.questions_url, headers=HTMX)
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    assert "What is a snapshot?" in fragment.text
    assert "Linus Learner" in fragment.text
    assert '<span class="qa-item__number">0</span>' in fragment.text

    page = client.get(s.questions_url)
    assert "<html" in page.text
    assert "What is a snapshot?" in page.text


def test_the_instructor_opens_the_panel_and_pages_without_enrolling(
    client: TestClient, db: Session, s: Setup
) -> None:
    question = add_question(db, s, s.student, "Asked by a student")
    sign_in(client, s.owner)
    assert "Questions about this lesson" in client.get(s.lesson_url).text
    assert "Asked by a student" in client.get(s.questions_url).text
    add_answer(db, question, s.student)
    thread = client.get(s.question_url(question.id))
    assert thread.status_code == 200
    assert "Hide question" in thread.text
    assert "Hide answer" in thread.text
    assert "Post answer" in thread.text
    # Every form carries the token, the moderation buttons' included.
    assert thread.text.count('name="csrf_token" value="') == thread.text.count("<form") - 1
    assert 'name="csrf_token" value=""' not in thread.text


def test_who_may_not_open_the_pages(client: TestClient, db: Session, s: Setup) -> None:
    question = add_question(db, s, s.student)
    anonymous = client.get(s.questions_url, follow_redirects=False)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/login")

    sign_in(client, s.stranger)
    for url in (s.questions_url, s.question_url(question.id)):
        refused = client.get(url, follow_redirects=False)
        assert refused.status_code == 303, url
        assert refused.headers["location"] == f"/courses/{s.course.slug}"
    landing = client.get(s.questions_url)
    assert "Enroll in this course" in landing.text

    sign_in(client, s.student)
    other = make_course(db, s.owner)
    for url in (
        f"/learn/{other.slug}/lessons/{s.lesson.id}/questions",
        f"/learn/{s.course.slug}/lessons/nope/questions",
        f"{s.questions_url}/nope",
    ):
        assert client.get(url).status_code == 404, url
    # The question of another lesson is not this lesson's.
    second = db.scalars(
        select(Lesson).where(Lesson.course_id == s.course.id, Lesson.position == 1)
    ).one()
    url = f"/learn/{s.course.slug}/lessons/{second.id}/questions/{question.id}"
    assert client.get(url).status_code == 404


# ------------------------------------------------------- ask and answer


def test_a_student_asks_with_the_form_and_the_instructor_answers(
    client: TestClient, db: Session, s: Setup
) -> None:
    sign_in(client, s.student)
    posted = post(
        client, s.lesson_url, s.questions_url, {"title": " Why commit? ", "body": "Line 1\nLine 2"}
    )
    assert posted.status_code == 303
    question = db.scalars(select(Question).where(Question.lesson_id == s.lesson.id)).one()
    assert (question.title, question.body) == ("Why commit?", "Line 1\nLine 2")
    assert posted.headers["location"] == s.question_url(question.id)
    thread = client.get(posted.headers["location"])
    assert "Your question is posted" in thread.text
    assert "Why commit?" in thread.text
    assert "Hide question" not in thread.text
    assert "Delete question" in thread.text
    kinds = db.scalars(select(Notification.kind).where(Notification.user_id == s.owner.id)).all()
    assert kinds == ["question_asked"]

    sign_in(client, s.owner)
    here = s.question_url(question.id)
    answered = post(client, here, f"{here}/answers", {"body": "To keep a snapshot."})
    assert answered.status_code == 303
    answer = db.scalars(select(Answer).where(Answer.question_id == question.id)).one()
    assert answered.headers["location"] == f"{here}#answer-{answer.id}"
    db.expire_all()
    assert db.get(Question, question.id).answer_count == 1  # type: ignore[union-attr]
    note = db.scalars(select(Notification).where(Notification.user_id == s.student.id)).one()
    assert note.kind == "question_answered"

    sign_in(client, s.student)
    thread = client.get(here)
    assert f'id="answer-{answer.id}"' in thread.text
    assert "To keep a snapshot." in thread.text
    assert "qa-answer--instructor" in thread.text
    assert ">Instructor<" in thread.text
    assert "1 answer" in thread.text


def test_forms_with_errors_come_back_with_them(client: TestClient, db: Session, s: Setup) -> None:
    sign_in(client, s.student)
    refused = post(client, s.lesson_url, s.questions_url, {"title": "  ", "body": "kept text"})
    assert refused.status_code == 422
    assert "This field is required." in refused.text
    assert "kept text" in refused.text
    too_long = post(client, s.lesson_url, s.questions_url, {"title": "x" * 201})
    assert too_long.status_code == 422
    assert db.scalars(select(Question)).all() == []

    question = add_question(db, s, s.student)
    here = s.question_url(question.id)
    empty = post(client, here, f"{here}/answers", {"body": ""})
    assert empty.status_code == 422
    assert "This field is required." in empty.text
    assert db.scalars(select(Answer)).all() == []


def test_forms_need_the_csrf_token(client: TestClient, db: Session, s: Setup) -> None:
    sign_in(client, s.student)
    refused = client.post(s.questions_url, data={"title": "Hi"}, follow_redirects=False)
    assert refused.status_code == 403
    assert db.scalars(select(Question)).all() == []


def test_a_stranger_posting_is_sent_to_the_course_page(
    client: TestClient, db: Session, s: Setup
) -> None:
    question = add_question(db, s, s.student)
    sign_in(client, s.stranger)
    home = f"/courses/{s.course.slug}"
    asked = post(client, home, s.questions_url, {"title": "Let me in"})
    assert (asked.status_code, asked.headers["location"]) == (303, home)
    here = s.question_url(question.id)
    answered = post(client, home, f"{here}/answers", {"body": "Me too"})
    assert (answered.status_code, answered.headers["location"]) == (303, home)
    assert db.scalars(select(Question)).all() == [question]
    assert db.scalars(select(Answer)).all() == []


# -------------------------------------------------------------- moderation


def test_the_instructor_hides_and_shows_posts_from_the_page(
    client: TestClient, db: Session, s: Setup
) -> None:
    question = add_question(db, s, s.student, "Off topic")
    answer = add_answer(db, question, s.student, "Rude answer")
    here = s.question_url(question.id)

    sign_in(client, s.student)
    assert post(client, here, f"{here}/hide", {"hidden": "1"}).status_code == 403
    hide_answer = f"{here}/answers/{answer.id}/hide"
    assert post(client, here, hide_answer, {"hidden": "1"}).status_code == 403

    sign_in(client, s.owner)
    assert post(client, here, hide_answer, {"hidden": "1"}).status_code == 303
    db.expire_all()
    assert db.get(Question, question.id).answer_count == 0  # type: ignore[union-attr]
    page = client.get(here)
    assert "Show answer" in page.text
    assert "qa-answer--hidden" in page.text

    hidden = post(client, here, f"{here}/hide", {"hidden": "1"})
    assert (hidden.status_code, hidden.headers["location"]) == (303, here)
    page = client.get(here)
    assert "hidden from students" in page.text
    assert "Show question" in page.text
    assert "Post answer" not in page.text
    assert ">Hidden<" in client.get(s.questions_url).text

    sign_in(client, s.student)
    assert client.get(here).status_code == 404
    assert "Off topic" not in client.get(s.questions_url).text

    sign_in(client, s.owner)
    assert post(client, here, f"{here}/hide", {"hidden": "0"}).status_code == 303
    assert post(client, here, hide_answer, {"hidden": "0"}).status_code == 303
    sign_in(client, s.student)
    assert "Rude answer" in client.get(here).text


def test_the_author_deletes_their_question_from_the_page(
    client: TestClient, db: Session, s: Setup
) -> None:
    question = add_question(db, s, s.student, "Never mind")
    here = s.question_url(question.id)
    sign_in(client, s.stranger)
    make_enrollment(db, s.stranger, s.course)
    assert "Delete question" not in client.get(here).text
    assert post(client, here, f"{here}/delete", {}).status_code == 403

    sign_in(client, s.student)
    deleted = post(client, here, f"{here}/delete", {})
    assert (deleted.status_code, deleted.headers["location"]) == (
        303,
        f"{s.lesson_url}#questions",
    )
    assert db.scalars(select(Question)).all() == []


# ---------------------------------------------------------------- escaping


def test_user_text_is_inert_on_every_page(client: TestClient, db: Session, s: Setup) -> None:
    question = add_question(db, s, s.student, XSS, XSS)
    add_answer(db, question, s.owner, XSS)
    sign_in(client, s.student)
    for response in (
        client.get(s.questions_url),
        client.get(s.questions_url, headers=HTMX),
        client.get(s.question_url(question.id)),
    ):
        assert response.status_code == 200
        assert XSS not in response.text
        assert ESCAPED in response.text

    refused = post(client, s.lesson_url, s.questions_url, {"title": "", "body": XSS})
    assert XSS not in refused.text
    assert ESCAPED in refused.text


# -------------------------------------------------------------- statements


def _statements(client: TestClient, runtime: Runtime, url: str, expected: str) -> int:
    client.get(url)
    with count_statements(runtime.db.engine) as counter:
        response = client.get(url)
    assert response.status_code == 200
    assert expected in response.text
    return counter.count


def _questions(db: Session, s: Setup, authors: list[User], start: int, stop: int) -> None:
    now = utcnow()
    for n in range(start, stop):
        db.add(
            Question(
                course_id=s.course.id,
                lesson_id=s.lesson.id,
                user_id=authors[n % len(authors)].id,
                title=f"Question {n}",
                answer_count=n % 3,
                last_activity_at=now - timedelta(minutes=n),
            )
        )
    db.commit()


def test_the_list_page_is_a_fixed_number_of_statements(
    client: TestClient, db: Session, runtime: Runtime, s: Setup
) -> None:
    authors = [s.student, s.owner, *(make_user(db) for _ in range(3))]
    sign_in(client, s.student)
    _questions(db, s, authors, 0, 5)
    few = _statements(client, runtime, s.questions_url, "Question 4")
    _questions(db, s, authors, 5, 50)
    many = _statements(client, runtime, s.questions_url + "?page=1", "Question 19")
    assert few == many, f"{few} statements for 5 questions, {many} for 50"
    last_page = _statements(client, runtime, s.questions_url + "?page=3", "Question 49")
    assert last_page == few


def test_a_question_page_is_a_fixed_number_of_statements(
    client: TestClient, db: Session, runtime: Runtime, s: Setup
) -> None:
    question = add_question(db, s, s.student)
    others = [make_user(db) for _ in range(3)]
    for user in others:
        make_enrollment(db, user, s.course)
    sign_in(client, s.student)
    for n in range(5):
        add_answer(db, question, others[n % 3], f"Answer {n}")
    few = _statements(client, runtime, s.question_url(question.id), "Answer 4")
    for n in range(5, 50):
        add_answer(db, question, [*others, s.owner][n % 4], f"Answer {n}")
    many = _statements(client, runtime, s.question_url(question.id), "Answer 49")
    assert few == many, f"{few} statements for 5 answers, {many} for 50"
