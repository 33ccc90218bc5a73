"""Quiz definitions: the owner sets a quiz lesson's questions, answers included.

Answers are stored in one shape per kind, which grading relies on:
single → the index of the right choice; multiple → a sorted list of
distinct indexes; true_false → a bool; short → a list of accepted answers
(stripped; compared case- and space-insensitively when grading).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from sqlalchemy.orm import Session

from syllabus.accounts.actor import Actor
from syllabus.catalog import repository as repo
from syllabus.catalog.authoring import owned_lesson, record_change
from syllabus.catalog.errors import InvalidQuiz, NotAQuizLesson
from syllabus.catalog.models import Quiz, QuizQuestion
from syllabus.catalog.schemas import QuestionIn, QuizIn
from syllabus.kit.runtime import Runtime

MAX_SHORT_ANSWERS = 10
MAX_SHORT_ANSWER_LENGTH = 200


class QuestionOut(BaseModel):
    id: str
    position: int
    kind: str
    prompt: str
    choices: list[str]
    answer: Any
    explanation: str


class QuizOut(BaseModel):
    """A quiz with its answers: only its author (or an admin) ever sees this shape."""

    lesson_id: str
    pass_percent: int
    max_attempts: int | None
    shuffle: bool
    questions: list[QuestionOut]


def set_quiz(session: Session, rt: Runtime, actor: Actor, lesson_id: str, body: QuizIn) -> Quiz:
    """Replace the quiz lesson's settings and whole question set (all checked before any write)."""
    lesson, course = owned_lesson(session, actor, lesson_id)
    if lesson.kind != "quiz":
        raise NotAQuizLesson(f"This is a {lesson.kind} lesson; only quiz lessons have questions.")
    checked = [_checked(index, question) for index, question in enumerate(body.questions)]
    quiz = repo.quiz_of(session, lesson.id)
    if quiz is None:
        quiz = Quiz(lesson_id=lesson.id)
        session.add(quiz)
    quiz.pass_percent, quiz.max_attempts, quiz.shuffle = (
        body.pass_percent,
        body.max_attempts,
        body.shuffle,
    )
    session.flush()
    repo.delete_questions(session, lesson.id)
    for position, (question, choices, answer) in enumerate(checked):
        session.add(
            QuizQuestion(
                lesson_id=lesson.id,
                position=position,
                kind=question.kind,
                prompt=question.prompt,
                choices=choices,
                answer=answer,
                explanation=question.explanation,
            )
        )
    record_change(session, rt, course)
    return quiz


def quiz_for_owner(session: Session, actor: Actor, lesson_id: str) -> QuizOut:
    """The quiz with answers; a quiz lesson without questions yet gives the defaults."""
    lesson, _ = owned_lesson(session, actor, lesson_id, for_update=False)
    if lesson.kind != "quiz":
        raise NotAQuizLesson(f"This is a {lesson.kind} lesson; only quiz lessons have questions.")
    quiz = repo.quiz_of(session, lesson.id)
    if quiz is None:
        return QuizOut(
            lesson_id=lesson.id, pass_percent=70, max_attempts=None, shuffle=False, questions=[]
        )
    return quiz_out(session, quiz)


def quiz_out(session: Session, quiz: Quiz) -> QuizOut:
    session.flush()
    return QuizOut(
        lesson_id=quiz.lesson_id,
        pass_percent=quiz.pass_percent,
        max_attempts=quiz.max_attempts,
        shuffle=quiz.shuffle,
        questions=[
            QuestionOut.model_validate(q, from_attributes=True)
            for q in repo.questions_of(session, quiz.lesson_id)
        ],
    )


def _checked(index: int, question: QuestionIn) -> tuple[QuestionIn, list[str], Any]:
    """The question with its stored choices and answer, or 422 `invalid_quiz` naming it."""

    def invalid(message: str) -> InvalidQuiz:
        return InvalidQuiz(
            f"Question {index} ({question.kind}): {message}",
            errors=[{"loc": ["body", "questions", index, "answer"], "msg": message}],
        )

    answer = question.answer
    choices = list(question.choices)
    if question.kind in ("single", "multiple") and len(choices) < 2:
        raise invalid("give at least 2 choices.")
    if question.kind == "single":
        if not _is_index(answer, len(choices)):
            raise invalid(f"the answer must be the index of a choice, 0 to {len(choices) - 1}.")
        return question, choices, answer
    if question.kind == "multiple":
        if not isinstance(answer, list) or not answer:
            raise invalid("the answer must be a non-empty list of choice indexes.")
        if not all(_is_index(item, len(choices)) for item in answer):
            raise invalid(f"every answer must be a choice index, 0 to {len(choices) - 1}.")
        if len(set(answer)) != len(answer):
            raise invalid("the answer lists a choice twice.")
        return question, choices, sorted(answer)
    if question.kind == "true_false":
        if not isinstance(answer, bool):
            raise invalid("the answer must be true or false.")
        return question, [], answer
    accepted = [answer] if isinstance(answer, str) else answer
    if not isinstance(accepted, list) or not all(isinstance(item, str) for item in accepted):
        raise invalid("the answer must be a text or a list of accepted texts.")
    cleaned = list(dict.fromkeys(str(item).strip() for item in accepted))
    if not 1 <= len(accepted) <= MAX_SHORT_ANSWERS:
        raise invalid(f"give 1 to {MAX_SHORT_ANSWERS} accepted answers.")
    if not all(0 < len(item) <= MAX_SHORT_ANSWER_LENGTH for item in cleaned):
        raise invalid(f"accepted answers must be 1 to {MAX_SHORT_ANSWER_LENGTH} characters.")
    return question, [], cleaned


def _is_index(value: object, size: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < size
