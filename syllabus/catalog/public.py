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
course detail 3 (course + instructor + category, sections, lessons; +1 to
check an enrollment for a non-public course); catalog page 4 (the page,
level x language facet which also gives the total, category facet, price
facet).

Prices of different currencies are compared without exchange rates:
`price_min`/`price_max` and the price bands use each course's own amount,
normalised to hundredths of its major unit (so a JPY course at ¥500 compares
as 50000, a USD course at $19.99 as 1999). Good enough to find "cheap" and
"free" courses; not a currency conversion.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated, Any, Literal, get_args
from urllib.parse import urlencode

import orjson
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from sqlalchemy import ColumnElement, case, func, or_, select
from sqlalchemy.engine import Connection, RowMapping
from sqlalchemy.orm import aliased

from syllabus.accounts.actor import Actor
from syllabus.catalog import reads
from syllabus.catalog.cache import SLUG_TTL, course_key, lists_key, slug_key
from syllabus.catalog.errors import CourseNotFound
from syllabus.catalog.models import LEVELS, Category, Course
from syllabus.catalog.schemas import CategoryTreeOut, CourseDetail, CourseSummary, Level
from syllabus.kit.pagination import PageParams
from syllabus.kit.runtime import Runtime
from syllabus.learning.access import active_enrollment_id

Sort = Literal["relevance", "popular", "newest", "rating", "price_asc", "price_desc"]
SORTS: tuple[str, ...] = get_args(Sort)
DEFAULT_SORT: Sort = "popular"
HOME_SECTION_SIZE = 8
DETAIL = "detail"

# Currencies without minor units; every other supported currency has 2 decimals.
ZERO_DECIMAL_CURRENCIES = ("JPY",)
# Hundredths of a major unit, the scale of `price_min`, `price_max` and the bands.
PRICE_BANDS: tuple[tuple[str, str, int, int | None], ...] = (
    ("free", "Free", 0, 0),
    ("under_20", "Under 20", 1, 1999),
    ("20_50", "20 to 50", 2000, 4999),
    ("50_100", "50 to 100", 5000, 9999),
    ("over_100", "100 and more", 10000, None),
)
LEVEL_LABELS = {
    "all": "All levels",
    "beginner": "Beginner",
    "intermediate": "Intermediate",
    "expert": "Expert",
}
# Who besides the owner and admins still sees a course that left the catalog.
_ENROLLED_MAY_SEE = ("unpublished", "archived")

CategoryRef = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
LanguageCode = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Z]{2})?$")]
PriceBound = Annotated[int, Field(ge=0, le=100_000_000)]


class CourseFilters(BaseModel):
    """What the catalog can be narrowed and ordered by (query parameters; others are ignored)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

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
    sort: Sort = Field(
        DEFAULT_SORT,
        description="`relevance` orders like `popular` until a search text is given.",
    )

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


class CategoryFacet(BaseModel):
    id: str
    slug: str
    name: str
    count: int


class ValueFacet(BaseModel):
    value: str
    label: str
    count: int


class PriceFacet(ValueFacet):
    price_min: int
    price_max: int | None


class Facets(BaseModel):
    """Counts under every filter except the facet's own (so the other choices stay visible)."""

    category: list[CategoryFacet]
    level: list[ValueFacet]
    language: list[ValueFacet]
    price: list[PriceFacet]


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
    return orjson.dumps(model.model_dump(mode="json"))


def _is_id(key: str) -> bool:
    try:
        return str(uuid.UUID(key)) == key
    except ValueError:
        return False


def minor_per_major(currency: str) -> int:
    return 1 if currency in ZERO_DECIMAL_CURRENCIES else 100


def _normalised_price() -> ColumnElement[int]:
    """The price in hundredths of a major unit of its own currency (see the module note)."""
    return Course.price_amount * case((Course.currency.in_(ZERO_DECIMAL_CURRENCIES), 100), else_=1)


def _language_matches(language: str, wanted: str) -> bool:
    return language == wanted or language.startswith(wanted + "-")


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


