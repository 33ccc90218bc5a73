"""Reading direct messages: the asker's threads and one conversation.

The list is two statements whatever its length (a page of threads with
their course and the other person, the totals) plus one for the newest
message of each thread on the page. Opening a conversation sets the
reader's unread count to 0 *before* reading its messages: a message that
commits meanwhile is then either read here or counted as unread, never
lost between the two.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.orm import Session, aliased

from syllabus.accounts.actor import Actor
from syllabus.accounts.models import User
from syllabus.admin import audit
from syllabus.catalog.models import Course
from syllabus.community.message_errors import ThreadNotFound
from syllabus.community.message_schemas import (
    MAX_MESSAGES,
    CourseRef,
    LastMessage,
    MessageOut,
    Party,
    ThreadOut,
    ThreadPage,
    ThreadSummary,
)
from syllabus.community.messages import INSTRUCTOR, STUDENT
from syllabus.community.models import Message, MessageThread
from syllabus.community.text import excerpt
from syllabus.kit.pagination import PageParams
from syllabus.kit.runtime import Runtime

LIST_EXCERPT = 140
# Enough of a message's start to make a list excerpt without reading whole bodies.
_HEAD = LIST_EXCERPT * 3


def _mine(actor: Actor) -> Any:
    return or_(MessageThread.student_id == actor.id, MessageThread.instructor_id == actor.id)


def _my_unread(actor: Actor) -> Any:
    return case(
        (MessageThread.student_id == actor.id, MessageThread.student_unread),
        else_=MessageThread.instructor_unread,
    )


# -------------------------------------------------------------------------- list


def list_threads(session: Session, actor: Actor, page: PageParams) -> ThreadPage:
    """GET /messages/threads: the asker's threads, newest activity first, with unread counts."""
    other = aliased(User)
    other_id = case(
        (MessageThread.student_id == actor.id, MessageThread.instructor_id),
        else_=MessageThread.student_id,
    )
    rows = session.execute(
        select(
            MessageThread.id,
            MessageThread.student_id,
            MessageThread.last_message_at,
            MessageThread.created_at,
            _my_unread(actor).label("unread"),
            Course.id.label("course_id"),
            Course.slug.label("course_slug"),
            Course.title.label("course_title"),
            other.id.label("other_id"),
            other.name.label("other_name"),
        )
        .join(Course, Course.id == MessageThread.course_id)
        .join(other, other.id == other_id)
        .where(_mine(actor))
        .order_by(MessageThread.last_message_at.desc(), MessageThread.id.desc())
        .offset(page.offset)
        .limit(page.limit)
    ).all()
    total, unread_total = session.execute(
        select(func.count(), func.coalesce(func.sum(_my_unread(actor)), 0)).where(_mine(actor))
    ).one()
    lasts = _last_messages(session, [row.id for row in rows])
    items = [
        ThreadSummary(
            id=row.id,
            course=CourseRef(id=row.course_id, slug=row.course_slug, title=row.course_title),
            other=Party(id=row.other_id, name=row.other_name),
            role=STUDENT if row.student_id == actor.id else INSTRUCTOR,
            unread=int(row.unread),
            last_message_at=row.last_message_at,
            created_at=row.created_at,
            last_message=lasts.get(row.id),
        )
        for row in rows
    ]
    return ThreadPage(
        items=items,
        total=int(total),
        page=page.page,
        page_size=page.page_size,
        unread_total=int(unread_total),
    )


def _last_messages(session: Session, thread_ids: list[str]) -> dict[str, LastMessage]:
    """The newest message of each thread, in one statement."""
    if not thread_ids:
        return {}
    ranked = (
        select(
            Message.thread_id,
            Message.sender_id,
            Message.created_at,
            func.substr(Message.body, 1, _HEAD).label("head"),
            func.row_number()
            .over(
                partition_by=Message.thread_id,
                order_by=(Message.created_at.desc(), Message.id.desc()),
            )
            .label("rank"),
        )
        .where(Message.thread_id.in_(thread_ids))
        .subquery()
    )
    rows = session.execute(select(ranked).where(ranked.c.rank == 1)).all()
    return {
        row.thread_id: LastMessage(
            sender_id=row.sender_id,
            excerpt=excerpt(row.head, LIST_EXCERPT),
            created_at=row.created_at,
        )
        for row in rows
    }


