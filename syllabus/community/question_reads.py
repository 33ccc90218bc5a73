"""Lesson Q&A: who may take part in a lesson's threads, and the reads (lists, one thread).

A lesson's questions are open to the students with an active enrollment
in its course (once the lesson has opened for them, if it is drip-fed),
to the course's instructor and to admins. The instructor and admins are
the moderators: they also see the hidden posts, marked as such; for
everyone else a hidden post does not exist (404).

A question and its answers are plain text, stored trimmed and escaped
wherever they are shown. Every read is a fixed number of statements,
whatever the number of questions or answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from sqlalchemy import Row, Select, and_, func, select
from sqlalchemy.orm import Session

from syllabus.accounts.actor import Actor
from syllabus.accounts.models import User
from syllabus.catalog.models import Course, Lesson
from syllabus.community.models import VISIBLE, Answer, Question
from syllabus.community.qa_errors import (
    AnswerNotFound,
    LessonLocked,
    LessonNotFound,
    NotEnrolled,
    QuestionNotFound,
)
from syllabus.community.qa_schemas import (
    AnswerOut,
    PostAuthor,
    QuestionOut,
    QuestionPage,
    QuestionThread,
)
from syllabus.kit.db import utcnow
from syllabus.kit.errors import NotFound
from syllabus.kit.pagination import PageParams
from syllabus.kit.runtime import Runtime
from syllabus.learning.models import Enrollment
from syllabus.learning.progress import lesson_available_at

__all__ = [
    "LessonScope",
    "answer_in_scope",
    "answer_out",
    "lesson_scope",
    "list_questions",
    "question_in_scope",
    "question_out",
    "question_path",
    "question_thread",
    "questions_page",
    "thread_of",
]


def question_path(course_slug: str, lesson_id: str, question_id: str) -> str:
    """The question's page in the course player."""
    return f"/learn/{quote(course_slug)}/lessons/{lesson_id}/questions/{question_id}"


@dataclass(frozen=True)
class LessonScope:
    """A lesson the actor may take part in, and what its pages and notifications need."""

    lesson_id: str
    lesson_title: str
    course_id: str
    course_slug: str
    course_title: str
    instructor_id: str
    # The course's instructor or an admin: sees hidden posts and hides posts.
    moderator: bool

    @property
    def lesson_path(self) -> str:
        return f"/learn/{quote(self.course_slug)}/lessons/{self.lesson_id}"

    @property
    def questions_path(self) -> str:
        return f"{self.lesson_path}/questions"

    def question_path(self, question_id: str) -> str:
        return question_path(self.course_slug, self.lesson_id, question_id)

    def author(self, user_id: str, name: str) -> PostAuthor:
        return PostAuthor(id=user_id, name=name, is_instructor=user_id == self.instructor_id)


# ------------------------------------------------------------------ access

_SCOPE_COLUMNS = (
    Lesson.id.label("lesson_id"),
    Lesson.title.label("lesson_title"),
    Lesson.course_id,
    Lesson.drip_days,
    Lesson.drip_date,
    Course.slug.label("course_slug"),
    Course.title.label("course_title"),
    Course.status.label("course_status"),
    Course.instructor_id,
    Enrollment.created_at.label("enrolled_at"),
)


def _scoped(statement: Select[Any], actor: Actor) -> Select[Any]:
    """Join the lesson's course and the actor's active enrollment in it (if any)."""
    return statement.join(Course, Course.id == Lesson.course_id).outerjoin(
        Enrollment,
        and_(
            Enrollment.course_id == Lesson.course_id,
            Enrollment.user_id == actor.id,
            Enrollment.status == "active",
        ),
    )


def _scope_of(actor: Actor, row: Row[Any], not_found: NotFound) -> LessonScope:
    """The scope, or why the actor is turned away.

    403 `not_enrolled` where the course is published (its lessons are
    public), `not_found` otherwise; 409 `lesson_locked` while drip keeps the
    lesson shut for this student.
    """
    moderator = actor.is_admin or actor.id == row.instructor_id
    if not moderator:
        if row.enrolled_at is None:
            if row.course_status == "published":
                raise NotEnrolled("Enroll in this course to take part in its questions.")
            raise not_found
        opens = lesson_available_at(row.drip_days, row.drip_date, row.enrolled_at)
        if opens is not None and opens > utcnow():
            raise LessonLocked(
                f"This lesson opens on {opens:%Y-%m-%d %H:%M} UTC ({opens.isoformat()})."
            )
    return LessonScope(
        lesson_id=row.lesson_id,
        lesson_title=row.lesson_title,
        course_id=row.course_id,
        course_slug=row.course_slug,
        course_title=row.course_title,
        instructor_id=row.instructor_id,
        moderator=moderator,
    )


def lesson_scope(session: Session, actor: Actor, lesson_id: str) -> LessonScope:
    """The lesson if the actor may read and post its questions (one statement)."""
    row = session.execute(
        _scoped(select(*_SCOPE_COLUMNS).select_from(Lesson), actor).where(Lesson.id == lesson_id)
    ).first()
    if row is None:
        raise LessonNotFound("No such lesson.")
    return _scope_of(actor, row, LessonNotFound("No such lesson."))


