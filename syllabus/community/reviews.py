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

The owner's reply tells the review's author (in-app and, by preference,
email) in the reply's transaction; each distinct reply text is told once.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

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
from syllabus.community.review_votes import voted_reviews
from syllabus.community.schemas import (
    MAX_REPLY,
    RatingSummary,
    ReviewAuthor,
    ReviewIn,
    ReviewOut,
    ReviewPage,
    ReviewPatch,
    ReviewSort,
)
from syllabus.community.text import excerpt
from syllabus.kit.errors import Forbidden
from syllabus.kit.pagination import PageParams
from syllabus.kit.runtime import Runtime
from syllabus.learning.access import active_enrollment_id
from syllabus.notifications.service import Notice, notify
from syllabus.search.tasks import queue_reindex

VISIBLE = "visible"
HIDDEN = "hidden"
RATINGS = ("5", "4", "3", "2", "1")
PAGE_BLOCK = "reviews-block"
PANEL_SIZE = 10  # reviews per page of the course page's block

_ORDER: dict[str, tuple[Any, ...]] = {
    "newest": (Review.created_at.desc(), Review.id.desc()),
    "highest": (Review.rating.desc(), Review.created_at.desc(), Review.id.desc()),
    "lowest": (Review.rating.asc(), Review.created_at.desc(), Review.id.desc()),
    "helpful": (Review.helpful_count.desc(), Review.created_at.desc(), Review.id.desc()),
}


# ------------------------------------------------------------------- reads


def _course_row(session: Session, key: str) -> Any:
    row = session.execute(
        select(Course.id, Course.status, Course.instructor_id, Course.rating_histogram)
        .where(course_key_filter(key))
        .limit(1)
    ).first()
    if row is None:
        raise CourseNotFound("No such course.")
    return row


def summary_of_counts(counts: dict[str, int]) -> RatingSummary:
    """The summary of per-rating counts (a course's maintained `rating_histogram`)."""
    counts = {rating: int(counts.get(rating, 0)) for rating in RATINGS}
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
    summary = summary_of_counts(course.rating_histogram or {})
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
        helpful_count=review.helpful_count,
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
    refresh_rating(session, rt, course.id)
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
    refresh_rating(session, rt, review.course_id)
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
    refresh_rating(session, rt, course_id)
    return course_id


def reply_to_review(
    session: Session, rt: Runtime, actor: Actor, review_id: str, body: str
) -> Review:
    """POST /reviews/{id}/reply: the course owner answers; a new reply replaces the old one."""
    review = _visible_to(session, actor, review_id)
    course = session.execute(
        select(Course.instructor_id, Course.slug, Course.title).where(Course.id == review.course_id)
    ).one()
    if course.instructor_id != actor.id:
        raise NotCourseOwner("Only the course's instructor can reply to its reviews.")
    review.reply = body
    session.flush()
    invalidate_course(session, rt, review.course_id, lists=False)  # the page shows replies
    if review.user_id != actor.id:
        _tell_author(session, review, actor, slug=course.slug, course_title=course.title)
    return review


def _tell_author(
    session: Session, review: Review, actor: Actor, *, slug: str, course_title: str
) -> None:
    """Notify the review's author of the reply; a resent identical reply adds nothing."""
    reply = review.reply or ""
    version = hashlib.sha256(reply.encode()).hexdigest()[:16]
    path = f"/courses/{quote(slug)}#reviews"
    notify(
        session,
        review.user_id,
        Notice(
            kind="review_replied",
            title=f"{actor.name} replied to your review of {course_title}",
            body=excerpt(reply),
            url=path,
            email_template="review_reply",
            email_context={
                "course_title": course_title,
                "instructor_name": actor.name,
                "review": review.body,
                "reply": reply[:MAX_REPLY],
                "path": path,
            },
        ),
        key=f"review_reply:{review.id}:{version}",
    )


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
    refresh_rating(session, rt, review.course_id)
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


def refresh_rating(session: Session, rt: Runtime, course_id: str) -> None:
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
    """One page of the course page's reviews, cached in the course's namespace."""

    summary: RatingSummary
    reviews: list[ReviewOut]
    instructor_id: str


@dataclass
class ReviewPanel:
    """What the course page shows of the reviews, for this visitor."""

    summary: RatingSummary
    reviews: list[ReviewOut]
    mine: ReviewOut | None = None
    can_review: bool = False
    sort: ReviewSort = "newest"
    page: int = 1
    page_size: int = PANEL_SIZE
    # The visitor owns the course (reply forms) / is signed in (helpful buttons).
    is_owner: bool = False
    signed_in: bool = False
    # Reviews on this page the visitor found helpful.
    voted: set[str] = field(default_factory=set)

    @property
    def pages(self) -> int:
        return max(1, -(-self.summary.count // self.page_size))


@dataclass(frozen=True)
class CourseFacts:
    """What the review panel needs of its course, when the caller has read it already."""

    instructor_id: str
    rating_histogram: dict[str, int]


def _course_facts(session: Session, course_id: str) -> CourseFacts:
    row = session.execute(
        select(Course.instructor_id, Course.rating_histogram).where(Course.id == course_id)
    ).first()
    if row is None:
        return CourseFacts("", {})
    return CourseFacts(row.instructor_id, dict(row.rating_histogram or {}))


def _reviews_block(
    session: Session,
    rt: Runtime,
    course_id: str,
    sort: ReviewSort,
    page: int,
    limit: int,
    known: CourseFacts | None,
) -> ReviewsBlock:
    """A page of visible reviews and the summary; cached until a review of the course changes.

    The summary comes from the course's maintained histogram (visible reviews only).
    """
    key = course_key(rt, course_id, PAGE_BLOCK, sort, str(page), str(limit))
    cached = rt.cache.get(key)
    if cached is not None:
        return ReviewsBlock.model_validate_json(cached)
    rows = session.execute(
        select(Review, User.name)
        .join(User, User.id == Review.user_id)
        .where(Review.course_id == course_id, Review.status == VISIBLE)
        .order_by(*_ORDER[sort])
        .offset((page - 1) * limit)
        .limit(limit)
    ).all()
    facts = known if known is not None else _course_facts(session, course_id)
    block = ReviewsBlock(
        summary=summary_of_counts(facts.rating_histogram),
        reviews=[_out(review, name) for review, name in rows],
        instructor_id=facts.instructor_id,
    )
    rt.cache.set(key, block.model_dump_json().encode())
    return block


def review_panel(
    session: Session,
    rt: Runtime,
    actor: Actor | None,
    course_id: str,
    *,
    limit: int = PANEL_SIZE,
    sort: ReviewSort = "newest",
    page: int = 1,
    known: CourseFacts | None = None,
) -> ReviewPanel:
    """A page of visible reviews, the summary, and the visitor's own review or the form.

    An anonymous visitor's warm page runs no SQL: the public part is cached.
    A signed-in visitor adds a fixed number of queries, however many reviews.
    `known`: the course's facts when the caller read the course already.
    """
    block = _reviews_block(session, rt, course_id, sort, page, limit, known)
    panel = ReviewPanel(
        summary=block.summary, reviews=block.reviews, sort=sort, page=page, page_size=limit
    )
    if actor is None:
        return panel
    panel.signed_in = True
    panel.is_owner = actor.id == block.instructor_id
    others = [review.id for review in block.reviews if review.author.id != actor.id]
    panel.voted = voted_reviews(session, actor.id, others)
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
