"""Course reviews: one per enrolled student per course, the owner's reply, admin hiding.

A review's `body` is plain text, stored as typed (trimmed) and escaped
wherever it is shown; it is never rendered as HTML or Markdown.

The course's rating aggregates (`rating_avg`, `rating_count`, `rating_sum`,
`rating_histogram`) count the *visible* reviews only. Every write that can
change them (create, edit, delete, hide) locks the course row first, so
writes to one course's reviews run one at a time, then recomputes the
aggregates from the reviews with one grouped query and updates the course
row in the same transaction. The course's cached reads and the catalog
lists are invalidated after the commit and the course is queued for
reindexing (search sorts and filters on the rating).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from syllabus.accounts.actor import Actor
from syllabus.accounts.models import User
from syllabus.admin import audit
from syllabus.catalog.cache import course_key, invalidate_course
from syllabus.catalog.models import Course
from syllabus.catalog.reads import course_key_filter
from syllabus.community.errors import (
    CourseNotFound,
    NotCourseOwner,
    NotEnrolled,
    NotReviewAuthor,
    ReviewExists,
    ReviewNotFound,
)
from syllabus.community.models import Review
from syllabus.community.schemas import (
    RatingSummary,
    ReviewAuthor,
    ReviewIn,
    ReviewOut,
    ReviewPage,
    ReviewPatch,
    ReviewSort,
)
from syllabus.kit.errors import Forbidden
from syllabus.kit.pagination import PageParams
from syllabus.kit.runtime import Runtime
from syllabus.learning.access import active_enrollment_id
from syllabus.search.tasks import queue_reindex

VISIBLE = "visible"
HIDDEN = "hidden"
RATINGS = ("5", "4", "3", "2", "1")
PAGE_BLOCK = "reviews-block"

_ORDER: dict[str, tuple[Any, ...]] = {
    "newest": (Review.created_at.desc(), Review.id.desc()),
    "highest": (Review.rating.desc(), Review.created_at.desc(), Review.id.desc()),
    "lowest": (Review.rating.asc(), Review.created_at.desc(), Review.id.desc()),
    "helpful": (Review.helpful_count.desc(), Review.created_at.desc(), Review.id.desc()),
}


# ------------------------------------------------------------------- reads


def _course_row(session: Session, key: str) -> Any:
    row = session.execute(
        select(Course.id, Course.status, Course.instructor_id)
        .where(course_key_filter(key))
        .limit(1)
    ).first()
    if row is None:
        raise CourseNotFound("No such course.")
    return row


def rating_summary(session: Session, course_id: str) -> RatingSummary:
    """Average, count and per-rating counts of the course's visible reviews (one query)."""
    counts = _rating_counts(session, course_id)
    total = sum(counts.values())
    points = sum(int(rating) * n for rating, n in counts.items())
    return RatingSummary(
        average=round(points / total, 2) if total else 0.0,
        count=total,
        distribution=counts,
    )


def _rating_counts(session: Session, course_id: str) -> dict[str, int]:
    rows = session.execute(
        select(Review.rating, func.count())
        .where(Review.course_id == course_id, Review.status == VISIBLE)
        .group_by(Review.rating)
    ).all()
    counts = dict.fromkeys(RATINGS, 0)
    for rating, n in rows:
        counts[str(rating)] = int(n)
    return counts


def list_reviews(
    session: Session,
    rt: Runtime,
    actor: Actor | None,
    course_key: str,
    page: PageParams,
    sort: ReviewSort = "newest",
) -> ReviewPage:
    """GET /courses/{course}/reviews: a page of visible reviews and the rating summary."""
    course = _course_row(session, course_key)
    if course.status != "published":
        raise CourseNotFound("No such course.")
    visible = (Review.course_id == course.id, Review.status == VISIBLE)
    rows = session.execute(
        select(Review, User.name)
        .join(User, User.id == Review.user_id)
        .where(*visible)
        .order_by(*_ORDER[sort])
        .offset(page.offset)
        .limit(page.limit)
    ).all()
    summary = rating_summary(session, course.id)
    return ReviewPage(
        items=[_out(review, name) for review, name in rows],
        total=summary.count,
        page=page.page,
        page_size=page.page_size,
        summary=summary,
    )


