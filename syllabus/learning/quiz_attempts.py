"""Quiz attempts: grade a submission, count attempts, complete the lesson on a pass.

Answers and explanations leave the server only in the result of a
submission, never before (the content read strips them).

Grading per question kind, against the stored answer shapes of
`catalog.quizzes`: single → the chosen index; multiple → the set of chosen
indexes equals the right set; true_false → the bool; short → any accepted
answer, compared ignoring case and white space. A missing or malformed
answer is wrong, never an error.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from syllabus.accounts.actor import Actor
from syllabus.analytics.record import record_quiz
from syllabus.kit.db import utcnow
from syllabus.kit.runtime import Runtime
from syllabus.learning import progress
from syllabus.learning import repository as repo
from syllabus.learning.errors import (
    LessonNotFound,
    MaxAttemptsReached,
    NotAQuiz,
)
from syllabus.learning.models import QuizAttempt
from syllabus.learning.schemas import AttemptOut, AttemptResult, QuestionResult

MAX_STORED_ANSWER = 1000


def is_correct(kind: str, expected: Any, given: Any) -> bool:
    if kind == "single":
        return _is_int(given) and given == expected
    if kind == "multiple":
        if not isinstance(given, list) or not all(_is_int(item) for item in given):
            return False
        return set(given) == set(expected or [])
    if kind == "true_false":
        return isinstance(given, bool) and given == expected
    if kind == "short":
        if not isinstance(given, str):
            return False
        accepted = [expected] if isinstance(expected, str) else list(expected or [])
        return _squash(given) in {_squash(str(item)) for item in accepted}
    return False


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _squash(text: str) -> str:
    return "".join(text.split()).casefold()


def _stored(value: Any) -> Any:
    """What is kept of a given answer: bounded, and only JSON scalars or a short list."""
    if isinstance(value, str):
        return value[:MAX_STORED_ANSWER]
    if isinstance(value, list):
        return [_stored(item) for item in value[:100] if not isinstance(item, list | dict)]
    if value is None or isinstance(value, bool | int | float):
        return value
    return None


def submit_attempt(
    session: Session, rt: Runtime, actor: Actor, lesson_id: str, answers: dict[str, Any]
) -> AttemptResult:
    """POST /quizzes/{lesson_id}/attempts: grade, record, and complete the lesson on a pass.

    404 `quiz_not_found` when the lesson is not a quiz with questions;
    403 `not_enrolled`; 409 `lesson_locked` under drip; 409
    `max_attempts_reached` once the quiz's attempts are used up.
    """
    lesson, enrollment = progress.enrolled_lesson(session, actor, lesson_id)
    if lesson.kind != "quiz":
        raise NotAQuiz("This lesson is not a quiz.")
    quiz = repo.quiz_of(session, lesson.id)
    questions = repo.questions_with_answers(session, lesson.id) if quiz else []
    if quiz is None or not questions:
        raise NotAQuiz("This quiz has no questions yet.")
    used = repo.attempts_used(session, enrollment.id, lesson.id)
    if quiz.max_attempts is not None and used >= quiz.max_attempts:
        raise MaxAttemptsReached(
            f"You have used all {quiz.max_attempts} attempts at this quiz.",
        )
    results = []
    for question in questions:
        given = answers.get(question.id)
        results.append(
            QuestionResult(
                question_id=question.id,
                correct=is_correct(question.kind, question.answer, given),
                given=_stored(given),
                answer=question.answer,
                explanation=question.explanation or "",
            )
        )
    right = sum(1 for result in results if result.correct)
    score = right * 100 // len(results)
    passed = score >= quiz.pass_percent
    attempt = QuizAttempt(
        enrollment_id=enrollment.id,
        lesson_id=lesson.id,
        number=used + 1,
        answers={result.question_id: result.given for result in results},
        results={result.question_id: result.correct for result in results},
        score_percent=score,
        passed=passed,
        created_at=utcnow(),
    )
    session.add(attempt)
    session.flush()
    record_quiz(
        session,
        user_id=actor.id,
        course_id=lesson.course_id,
        lesson_id=lesson.id,
        attempt_id=attempt.id,
        score_percent=score,
        passed=passed,
    )
    if passed:
        progress.complete_lesson(session, enrollment, lesson)
    else:
        enrollment.last_lesson_id, enrollment.last_activity_at = lesson.id, attempt.created_at
    session.flush()
    lesson_done = passed or repo.lesson_completed(session, enrollment.id, lesson.id)
    return AttemptResult(
        id=attempt.id,
        lesson_id=lesson.id,
        number=attempt.number,
        score_percent=score,
        passed=passed,
        pass_percent=quiz.pass_percent,
        correct={result.question_id: result.correct for result in results},
        questions=results,
        attempts_used=attempt.number,
        attempts_left=None
        if quiz.max_attempts is None
        else max(0, quiz.max_attempts - attempt.number),
        lesson_completed=lesson_done,
        course_percent=enrollment.progress_percent,
        created_at=attempt.created_at,
    )


def attempts_for(session: Session, actor: Actor, lesson_id: str) -> list[AttemptOut]:
    """The actor's past attempts at a quiz, oldest first (scores only, no answers)."""
    lesson = repo.lesson_context(session, lesson_id)
    if lesson is None or lesson.kind != "quiz":
        raise LessonNotFound("No such quiz.")
    enrollment = repo.enrollment_of(session, actor.id, lesson.course_id)
    if enrollment is None or enrollment.status != "active":
        raise progress.refusal(
            actor, status=lesson.course_status, instructor_id=lesson.instructor_id
        )
    return [
        AttemptOut(
            id=a.id,
            number=a.number,
            score_percent=a.score_percent,
            passed=a.passed,
            created_at=a.created_at,
        )
        for a in repo.attempts_of(session, enrollment.id, lesson.id)
    ]
