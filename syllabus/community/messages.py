"""Direct messages: a student and the instructor of a course the student takes.

One conversation (thread) per course and student. A student writes to the
instructor of a course they are actively enrolled in; the instructor
writes to one of the course's enrolled students. Nobody else can start
one: there is no messaging of arbitrary users. A course the asker cannot
see is 404, an enrollment missing on a visible course 403 `not_enrolled`.

Each side's unread count lives on the thread and is kept on write: a new
message adds one to the other side's count with an atomic
`UPDATE ... SET n = n + 1`, so concurrent messages never lose a count;
opening the thread sets the reader's count back to 0 (`message_reads`).

Every message counts against the sender's `message_rate_limit` and tells
the recipient through `notify` (in-app, and an email with a short excerpt
when their preferences allow), in the same transaction as the message.

Admins may read any conversation for moderation (audit-logged, read-only);
only its two people write in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from syllabus.accounts.actor import Actor
from syllabus.accounts.models import User
from syllabus.catalog.models import Course
from syllabus.catalog.reads import course_key_filter
from syllabus.community.message_errors import (
    CannotMessageSelf,
    CourseNotFound,
    NotCourseOwner,
    NotEnrolled,
    NotThreadParticipant,
    StudentRequired,
    ThreadNotFound,
)
from syllabus.community.message_schemas import MessageOut, Party, ThreadStart
from syllabus.community.models import Message, MessageThread
from syllabus.community.text import excerpt
from syllabus.kit.db import utcnow
from syllabus.kit.runtime import Runtime
from syllabus.learning.access import active_enrollment_id
from syllabus.notifications.service import Notice, notify

RATE_SCOPE = "messages"
STUDENT = "student"
INSTRUCTOR = "instructor"
# What a notification and an email show of a message: never the whole of a long one.
NOTICE_EXCERPT = 200
EMAIL_EXCERPT = 300


def thread_path(thread_id: str) -> str:
    return f"/messages/{thread_id}"


# ----------------------------------------------------------------- who with whom


@dataclass(frozen=True)
class Pair:
    """Who a new conversation joins, checked: the course, its student and its instructor."""

    course_id: str
    course_slug: str
    course_title: str
    student_id: str
    instructor_id: str
    # The asker's side.
    role: str


@dataclass(frozen=True)
class ComposeTarget:
    """What the compose page shows: the course, the recipient, and the thread if one exists."""

    pair: Pair
    recipient: Party
    thread_id: str | None


def _course_row(session: Session, key: str) -> Any:
    row = session.execute(
        select(Course.id, Course.slug, Course.title, Course.status, Course.instructor_id)
        .where(course_key_filter(key))
        .limit(1)
    ).first()
    if row is None:
        raise CourseNotFound("No such course.")
    return row


def resolve_pair(
    session: Session, actor: Actor, course_key: str, student_id: str | None = None
) -> Pair:
    """The conversation `actor` may start on this course, or the refusal.

    The course's instructor names an enrolled student; anyone else must be
    actively enrolled and writes to the instructor.
    """
    course = _course_row(session, course_key)
    if actor.id == course.instructor_id:
        if not student_id:
            raise StudentRequired("Choose the student to write to.")
        if student_id == actor.id:
            raise CannotMessageSelf("You cannot send a message to yourself.")
        if active_enrollment_id(session, student_id, course.id) is None:
            raise NotEnrolled("This person is not enrolled in this course.")
        return _pair(course, student_id=student_id, role=INSTRUCTOR)
    enrolled = active_enrollment_id(session, actor.id, course.id) is not None
    if not enrolled and course.status != "published":
        raise CourseNotFound("No such course.")
    if student_id and student_id != actor.id:
        raise NotCourseOwner("Only the course's instructor can write to its students.")
    if not enrolled:
        raise NotEnrolled("Enroll in this course to message its instructor.")
    return _pair(course, student_id=actor.id, role=STUDENT)


def _pair(course: Any, *, student_id: str, role: str) -> Pair:
    return Pair(
        course_id=course.id,
        course_slug=course.slug,
        course_title=course.title,
        student_id=student_id,
        instructor_id=course.instructor_id,
        role=role,
    )


def compose_target(
    session: Session, actor: Actor, course_key: str, student_id: str | None = None
) -> ComposeTarget:
    """GET /messages/new: the checked pair, who receives, and the existing thread if any."""
    pair = resolve_pair(session, actor, course_key, student_id)
    recipient_id = pair.instructor_id if pair.role == STUDENT else pair.student_id
    name = session.scalar(select(User.name).where(User.id == recipient_id)) or ""
    existing = session.scalar(
        select(MessageThread.id).where(
            MessageThread.course_id == pair.course_id,
            MessageThread.student_id == pair.student_id,
        )
    )
    return ComposeTarget(pair=pair, recipient=Party(id=recipient_id, name=name), thread_id=existing)


def participant_side(thread: MessageThread, user_id: str) -> str | None:
    if user_id == thread.student_id:
        return STUDENT
    if user_id == thread.instructor_id:
        return INSTRUCTOR
    return None


def _writable_thread(session: Session, actor: Actor, thread_id: str) -> MessageThread:
    thread = session.get(MessageThread, thread_id)
    if thread is None:
        raise ThreadNotFound("No such conversation.")
    if participant_side(thread, actor.id) is None:
        if actor.is_admin:
            raise NotThreadParticipant("Only the two people of a conversation write in it.")
        raise ThreadNotFound("No such conversation.")
    return thread


# ------------------------------------------------------------------------ writes


def start_thread(session: Session, rt: Runtime, actor: Actor, data: ThreadStart) -> str:
    """POST /messages/threads: the (course, student) thread with `data.body` appended.

    The thread is created on the first message and reused afterwards;
    returns its id.
    """
    pair = resolve_pair(session, actor, data.course, data.student_id)
    rt.rate_limiter.check(RATE_SCOPE, actor.id, rt.settings.message_rate_limit)
    thread = _thread_of(session, pair)
    _append(session, rt, actor, thread, data.body, course_title=pair.course_title)
    return thread.id


def send_message(
    session: Session, rt: Runtime, actor: Actor, thread_id: str, body: str
) -> MessageOut:
    """POST /messages/threads/{id}: a participant's message; others get 404."""
    thread = _writable_thread(session, actor, thread_id)
    rt.rate_limiter.check(RATE_SCOPE, actor.id, rt.settings.message_rate_limit)
    title = session.scalar(select(Course.title).where(Course.id == thread.course_id)) or ""
    message = _append(session, rt, actor, thread, body, course_title=title)
    return MessageOut(
        id=message.id,
        thread_id=thread.id,
        sender=Party(id=actor.id, name=actor.name),
        body=message.body,
        created_at=message.created_at,
    )