def review_out(session: Session, review: Review) -> ReviewOut:
    """One review in the API shape (after a write)."""
    session.flush()
    name = session.scalar(select(User.name).where(User.id == review.user_id)) or ""
    return _out(review, name)


def _out(review: Review, author_name: str) -> ReviewOut:
    return ReviewOut(
        id=review.id,
        course_id=review.course_id,
        rating=review.rating,
        body=review.body,
        author=ReviewAuthor(id=review.user_id, name=author_name),
        reply=review.reply,
        created_at=review.created_at,
        updated_at=review.updated_at,
    )


# ------------------------------------------------------------------ writes


def create_review(
    session: Session, rt: Runtime, actor: Actor, course_key: str, data: ReviewIn
) -> Review:
    """POST /courses/{course}/reviews: only an actively enrolled student, once per course."""
    course = _course_row(session, course_key)
    enrolled = active_enrollment_id(session, actor.id, course.id) is not None
    if course.status == "draft" or (course.status != "published" and not enrolled):
        raise CourseNotFound("No such course.")
    if not enrolled:
        raise NotEnrolled("Enroll in this course to review it.")
    _lock_course(session, course.id)
    existing = session.scalar(
        select(Review.id).where(Review.course_id == course.id, Review.user_id == actor.id)
    )
    if existing is not None:
        raise ReviewExists("You already reviewed this course: edit your review instead.")
    review = Review(course_id=course.id, user_id=actor.id, rating=data.rating, body=data.body)
    session.add(review)
    session.flush()
    _refresh_rating(session, rt, course.id)
    return review


def update_review(
    session: Session, rt: Runtime, actor: Actor, review_id: str, data: ReviewPatch
) -> Review:
    """PATCH /reviews/{id}: the author (or an admin) changes the rating and/or the text."""
    review = editable_review(session, actor, review_id)
    _lock_course(session, review.course_id)
    if data.rating is not None:
        review.rating = data.rating
    if data.body is not None:
        review.body = data.body
    session.flush()
    _refresh_rating(session, rt, review.course_id)
    return review


def delete_review(session: Session, rt: Runtime, actor: Actor, review_id: str) -> str:
    """DELETE /reviews/{id}: the author or an admin; returns the review's course id."""
    review = editable_review(session, actor, review_id)
    course_id = review.course_id
    _lock_course(session, course_id)
    if actor.id != review.user_id:
        audit.record(
            session,
            actor_id=actor.id,
            action="review.delete",
            target_type="review",
            target_id=review.id,
            before={"course_id": course_id, "user_id": review.user_id, "rating": review.rating},
        )
    session.delete(review)
    session.flush()
    _refresh_rating(session, rt, course_id)
    return course_id


def reply_to_review(
    session: Session, rt: Runtime, actor: Actor, review_id: str, body: str
) -> Review:
    """POST /reviews/{id}/reply: the course owner answers; a new reply replaces the old one."""
    review = _visible_to(session, actor, review_id)
    owner = session.scalar(select(Course.instructor_id).where(Course.id == review.course_id))
    if owner != actor.id:
        raise NotCourseOwner("Only the course's instructor can reply to its reviews.")
    review.reply = body
    session.flush()
    invalidate_course(session, rt, review.course_id, lists=False)  # the page shows replies
    return review


def hide_review(session: Session, rt: Runtime, actor: Actor, review_id: str, reason: str) -> Review:
    """POST /admin/reviews/{id}/hide: an abusive review leaves the page and the aggregates."""
    if not actor.is_admin:
        raise Forbidden("Only admins can do this.", code="not_admin")
    review = _visible_to(session, actor, review_id)
    if review.status == HIDDEN:
        return review
    _lock_course(session, review.course_id)
    review.status = HIDDEN
    audit.record(
        session,
        actor_id=actor.id,
        action="review.hide",
        target_type="review",
        target_id=review.id,
        before={"status": VISIBLE},
        after={"status": HIDDEN},
        reason=reason,
    )
    session.flush()
    _refresh_rating(session, rt, review.course_id)
    return review


