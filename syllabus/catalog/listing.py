"""A page of the catalog and its facets: the statements, built once per shape.

A list's statements depend on which filters are set, the sort and whether
there is search text (its *shape*), never on the values, which are bound
parameters: each shape's statements are built once per process and then
only executed, so a request pays for no SQL construction or compilation.

Two statements per page whatever the size of the catalog (one when a search
finds nothing):

- without search text: the page, from `courses` in the order of the sort's
  index (migration 0009); then the facets and the total: the courses are
  read once (a CTE, from the covering `ix_courses_facets`) with a flag per
  filter set and grouped twice (level x language x top category, and price
  band x rating band), so each facet is counted under every filter but its
  own. The unfiltered catalog reads `catalog_facet_counts` instead, which
  triggers keep exact on every write (`syllabus.catalog.facets`).
- with search text: the index is read once for both the facets (as above)
  and the page's ids (ranked only where every filter passes: the rank is
  the costly part of a hit); then those few courses by primary key.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    ColumnElement,
    Float,
    FromClause,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    literal_column,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.engine import Connection, RowMapping

from syllabus.catalog import reads
from syllabus.catalog.facets import (
    PRICE_BANDS,
    RATING_BANDS,
    ZERO_DECIMAL_CURRENCIES,
    FacetTally,
    TopCategory,
    stored_tally,
)
from syllabus.catalog.models import CatalogFacetCount, Category, Course
from syllabus.kit.pagination import PageParams
from syllabus.search.backends import SearchBackend, backend_for

if TYPE_CHECKING:
    from syllabus.catalog.public import CourseFilters

# The filter groups a facet is about; each facet counts under all the others.
FACET_GROUPS = ("category", "level", "language", "price", "rating")
SHAPES_KEPT = 512


@dataclass(frozen=True)
class Shape:
    """What a list's statements depend on besides the values of its parameters."""

    search: str | None  # with search text: the database's dialect name (its search backend)
    category: bool
    level: bool
    language: bool
    free: bool | None
    price_min: bool
    price_max: bool
    rating_min: bool
    has_certificate: bool | None
    sort: str

    @property
    def unfiltered(self) -> bool:
        return self.search is None and not (
            self.category
            or self.level
            or self.language
            or self.price_min
            or self.price_max
            or self.rating_min
            or self.free is not None
            or self.has_certificate is not None
        )


@dataclass(frozen=True)
class _Source:
    """Where a list's courses and the facts it filters, counts and orders by come from:
    the `courses` table, or the search index's hits for a search text."""

    from_: FromClause
    where: tuple[ColumnElement[bool], ...]
    id: Any
    in_category: Callable[[Any], ColumnElement[bool]]  # the category (slug or id) or below
    level: Any
    language: Any
    amount: Any  # 0 for free courses
    price: Any  # normalised (`syllabus.catalog.public` module note)
    rating_avg: Any
    rating_count: Any
    enrollment_count: Any
    has_certificate: Any
    published_at: Any
    rank: ColumnElement[float] | None
    # `from_` joined (outer) so that `top_category_id` (a course's top category) works.
    facet_from: FromClause
    top_category_id: Any


def normalised_price() -> ColumnElement[int]:
    """The price in hundredths of a major unit of its own currency."""
    return Course.price_amount * case((Course.currency.in_(ZERO_DECIMAL_CURRENCIES), 100), else_=1)


def _named_category(ref: Any) -> Any:
    """The id of the category named by slug or id (a subquery)."""
    return select(Category.id).where(or_(Category.id == ref, Category.slug == ref))


def _category_ids(ref: Any) -> Any:
    """Ids of the category named by slug or id and of its subcategories (a subquery)."""
    named = _named_category(ref)
    return select(Category.id).where(or_(Category.id.in_(named), Category.parent_id.in_(named)))


def _catalog_source() -> _Source:
    courses = Course.__table__
    of_course = Category.__table__.alias("of_course")
    return _Source(
        from_=courses,
        where=(Course.status == "published",),
        id=Course.id,
        in_category=lambda ref: Course.category_id.in_(_category_ids(ref)),
        level=Course.level,
        language=Course.language,
        amount=Course.price_amount,
        price=normalised_price(),
        rating_avg=Course.rating_avg,
        rating_count=Course.rating_count,
        enrollment_count=Course.enrollment_count,
        has_certificate=Course.has_certificate,
        published_at=Course.published_at,
        rank=None,
        facet_from=courses.outerjoin(of_course, of_course.c.id == Course.category_id),
        top_category_id=func.coalesce(of_course.c.parent_id, of_course.c.id),
    )


