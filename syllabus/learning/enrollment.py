"""Enrollments: free enrollment, grants (purchase, admin, coupon), revocation, "my courses".

`courses.enrollment_count` counts active enrollments. It is changed only by
an atomic `UPDATE ... SET enrollment_count = enrollment_count + d` while the
enrollment row is locked, so concurrent enrollments never lose a count.
The course's cached reads are invalidated after the commit; cached lists
are left to expire (every enrollment would otherwise empty the list cache).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row
from sqlalchemy.orm import Session

from syllabus.accounts.actor import Actor
from syllabus.admin import audit
from syllabus.analytics import events as analytics_events
from syllabus.analytics.record import record_event
from syllabus.catalog.cache import invalidate_course
from syllabus.kit.errors import Forbidden
from syllabus.kit.pagination import Page, PageParams
from syllabus.kit.runtime import Runtime
from syllabus.learning import repository as repo
from syllabus.learning.errors import (
    AlreadyEnrolled,
    CourseNotFound,
    CourseNotPublished,
    PaymentRequired,
    UserNotFound,
)
from syllabus.learning.models import ENROLLMENT_SOURCES, Enrollment
from syllabus.learning.schemas import CourseRef, EnrollmentOut
from syllabus.search.tasks import queue_reindex

# Courses a student can still be enrolled into (archived ones keep their students only).
ENROLLABLE = ("published",)


@dataclass(frozen=True)
class Grant:
    enrollment: Enrollment
    # True when this call created the enrollment or re-activated a revoked one.
    changed: bool


def enroll_free(session: Session, rt: Runtime, actor: Actor, course_key: str) -> Enrollment:
    """Enroll the actor in a free, published course (POST /courses/{course}/enroll).

    A course the actor cannot see is 404; the owner's or an admin's
    unpublished course is 409 `course_not_published`; a paid course is 402
    `payment_required` (buy it through checkout); an active enrollment is
    409 `already_enrolled`. A revoked enrollment in a now-free course is
    re-activated.
    """
    course = repo.course_for_enrollment(session, course_key)
    if course is None:
        raise CourseNotFound("No such course.")
    if course.status not in ENROLLABLE:
        if actor.is_admin or actor.id == course.instructor_id:
            raise CourseNotPublished("Only published courses take enrollments.")
        raise CourseNotFound("No such course.")
    existing = repo.enrollment_of(session, actor.id, course.id)
    if existing is not None and existing.status == "active":
        raise AlreadyEnrolled("You are already enrolled in this course.")
    if course.price_amount > 0:
        raise PaymentRequired("This course is paid: buy it through checkout to enroll.")
    grant = grant_enrollment(session, rt, user_id=actor.id, course_id=course.id, source="free")
    if not grant.changed:  # a concurrent request enrolled first
        raise AlreadyEnrolled("You are already enrolled in this course.")
    return grant.enrollment


def grant_enrollment(
    session: Session, rt: Runtime, *, user_id: str, course_id: str, source: str
) -> Grant:
    """Make sure the user has an active enrollment in the course; idempotent per user and course.

    For commerce (a paid order line), admins and coupons: no price or status
    check here, the caller decided. A revoked enrollment is re-activated
    (keeping its progress and its start date); an active one is returned
    unchanged.
    """
    if source not in ENROLLMENT_SOURCES:
        raise ValueError(f"unknown enrollment source {source!r}")
    inserted = repo.insert_enrollment(session, user_id=user_id, course_id=course_id, source=source)
    enrollment = repo.enrollment_of(session, user_id, course_id, for_update=True)
    if enrollment is None:  # pragma: no cover - the row was inserted or already there
        raise RuntimeError("enrollment vanished during its grant")
    changed = inserted
    if not inserted and enrollment.status != "active":
        enrollment.status, enrollment.source = "active", source
        changed = True
    if changed:
        repo.adjust_enrollment_count(session, course_id, +1)
        invalidate_course(session, rt, course_id, lists=False)
        queue_reindex(session, course_id)  # "most popular" sorts on the indexed count
        record_event(session, analytics_events.ENROLLED, user_id=user_id, course_id=course_id)
    session.flush()
    return Grant(enrollment=enrollment, changed=changed)


def revoke_enrollment(
    session: Session, rt: Runtime, *, user_id: str, course_id: str
) -> Enrollment | None:
    """Take access away (refund, admin); progress and certificates stay. None if not enrolled."""
    enrollment = repo.enrollment_of(session, user_id, course_id, for_update=True)
    if enrollment is None or enrollment.status != "active":
        return enrollment
    enrollment.status = "revoked"
    repo.adjust_enrollment_count(session, course_id, -1)
    invalidate_course(session, rt, course_id, lists=False)
    queue_reindex(session, course_id)
    session.flush()
    return enrollment


def admin_enroll(
    session: Session, rt: Runtime, actor: Actor, *, user_id: str, course_key: str
) -> Grant:
    """An admin enrolls someone by hand (any course that exists but drafts); audit-logged."""
    if not actor.is_admin:
        raise Forbidden("Only admins can do this.", code="not_admin")
    user = repo.user_by_id(session, user_id)
    if user is None:
        raise UserNotFound("No such user.")
    course = repo.course_for_enrollment(session, course_key)
    if course is None:
        raise CourseNotFound("No such course.")
    if course.status == "draft":
        raise CourseNotPublished("A draft course takes no enrollments.")
    grant = grant_enrollment(session, rt, user_id=user.id, course_id=course.id, source="admin")
    if grant.changed:
        audit.record(
            session,
            actor_id=actor.id,
            action="enrollment.grant",
            target_type="enrollment",
            target_id=grant.enrollment.id,
            after={"user_id": user.id, "course_id": course.id, "source": "admin"},
        )
    return grant


def my_enrollments(session: Session, rt: Runtime, actor: Actor) -> list[EnrollmentOut]:
    """The actor's active enrollments with progress, most recently studied first."""
    return [_row_out(row) for row in repo.my_enrollment_rows(session, actor.id)]


