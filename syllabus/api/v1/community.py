"""Community API: course reviews, helpful votes, the instructor's reply and admin hiding.

`{course}` is a course id or slug. Others' hidden reviews and unknown ids
are 404 `review_not_found`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from syllabus.api.deps import (
    CurrentActor,
    CurrentRuntime,
    DbSession,
    OptionalActor,
    Pagination,
    RequireAdmin,
)
from syllabus.api.errors import problems
from syllabus.community import review_votes, reviews
from syllabus.community.schemas import (
    HelpfulOut,
    HideIn,
    ReplyIn,
    ReviewIn,
    ReviewOut,
    ReviewPage,
    ReviewPatch,
    ReviewSort,
)

router = APIRouter(tags=["community"])
admin_router = APIRouter(prefix="/admin", tags=["admin"])


@router.get(
    "/courses/{course}/reviews",
    response_model=ReviewPage,
    responses=problems(s404="course_not_found"),
)
def list_reviews(
    course: str,
    db: DbSession,
    rt: CurrentRuntime,
    actor: OptionalActor,
    page: Pagination,
    sort: Annotated[ReviewSort, Query()] = "newest",
) -> ReviewPage:
    """Visible reviews of a published course, a page at a time, with the rating summary."""
    return reviews.list_reviews(db, rt, actor, course, page, sort)


@router.post(
    "/courses/{course}/reviews",
    status_code=201,
    response_model=ReviewOut,
    responses=problems(s403="not_enrolled", s404="course_not_found", s409="review_exists"),
)
def create_review(
    course: str, body: ReviewIn, db: DbSession, rt: CurrentRuntime, actor: CurrentActor
) -> ReviewOut:
    """An enrolled student's review; a second one is 409 `review_exists` (PATCH it instead)."""
    return reviews.review_out(db, reviews.create_review(db, rt, actor, course, body))


@router.patch(
    "/reviews/{review_id}",
    response_model=ReviewOut,
    responses=problems(s403="not_review_author", s404="review_not_found"),
)
def update_review(
    review_id: str, body: ReviewPatch, db: DbSession, rt: CurrentRuntime, actor: CurrentActor
) -> ReviewOut:
    return reviews.review_out(db, reviews.update_review(db, rt, actor, review_id, body))


@router.delete(
    "/reviews/{review_id}",
    status_code=204,
    response_class=Response,
    responses=problems(s403="not_review_author", s404="review_not_found"),
)
def delete_review(
    review_id: str, db: DbSession, rt: CurrentRuntime, actor: CurrentActor
) -> Response:
    reviews.delete_review(db, rt, actor, review_id)
    return Response(status_code=204)


@router.post(
    "/reviews/{review_id}/reply",
    status_code=201,
    response_model=ReviewOut,
    responses=problems(s403="not_course_owner", s404="review_not_found"),
)
def reply(
    review_id: str, body: ReplyIn, db: DbSession, rt: CurrentRuntime, actor: CurrentActor
) -> ReviewOut:
    """The course owner's public reply; a new one replaces the earlier reply."""
    return reviews.review_out(db, reviews.reply_to_review(db, rt, actor, review_id, body.body))


@router.post(
    "/reviews/{review_id}/helpful",
    status_code=201,
    response_model=HelpfulOut,
    responses={
        200: {"description": "The vote was already there"},
        **problems(s403="own_review", s404="review_not_found"),
    },
)
def vote_helpful(
    review_id: str, response: Response, db: DbSession, rt: CurrentRuntime, actor: CurrentActor
) -> HelpfulOut:
    """Mark a review helpful: 201 the first time, 200 when already marked (one vote per user)."""
    vote, created = review_votes.vote_helpful(db, rt, actor, review_id)
    if not created:
        response.status_code = 200
    return vote


@router.delete(
    "/reviews/{review_id}/helpful",
    status_code=204,
    response_class=Response,
    responses=problems(s404="review_not_found"),
)
def remove_helpful_vote(
    review_id: str, db: DbSession, rt: CurrentRuntime, actor: CurrentActor
) -> Response:
    """Take the vote back; 204 whether or not there was one."""
    review_votes.remove_vote(db, rt, actor, review_id)
    return Response(status_code=204)


@admin_router.post(
    "/reviews/{review_id}/hide",
    response_model=ReviewOut,
    responses=problems(s403="not_admin", s404="review_not_found"),
)
def hide_review(
    review_id: str, body: HideIn, db: DbSession, rt: CurrentRuntime, admin: RequireAdmin
) -> ReviewOut:
    """Hide an abusive review: off the course page and out of the rating; audit-logged."""
    return reviews.review_out(db, reviews.hide_review(db, rt, admin, review_id, body.reason))


# One router for the app to include; the admin route keeps its /admin prefix.
router.include_router(admin_router)
