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
level x language facet which also gives the total, category facet, price x
rating facet), with or without search text.

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
from collections import Counter
from collections.abc import Callable, Iterator
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
from sqlalchemy import ColumnElement, FromClause, Select, and_, case, func, or_, select
from sqlalchemy.engine import Connection, RowMapping

from syllabus.accounts.actor import Actor
from syllabus.catalog import reads
from syllabus.catalog.cache import SLUG_TTL, course_key, lists_key, slug_key
from syllabus.catalog.errors import CourseNotFound
from syllabus.catalog.models import LEVELS, Category, Course
from syllabus.catalog.schemas import CategoryTreeOut, CourseDetail, CourseSummary, Level
from syllabus.kit.pagination import PageParams
from syllabus.kit.runtime import Runtime
from syllabus.learning.access import active_enrollment_id
from syllabus.search.backends import SearchBackend, SearchQuery, backend_for, parse_query

Sort = Literal["relevance", "popular", "newest", "rating", "price_asc", "price_desc"]
SORTS: tuple[str, ...] = get_args(Sort)
DEFAULT_SORT: Sort = "relevance"
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
# Cumulative rating bands of the rating facet: (value, label, lowest average).
RATING_BANDS: tuple[tuple[str, str, float], ...] = (
    ("4.5", "4.5 & up", 4.5),
    ("4.0", "4.0 & up", 4.0),
    ("3.5", "3.5 & up", 3.5),
    ("3.0", "3.0 & up", 3.0),
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


class RatingFacet(ValueFacet):
    rating_min: float


class Facets(BaseModel):
    """Counts under every filter except the facet's own (so the other choices stay visible)."""

    category: list[CategoryFacet]
    level: list[ValueFacet]
    language: list[ValueFacet]
    price: list[PriceFacet]
    rating: list[RatingFacet] = Field(description="Cumulative: 4.0 & up counts 4.5 & up too.")


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


@dataclass(frozen=True)
class _Source:
    """Where a list's courses and the facts it filters, counts and orders by come from:
    the `courses` table, or the search index's hits for a search text."""

    from_: FromClause
    where: tuple[ColumnElement[bool], ...]
    id: Any
    in_category: Callable[[str], ColumnElement[bool]]  # the category (slug or id) or below
    category_id: Any
    level: Any
    language: Any
    amount: Any  # 0 for free courses
    price: Any  # normalised (module note)
    rating_avg: Any
    rating_count: Any
    enrollment_count: Any
    has_certificate: Any
    published_at: Any
    rank: ColumnElement[float] | None
    # Courses joined so that `top_category_id` (a course's top-level category) works.
    category_from: FromClause
    top_category_id: Any


def _catalog_source() -> _Source:
    courses = Course.__table__
    of_course = Category.__table__.alias("of_course")
    return _Source(
        from_=courses,
        where=(Course.status == "published",),
        id=Course.id,
        in_category=lambda ref: Course.category_id.in_(_category_ids(ref)),
        category_id=Course.category_id,
        level=Course.level,
        language=Course.language,
        amount=Course.price_amount,
        price=_normalised_price(),
        rating_avg=Course.rating_avg,
        rating_count=Course.rating_count,
        enrollment_count=Course.enrollment_count,
        has_certificate=Course.has_certificate,
        published_at=Course.published_at,
        rank=None,
        category_from=courses.join(of_course, of_course.c.id == Course.category_id),
        top_category_id=func.coalesce(of_course.c.parent_id, of_course.c.id),
    )


_CATALOG = _catalog_source()


def _search_source(backend: SearchBackend, search: SearchQuery) -> _Source:
    hits = backend.source(search)
    facts = hits.facts.c
    return _Source(
        from_=hits.from_,
        where=(hits.condition,),
        id=facts.course_id,
        # The index keeps each course's top category: no join with `categories` per hit.
        in_category=lambda ref: or_(
            facts.category_id.in_(_named_category(ref)),
            facts.top_category_id.in_(_named_category(ref)),
        ),
        category_id=facts.category_id,
        level=facts.level,
        language=facts.language,
        amount=facts.price,
        price=facts.price,
        rating_avg=facts.rating_avg,
        rating_count=facts.rating_count,
        enrollment_count=facts.enrollment_count,
        has_certificate=facts.has_certificate,
        published_at=facts.published_at,
        rank=hits.rank,
        category_from=hits.from_,
        top_category_id=facts.top_category_id,
    )


def _source(conn: Connection, filters: CourseFilters) -> _Source:
    search = filters.search
    if search.is_empty:
        return _CATALOG
    return _search_source(backend_for(conn), search)


def _named_category(ref: str) -> Any:
    """The id of the category named by slug or id (a subquery)."""
    return select(Category.id).where(or_(Category.id == ref, Category.slug == ref))


def _category_ids(ref: str) -> Any:
    """Ids of the category named by slug or id and of its subcategories (a subquery)."""
    named = _named_category(ref)
    return select(Category.id).where(or_(Category.id.in_(named), Category.parent_id.in_(named)))


def _price_conditions(filters: CourseFilters, src: _Source) -> list[Any]:
    conditions: list[Any] = []
    if filters.free is True:
        conditions.append(src.amount == 0)
    elif filters.free is False:
        conditions.append(src.amount > 0)
    if filters.price_min is not None:
        conditions.append(src.price >= filters.price_min)
    if filters.price_max is not None:
        conditions.append(src.price <= filters.price_max)
    return conditions


def _rating_conditions(filters: CourseFilters, src: _Source) -> list[Any]:
    return [] if filters.rating_min is None else [src.rating_avg >= filters.rating_min]


def _conditions(
    filters: CourseFilters, src: _Source, *, skip: frozenset[str] = frozenset()
) -> list[Any]:
    """WHERE clauses for the filters, leaving out the groups named in `skip` (facets)."""
    conditions: list[Any] = list(src.where)
    if filters.category is not None and "category" not in skip:
        conditions.append(src.in_category(filters.category))
    if filters.level is not None and "level" not in skip:
        conditions.append(src.level == filters.level)
    if filters.language is not None and "language" not in skip:
        conditions.append(
            or_(src.language == filters.language, src.language.like(filters.language + "-%"))
        )
    if "price" not in skip:
        conditions += _price_conditions(filters, src)
    if "rating" not in skip:
        conditions += _rating_conditions(filters, src)
    if filters.has_certificate is not None:
        conditions.append(src.has_certificate.is_(filters.has_certificate))
    return conditions


def _order(sort: str, src: _Source) -> list[tuple[Any, bool]]:
    """The sort keys as (expression, descending), ending with the id: a total order."""
    if sort == "relevance" and src.rank is not None:
        keys = [(src.rank, True), (src.enrollment_count, True), (src.rating_count, True)]
    elif sort == "newest":
        keys = [(src.published_at, True)]
    elif sort == "rating":
        keys = [(src.rating_avg, True), (src.rating_count, True)]
    elif sort == "price_asc":
        keys = [(src.price, False)]
    elif sort == "price_desc":
        keys = [(src.price, True)]
    else:  # popular, and relevance while there is no search text
        keys = [(src.enrollment_count, True), (src.rating_count, True)]
    return [*keys, (src.id, False)]  # a total order, so pages never overlap


def _ordered(keys: list[tuple[Any, bool]]) -> list[Any]:
    return [key.desc() if descending else key.asc() for key, descending in keys]


def _price_band(src: _Source) -> ColumnElement[str]:
    whens = [
        (src.price <= high, value) for value, _label, _low, high in PRICE_BANDS if high is not None
    ]
    return case(*whens, else_=PRICE_BANDS[-1][0])


def _rating_band(src: _Source) -> ColumnElement[str]:
    return case(*((src.rating_avg >= low, value) for value, _l, low in RATING_BANDS), else_="")


def _facet_statements(filters: CourseFilters, src: _Source) -> tuple[Select[Any], ...]:
    """Level x language (which also gives the total), category, price x rating."""
    # Level and language in one GROUP BY: each facet keeps the other's filter,
    # and the cells matching both are the total.
    cells = (
        select(src.level, src.language, func.count())
        .select_from(src.from_)
        .where(*_conditions(filters, src, skip=frozenset({"level", "language"})))
        .group_by(src.level, src.language)
    )
    top = Category.__table__.alias("top")
    categories_ = (
        select(top.c.id, top.c.slug, top.c.name, func.count())
        .select_from(src.category_from.join(top, top.c.id == src.top_category_id))
        .where(*_conditions(filters, src, skip=frozenset({"category"})))
        .group_by(top.c.id, top.c.slug, top.c.name, top.c.position)
        .order_by(top.c.position, top.c.name)
    )
    # Price and rating bands in one GROUP BY, the same way: each cell also
    # says whether it passes the other facet's filter.
    columns: list[Any] = [_price_band(src).label("band"), _rating_band(src).label("rating_band")]
    price_filter = _price_conditions(filters, src)
    rating_filter = _rating_conditions(filters, src)
    if price_filter:
        columns.append(case((and_(*price_filter), "y"), else_="n").label("price_ok"))
    if rating_filter:
        columns.append(case((and_(*rating_filter), "y"), else_="n").label("rating_ok"))
    bands = (
        select(*columns, func.count().label("n"))
        .select_from(src.from_)
        .where(*_conditions(filters, src, skip=frozenset({"price", "rating"})))
        .group_by(*(column.name for column in columns))
    )
    return cells, categories_, bands


def _facets(conn: Connection, filters: CourseFilters, src: _Source) -> tuple[Facets, int]:
    """The facets and the total, in three statements."""
    cells_statement, category_statement, band_statement = _facet_statements(filters, src)
    levels: Counter[str] = Counter()
    languages: Counter[str] = Counter()
    total = 0
    for level, language, count in conn.execute(cells_statement).all():
        level_ok = filters.level is None or level == filters.level
        language_ok = filters.language is None or _language_matches(language, filters.language)
        if language_ok:
            levels[level] += count
        if level_ok:
            languages[language] += count
        if level_ok and language_ok:
            total += count
    category_rows = conn.execute(category_statement).all()
    band_rows = conn.execute(band_statement).mappings()
    bands: Counter[str] = Counter()
    ratings: Counter[str] = Counter()
    for row in band_rows:
        if row.get("rating_ok", "y") == "y":
            bands[row["band"]] += row["n"]
        if row.get("price_ok", "y") == "y":
            ratings[row["rating_band"]] += row["n"]
    rating_counts, running = {}, 0
    for value, _label, _low in RATING_BANDS:  # highest first: each band adds the ones above
        running += ratings[value]
        rating_counts[value] = running

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
        rating=[
            RatingFacet(value=value, label=label, count=rating_counts[value], rating_min=low)
            for value, label, low in RATING_BANDS
        ],
    )
    return facets, total