def _thread_of(session: Session, pair: Pair) -> MessageThread:
    """The pair's thread, created if it does not exist yet (one per course and student)."""
    where = (
        MessageThread.course_id == pair.course_id,
        MessageThread.student_id == pair.student_id,
    )
    thread = session.scalar(select(MessageThread).where(*where))
    if thread is not None:
        return thread
    thread = MessageThread(
        course_id=pair.course_id,
        student_id=pair.student_id,
        instructor_id=pair.instructor_id,
        last_message_at=utcnow(),
    )
    try:
        with session.begin_nested():
            session.add(thread)
    except IntegrityError:
        # Both people wrote the first message at once: the other insert won; use its thread.
        existing = session.scalar(select(MessageThread).where(*where))
        if existing is None:
            raise
        return existing
    return thread


def _append(
    session: Session,
    rt: Runtime,
    actor: Actor,
    thread: MessageThread,
    body: str,
    *,
    course_title: str,
) -> Message:
    now = utcnow()
    message = Message(thread_id=thread.id, sender_id=actor.id, body=body, created_at=now)
    session.add(message)
    session.flush()
    # The other side's count, added in the database so concurrent messages all count.
    if actor.id == thread.student_id:
        counter = MessageThread.instructor_unread
        recipient_id = thread.instructor_id
    else:
        counter = MessageThread.student_unread
        recipient_id = thread.student_id
    session.execute(
        update(MessageThread)
        .where(MessageThread.id == thread.id)
        .values({counter.key: counter + 1, MessageThread.last_message_at.key: now})
        .execution_options(synchronize_session=False)
    )
    _notify(session, rt, actor, recipient_id, thread, message, course_title)
    return message


def _notify(
    session: Session,
    rt: Runtime,
    sender: Actor,
    recipient_id: str,
    thread: MessageThread,
    message: Message,
    course_title: str,
) -> None:
    path = thread_path(thread.id)
    notify(
        session,
        recipient_id,
        Notice(
            kind="message_received",
            title=f"New message from {sender.name}",
            body=excerpt(message.body, NOTICE_EXCERPT),
            url=path,
            email_template="message_received",
            email_context={
                "sender_name": sender.name,
                "course_title": course_title,
                "excerpt": excerpt(message.body, EMAIL_EXCERPT),
                "link": f"{rt.settings.base_url.rstrip('/')}{path}",
            },
        ),
        key=f"message:{message.id}",
    )
