"""The kinds of notification, what users see them called, and how they may be delivered.

A transactional kind's email always goes out (it is about the user's own
account, order or work); the other kinds' emails follow the user's
preference and carry a one-click unsubscribe link.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    transactional: bool = False


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind("question_asked", "New questions on my courses"),
        Kind("question_answered", "Answers to my questions"),
        Kind("review_replied", "Instructor replies to my reviews"),
        Kind("message_received", "Direct messages"),
        Kind("announcement", "Course announcements"),
        Kind("live_reminder", "Reminders of live sessions I can join"),
        Kind("certificate_issued", "Certificates I earn", transactional=True),
        Kind("course_decided", "Decisions on the courses I submit", transactional=True),
        Kind("application_decided", "My instructor application", transactional=True),
    )
}

# The newsletter topic: not a notification kind, governed by `User.marketing_opt_in`.
MARKETING = "marketing"


def kind_of(name: str) -> Kind:
    try:
        return KINDS[name]
    except KeyError:
        raise KeyError(f"unknown notification kind {name!r}") from None
