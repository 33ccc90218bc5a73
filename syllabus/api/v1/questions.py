"""Lesson Q&A API: questions on a lesson, their answers, and hiding posts.

Open to the students with an active enrollment in the lesson's course,
its instructor and admins: others get 403 `not_enrolled` on a published
course and 404 otherwise. Hidden posts exist only for the instructor and
admins (404 for everyone else).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Path, Response

from syllabus.api.deps import CurrentActor, CurrentRuntime, DbSession, Pagination
from syllabus.api.errors import problems
from syllabus.community import question_reads as reads
from syllabus.community import questions
from syllabus.community.qa_schemas import (
    AnswerIn,
    AnswerOut,
    HiddenIn,
    QuestionIn,
    QuestionOut,
    QuestionPage,
    QuestionPatch,
    QuestionThread,
)

router = APIRouter(tags=["community"])

LessonId = Annotated[str, Path(min_length=1, max_length=36)]
QuestionId = Annotated[str, Path(min_length=1, max_length=36)]
AnswerId = Annotated[str, Path(min_length=1, max_length=36)]
HideBody = Annotated[HiddenIn | None, Body()]


@router.get(
    "/lessons/{lesson_id}/questions",
    response_model=QuestionPage,
    responses=problems(s403="not_enrolled", s404="lesson_not_found", s409="lesson_locked"),
)
def list_questions(
    lesson_id: LessonId, db: DbSession, rt: CurrentRuntime, actor: CurrentActor, page: Pagination
) -> QuestionPage:
    """The lesson's questions, latest activity first; moderators also see hidden ones."""
    return reads.list_questions(db, rt, actor, lesson_id, page)


@router.post(
    "/lessons/{lesson_id}/questions",
    status_code=201,
    response_model=QuestionOut,
    responses=problems(s403="not_enrolled", s404="lesson_not_found", s409="lesson_locked"),
)
def ask_question(
    lesson_id: LessonId, body: QuestionIn, db: DbSession, rt: CurrentRuntime, actor: CurrentActor
) -> QuestionOut:
    """Ask about a lesson; the course's instructor is notified."""
    return reads.question_out(db, questions.ask_question(db, rt, actor, lesson_id, body))


@router.get(
    "/questions/{question_id}",
    response_model=QuestionThread,
    responses=problems(s403="not_enrolled", s404="question_not_found"),
)
def get_question(
    question_id: QuestionId, db: DbSession, rt: CurrentRuntime, actor: CurrentActor
) -> QuestionThread:
    """The question and its answers, oldest first, each author marked if the instructor."""
    return reads.question_thread(db, rt, actor, question_id)


@router.patch(
    "/questions/{question_id}",
    response_model=QuestionOut,
    responses=problems(s403="not_question_author", s404="question_not_found"),
)
def update_question(
    question_id: QuestionId,
    body: QuestionPatch,
    db: DbSession,
    rt: CurrentRuntime,
    actor: CurrentActor,
) -> QuestionOut:
    """Its author (or an admin) edits the title and/or the text."""
    return reads.question_out(db, questions.update_question(db, rt, actor, question_id, body))


@router.delete(
    "/questions/{question_id}",
    status_code=204,
    response_class=Response,
    responses=problems(s403="not_question_author", s404="question_not_found"),
)
def delete_question(
    question_id: QuestionId, db: DbSession, rt: CurrentRuntime, actor: CurrentActor
) -> Response:
    """Its author (or an admin) deletes it with its answers."""
    questions.delete_question(db, rt, actor, question_id)
    return Response(status_code=204)


@router.post(
    "/questions/{question_id}/answers",
    status_code=201,
    response_model=AnswerOut,
    responses=problems(
        s403="not_enrolled", s404="question_not_found", s409="question_hidden or lesson_locked"
    ),
)
def answer_question(
    question_id: QuestionId, body: AnswerIn, db: DbSession, rt: CurrentRuntime, actor: CurrentActor
) -> AnswerOut:
    """Answer a question; its asker is notified."""
    return reads.answer_out(db, questions.answer_question(db, rt, actor, question_id, body))


@router.post(
    "/questions/{question_id}/hide",
    response_model=QuestionOut,
    responses=problems(s403="not_course_owner", s404="question_not_found"),
)
def hide_question(
    question_id: QuestionId,
    db: DbSession,
    rt: CurrentRuntime,
    actor: CurrentActor,
    body: HideBody = None,
) -> QuestionOut:
    """The course's instructor or an admin hides (`{"hidden": false}`: shows again) a question."""
    hidden = body.hidden if body is not None else True
    question = questions.set_question_hidden(db, rt, actor, question_id, hidden)
    return reads.question_out(db, question)


@router.post(
    "/answers/{answer_id}/hide",
    response_model=AnswerOut,
    responses=problems(s403="not_course_owner", s404="answer_not_found"),
)
def hide_answer(
    answer_id: AnswerId,
    db: DbSession,
    rt: CurrentRuntime,
    actor: CurrentActor,
    body: HideBody = None,
) -> AnswerOut:
    """The course's instructor or an admin hides or shows an answer; the count follows."""
    hidden = body.hidden if body is not None else True
    return reads.answer_out(db, questions.set_answer_hidden(db, rt, actor, answer_id, hidden))
