"""Direct-message payloads: a conversation (thread) between a student and an instructor."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

from syllabus.kit.pagination import Page

MAX_MESSAGE = 5000
# GET /messages/threads/{id} returns at most this many messages (the newest, oldest first).
MAX_MESSAGES = 100

MessageBody = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_MESSAGE)
]
CourseKey = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=140)]
UserId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=36)]


class ThreadStart(BaseModel):
    """POST /messages/threads: a student writes to the course's instructor; the instructor
    writes to one of the course's students (`student_id`)."""

    model_config = ConfigDict(extra="forbid")

    course: CourseKey
    body: MessageBody
    student_id: UserId | None = None


class MessageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    body: MessageBody


class Party(BaseModel):
    id: str
    name: str


class CourseRef(BaseModel):
    id: str
    slug: str
    title: str


class MessageOut(BaseModel):
    id: str
    thread_id: str
    sender: Party
    body: str
    created_at: datetime


class LastMessage(BaseModel):
    """The start of a thread's newest message, for lists."""

    sender_id: str
    excerpt: str
    created_at: datetime


class ThreadSummary(BaseModel):
    id: str
    course: CourseRef
    # The other person of the conversation, seen from the asker's side.
    other: Party
    # "student" or "instructor": the asker's side (None for an admin reading as moderator).
    role: str | None
    # Messages the asker has not opened yet.
    unread: int
    last_message_at: datetime
    created_at: datetime
    last_message: LastMessage | None = None


class ThreadOut(ThreadSummary):
    student: Party
    instructor: Party
    # The newest messages (at most MAX_MESSAGES), oldest first; `has_earlier` when
    # older ones exist (ask again with `before=<id of the first message>`).
    messages: list[MessageOut]
    has_earlier: bool = False


class ThreadPage(Page[ThreadSummary]):
    # Unread messages over all the asker's threads (not just this page).
    unread_total: int