_CATALOG = _catalog_source()


def _search_source(backend: SearchBackend) -> _Source:
    hits = backend.source_for(bindparam("search", type_=String))
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
        facet_from=hits.from_,
        top_category_id=facts.top_category_id,
    )


# ------------------------------------------------------------------------- conditions


def _base_conditions(shape: Shape, src: _Source) -> list[Any]:
    """The source's own condition and the filters no facet is about."""
    conditions: list[Any] = list(src.where)
    if shape.has_certificate is not None:
        conditions.append(src.has_certificate.is_(shape.has_certificate))
    return conditions


def _price_conditions(shape: Shape, src: _Source) -> list[Any]:
    conditions: list[Any] = []
    if shape.free is True:
        conditions.append(src.amount == 0)
    elif shape.free is False:
        conditions.append(src.amount > 0)
    if shape.price_min:
        conditions.append(src.price >= bindparam("price_min", type_=Integer))
    if shape.price_max:
        conditions.append(src.price <= bindparam("price_max", type_=Integer))
    return conditions


def _group_conditions(shape: Shape, src: _Source) -> dict[str, list[Any]]:
    """The filters of each facet (empty list: that facet's filter is not set)."""
    groups: dict[str, list[Any]] = {name: [] for name in FACET_GROUPS}
    if shape.category:
        groups["category"].append(src.in_category(bindparam("category", type_=String)))
    if shape.level:
        groups["level"].append(src.level == bindparam("level", type_=String))
    if shape.language:
        groups["language"].append(
            or_(
                src.language == bindparam("language", type_=String),
                src.language.like(bindparam("language_prefix", type_=String)),
            )
        )
    groups["price"] = _price_conditions(shape, src)
    if shape.rating_min:
        groups["rating"].append(src.rating_avg >= bindparam("rating_min", type_=Float))
    return groups


def _conditions(shape: Shape, src: _Source) -> list[Any]:
    """WHERE clauses of the list: every filter."""
    conditions = _base_conditions(shape, src)
    for group in _group_conditions(shape, src).values():
        conditions += group
    return conditions


# ------------------------------------------------------------------------------ order


def _order(sort: str, src: Any) -> list[tuple[Any, bool]]:
    """The sort keys as (expression, descending), ending with the id: a total order.

    `src` is a `_Source` or anything with its key columns (the facet CTE's `c`)."""
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


def catalog_order(sort: str) -> list[Any]:
    """ORDER BY of the published catalog (no search text) for a sort."""
    return _ordered(_order(sort, _CATALOG))


# -------------------------------------------------------------------------- statements


def _page_statement(shape: Shape, src: _Source) -> Select[Any]:
    """A page of the catalog without search text, in the order of the sort's index."""
    return (
        reads.summary_select()
        .where(*_conditions(shape, src))
        .order_by(*_ordered(_order(shape.sort, src)))
        .limit(bindparam("limit", type_=Integer))
        .offset(bindparam("offset", type_=Integer))
    )


def _price_band(src: _Source) -> ColumnElement[str]:
    whens = [
        (src.price <= high, value) for value, _label, _low, high in PRICE_BANDS if high is not None
    ]
    return case(*whens, else_=PRICE_BANDS[-1][0])


def _rating_band(src: _Source) -> ColumnElement[str]:
    return case(*((src.rating_avg >= low, value) for value, _l, low in RATING_BANDS), else_="")


