"""Direct messages API: conversations between a student and a course's instructor.

A thread the asker does not take part in is 404 `thread_not_found`, except
for admins, who may read any thread for moderation (audit-logged) but not
write in it (403 `not_thread_participant`). Every message counts against
`SYLLABUS_MESSAGE_RATE_LIMIT` per sender: 429 `rate_limited` with
`Retry-After` past it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from syllabus.api.deps import CurrentActor, CurrentRuntime, DbSession, Pagination
from syllabus.api.errors import problems
from syllabus.community import message_reads, messages
from syllabus.community.message_schemas import (
    MAX_MESSAGES,
    MessageIn,
    MessageOut,
    ThreadOut,
    ThreadPage,
    ThreadStart,
)

router = APIRouter(prefix="/messages", tags=["messages"])

ThreadId = Annotated[str, Path(min_length=1, max_length=36)]


@router.get("/threads", response_model=ThreadPage)
def list_threads(db: DbSession, actor: CurrentActor, page: Pagination) -> ThreadPage:
    """My conversations, newest activity first, each with my unread count; `unread_total`
    counts every thread's."""
    return message_reads.list_threads(db, actor, page)


@router.post(
    "/threads",
    status_code=201,
    response_model=ThreadOut,
    responses=problems(
        s403="not_enrolled",
        s404="course_not_found",
        s422="student_required",
        s429="rate_limited",
    ),
)
def start_thread(
    body: ThreadStart, db: DbSession, rt: CurrentRuntime, actor: CurrentActor
) -> ThreadOut:
    """A student writes to the instructor of a course they are enrolled in; the instructor
    writes to an enrolled student (`student_id`). When the two already have a thread on
    this course, the message is appended to it (still 201, the same thread)."""
    thread_id = messages.start_thread(db, rt, actor, body)
    return message_reads.open_thread(db, rt, actor, thread_id)


@router.get(
    "/threads/{thread_id}",
    response_model=ThreadOut,
    responses=problems(s404="thread_not_found"),
)
def get_thread(
    thread_id: ThreadId,
    db: DbSession,
    rt: CurrentRuntime,
    actor: CurrentActor,
    before: Annotated[str | None, Query(min_length=1, max_length=36)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_MESSAGES)] = MAX_MESSAGES,
) -> ThreadOut:
    """The newest messages, oldest first (`before=<message id>` for older ones); marks the
    thread read for me."""
    return message_reads.open_thread(db, rt, actor, thread_id, before=before, limit=limit)


@router.post(
    "/threads/{thread_id}",
    status_code=201,
    response_model=MessageOut,
    responses=problems(s403="not_thread_participant", s404="thread_not_found", s429="rate_limited"),
)
def send_message(
    thread_id: ThreadId, body: MessageIn, db: DbSession, rt: CurrentRuntime, actor: CurrentActor
) -> MessageOut:
    """A message in one of my conversations; the other person is notified."""
    return messages.send_message(db, rt, actor, thread_id, body.body)
