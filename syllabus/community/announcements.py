"""Course announcements: the owner posts to every enrolled student; students read them.

Posting writes the announcement and, in the same transaction, queues its
delivery (`announcement_delivery`), which reaches the students in batches
of jobs. Title and body are plain text, stored trimmed and escaped
wherever they are shown. Who may do what:

- post: the course's owner or an admin; another user gets 403
  `not_course_owner` on a published course, 404 otherwise;
- read: the owner, an admin and actively enrolled students; another user
  gets 403 `not_enrolled` on a published course, 404 otherwise.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from syllabus.accounts.actor import Actor
from syllabus.accounts.models import User
from syllabus.catalog import authoring
from syllabus.catalog.models import Course
from syllabus.catalog.reads import course_key_filter
from syllabus.community.announcement_delivery import start_delivery
from syllabus.community.announcement_schemas import (
    AnnouncementAuthor,
    AnnouncementIn,
    AnnouncementOut,
    AnnouncementPage,
)
from syllabus.community.errors import CourseNotFound, NotEnrolled
from syllabus.community.models import Announcement
from syllabus.kit.pagination import PageParams
from syllabus.kit.runtime import Runtime
from syllabus.learning.access import active_enrollment_id


def post_announcement(
    session: Session, rt: Runtime, actor: Actor, course_key: str, data: AnnouncementIn
) -> Announcement:
    """POST /courses/{course}/announcements: saved now, delivered by jobs after the commit."""
    course = authoring.owned_course(session, actor, course_key)
    announcement = Announcement(
        course_id=course.id, author_id=actor.id, title=data.title, body=data.body
    )
    session.add(announcement)
    session.flush()
    start_delivery(session, announcement.id)
    return announcement


def readable_course(session: Session, actor: Actor, course_key: str) -> Any:
    """The course row (id, slug, title, status, instructor_id) if `actor` may read its posts."""
    course = session.execute(
        select(Course.id, Course.slug, Course.title, Course.status, Course.instructor_id)
        .where(course_key_filter(course_key))
        .limit(1)
    ).first()
    if course is None:
        raise CourseNotFound("No such course.")
    if actor.is_admin or actor.id == course.instructor_id:
        return course
    if active_enrollment_id(session, actor.id, course.id) is not None:
        return course
    if course.status == "published":
        raise NotEnrolled("Enroll in this course to read its announcements.")
    raise CourseNotFound("No such course.")


def list_announcements(
    session: Session, rt: Runtime, actor: Actor, course_key: str, page: PageParams
) -> AnnouncementPage:
    """GET /courses/{course}/announcements: newest first, a page at a time."""
    course = readable_course(session, actor, course_key)
    return announcement_page(session, course.id, page)


def announcement_page(session: Session, course_id: str, page: PageParams) -> AnnouncementPage:
    """A page of the course's announcements (the caller checked who may read them)."""
    total = session.scalar(
        select(func.count()).select_from(Announcement).where(Announcement.course_id == course_id)
    )
    rows = session.execute(
        select(Announcement, User.name)
        .join(User, User.id == Announcement.author_id)
        .where(Announcement.course_id == course_id)
        .order_by(Announcement.created_at.desc(), Announcement.id.desc())
        .offset(page.offset)
        .limit(page.limit)
    ).all()
    return AnnouncementPage(
        items=[_out(announcement, name) for announcement, name in rows],
        total=total or 0,
        page=page.page,
        page_size=page.page_size,
    )


def announcement_out(session: Session, announcement: Announcement) -> AnnouncementOut:
    """One announcement in the API shape (after a write)."""
    session.flush()
    name = session.scalar(select(User.name).where(User.id == announcement.author_id)) or ""
    return _out(announcement, name)


def _out(announcement: Announcement, author_name: str) -> AnnouncementOut:
    return AnnouncementOut(
        id=announcement.id,
        course_id=announcement.course_id,
        title=announcement.title,
        body=announcement.body,
        author=AnnouncementAuthor(id=announcement.author_id, name=author_name),
        created_at=announcement.created_at,
        recipient_count=announcement.recipient_count,
        delivered=announcement.delivered,
    )