def _read_course(
    rt: Runtime, conn: Connection | None, key: str, actor: Actor | None
) -> tuple[bytes | None, CourseDetail | None, bool]:
    """(cached bytes, freshly read model, public?); exactly one of the first two is set."""
    course_id = key if _is_id(key) else _cached_slug(rt, key)
    # The versioned key is taken before reading, so a write that commits
    # meanwhile bumps the version and the copy stored below is never served.
    cache_key = course_key(rt, course_id, DETAIL) if course_id else None
    if cache_key is not None:
        cached = rt.cache.get(cache_key)
        if cached is not None:
            return cached, None, True

    with _reading(rt, conn) as c:
        row = reads.find_course_row(c, key)
        if row is None:
            raise CourseNotFound("No course exists at this address.")
        if cache_key is None:
            rt.cache.set(slug_key(row["slug"]), row["id"].encode(), SLUG_TTL)
            cache_key = course_key(rt, row["id"], DETAIL)
        if row["status"] == "published":
            detail = reads.course_detail(rt, c, row).model_copy(update={"review_note": None})
            body = _dump(detail)
            rt.cache.set(cache_key, body)
            return body, None, True
        if not _may_see_unpublished(c, actor, row):
            raise CourseNotFound("No course exists at this address.")
        detail = reads.course_detail(rt, c, row)
    if actor is None or not (actor.is_admin or actor.id == detail.instructor.id):
        detail = detail.model_copy(update={"review_note": None})
    return None, detail, False


def course_json(rt: Runtime, conn: Connection | None, key: str, actor: Actor | None) -> CourseRead:
    """The course detail (API shape) by id or slug, as bytes; who sees what: module note."""
    body, detail, public = _read_course(rt, conn, key, actor)
    if body is None:
        assert detail is not None
        body = _dump(detail)
    return CourseRead(body=body, public=public)


def course_page(
    rt: Runtime, conn: Connection | None, key: str, actor: Actor | None
) -> CourseDetail:
    """The course detail by id or slug as a model (pages); 404 when not visible to `actor`."""
    body, detail, _public = _read_course(rt, conn, key, actor)
    if detail is None:
        assert body is not None
        detail = CourseDetail.model_validate_json(body)
    return detail


# ------------------------------------------------------------------ course lists


def _category_ids(ref: str) -> Any:
    """Ids of the category named by slug or id and of its subcategories (a subquery)."""
    named = select(Category.id).where(or_(Category.id == ref, Category.slug == ref))
    return select(Category.id).where(or_(Category.id.in_(named), Category.parent_id.in_(named)))


def _conditions(filters: CourseFilters, *, skip: frozenset[str] = frozenset()) -> list[Any]:
    """WHERE clauses for the filters, leaving out the groups named in `skip` (facets)."""
    conditions: list[Any] = [Course.status == "published"]
    if filters.category is not None and "category" not in skip:
        conditions.append(Course.category_id.in_(_category_ids(filters.category)))
    if filters.level is not None and "level" not in skip:
        conditions.append(Course.level == filters.level)
    if filters.language is not None and "language" not in skip:
        conditions.append(
            or_(
                Course.language == filters.language,
                Course.language.like(filters.language + "-%"),
            )
        )
    if "price" not in skip:
        if filters.free is True:
            conditions.append(Course.price_amount == 0)
        elif filters.free is False:
            conditions.append(Course.price_amount > 0)
        if filters.price_min is not None:
            conditions.append(_normalised_price() >= filters.price_min)
        if filters.price_max is not None:
            conditions.append(_normalised_price() <= filters.price_max)
    if filters.rating_min is not None:
        conditions.append(Course.rating_avg >= filters.rating_min)
    # Search text (`q`) plugs in here as one more condition (and `relevance` below).
    return conditions


