"""Lesson Q&A writes: ask, answer, edit or delete one's question, hide and show posts.

Who may do what is decided by `question_reads` (the lesson's scope). A
question's `answer_count` counts its *visible* answers: a new answer adds
one with an atomic UPDATE, and hiding or showing an answer recounts them
while the question's row is locked, so concurrent writes never lose one.

Notifications are written in the same transaction as the post: the
course's instructor hears of a new question, the asker of a new answer
(nobody is told of their own post). Their keys name the post, so a
retried request never notifies twice.
"""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from syllabus.accounts.actor import Actor
from syllabus.admin import audit
from syllabus.community.models import HIDDEN, VISIBLE, Answer, Question
from syllabus.community.qa_errors import NotCourseOwner, NotQuestionAuthor, QuestionHidden
from syllabus.community.qa_schemas import AnswerIn, QuestionIn, QuestionPatch
from syllabus.community.question_reads import (
    LessonScope,
    answer_in_scope,
    lesson_scope,
    question_in_scope,
)
from syllabus.community.text import excerpt
from syllabus.kit.db import utcnow
from syllabus.kit.runtime import Runtime
from syllabus.notifications.service import Notice, notify

# How much of a post an email quotes (line breaks kept); the page has the rest.
EMAIL_EXCERPT = 1000


def _quoted(text: str) -> str:
    return text if len(text) <= EMAIL_EXCERPT else text[: EMAIL_EXCERPT - 1].rstrip() + "…"


# ------------------------------------------------------------------- posts


def ask_question(
    session: Session, rt: Runtime, actor: Actor, lesson_id: str, data: QuestionIn
) -> Question:
    """POST /lessons/{id}/questions: an enrolled student or the course's instructor asks."""
    scope = lesson_scope(session, actor, lesson_id)
    now = utcnow()
    question = Question(
        course_id=scope.course_id,
        lesson_id=scope.lesson_id,
        user_id=actor.id,
        title=data.title,
        body=data.body,
        status=VISIBLE,
        answer_count=0,
        last_activity_at=now,
        created_at=now,
        updated_at=now,
    )
    session.add(question)
    session.flush()
    if actor.id != scope.instructor_id:
        _tell_instructor(session, scope, question, actor)
    return question


def answer_question(
    session: Session, rt: Runtime, actor: Actor, question_id: str, data: AnswerIn
) -> Answer:
    """POST /questions/{id}/answers: anyone taking part in the lesson answers; the asker is told."""
    question, scope = question_in_scope(session, actor, question_id)
    if question.status != VISIBLE:
        raise QuestionHidden("This question is hidden: show it again before answering.")
    _lock_question(session, question.id)
    now = utcnow()
    answer = Answer(
        question_id=question.id,
        user_id=actor.id,
        body=data.body,
        status=VISIBLE,
        created_at=now,
        updated_at=now,
    )
    session.add(answer)
    session.flush()
    session.execute(
        update(Question)
        .where(Question.id == question.id)
        .values(answer_count=Question.answer_count + 1, last_activity_at=now)
        .execution_options(synchronize_session=False)
    )
    session.expire(question, ["answer_count", "last_activity_at"])
    if actor.id != question.user_id:
        _tell_asker(session, scope, question, answer, actor)
    return answer


def update_question(
    session: Session, rt: Runtime, actor: Actor, question_id: str, data: QuestionPatch
) -> Question:
    """PATCH /questions/{id}: its author (or an admin) changes the title and/or the text."""
    question, _ = _own_question(session, actor, question_id)
    if data.title is not None:
        question.title = data.title
    if data.body is not None:
        question.body = data.body
    session.flush()
    return question


def delete_question(session: Session, rt: Runtime, actor: Actor, question_id: str) -> LessonScope:
    """DELETE /questions/{id}: its author or an admin; its answers go with it."""
    question, scope = _own_question(session, actor, question_id)
    if actor.id != question.user_id:
        audit.record(
            session,
            actor_id=actor.id,
            action="question.delete",
            target_type="question",
            target_id=question.id,
            before={"lesson_id": question.lesson_id, "user_id": question.user_id},
        )
    session.delete(question)
    session.flush()
    return scope


