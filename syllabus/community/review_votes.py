""" "Helpful" votes on reviews: one per user per review, counted on the review.

A vote is a row of `review_votes` (primary key: review, user) written by an
insert that skips an existing row, so a repeated or concurrent vote adds
nothing. `Review.helpful_count` moves by one, in the same transaction and
in SQL (`helpful_count + 1`), only when a row was really added or removed,
so the count always equals the rows. Votes count on visible reviews of
published courses; a review's author cannot vote for it.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from syllabus.accounts.actor import Actor
from syllabus.catalog.cache import invalidate_course
from syllabus.catalog.models import Course
from syllabus.community.errors import OwnReview, ReviewNotFound
from syllabus.community.models import VISIBLE, Review, ReviewVote
from syllabus.community.schemas import HelpfulOut
from syllabus.kit.db import utcnow
from syllabus.kit.runtime import Runtime


def vote_helpful(
    session: Session, rt: Runtime, actor: Actor, review_id: str
) -> tuple[HelpfulOut, bool]:
    """POST /reviews/{id}/helpful: the vote and whether this call added it."""
    review = _votable(session, review_id)
    if review.user_id == actor.id:
        raise OwnReview("You cannot vote for your own review.")
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # RETURNING, not rowcount: an ORM-executed INSERT reports no rowcount on psycopg.
    added = session.execute(
        insert(ReviewVote)
        .values(review_id=review.id, user_id=actor.id, created_at=utcnow())
        .on_conflict_do_nothing()
        .returning(ReviewVote.user_id)
    ).scalar_one_or_none()
    created = added is not None
    if created:
        _move_count(session, rt, review, +1)
    return _state(session, review.id, helpful=True), created


def remove_vote(session: Session, rt: Runtime, actor: Actor, review_id: str) -> HelpfulOut:
    """DELETE /reviews/{id}/helpful: take the vote back (nothing happens without one)."""
    review = _votable(session, review_id)
    removed = session.execute(
        delete(ReviewVote)
        .where(ReviewVote.review_id == review.id, ReviewVote.user_id == actor.id)
        .returning(ReviewVote.user_id)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    if removed is not None:
        _move_count(session, rt, review, -1)
    return _state(session, review.id, helpful=False)


def voted_reviews(session: Session, user_id: str, review_ids: Sequence[str]) -> set[str]:
    """Which of `review_ids` this user found helpful (one query)."""
    if not review_ids:
        return set()
    return set(
        session.scalars(
            select(ReviewVote.review_id).where(
                ReviewVote.user_id == user_id, ReviewVote.review_id.in_(list(review_ids))
            )
        )
    )


def _votable(session: Session, review_id: str) -> Review:
    row = session.execute(
        select(Review, Course.status)
        .join(Course, Course.id == Review.course_id)
        .where(Review.id == review_id)
    ).first()
    if row is None or row[0].status != VISIBLE or row[1] != "published":
        raise ReviewNotFound("No such review.")
    review: Review = row[0]
    return review


def _move_count(session: Session, rt: Runtime, review: Review, step: int) -> None:
    session.execute(
        update(Review)
        .where(Review.id == review.id)
        # A vote is not an edit: the review keeps its updated_at.
        .values(helpful_count=Review.helpful_count + step, updated_at=Review.updated_at)
        .execution_options(synchronize_session=False)
    )
    # The course page shows the counts and sorts by them.
    invalidate_course(session, rt, review.course_id, lists=False)


def _state(session: Session, review_id: str, *, helpful: bool) -> HelpfulOut:
    count = session.scalar(select(Review.helpful_count).where(Review.id == review_id)) or 0
    return HelpfulOut(review_id=review_id, helpful=helpful, helpful_count=count)
