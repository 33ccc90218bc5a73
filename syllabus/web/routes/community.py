"""Review pages: an enrolled student reviews a course from its page, edits or deletes it.

The forms live on the course page (`/courses/{slug}`, the "Reviews"
block); each posts here and comes back to that block with a flash.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from syllabus.catalog.models import Course
from syllabus.community import reviews
from syllabus.community.errors import NotEnrolled, ReviewExists
from syllabus.community.schemas import ReviewIn, ReviewPatch
from syllabus.kit.runtime import get_runtime
from syllabus.web.deps import (
    CsrfChecked,
    OptionalWebActor,
    WebActor,
    WebDb,
    WebForm,
    flash,
    validate_form,
)
from syllabus.web.deps import login_url as login_url_for
from syllabus.web.pages import see_other, undo_refused

router = APIRouter(include_in_schema=False)

Slug = Annotated[str, Path(min_length=1, max_length=140)]
ReviewId = Annotated[str, Path(min_length=1, max_length=36)]


def _reviews_of(slug: str) -> str:
    return f"/courses/{quote(slug)}#reviews"


def _slug_of(db: Session, course_id: str) -> str:
    return db.scalar(select(Course.slug).where(Course.id == course_id)) or course_id


def _fields(form: WebForm) -> dict[str, str]:
    return {name: str(form.get(name) or "") for name in ("rating", "body")}


@router.post("/courses/{slug}/reviews", dependencies=[CsrfChecked])
def create_review(
    request: Request, slug: Slug, form: WebForm, db: WebDb, actor: OptionalWebActor
) -> Response:
    if actor is None:
        return see_other(login_url_for(f"/courses/{slug}"))
    data, _errors = validate_form(ReviewIn, _fields(form))
    if data is None:
        flash(request, "review_invalid")
        return see_other(_reviews_of(slug))
    try:
        reviews.create_review(db, get_runtime(), actor, slug, data)
    except NotEnrolled as exc:
        undo_refused(db, exc)
        flash(request, "review_enroll_first")
        return see_other(_reviews_of(slug))
    except ReviewExists as exc:
        undo_refused(db, exc)
        flash(request, "review_exists")
        return see_other(_reviews_of(slug))
    flash(request, "review_posted")
    return see_other(_reviews_of(slug))


@router.post("/reviews/{review_id}/edit", dependencies=[CsrfChecked])
def edit_review(
    request: Request, review_id: ReviewId, form: WebForm, db: WebDb, actor: WebActor
) -> Response:
    data, _errors = validate_form(ReviewPatch, _fields(form))
    if data is None:
        review = reviews.editable_review(db, actor, review_id)
        flash(request, "review_invalid")
        return see_other(_reviews_of(_slug_of(db, review.course_id)))
    review = reviews.update_review(db, get_runtime(), actor, review_id, data)
    flash(request, "review_saved")
    return see_other(_reviews_of(_slug_of(db, review.course_id)))


@router.post("/reviews/{review_id}/delete", dependencies=[CsrfChecked])
def delete_review(request: Request, review_id: ReviewId, db: WebDb, actor: WebActor) -> Response:
    course_id = reviews.delete_review(db, get_runtime(), actor, review_id)
    flash(request, "review_deleted")
    return see_other(_reviews_of(_slug_of(db, course_id)))