def _own_question(session: Session, actor: Actor, question_id: str) -> tuple[Question, LessonScope]:
    question, scope = question_in_scope(session, actor, question_id)
    if not (actor.is_admin or actor.id == question.user_id):
        raise NotQuestionAuthor("Only the question's author can change it.")
    return question, scope


# -------------------------------------------------------------- moderation


def set_question_hidden(
    session: Session, rt: Runtime, actor: Actor, question_id: str, hidden: bool
) -> Question:
    """POST /questions/{id}/hide: the course's instructor or an admin hides or shows it."""
    question, scope = question_in_scope(session, actor, question_id)
    _require_moderator(scope)
    status = HIDDEN if hidden else VISIBLE
    if question.status != status:
        _audit(session, actor, "question", question.id, question.status, status)
        question.status = status
        session.flush()
    return question


def set_answer_hidden(
    session: Session, rt: Runtime, actor: Actor, answer_id: str, hidden: bool
) -> Answer:
    """POST /answers/{id}/hide: hides or shows an answer; the question's count follows."""
    answer, question, scope = answer_in_scope(session, actor, answer_id)
    _require_moderator(scope)
    status = HIDDEN if hidden else VISIBLE
    if answer.status == status:
        return answer
    _lock_question(session, question.id)
    _audit(session, actor, "answer", answer.id, answer.status, status)
    answer.status = status
    session.flush()
    visible = (
        select(func.count())
        .select_from(Answer)
        .where(Answer.question_id == question.id, Answer.status == VISIBLE)
        .scalar_subquery()
    )
    session.execute(
        update(Question)
        .where(Question.id == question.id)
        .values(answer_count=visible)
        .execution_options(synchronize_session=False)
    )
    session.expire(question, ["answer_count"])
    return answer


def _require_moderator(scope: LessonScope) -> None:
    if not scope.moderator:
        raise NotCourseOwner("Only the course's instructor or an admin can hide posts.")


def _audit(session: Session, actor: Actor, kind: str, target: str, was: str, now: str) -> None:
    """Admins' moderation is audit-logged; the instructor's own course is theirs to run."""
    if actor.is_admin:
        audit.record(
            session,
            actor_id=actor.id,
            action=f"{kind}.{'hide' if now == HIDDEN else 'show'}",
            target_type=kind,
            target_id=target,
            before={"status": was},
            after={"status": now},
        )


def _lock_question(session: Session, question_id: str) -> None:
    """Serialise the writes that change one question's answer count."""
    session.execute(select(Question.id).where(Question.id == question_id).with_for_update())


# ----------------------------------------------------------- notifications


def _tell_instructor(
    session: Session, scope: LessonScope, question: Question, asker: Actor
) -> None:
    path = scope.question_path(question.id)
    notice = Notice(
        kind="question_asked",
        title=f"New question on {scope.course_title}",
        body=excerpt(f"{asker.name} asked: {question.title}"),
        url=path,
        email_template="question_asked",
        email_context={
            "asker_name": asker.name,
            "course_title": scope.course_title,
            "lesson_title": scope.lesson_title,
            "question_title": question.title,
            "question_body": _quoted(question.body),
            "path": path,
        },
    )
    notify(session, scope.instructor_id, notice, key=f"question:{question.id}")


def _tell_asker(
    session: Session, scope: LessonScope, question: Question, answer: Answer, answerer: Actor
) -> None:
    path = f"{scope.question_path(question.id)}#answer-{answer.id}"
    is_instructor = answerer.id == scope.instructor_id
    notice = Notice(
        kind="question_answered",
        title=f"{answerer.name} answered your question",
        body=excerpt(answer.body),
        url=path,
        email_template="question_answered",
        email_context={
            "answerer_name": answerer.name,
            "answerer_is_instructor": is_instructor,
            "course_title": scope.course_title,
            "lesson_title": scope.lesson_title,
            "question_title": question.title,
            "answer_body": _quoted(answer.body),
            "path": path,
        },
    )
    notify(session, question.user_id, notice, key=f"answer:{answer.id}")
