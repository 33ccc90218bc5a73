"""Direct-message refusals with stable codes.

A thread the asker does not take part in is `thread_not_found` (404), as
if it did not exist. Starting a thread needs an active enrollment: on a
course the asker can see, its absence is 403 `not_enrolled`.
"""

from __future__ import annotations

from syllabus.catalog.errors import CourseNotFound, NotCourseOwner, NotEnrolled
from syllabus.kit.errors import Forbidden, InvalidInput, NotFound

__all__ = [
    "CannotMessageSelf",
    "CourseNotFound",
    "NotCourseOwner",
    "NotEnrolled",
    "NotThreadParticipant",
    "StudentRequired",
    "ThreadNotFound",
]


class ThreadNotFound(NotFound):
    code = "thread_not_found"
    title = "Conversation not found"


class NotThreadParticipant(Forbidden):
    """An admin may read any conversation (moderation) but only its two people write in it."""

    code = "not_thread_participant"
    title = "Not your conversation"


class StudentRequired(InvalidInput):
    """The course's instructor starts a conversation with one of its students: which one?"""

    code = "student_required"
    title = "Student required"


class CannotMessageSelf(InvalidInput):
    code = "cannot_message_self"
    title = "Cannot message yourself"
