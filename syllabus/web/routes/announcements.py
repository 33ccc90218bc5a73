"""Announcement pages: the owner writes to every student from the studio; students read them.

The studio tab (`/studio/courses/{id}/announcements`) has the form and the
course's past announcements with how far each delivery got; the students'
page (`/learn/{slug}/announcements`) lists them, newest first. Someone
not enrolled in a published course is sent to its page to enroll.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from syllabus.accounts.actor import Actor
from syllabus.catalog import authoring
from syllabus.catalog.models import Course
from syllabus.community import announcements
from syllabus.community.announcement_schemas import MAX_BODY, MAX_TITLE, AnnouncementIn
from syllabus.community.errors import NotEnrolled
from syllabus.kit.pagination import PageParams
from syllabus.kit.runtime import get_runtime
from syllabus.web.deps import CsrfChecked, WebActor, WebDb, WebForm, flash, validate_form
from syllabus.web.flashes import register_flashes
from syllabus.web.pages import render_page, see_other, undo_refused
from syllabus.web.routes import _learning_views as learning_views
from syllabus.web.routes._studio_common import (
    PageQuery,
    form_fields,
    not_instructor_page,
    require_instructor,
)
from syllabus.web.templating import templates

router = APIRouter(include_in_schema=False)

CourseKey = Annotated[str, Path(min_length=1, max_length=140)]
Slug = Annotated[str, Path(min_length=1, max_length=140)]
PAGE_SIZE = 10

templates.env.filters.update(day_month_year=learning_views.day_month_year)

register_flashes(
    {
        "announcement_posted": (
            "success",
            "Your announcement is on its way: students get it in their notifications and by email.",
        ),
    }
)


def _page_of(page: PageParams) -> PageParams:
    return PageParams(page=page.page, page_size=PAGE_SIZE)


# ------------------------------------------------------------------ studio


def _studio_context(db: Session, course: Course, page: PageParams, **extra: Any) -> dict[str, Any]:
    context: dict[str, Any] = {
        "course": course,
        "announcements": announcements.announcement_page(db, course.id, _page_of(page)),
        "max_title": MAX_TITLE,
        "max_body": MAX_BODY,
    }
    context.update(extra)
    return context


@router.get("/studio/courses/{course_key}/announcements", response_class=HTMLResponse)
def studio_announcements(
    request: Request, course_key: CourseKey, db: WebDb, actor: WebActor, page: PageQuery
) -> Response:
    if not actor.is_instructor:
        return not_instructor_page(request)
    course = authoring.owned_course(db, actor, course_key)
    return render_page(
        request, "pages/studio/announcements.html", _studio_context(db, course, page)
    )


@router.post("/studio/courses/{course_key}/announcements", dependencies=[CsrfChecked])
def post_announcement(
    request: Request, course_key: CourseKey, form: WebForm, db: WebDb, actor: WebActor
) -> Response:
    require_instructor(actor)
    course = authoring.owned_course(db, actor, course_key)
    values = form_fields(form, "title", "body")
    data, errors = validate_form(AnnouncementIn, values)
    if data is None:
        context = _studio_context(db, course, PageParams(), values=values, errors=errors)
        return render_page(request, "pages/studio/announcements.html", context, 422)
    announcements.post_announcement(db, get_runtime(), actor, course.id, data)
    flash(request, "announcement_posted")
    return see_other(f"/studio/courses/{course.id}/announcements")


# ---------------------------------------------------------------- students


def _readable(request: Request, db: Session, actor: Actor, slug: str) -> Any:
    try:
        return announcements.readable_course(db, actor, slug)
    except NotEnrolled as exc:
        undo_refused(db, exc)
        flash(request, "enroll_first")
        return None


@router.get("/learn/{slug}/announcements", response_class=HTMLResponse)
def course_announcements(
    request: Request, slug: Slug, db: WebDb, actor: WebActor, page: PageQuery
) -> Response:
    course = _readable(request, db, actor, slug)
    if course is None:
        return see_other(f"/courses/{quote(slug)}")
    if slug != course.slug:
        return see_other(f"/learn/{quote(course.slug)}/announcements")
    context = {
        "course": course,
        "announcements": announcements.announcement_page(db, course.id, _page_of(page)),
    }
    return render_page(request, "pages/learning/announcements.html", context)
