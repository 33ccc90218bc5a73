"""Announcements API: the course owner posts to every enrolled student.

`{course}` is a course id or slug. Delivery (in-app notification and
email, as each student prefers) runs in batches of jobs after the post
commits; `recipient_count` and `delivered` show how far it got.
"""

from __future__ import annotations

from fastapi import APIRouter

from syllabus.api.deps import CurrentActor, CurrentRuntime, DbSession, Pagination
from syllabus.api.errors import problems
from syllabus.community import announcements
from syllabus.community.announcement_schemas import (
    AnnouncementIn,
    AnnouncementOut,
    AnnouncementPage,
)

router = APIRouter(tags=["community"])


@router.post(
    "/courses/{course}/announcements",
    status_code=201,
    response_model=AnnouncementOut,
    responses=problems(s403="not_course_owner", s404="course_not_found"),
)
def post_announcement(
    course: str, body: AnnouncementIn, db: DbSession, rt: CurrentRuntime, actor: CurrentActor
) -> AnnouncementOut:
    """The owner's (or an admin's) announcement; delivered to enrolled students by jobs."""
    announcement = announcements.post_announcement(db, rt, actor, course, body)
    return announcements.announcement_out(db, announcement)


@router.get(
    "/courses/{course}/announcements",
    response_model=AnnouncementPage,
    responses=problems(s403="not_enrolled", s404="course_not_found"),
)
def list_announcements(
    course: str, db: DbSession, rt: CurrentRuntime, actor: CurrentActor, page: Pagination
) -> AnnouncementPage:
    """The course's announcements, newest first: for enrolled students, the owner and admins."""
    return announcements.list_announcements(db, rt, actor, course, page)
