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
from starlette.types import Scope

from syllabus.api.deps import CurrentRuntime, OptionalActor, Pagination
from syllabus.catalog import public
from syllabus.catalog.cache import LISTS
from syllabus.catalog.public import CategoryTreeList, CourseFilters, CoursePage
from syllabus.catalog.schemas import CourseDetail
from syllabus.kit.fastpath import (
    BoundedMemo,
    FastResponse,
    FastRoute,
    header,
    missed_stamp,
    note_miss,
    to_response,
)
from syllabus.kit.runtime import get_runtime
from syllabus.search import suggest
from syllabus.search.suggest import SuggestionList

PUBLIC_CACHE = "public, max-age=60"
PRIVATE_CACHE = "private, no-store"
LIST_PATH = "/api/v1/courses"
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


def _not_modified(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    return etag in (tag.strip().removeprefix("W/") for tag in if_none_match.split(","))


def json_answer(
    if_none_match: str | None, body: bytes, etag: str, cache_control: str
) -> FastResponse:
    """`body` as JSON with its ETag, or 304 when the client already has it.

    Headers in the order Starlette's `Response` would write them, so a route
    and its fast path send the same bytes.
    """
    headers = [(b"etag", etag.encode()), (b"cache-control", cache_control.encode())]
    if _not_modified(if_none_match, etag):
        return FastResponse(304, headers)
    headers += [
        (b"content-length", str(len(body)).encode()),
        (b"content-type", b"application/json"),
    ]
    return FastResponse(200, headers, body)


def cached_json(request: Request, body: bytes, *, cache_control: str = PUBLIC_CACHE) -> Response:
    """`body` as JSON with its ETag, or 304 when the client already has it."""
    answer = json_answer(request.headers.get("if-none-match"), body, etag_of(body), cache_control)
    return to_response(answer)


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
    body = public.list_courses(rt, None, filters, pagination)
    _remember_page(request, filters.canonical(pagination), body)
    return cached_json(request, body)


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


# --- fast path: a warm page of the catalog ------------------------------------------------
#
# The filters and page are a pure function of the query string, so once the
# route has validated a query string, the fast path knows its canonical form
# and looks for the page in the cache, stamped with the version of the
# catalog lists, along with its ETag. A query string not seen yet, or a page
# not in the cache, goes to the route (422s included), which stores the page.

_known_queries: BoundedMemo[bytes, str] = BoundedMemo(4096)
_LIST_NAMESPACES = (LISTS,)


def _page_key(canonical: str) -> str:
    return f"fast:courses:{canonical}"


def _remember_page(request: Request, canonical: str, body: bytes) -> None:
    _known_queries.put(request.scope["query_string"], canonical)
    key = _page_key(canonical)
    stamp = missed_stamp(request.scope, key)
    if stamp is not None:
        get_runtime().cache.set_stamped(key, stamp, etag_of(body).encode() + b"\n" + body)


async def fast_list_courses(scope: Scope) -> FastResponse | None:
    canonical = _known_queries.get(scope["query_string"])
    if canonical is None:
        return None
    key = _page_key(canonical)
    entry, stamp = get_runtime().cache.get_stamped(_LIST_NAMESPACES, key)
    if entry is None:
        note_miss(scope, key, stamp)
        return None
    etag, _, body = entry.partition(b"\n")
    if_none_match = header(scope, b"if-none-match")
    return json_answer(
        if_none_match.decode("latin-1") if if_none_match is not None else None,
        body,
        etag.decode(),
        PUBLIC_CACHE,
    )


FAST_ROUTES = (FastRoute(LIST_PATH, LIST_PATH, fast_list_courses, exact=True),)