def _visible_to(session: Session, actor: Actor, review_id: str) -> Review:
    """The review unless it is unknown or hidden from this actor (both 404)."""
    review = session.get(Review, review_id)
    if review is None:
        raise ReviewNotFound("No such review.")
    if review.status != VISIBLE and not (actor.is_admin or actor.id == review.user_id):
        raise ReviewNotFound("No such review.")
    return review


def editable_review(session: Session, actor: Actor, review_id: str) -> Review:
    """The review if this actor may edit or delete it (its author, an admin)."""
    review = _visible_to(session, actor, review_id)
    if not (actor.is_admin or actor.id == review.user_id):
        raise NotReviewAuthor("Only the review's author can change it.")
    return review


def _lock_course(session: Session, course_id: str) -> None:
    """Serialise the review writes of one course so its aggregates never lose an update."""
    session.execute(select(Course.id).where(Course.id == course_id).with_for_update())


def _refresh_rating(session: Session, rt: Runtime, course_id: str) -> None:
    """Recompute the course's rating aggregates from its visible reviews (caller holds the lock)."""
    counts = _rating_counts(session, course_id)
    total = sum(counts.values())
    points = sum(int(rating) * n for rating, n in counts.items())
    session.execute(
        update(Course)
        .where(Course.id == course_id)
        .values(
            rating_avg=points / total if total else 0.0,
            rating_count=total,
            rating_sum=points,
            rating_histogram=counts,
        )
        .execution_options(synchronize_session=False)
    )
    invalidate_course(session, rt, course_id, lists=True)
    queue_reindex(session, course_id)


# ------------------------------------------------------------------- pages


class ReviewsBlock(BaseModel):
    """The public part of the course page's reviews, cached in the course's namespace."""

    summary: RatingSummary
    reviews: list[ReviewOut]


@dataclass
class ReviewPanel:
    """What the course page shows of the reviews, for this visitor."""

    summary: RatingSummary
    reviews: list[ReviewOut]
    mine: ReviewOut | None = None
    can_review: bool = False


def _reviews_block(session: Session, rt: Runtime, course_id: str, limit: int) -> ReviewsBlock:
    """The newest visible reviews and the summary; cached until a review of the course changes."""
    key = course_key(rt, course_id, PAGE_BLOCK, str(limit))
    cached = rt.cache.get(key)
    if cached is not None:
        return ReviewsBlock.model_validate_json(cached)
    rows = session.execute(
        select(Review, User.name)
        .join(User, User.id == Review.user_id)
        .where(Review.course_id == course_id, Review.status == VISIBLE)
        .order_by(*_ORDER["newest"])
        .limit(limit)
    ).all()
    block = ReviewsBlock(
        summary=rating_summary(session, course_id),
        reviews=[_out(review, name) for review, name in rows],
    )
    rt.cache.set(key, block.model_dump_json().encode())
    return block


def review_panel(
    session: Session, rt: Runtime, actor: Actor | None, course_id: str, *, limit: int = 10
) -> ReviewPanel:
    """The newest visible reviews, the summary, and the visitor's own review or the form.

    An anonymous visitor's warm page runs no SQL: the public part is cached.
    """
    block = _reviews_block(session, rt, course_id, limit)
    panel = ReviewPanel(summary=block.summary, reviews=block.reviews)
    if actor is None:
        return panel
    own = session.execute(
        select(Review, User.name)
        .join(User, User.id == Review.user_id)
        .where(Review.course_id == course_id, Review.user_id == actor.id)
    ).first()
    if own is not None:
        panel.mine = _out(own[0], own[1])
    elif active_enrollment_id(session, actor.id, course_id) is not None:
        panel.can_review = True
    return panel