def question_in_scope(
    session: Session, actor: Actor, question_id: str
) -> tuple[Question, LessonScope]:
    """The question and its lesson's scope; unknown, or hidden from this actor: 404."""
    statement = select(Question, *_SCOPE_COLUMNS).join(Lesson, Lesson.id == Question.lesson_id)
    row = session.execute(_scoped(statement, actor).where(Question.id == question_id)).first()
    if row is None:
        raise QuestionNotFound("No such question.")
    scope = _scope_of(actor, row, QuestionNotFound("No such question."))
    question: Question = row[0]
    if question.status != VISIBLE and not scope.moderator:
        raise QuestionNotFound("No such question.")
    return question, scope


def answer_in_scope(
    session: Session, actor: Actor, answer_id: str
) -> tuple[Answer, Question, LessonScope]:
    """The answer, its question and their scope; unknown or hidden from this actor: 404."""
    answer = session.get(Answer, answer_id)
    if answer is None:
        raise AnswerNotFound("No such answer.")
    try:
        question, scope = question_in_scope(session, actor, answer.question_id)
    except QuestionNotFound:
        raise AnswerNotFound("No such answer.") from None
    if answer.status != VISIBLE and not scope.moderator:
        raise AnswerNotFound("No such answer.")
    return answer, question, scope


# ------------------------------------------------------------------- reads


def _visible_to(scope: LessonScope, status_column: Any) -> tuple[Any, ...]:
    """Moderators see every post; others the visible ones only."""
    return () if scope.moderator else (status_column == VISIBLE,)


def _question(question: Question, author: PostAuthor) -> QuestionOut:
    return QuestionOut(
        id=question.id,
        course_id=question.course_id,
        lesson_id=question.lesson_id,
        title=question.title,
        body=question.body,
        author=author,
        status=question.status,
        answer_count=question.answer_count,
        created_at=question.created_at,
        updated_at=question.updated_at,
        last_activity_at=question.last_activity_at,
    )


def _answer(answer: Answer, author: PostAuthor) -> AnswerOut:
    return AnswerOut(
        id=answer.id,
        question_id=answer.question_id,
        body=answer.body,
        author=author,
        status=answer.status,
        created_at=answer.created_at,
    )


def questions_page(session: Session, scope: LessonScope, page: PageParams) -> QuestionPage:
    """The lesson's questions, latest activity first (two statements)."""
    where = (Question.lesson_id == scope.lesson_id, *_visible_to(scope, Question.status))
    total = session.scalar(select(func.count()).select_from(Question).where(*where)) or 0
    rows = session.execute(
        select(Question, User.name)
        .join(User, User.id == Question.user_id)
        .where(*where)
        .order_by(Question.last_activity_at.desc(), Question.created_at.desc(), Question.id.desc())
        .offset(page.offset)
        .limit(page.limit)
    ).all()
    return QuestionPage(
        items=[
            _question(question, scope.author(question.user_id, name)) for question, name in rows
        ],
        total=int(total),
        page=page.page,
        page_size=page.page_size,
    )


def list_questions(
    session: Session, rt: Runtime, actor: Actor, lesson_id: str, page: PageParams
) -> QuestionPage:
    """GET /lessons/{id}/questions."""
    return questions_page(session, lesson_scope(session, actor, lesson_id), page)


def thread_of(session: Session, scope: LessonScope, question: Question) -> QuestionThread:
    """The question with its answers, oldest first (two statements)."""
    asker = session.scalar(select(User.name).where(User.id == question.user_id)) or ""
    rows = session.execute(
        select(Answer, User.name)
        .join(User, User.id == Answer.user_id)
        .where(Answer.question_id == question.id, *_visible_to(scope, Answer.status))
        .order_by(Answer.created_at, Answer.id)
    ).all()
    out = _question(question, scope.author(question.user_id, asker))
    return QuestionThread(
        **out.model_dump(),
        answers=[_answer(answer, scope.author(answer.user_id, name)) for answer, name in rows],
    )


def question_thread(
    session: Session, rt: Runtime, actor: Actor, question_id: str
) -> QuestionThread:
    """GET /questions/{id}."""
    question, scope = question_in_scope(session, actor, question_id)
    return thread_of(session, scope, question)


def question_out(session: Session, question: Question) -> QuestionOut:
    """One question in the API shape (after a write)."""
    session.flush()
    row = session.execute(
        select(User.name, Course.instructor_id)
        .select_from(Question)
        .join(User, User.id == Question.user_id)
        .join(Course, Course.id == Question.course_id)
        .where(Question.id == question.id)
    ).one()
    author = PostAuthor(
        id=question.user_id, name=row.name, is_instructor=question.user_id == row.instructor_id
    )
    return _question(question, author)


def answer_out(session: Session, answer: Answer) -> AnswerOut:
    """One answer in the API shape (after a write)."""
    session.flush()
    row = session.execute(
        select(User.name, Course.instructor_id)
        .select_from(Answer)
        .join(User, User.id == Answer.user_id)
        .join(Question, Question.id == Answer.question_id)
        .join(Course, Course.id == Question.course_id)
        .where(Answer.id == answer.id)
    ).one()
    author = PostAuthor(
        id=answer.user_id, name=row.name, is_instructor=answer.user_id == row.instructor_id
    )
    return _answer(answer, author)
