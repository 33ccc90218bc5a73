"""Public catalog API: the category tree, the course list with facets, a course's detail.

Bodies come straight from the cache as bytes, with an `ETag` (hash of the
bytes) and `Cache-Control`; `If-None-Match` answers 304. The shared public
copy is `public, max-age=60`; a course only its owner, an admin or an
enrolled student may see is `private, no-store`.

Route order: `GET /courses/{course}` matches any single path segment except
the reserved ones below (`suggest`), so `GET /courses/suggest` is never taken
for a course, whichever router declares it.
"""

from __future__ import annotations

import hashlib
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response
from starlette.convertors import Convertor, register_url_convertor

from syllabus.api.deps import CurrentRuntime, OptionalActor, Pagination
from syllabus.catalog import public
from syllabus.catalog.public import CategoryTreeList, CourseFilters, CoursePage
from syllabus.catalog.schemas import CourseDetail
from syllabus.search import suggest
from syllabus.search.suggest import SuggestionList

PUBLIC_CACHE = "public, max-age=60"
PRIVATE_CACHE = "private, no-store"
# Single-segment paths under /courses that are routes of their own, never a course.
RESERVED_COURSE_PATHS = ("suggest",)


class CourseRefConvertor(Convertor[str]):
    """A course id or slug: one path segment that is not a reserved word."""

    regex = r"(?!(?:" + "|".join(RESERVED_COURSE_PATHS) + r")$)[^/]+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("course_ref", CourseRefConvertor())

router = APIRouter(tags=["catalog"])


def etag_of(body: bytes) -> str:
    return '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'


def _not_modified(request: Request, etag: str) -> bool:
    header = request.headers.get("if-none-match")
    if not header:
        return False
    if header.strip() == "*":
        return True
    return etag in (tag.strip().removeprefix("W/") for tag in header.split(","))


def cached_json(request: Request, body: bytes, *, cache_control: str = PUBLIC_CACHE) -> Response:
    """`body` as JSON with its ETag, or 304 when the client already has it."""
    etag = etag_of(body)
    headers = {"ETag": etag, "Cache-Control": cache_control}
    if _not_modified(request, etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)


@router.get("/categories", response_model=CategoryTreeList, summary="The category tree")
def list_categories(request: Request, rt: CurrentRuntime) -> Response:
    return cached_json(request, public.categories_json(rt))


@router.get("/courses", response_model=CoursePage, summary="Published courses, with facets")
def list_courses(
    request: Request,
    rt: CurrentRuntime,
    filters: Annotated[CourseFilters, Query()],
    pagination: Pagination,
) -> Response:
    return cached_json(request, public.list_courses(rt, None, filters, pagination))


# Fixed /courses/<word> routes come before `/courses/{course}`: see RESERVED_COURSE_PATHS.


@router.get(
    "/courses/suggest",
    response_model=SuggestionList,
    summary="Search suggestions as you type: up to 10 course titles and categories",
)
def suggest_courses(
    request: Request,
    rt: CurrentRuntime,
    q: Annotated[
        str,
        Query(
            min_length=1,
            max_length=100,
            description='What has been typed so far; typos are forgiven ("pythn" finds Python).',
        ),
    ],
) -> Response:
    return cached_json(request, suggest.suggest_json(rt, q))


@router.get(
    "/courses/{course:course_ref}",
    response_model=CourseDetail,
    summary="A course: detail and curriculum outline",
    responses={404: {"description": "No such course, or not visible to the caller"}},
)
def get_course(
    course: Annotated[str, Path(max_length=200, description="Course id or slug")],
    request: Request,
    rt: CurrentRuntime,
    actor: OptionalActor,
) -> Response:
    read = public.course_json(rt, None, course, actor)
    return cached_json(
        request, read.body, cache_control=PUBLIC_CACHE if read.public else PRIVATE_CACHE
    )
