"""The public read side of the catalog: categories, course pages and course lists, cached.

Every function here returns what a route sends (orjson bytes) or renders (a
model or plain dicts), served from the cache when it can be:

- the category tree and the home page sections under `catalog:lists`;
- a published course's detail under its own `course:<id>` namespace, with
  slug -> id remembered for good (slugs never change);
- a page of the catalog under `catalog:lists` and its canonical query string.

Only published data is ever cached or shared. A draft, in-review,
unpublished or archived course is read fresh for the few people who may see
it (its owner, admins, and for unpublished/archived its enrolled students)
and is a 404 (`course_not_found`) for everyone else.

Statement counts (cache cold or disabled), whatever the size of the data:
course detail 2 (course + instructor + category, the curriculum rendered as
JSON by the database; +1 to check an enrollment for a non-public course);
catalog page 2 (the page, then the facets and total in one statement; the
unfiltered catalog reads the kept counts), with or without search text
(`syllabus.catalog.listing`).

Search text (`q`) goes through `syllabus.search`: the hits, their facts
(category, level, price, rating, ...) and their rank come from the search
index of the database in use, so a search's filters, facets and order read
the index alone, and only the page's courses are read from `courses`.
`relevance` orders by rank when there is search text, else like `popular`.

Prices of different currencies are compared without exchange rates:
`price_min`/`price_max` and the price bands use each course's own amount,
normalised to hundredths of its major unit (so a JPY course at ¥500 compares
as 50000, a USD course at $19.99 as 1999). Good enough to find "cheap" and
"free" courses; not a currency conversion.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated, Any, Literal, get_args
from urllib.parse import urlencode

import orjson
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)
from pydantic_core import to_json
from sqlalchemy.engine import Connection, RowMapping

from syllabus.accounts.actor import Actor
from syllabus.analytics.tasks import note_search
from syllabus.catalog import listing, reads
from syllabus.catalog.cache import SLUG_TTL, course_key, lists_key, slug_key
from syllabus.catalog.errors import CourseNotFound
from syllabus.catalog.facets import (
    LEVEL_LABELS,
    PRICE_BANDS,
    RATING_BANDS,
    ZERO_DECIMAL_CURRENCIES,
    Facets,
    build_facets,
    minor_per_major,
)
from syllabus.catalog.models import Course
from syllabus.catalog.schemas import CategoryTreeOut, CourseDetail, CourseSummary, Level
from syllabus.kit.pagination import PageParams
from syllabus.kit.runtime import Runtime
from syllabus.learning.access import active_enrollment_id
from syllabus.search.backends import SearchQuery, parse_query

Sort = Literal["relevance", "popular", "newest", "rating", "price_asc", "price_desc"]
SORTS: tuple[str, ...] = get_args(Sort)
DEFAULT_SORT: Sort = "relevance"
HOME_SECTION_SIZE = 8
DETAIL = "detail"

# Who besides the owner and admins still sees a course that left the catalog.
_ENROLLED_MAY_SEE = ("unpublished", "archived")

CategoryRef = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
LanguageCode = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Z]{2})?$")]
PriceBound = Annotated[int, Field(ge=0, le=100_000_000)]
SearchText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]


class CourseFilters(BaseModel):
    """What the catalog can be narrowed and ordered by (query parameters; others are ignored)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    q: SearchText | None = Field(
        None,
        description='Search text: words (all must match), "quoted phrases", `a or b`, '
        "`-word` to exclude. Matches titles first, then subtitles, tags and categories, "
        "instructors, descriptions and what you will learn.",
    )
    category: CategoryRef | None = Field(
        None, description="Category slug or id; includes its subcategories."
    )
    level: Level | None = None
    language: LanguageCode | None = Field(
        None, description="Language code, e.g. `en`; `en` also matches `en-GB`."
    )
    free: bool | None = Field(None, description="true: only free courses; false: only paid.")
    price_min: PriceBound | None = Field(
        None,
        description="Lowest price in hundredths of the course currency's major unit "
        "(minor units for USD/EUR/...; ¥500 is 50000). No exchange rates are applied.",
    )
    price_max: PriceBound | None = Field(None, description="Highest price, same scale, inclusive.")
    rating_min: Annotated[float, Field(ge=0, le=5)] | None = Field(
        None, description="Only courses rated at least this (0-5)."
    )
    has_certificate: bool | None = Field(
        None, description="true: only courses with a certificate of completion; false: without."
    )
    sort: Sort = Field(
        DEFAULT_SORT,
        description="`relevance` (the default) orders by how well a course matches `q`; "
        "without search text it orders like `popular`.",
    )

    @field_validator("q")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value or None

    @property
    def search(self) -> SearchQuery:
        """`q` as the search index reads it (empty when it holds no searchable word)."""
        return parse_query(self.q)

    @model_validator(mode="after")
    def _price_range(self) -> CourseFilters:
        if (
            self.price_min is not None
            and self.price_max is not None
            and self.price_min > self.price_max
        ):
            raise ValueError("price_min must not be greater than price_max")
        return self

    def canonical(self, page: PageParams) -> str:
        """A stable query string for the filters and page: the cache key of the result."""
        pairs: list[tuple[str, str]] = []
        for name, value in self.model_dump(exclude_none=True).items():
            pairs.append((name, str(value).lower() if isinstance(value, bool) else str(value)))
        pairs += [("page", str(page.page)), ("page_size", str(page.page_size))]
        return urlencode(sorted(pairs))