def _order(sort: str) -> list[Any]:
    if sort == "newest":
        keys: list[Any] = [Course.published_at.desc()]
    elif sort == "rating":
        keys = [Course.rating_avg.desc(), Course.rating_count.desc()]
    elif sort == "price_asc":
        keys = [_normalised_price().asc()]
    elif sort == "price_desc":
        keys = [_normalised_price().desc()]
    else:  # popular, and relevance while there is no search text
        keys = [Course.enrollment_count.desc(), Course.rating_count.desc()]
    return [*keys, Course.id]  # a total order, so pages never overlap


def _price_band() -> ColumnElement[str]:
    price = _normalised_price()
    whens = [
        (price <= high, value) for value, _label, _low, high in PRICE_BANDS if high is not None
    ]
    return case(*whens, else_=PRICE_BANDS[-1][0])


def _facets(conn: Connection, filters: CourseFilters) -> tuple[Facets, int]:
    """The facets and the total, in three statements."""
    # Level and language in one GROUP BY: each facet keeps the other's filter,
    # and the cells matching both are the total.
    cells = conn.execute(
        select(Course.level, Course.language, func.count())
        .where(*_conditions(filters, skip=frozenset({"level", "language"})))
        .group_by(Course.level, Course.language)
    ).all()
    levels: Counter[str] = Counter()
    languages: Counter[str] = Counter()
    total = 0
    for level, language, count in cells:
        level_ok = filters.level is None or level == filters.level
        language_ok = filters.language is None or _language_matches(language, filters.language)
        if language_ok:
            levels[level] += count
        if level_ok:
            languages[language] += count
        if level_ok and language_ok:
            total += count

    of_course, top = aliased(Category), aliased(Category)
    category_rows = conn.execute(
        select(top.id, top.slug, top.name, func.count())
        .select_from(Course)
        .join(of_course, of_course.id == Course.category_id)
        .join(top, top.id == func.coalesce(of_course.parent_id, of_course.id))
        .where(*_conditions(filters, skip=frozenset({"category"})))
        .group_by(top.id, top.slug, top.name, top.position)
        .order_by(top.position, top.name)
    ).all()

    band = _price_band().label("band")
    band_rows = conn.execute(
        select(band, func.count())
        .where(*_conditions(filters, skip=frozenset({"price"})))
        .group_by("band")
    ).all()
    bands: dict[str, int] = {row[0]: row[1] for row in band_rows}
    facets = Facets(
        category=[CategoryFacet(id=r[0], slug=r[1], name=r[2], count=r[3]) for r in category_rows],
        level=[
            ValueFacet(value=level, label=LEVEL_LABELS.get(level, level), count=levels[level])
            for level in LEVELS
        ],
        language=[
            ValueFacet(value=language, label=language, count=count)
            for language, count in sorted(languages.items(), key=lambda kv: (-kv[1], kv[0]))
            if count
        ],
        price=[
            PriceFacet(
                value=value,
                label=label,
                count=bands.get(value, 0),
                price_min=low,
                price_max=high,
            )
            for value, label, low, high in PRICE_BANDS
        ],
    )
    return facets, total


def _course_page(
    rt: Runtime, conn: Connection, filters: CourseFilters, page: PageParams
) -> CoursePage:
    rows = (
        conn.execute(
            reads.summary_select()
            .where(*_conditions(filters))
            .order_by(*_order(filters.sort))
            .limit(page.limit)
            .offset(page.offset)
        )
        .mappings()
        .all()
    )
    facets, total = _facets(conn, filters)
    return CoursePage(
        items=reads.course_summaries(rt, rows),
        total=total,
        page=page.page,
        page_size=page.page_size,
        facets=facets,
    )


def list_courses(
    rt: Runtime, conn: Connection | None, filters: CourseFilters, page: PageParams
) -> bytes:
    """A page of published courses with facets: `{items,total,page,page_size,facets}`."""
    key = lists_key(rt, "courses", filters.canonical(page))
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
            .order_by(*_order(sort))
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
    "find_category",
    "home_sections",
    "list_courses",
    "minor_per_major",
]