# ------------------------------------------------------------------ conversation


def open_thread(
    session: Session,
    rt: Runtime,
    actor: Actor,
    thread_id: str,
    *,
    before: str | None = None,
    limit: int = MAX_MESSAGES,
) -> ThreadOut:
    """GET /messages/threads/{id}: the newest messages, oldest first; marks the thread read.

    `before` (a message id) pages back to older messages. Someone who is not
    one of its two people gets 404, except an admin, who reads it for
    moderation (audit-logged, nothing marked read).
    """
    row = _thread_row(session, thread_id)
    if row is None:
        raise ThreadNotFound("No such conversation.")
    role = STUDENT if actor.id == row.student_id else None
    role = INSTRUCTOR if role is None and actor.id == row.instructor_id else role
    if role is None:
        if not actor.is_admin:
            raise ThreadNotFound("No such conversation.")
        audit.record(
            session,
            actor_id=actor.id,
            action="message_thread.read",
            target_type="message_thread",
            target_id=thread_id,
        )
    unread = row.student_unread if role == STUDENT else row.instructor_unread
    if role is not None and unread:
        counter = (
            MessageThread.student_unread if role == STUDENT else MessageThread.instructor_unread
        )
        session.execute(
            update(MessageThread)
            .where(MessageThread.id == thread_id)
            .values({counter.key: 0})
            .execution_options(synchronize_session=False)
        )
    student = Party(id=row.student_id, name=row.student_name)
    instructor = Party(id=row.instructor_id, name=row.instructor_name)
    people = {student.id: student, instructor.id: instructor}
    messages, has_earlier = _messages(session, thread_id, people, before, limit)
    return ThreadOut(
        id=row.id,
        course=CourseRef(id=row.course_id, slug=row.course_slug, title=row.course_title),
        # An admin reading as moderator sees the student's side.
        other=instructor if role == STUDENT else student,
        role=role,
        unread=0,
        last_message_at=row.last_message_at,
        created_at=row.created_at,
        last_message=None if before else _last_of(messages),
        student=student,
        instructor=instructor,
        messages=messages,
        has_earlier=has_earlier,
    )


def _thread_row(session: Session, thread_id: str) -> Any:
    student = aliased(User)
    instructor = aliased(User)
    return session.execute(
        select(
            MessageThread.id,
            MessageThread.student_id,
            MessageThread.instructor_id,
            MessageThread.student_unread,
            MessageThread.instructor_unread,
            MessageThread.last_message_at,
            MessageThread.created_at,
            Course.id.label("course_id"),
            Course.slug.label("course_slug"),
            Course.title.label("course_title"),
            student.name.label("student_name"),
            instructor.name.label("instructor_name"),
        )
        .join(Course, Course.id == MessageThread.course_id)
        .join(student, student.id == MessageThread.student_id)
        .join(instructor, instructor.id == MessageThread.instructor_id)
        .where(MessageThread.id == thread_id)
    ).first()


def _messages(
    session: Session,
    thread_id: str,
    people: dict[str, Party],
    before: str | None,
    limit: int,
) -> tuple[list[MessageOut], bool]:
    query = select(Message.id, Message.sender_id, Message.body, Message.created_at).where(
        Message.thread_id == thread_id
    )
    if before:
        anchor = session.execute(
            select(Message.created_at, Message.id).where(
                Message.id == before, Message.thread_id == thread_id
            )
        ).first()
        if anchor is not None:
            query = query.where(
                or_(
                    Message.created_at < anchor.created_at,
                    and_(Message.created_at == anchor.created_at, Message.id < anchor.id),
                )
            )
    rows = session.execute(
        query.order_by(Message.created_at.desc(), Message.id.desc()).limit(limit + 1)
    ).all()
    has_earlier = len(rows) > limit
    messages = [
        MessageOut(
            id=row.id,
            thread_id=thread_id,
            sender=people.get(row.sender_id) or Party(id=row.sender_id, name=""),
            body=row.body,
            created_at=row.created_at,
        )
        for row in reversed(rows[:limit])
    ]
    return messages, has_earlier


def _last_of(messages: list[MessageOut]) -> LastMessage | None:
    if not messages:
        return None
    last = messages[-1]
    return LastMessage(
        sender_id=last.sender.id,
        excerpt=excerpt(last.body, LIST_EXCERPT),
        created_at=last.created_at,
    )