# ------------------------------------------------------------------ output shapes


class CategoryTreeList(BaseModel):
    items: list[CategoryTreeOut]


class CoursePage(BaseModel):
    items: list[CourseSummary]
    total: int
    page: int
    page_size: int
    facets: Facets


@dataclass(frozen=True)
class CourseRead:
    """A course detail as sent: the bytes, and whether they are the shared public copy."""

    body: bytes
    public: bool


# --------------------------------------------------------------------- helpers


@contextmanager
def _reading(rt: Runtime, conn: Connection | None) -> Iterator[Connection]:
    """The caller's connection, or one opened now (a warm cache hit never opens one)."""
    if conn is not None:
        yield conn
        return
    with rt.db.read_connection() as opened:
        yield opened


def _dump(model: BaseModel) -> bytes:
    return to_json(model)  # straight to bytes, in pydantic-core


def _is_id(key: str) -> bool:
    try:
        return str(uuid.UUID(key)) == key
    except ValueError:
        return False


# ------------------------------------------------------------------ categories


def categories_json(rt: Runtime, conn: Connection | None = None) -> bytes:
    """`{"items": [top category {id, slug, name, parent_id, children: [...]}]}`."""
    key = lists_key(rt, "categories")
    body = rt.cache.get(key)
    if body is None:
        with _reading(rt, conn) as c:
            body = orjson.dumps({"items": reads.category_tree(c)})
        rt.cache.set(key, body)
    return body


def categories(rt: Runtime, conn: Connection | None = None) -> list[dict[str, Any]]:
    """The category tree as plain dicts (for pages)."""
    items: list[dict[str, Any]] = orjson.loads(categories_json(rt, conn))["items"]
    return items


def find_category(rt: Runtime, slug: str) -> tuple[dict[str, Any], dict[str, Any] | None] | None:
    """The category with this slug and its parent (None for a top-level one)."""
    for top in categories(rt):
        if top["slug"] == slug:
            return top, None
        for child in top["children"]:
            if child["slug"] == slug:
                return child, top
    return None


# ---------------------------------------------------------------- course detail


def _cached_slug(rt: Runtime, slug: str) -> str | None:
    raw = rt.cache.get(slug_key(slug))
    return raw.decode() if raw is not None else None


def _may_see_unpublished(conn: Connection, actor: Actor | None, row: RowMapping) -> bool:
    if actor is None:
        return False
    if actor.is_admin or actor.id == row["instructor_id"]:
        return True
    if row["status"] in _ENROLLED_MAY_SEE:
        return active_enrollment_id(conn, actor.id, row["id"]) is not None
    return False


def _read_course(rt: Runtime, conn: Connection | None, key: str, actor: Actor | None) -> CourseRead:
    """The course detail as bytes, from the cache when it is the shared public copy."""
    course_id = key if _is_id(key) else _cached_slug(rt, key)
    # The versioned key is taken before reading, so a write that commits
    # meanwhile bumps the version and the copy stored below is never served.
    cache_key = course_key(rt, course_id, DETAIL) if course_id else None
    if cache_key is not None:
        cached = rt.cache.get(cache_key)
        if cached is not None:
            return CourseRead(body=cached, public=True)

    with _reading(rt, conn) as c:
        row = reads.find_course_row(c, key)
        if row is None:
            raise CourseNotFound("No course exists at this address.")
        if cache_key is None:
            rt.cache.set(slug_key(row["slug"]), row["id"].encode(), SLUG_TTL)
            cache_key = course_key(rt, row["id"], DETAIL)
        if row["status"] == "published":
            body = reads.course_detail_json(rt, c, row, review_note=False)
            rt.cache.set(cache_key, body)
            return CourseRead(body=body, public=True)
        if not _may_see_unpublished(c, actor, row):
            raise CourseNotFound("No course exists at this address.")
        # The review note is for the owner and admins only.
        owner_or_admin = actor is not None and (actor.is_admin or actor.id == row["instructor_id"])
        body = reads.course_detail_json(rt, c, row, review_note=owner_or_admin)
    return CourseRead(body=body, public=False)