def _facet_statement(shape: Shape, src: _Source) -> Select[Any]:
    """Every facet and the total in one statement (module note); with search text the
    page's ids too, so the text index is read once per list.

    Rows (kind, a, b, top id, top slug, top name, top position, f1, f2, n):
    `cell`: a level, b language, the top category, f1 category filter passed
    (price and rating filters applied); `band`: a price band, b rating band,
    f1 price filter passed, f2 rating filter passed (category, level and
    language filters applied); `page` (search only): a course id, n its place.
    """
    groups = {name: group for name, group in _group_conditions(shape, src).items() if group}
    flags = [case((and_(*group), 1), else_=0).label(f"{name}_ok") for name, group in groups.items()]
    every_filter = [condition for group in groups.values() for condition in group]
    keys: list[Any] = []
    if src.rank is not None:
        # Ranked only where every filter passes: the rank is the costly part of a hit.
        rank = src.rank if not every_filter else case((and_(*every_filter), src.rank))
        keys = [
            src.id.label("id"),
            rank.label("rank"),
            src.enrollment_count.label("enrollment_count"),
            src.rating_count.label("rating_count"),
            src.published_at.label("published_at"),
            src.rating_avg.label("rating_avg"),
            src.price.label("price"),
        ]
    hits = (
        select(
            src.level.label("level"),
            src.language.label("language"),
            src.top_category_id.label("top_category_id"),
            _price_band(src).label("price_band"),
            _rating_band(src).label("rating_band"),
            *flags,
            *keys,
        )
        .select_from(src.facet_from)
        .where(*_base_conditions(shape, src))
        .cte("facet_hits")
        .prefix_with("MATERIALIZED")
    )

    def passed(*names: str) -> list[Any]:
        return [hits.c[f"{name}_ok"] == 1 for name in names if name in groups]

    def flags_of(*names: str) -> list[Any]:
        """The named flags as columns (a constant 1 for a filter not set)."""
        return [hits.c[f"{n}_ok"] if n in groups else literal_column("1", Integer) for n in names]

    def grouped_flags(*names: str) -> list[Any]:
        return [hits.c[f"{name}_ok"] for name in names if name in groups]

    def kind(name: str) -> Any:
        return literal_column(f"'{name}'", String)

    # Grouped by the top category's id first, joined with `categories` after (fewer rows).
    grouped = (
        select(
            hits.c.level,
            hits.c.language,
            hits.c.top_category_id,
            *(f.label("category_ok") for f in flags_of("category")),
            func.count().label("n"),
        )
        .where(*passed("price", "rating"))
        .group_by(hits.c.level, hits.c.language, hits.c.top_category_id)
        .group_by(*grouped_flags("category"))
        .subquery("cells")
    )
    top = Category.__table__.alias("top")
    one = literal_column("1", Integer)
    cells = select(
        kind("cell"),
        grouped.c.level,
        grouped.c.language,
        top.c.id,
        top.c.slug,
        top.c.name,
        top.c.position,
        grouped.c.category_ok,
        one,
        grouped.c.n,
    ).select_from(grouped.outerjoin(top, top.c.id == grouped.c.top_category_id))
    no_text, no_number = cast(null(), String), cast(null(), Integer)
    bands = (
        select(kind("band"), hits.c.price_band, hits.c.rating_band)
        .add_columns(no_text, no_text, no_text, no_number, *flags_of("price", "rating"))
        .add_columns(func.count())
        .where(*passed("category", "level", "language"))
        .group_by(hits.c.price_band, hits.c.rating_band, *grouped_flags("price", "rating"))
    )
    if src.rank is None:
        return union_all(cells, bands)  # type: ignore[return-value]
    order = _ordered(_order(shape.sort, hits.c))
    placed = (
        select(hits.c.id, func.row_number().over(order_by=order).label("place"))
        .where(*passed(*FACET_GROUPS))
        .order_by(*order)
        .limit(bindparam("limit", type_=Integer))
        .offset(bindparam("offset", type_=Integer))
        .subquery("placed")
    )
    page = select(kind("page"), placed.c.id, no_text, no_text, no_text, no_text)
    page = page.add_columns(no_number, one, one, placed.c.place)
    return union_all(page, cells, bands)  # type: ignore[return-value]


# The page's courses once the search found them: a few primary keys (the status is
# checked on the rows read; as a condition it could lead the planner to its index).
_COURSES_BY_ID = reads.summary_select().where(Course.id.in_(bindparam("ids", expanding=True)))


@lru_cache(maxsize=SHAPES_KEPT)
def statements(shape: Shape) -> tuple[Select[Any], Select[Any] | None]:
    """A shape's two statements: without search text the page, then the facets (None:
    kept counts); with search text the page's ids and the facets, then the courses."""
    if shape.search is None:
        facets = None if shape.unfiltered else _facet_statement(shape, _CATALOG)
        return _page_statement(shape, _CATALOG), facets
    return _facet_statement(shape, _search_source(backend_for(shape.search))), _COURSES_BY_ID


