"""Review pages: an enrolled student reviews a course from its page, edits or deletes it;
readers sort and page the reviews and mark them helpful; the owner replies.

The forms live on the course page (`/courses/{slug}`, the "Reviews"
block); each posts here and comes back to that block with a flash.
`/courses/{slug}/reviews?sort=&page=` is every review a page at a time:
a whole page for a plain link, the list alone for htmx (which swaps it
into the course page). The "Helpful" button is a form too; htmx swaps
just the button.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from syllabus.catalog import public
from syllabus.catalog.models import Course
from syllabus.community import review_votes, reviews
from syllabus.community.errors import NotEnrolled, ReviewExists, ReviewNotFound
from syllabus.community.models import Review
from syllabus.community.schemas import ReplyIn, ReviewIn, ReviewPatch, ReviewSort
from syllabus.kit.pagination import MAX_PAGE
from syllabus.kit.runtime import get_runtime
from syllabus.web.deps import (
    CsrfChecked,
    OptionalWebActor,
    WebActor,
    WebDb,
    WebForm,
    flash,
    safe_next,
    validate_form,
)
from syllabus.web.deps import login_url as login_url_for
from syllabus.web.flashes import register_flashes
from syllabus.web.pages import render_page, see_other, undo_refused
from syllabus.web.templating import is_htmx, render

router = APIRouter(include_in_schema=False)

Slug = Annotated[str, Path(min_length=1, max_length=140)]
ReviewId = Annotated[str, Path(min_length=1, max_length=36)]
SortQuery = Annotated[ReviewSort, Query()]
PageQuery = Annotated[int, Query(ge=1, le=MAX_PAGE)]

TEMPLATES = "pages/catalog/"

register_flashes(
    {
        "review_reply_posted": ("success", "Your reply is public on the course page."),
        "review_reply_invalid": (
            "warning",
            "Your reply was not saved: write 1 to 5000 characters.",
        ),
    }
)


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


# ------------------------------------------------------------ all reviews


@router.get("/courses/{slug}/reviews", response_class=HTMLResponse)
def reviews_page(
    request: Request,
    slug: Slug,
    actor: OptionalWebActor,
    sort: SortQuery = "newest",
    page: PageQuery = 1,
) -> Response:
    """Every visible review, sorted and a page at a time (the list alone for htmx)."""
    rt = get_runtime()
    course = public.course_page(rt, None, slug, actor)
    if slug != course.slug:
        target = f"/courses/{quote(course.slug)}/reviews?sort={sort}&page={page}"
        return RedirectResponse(target, status_code=301)
    # The reader connection, like the course page: reads never wait behind the write lock.
    with rt.db.read_connection() as conn, Session(bind=conn) as session:
        panel = reviews.review_panel(session, rt, actor, course.id, sort=sort, page=page)
    context = {"course": course, "reviews": panel}
    if is_htmx(request):
        return render(request, TEMPLATES + "_reviews_list.html", context)
    return render_page(request, TEMPLATES + "reviews.html", context)


# ---------------------------------------------------------- helpful votes


@router.post("/reviews/{review_id}/helpful", dependencies=[CsrfChecked])
def mark_helpful(
    request: Request, review_id: ReviewId, form: WebForm, db: WebDb, actor: WebActor
) -> Response:
    """Vote (`helpful=1`) or take the vote back (`helpful=0`)."""
    rt = get_runtime()
    if form.get("helpful") == "0":
        state = review_votes.remove_vote(db, rt, actor, review_id)
    else:
        state, _created = review_votes.vote_helpful(db, rt, actor, review_id)
    review = db.get(Review, review_id)
    if review is None:  # deleted meanwhile
        raise ReviewNotFound("No such review.")
    back = form.get("next")
    next_url = safe_next(back if isinstance(back, str) else None)
    if is_htmx(request):
        shown = {
            "id": review.id,
            "helpful_count": state.helpful_count,
            "author": {"id": review.user_id},
        }
        context = {"review": shown, "voted": state.helpful, "next_url": next_url or ""}
        return render(request, TEMPLATES + "_helpful.html", context)
    return see_other(next_url or _reviews_of(_slug_of(db, review.course_id)))


# ------------------------------------------------------------------ replies


@router.post("/courses/{slug}/reviews/{review_id}/reply", dependencies=[CsrfChecked])
def reply_to_review(
    request: Request, slug: Slug, review_id: ReviewId, form: WebForm, db: WebDb, actor: WebActor
) -> Response:
    """The course owner's public reply (a new one replaces the old); the author is notified."""
    data, _errors = validate_form(ReplyIn, {"body": str(form.get("body") or "")})
    if data is None:
        flash(request, "review_reply_invalid")
        return see_other(_reviews_of(slug))
    review = reviews.reply_to_review(db, get_runtime(), actor, review_id, data.body)
    flash(request, "review_reply_posted")
    return see_other(_reviews_of(_slug_of(db, review.course_id)))