def course_json(rt: Runtime, conn: Connection | None, key: str, actor: Actor | None) -> CourseRead:
    """The course detail (API shape) by id or slug, as bytes; who sees what: module note."""
    return _read_course(rt, conn, key, actor)


def course_page(
    rt: Runtime, conn: Connection | None, key: str, actor: Actor | None
) -> CourseDetail:
    """The course detail by id or slug as a model (pages); 404 when not visible to `actor`."""
    return CourseDetail.model_validate_json(_read_course(rt, conn, key, actor).body)


# ------------------------------------------------------------------ course lists


def explain_courses(
    conn: Connection, filters: CourseFilters, page: PageParams | None = None
) -> dict[str, list[str]]:
    """The database's plan of each statement of a catalog page (operators, tests)."""
    return listing.explain(conn, filters, page or PageParams())


def _course_page(
    rt: Runtime, conn: Connection, filters: CourseFilters, page: PageParams
) -> CoursePage:
    rows, tally = listing.read_page(conn, filters, page)
    return CoursePage(
        items=reads.course_summaries(rt, rows),
        total=tally.total,
        page=page.page,
        page_size=page.page_size,
        facets=build_facets(tally),
    )


def list_courses(
    rt: Runtime, conn: Connection | None, filters: CourseFilters, page: PageParams
) -> bytes:
    """A page of published courses with facets: `{items,total,page,page_size,facets}`."""
    key = lists_key(rt, "courses", filters.canonical(page))
    note_search(filters.q, page.page)  # queued, so this read path stays write-free
    body = rt.cache.get(key)
    if body is None:
        with _reading(rt, conn) as c:
            body = _dump(_course_page(rt, c, filters, page))
        rt.cache.set(key, body)
    return body


# --------------------------------------------------------------------- home page


def _top_courses(rt: Runtime, conn: Connection, *where: Any, sort: str) -> list[dict[str, Any]]:
    rows = (
        conn.execute(
            reads.summary_select()
            .where(Course.status == "published", *where)
            .order_by(*listing.catalog_order(sort))
            .limit(HOME_SECTION_SIZE)
        )
        .mappings()
        .all()
    )
    return [s.model_dump(mode="json") for s in reads.course_summaries(rt, rows)]


def home_sections(rt: Runtime, conn: Connection | None) -> dict[str, Any]:
    """Featured (else top rated, else popular), newest, top rated and popular courses
    (at most 8 each, summary shape as plain dicts) and the category tree."""
    key = lists_key(rt, "home")
    body = rt.cache.get(key)
    if body is None:
        with _reading(rt, conn) as c:
            top_rated = _top_courses(rt, c, Course.rating_count > 0, sort="rating")
            popular = _top_courses(rt, c, sort="popular")
            featured = _top_courses(rt, c, Course.is_featured.is_(True), sort="popular")
            data = {
                "featured": featured or top_rated or popular,
                "newest": _top_courses(rt, c, sort="newest"),
                "top_rated": top_rated,
                "popular": popular,
                "categories": categories(rt, c),
            }
        body = orjson.dumps(data)
        rt.cache.set(key, body)
    sections: dict[str, Any] = orjson.loads(body)
    return sections


__all__ = [
    "DEFAULT_SORT",
    "LEVEL_LABELS",
    "PRICE_BANDS",
    "RATING_BANDS",
    "SORTS",
    "ZERO_DECIMAL_CURRENCIES",
    "CategoryTreeList",
    "CourseFilters",
    "CoursePage",
    "CourseRead",
    "Facets",
    "categories",
    "categories_json",
    "course_json",
    "course_page",
    "explain_courses",
    "find_category",
    "home_sections",
    "list_courses",
    "minor_per_major",
]