def shape_of(
    conn: Connection, filters: CourseFilters, page: PageParams
) -> tuple[Shape, dict[str, Any]]:
    """The list's shape and the values of its parameters."""
    search = filters.search
    params: dict[str, Any] = {"limit": page.limit, "offset": page.offset}
    dialect = None
    if not search.is_empty:
        dialect = conn.dialect.name
        params["search"] = backend_for(dialect).query_text(search)
    values = {
        "category": filters.category,
        "level": filters.level,
        "language": filters.language,
        "price_min": filters.price_min,
        "price_max": filters.price_max,
        "rating_min": filters.rating_min,
    }
    params.update((name, value) for name, value in values.items() if value is not None)
    if filters.language is not None:
        params["language_prefix"] = filters.language + "-%"
    shape = Shape(
        search=dialect,
        category=filters.category is not None,
        level=filters.level is not None,
        language=filters.language is not None,
        free=filters.free,
        price_min=filters.price_min is not None,
        price_max=filters.price_max is not None,
        rating_min=filters.rating_min is not None,
        has_certificate=filters.has_certificate,
        sort=filters.sort,
    )
    return shape, params


def recount_facets(conn: Connection) -> None:
    """Count the published catalog's facets again into `catalog_facet_counts`.

    Triggers keep those counts on every write; this is for when writes skipped
    them (a bulk load with `session_replication_role=replica`, a restored
    dump). Run it while nothing else writes courses: the table is replaced.
    """
    keys = {
        "level": Course.level,
        "language": Course.language,
        "category": func.coalesce(Course.category_id, ""),
        "price": _price_band(_CATALOG),
        "rating": _rating_band(_CATALOG),
    }
    conn.execute(delete(CatalogFacetCount))
    for facet, value in keys.items():
        conn.execute(
            insert(CatalogFacetCount).from_select(
                ["facet", "value", "count"],
                select(literal(facet, String), value, func.count())
                .where(Course.status == "published")
                .group_by(value),
            )
        )


# ---------------------------------------------------------------------------- reading


def _language_matches(language: str, wanted: str) -> bool:
    return language == wanted or language.startswith(wanted + "-")


def _counted_tally(rows: Sequence[Any], filters: CourseFilters) -> FacetTally:
    tally = FacetTally()
    for kind, a, b, top_id, slug, name, position, first_ok, second_ok, n in rows:
        if kind == "band":
            if second_ok:  # passes the rating filter: counts in the price facet
                tally.prices[a] += n
            if first_ok:  # passes the price filter: counts in the rating facet
                tally.ratings[b] += n
            continue
        level_ok = filters.level is None or a == filters.level
        language_ok = filters.language is None or _language_matches(b, filters.language)
        if first_ok:  # passes the category filter: a level x language cell
            if language_ok:
                tally.levels[a] += n
            if level_ok:
                tally.languages[b] += n
            if level_ok and language_ok:
                tally.total += n
        if level_ok and language_ok and top_id is not None:
            tally.categories[TopCategory(top_id, slug, name, position)] += n
    return tally


def read_page(
    conn: Connection, filters: CourseFilters, page: PageParams
) -> tuple[Sequence[RowMapping], FacetTally]:
    """The page's course rows (`reads.summary_select` columns) and the facet counts."""
    shape, params = shape_of(conn, filters, page)
    first, second = statements(shape)
    if shape.search is None:
        rows = conn.execute(first, params).mappings().all()
        if second is None:
            return rows, stored_tally(conn)
        return rows, _counted_tally(conn.execute(second, params).all(), filters)
    found = conn.execute(first, params).all()
    places = {row[1]: row[-1] for row in found if row[0] == "page"}
    tally = _counted_tally([row for row in found if row[0] != "page"], filters)
    if not places or second is None:
        return [], tally
    courses = conn.execute(second, {"ids": list(places)}).mappings().all()
    # A course unpublished a moment ago leaves the index within seconds; never show it.
    shown = [course for course in courses if course["status"] == "published"]
    return sorted(shown, key=lambda course: places[course["id"]]), tally


def explain(conn: Connection, filters: CourseFilters, page: PageParams) -> dict[str, list[str]]:
    """The database's plan of each statement of a catalog page (operators, tests):
    `page` and `facets` (with search text both are one statement, `page` then reads
    the page's courses by primary key)."""
    shape, params = shape_of(conn, filters, page)
    first, second = statements(shape)
    if shape.search is None:
        found = {"page": first, "facets": second}
    else:
        found = {"facets": first, "page": second}
        params = {**params, "ids": ["-"]}
    backend = backend_for(conn)
    return {
        name: backend.explain(conn, statement.params(params))
        for name, statement in found.items()
        if statement is not None
    }