def enrollments_page(
    session: Session, rt: Runtime, actor: Actor, page: PageParams
) -> Page[EnrollmentOut]:
    """GET /me/enrollments: `my_enrollments` a page at a time."""
    rows = repo.my_enrollment_rows(session, actor.id, offset=page.offset, limit=page.limit)
    total = repo.count_my_enrollments(session, actor.id)
    return Page.build([_row_out(row) for row in rows], total, page)


def _row_out(row: Row[Any]) -> EnrollmentOut:
    return EnrollmentOut(
        id=row.id,
        course=CourseRef(id=row.course_id, slug=row.course_slug, title=row.course_title),
        status=row.status,
        source=row.source,
        progress_percent=row.progress_percent,
        completed_lessons=row.completed_lessons,
        completed_at=row.completed_at,
        last_lesson_id=row.last_lesson_id,
        last_activity_at=row.last_activity_at,
        created_at=row.created_at,
    )


def enrollment_out(session: Session, enrollment: Enrollment) -> EnrollmentOut:
    """One enrollment in the API shape (after enroll / grant)."""
    session.flush()
    course = repo.course_by_id(session, enrollment.course_id)
    if course is None:  # pragma: no cover - foreign key
        raise CourseNotFound("No such course.")
    return EnrollmentOut(
        id=enrollment.id,
        course=CourseRef(id=course.id, slug=course.slug, title=course.title),
        status=enrollment.status,
        source=enrollment.source,
        progress_percent=enrollment.progress_percent,
        completed_lessons=enrollment.completed_lessons,
        completed_at=enrollment.completed_at,
        last_lesson_id=enrollment.last_lesson_id,
        last_activity_at=enrollment.last_activity_at,
        created_at=enrollment.created_at,
    )
