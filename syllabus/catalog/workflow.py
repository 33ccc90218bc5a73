"""A course's status machine, the review queue and the studio and admin course lists.

    draft ──submit──▶ in_review ──approve──▶ published ──unpublish──▶ unpublished
      ▲                  │                                               │
      └─────reject───────┘◀──────────────────submit──────────────────────┘
    any status except archived ──archive──▶ archived (kept for enrolled students)

Every other move is 409 `invalid_status_transition`. Approval and rejection
notify the instructor (in-app and by email) and leave an audit entry; any
other admin move on a course leaves an audit entry too.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from syllabus.accounts.actor import Actor
from syllabus.admin import audit
from syllabus.catalog import reads
from syllabus.catalog import repository as repo
from syllabus.catalog.authoring import owned_course, record_change
from syllabus.catalog.errors import CourseIncomplete, CourseNotFound, InvalidTransition
from syllabus.catalog.models import COURSE_STATUSES, Course
from syllabus.catalog.schemas import CURRENCIES, CourseSummary
from syllabus.kit.db import new_id, utcnow
from syllabus.kit.errors import Forbidden, InvalidInput
from syllabus.kit.pagination import Page, PageParams
from syllabus.kit.runtime import Runtime
from syllabus.notifications.service import Notice, notify


def submit(session: Session, rt: Runtime, actor: Actor, course_key: str) -> Course:
    """Ask for review: needs a title, at least one lesson and a price (0 is free)."""
    course = owned_course(session, actor, course_key, for_update=True)
    _require(course, ("draft", "unpublished"), "submitted for review")
    missing = []
    if not (course.title or "").strip():
        missing.append("a title")
    if repo.lesson_totals(session, course.id)[0] == 0:
        missing.append("at least one lesson")
    if course.price_amount is None or course.price_amount < 0 or course.currency not in CURRENCIES:
        missing.append("a price (0 for a free course)")
    if missing:
        raise CourseIncomplete(f"Before review the course needs {' and '.join(missing)}.")
    course.status, course.submitted_at = "in_review", utcnow()
    record_change(session, rt, course)
    return course


def approve(session: Session, rt: Runtime, admin: Actor, course_key: str) -> Course:
    """Publish a course in review; the instructor is told by email."""
    course = _course_for_admin(session, admin, course_key)
    _require(course, ("in_review",), "approved")
    course.status, course.review_note = "published", None
    if course.published_at is None:
        course.published_at = utcnow()
    _audit(session, admin, course, "course.approved", before="in_review")
    _notify(session, course, "course_approved")
    record_change(session, rt, course)
    return course


def reject(session: Session, rt: Runtime, admin: Actor, course_key: str, reason: str) -> Course:
    """Send a course in review back to draft with the reason, which the instructor receives."""
    course = _course_for_admin(session, admin, course_key)
    _require(course, ("in_review",), "rejected")
    course.status, course.review_note = "draft", reason
    _audit(session, admin, course, "course.rejected", before="in_review", reason=reason)
    _notify(session, course, "course_rejected", reason=reason)
    record_change(session, rt, course)
    return course


def unpublish(session: Session, rt: Runtime, actor: Actor, course_key: str) -> Course:
    """Take a published course out of the catalog; enrolled students keep it."""
    course = owned_course(session, actor, course_key, for_update=True)
    _require(course, ("published",), "unpublished")
    course.status = "unpublished"
    if actor.is_admin and actor.id != course.instructor_id:
        _audit(session, actor, course, "course.unpublished", before="published")
    record_change(session, rt, course, was_published=True)
    return course


def archive(session: Session, rt: Runtime, actor: Actor, course_key: str) -> Course:
    """Retire a course for good: gone from the catalog, kept for enrolled students."""
    course = owned_course(session, actor, course_key, for_update=True)
    before = course.status
    _require(course, tuple(s for s in COURSE_STATUSES if s != "archived"), "archived")
    course.status = "archived"
    if actor.is_admin and actor.id != course.instructor_id:
        _audit(session, actor, course, "course.archived", before=before)
    record_change(session, rt, course, was_published=before == "published")
    return course


def review_queue(
    session: Session, rt: Runtime, admin: Actor, params: PageParams
) -> Page[CourseSummary]:
    """Courses waiting for review, oldest submission first."""
    return admin_courses(session, rt, admin, "in_review", params)


def admin_courses(
    session: Session, rt: Runtime, admin: Actor, status: str | None, params: PageParams
) -> Page[CourseSummary]:
    """Every course (or those in `status`); in review: oldest first, else latest change first."""
    _require_admin(admin)
    if status is not None and status not in COURSE_STATUSES:
        raise InvalidInput(f"status must be one of {', '.join(COURSE_STATUSES)}.")
    rows, total = repo.courses_page(
        session.connection(),
        status=status,
        oldest_first=status == "in_review",
        offset=params.offset,
        limit=params.limit,
    )
    return Page[CourseSummary].build(reads.course_summaries(rt, rows), total, params)


def instructor_courses(
    session: Session, rt: Runtime, actor: Actor, params: PageParams
) -> Page[CourseSummary]:
    """The actor's own courses, every status, latest change first (the studio's list)."""
    rows, total = repo.courses_page(
        session.connection(), instructor_id=actor.id, offset=params.offset, limit=params.limit
    )
    return Page[CourseSummary].build(reads.course_summaries(rt, rows), total, params)


def _require(course: Course, allowed: tuple[str, ...], verb: str) -> None:
    if course.status not in allowed:
        raise InvalidTransition(f"A course that is {course.status} cannot be {verb}.")


def _require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise Forbidden("Only admins can do this.", code="not_admin")


def _course_for_admin(session: Session, admin: Actor, course_key: str) -> Course:
    _require_admin(admin)
    course = repo.course_by_key(session, course_key, for_update=True)
    if course is None:
        raise CourseNotFound("No such course.")
    return course


def _audit(
    session: Session,
    actor: Actor,
    course: Course,
    action: str,
    *,
    before: str,
    reason: str | None = None,
) -> None:
    audit.record(
        session,
        actor_id=actor.id,
        action=action,
        target_type="course",
        target_id=course.id,
        before={"status": before},
        after={"status": course.status},
        reason=reason[:500] if reason else None,  # the audit column holds 500
    )


def _notify(session: Session, course: Course, template: str, *, reason: str | None = None) -> None:
    """Tell the instructor (in-app and email) that an admin approved or rejected the course."""
    approved = template == "course_approved"
    notice = Notice(
        kind="course_decided",
        title=(
            f"Your course {course.title} is published"
            if approved
            else f"Your course {course.title} needs changes"
        ),
        body="" if approved else (reason or ""),
        url=f"/studio/courses/{course.id}",
        email_template=template,
        email_context={
            "course_title": course.title,
            "course_path": f"/courses/{course.slug}",
            "reason": reason,
        },
    )
    # Each decision is a cause of its own: a course may be rejected, fixed and decided again.
    notify(session, course.instructor_id, notice, key=f"course_decision:{course.id}:{new_id()}")