def _page_statement(filters: CourseFilters, src: _Source, page: PageParams) -> Select[Any]:
    keys = _order(filters.sort, src)
    if src is _CATALOG:
        return (
            reads.summary_select()
            .where(*_conditions(filters, src))
            .order_by(*_ordered(keys))
            .limit(page.limit)
            .offset(page.offset)
        )
    # The page of hits first (from the index alone), then those few courses by primary key.
    hits = (
        select(src.id.label("course_id"), *(key.label(f"k{i}") for i, (key, _d) in enumerate(keys)))
        .select_from(src.from_)
        .where(*_conditions(filters, src))
        .order_by(*_ordered(keys))
        .limit(page.limit)
        .offset(page.offset)
        .subquery("hits")
    )
    return (
        reads.summary_select()
        .join(hits, hits.c.course_id == Course.id)
        # A course unpublished a moment ago leaves the index within seconds; never show it.
        .where(Course.status == "published")
        .order_by(*_ordered([(hits.c[f"k{i}"], d) for i, (_k, d) in enumerate(keys)]))
    )


def explain_courses(
    conn: Connection, filters: CourseFilters, page: PageParams | None = None
) -> dict[str, list[str]]:
    """The database's plan of each statement of a catalog page (operators, tests)."""
    src = _source(conn, filters)
    backend = backend_for(conn)
    statements = {"page": _page_statement(filters, src, page or PageParams())}
    names = ("level_language_facet", "category_facet", "price_rating_facet")
    statements.update(zip(names, _facet_statements(filters, src), strict=True))
    return {name: backend.explain(conn, statement) for name, statement in statements.items()}


def _course_page(
    rt: Runtime, conn: Connection, filters: CourseFilters, page: PageParams
) -> CoursePage:
    src = _source(conn, filters)
    rows = conn.execute(_page_statement(filters, src, page)).mappings().all()
    facets, total = _facets(conn, filters, src)
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
            .order_by(*_ordered(_order(sort, _CATALOG)))
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
