"""The catalog's facets: bands, output shapes, and counting them from tallies.

A list's facets are tallied by `syllabus.catalog.public` with one statement
over the list's hits; the unfiltered catalog's come from
`catalog_facet_counts` (`stored_tally`), which database triggers keep exact
on every write to `courses` (migration 0009), so a page view never counts
the catalog. Both end in `build_facets`, so they answer the same shape.

The price and rating bands here are repeated in SQL by migration 0009's
triggers; change both together (the tests compare the two).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from pydantic import BaseModel, Field
from sqlalchemy import Select, and_, func, select
from sqlalchemy.engine import Connection

from syllabus.catalog.models import LEVELS, CatalogFacetCount, Category

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


def minor_per_major(currency: str) -> int:
    return 1 if currency in ZERO_DECIMAL_CURRENCIES else 100


class TopCategory(NamedTuple):  # a tuple: hashed and compared in C (a Counter key)
    id: str
    slug: str
    name: str
    position: int


@dataclass
class FacetTally:
    """Counts as read: per level, language, top category, price band and (own) rating band."""

    levels: Counter[str] = field(default_factory=Counter)
    languages: Counter[str] = field(default_factory=Counter)
    categories: Counter[TopCategory] = field(default_factory=Counter)
    prices: Counter[str] = field(default_factory=Counter)
    ratings: Counter[str] = field(default_factory=Counter)
    total: int = 0


def build_facets(tally: FacetTally) -> Facets:
    rating_counts, running = {}, 0
    for value, _label, _low in RATING_BANDS:  # highest first: each band adds the ones above
        running += tally.ratings[value]
        rating_counts[value] = running
    categories = sorted(
        (top for top, count in tally.categories.items() if count),
        key=lambda top: (top.position, top.name),
    )
    return Facets(
        category=[
            CategoryFacet(id=top.id, slug=top.slug, name=top.name, count=tally.categories[top])
            for top in categories
        ],
        level=[
            ValueFacet(value=level, label=LEVEL_LABELS.get(level, level), count=tally.levels[level])
            for level in LEVELS
        ],
        language=[
            ValueFacet(value=language, label=language, count=count)
            for language, count in sorted(tally.languages.items(), key=lambda kv: (-kv[1], kv[0]))
            if count
        ],
        price=[
            PriceFacet(
                value=value,
                label=label,
                count=tally.prices[value],
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


def _stored_statement() -> Select[Any]:
    counts = CatalogFacetCount.__table__
    own = Category.__table__.alias("own")
    top = Category.__table__.alias("top")
    return (
        select(
            counts.c.facet,
            counts.c.value,
            counts.c.count,
            top.c.id,
            top.c.slug,
            top.c.name,
            top.c.position,
        )
        .select_from(
            counts.outerjoin(
                own, and_(counts.c.facet == "category", own.c.id == counts.c.value)
            ).outerjoin(top, top.c.id == func.coalesce(own.c.parent_id, own.c.id))
        )
        .where(counts.c.count != 0)
    )


_STORED = _stored_statement()


def stored_tally(conn: Connection) -> FacetTally:
    """The whole published catalog's counts, from `catalog_facet_counts` (one statement)."""
    tally = FacetTally()
    by_facet = {
        "level": tally.levels,
        "language": tally.languages,
        "price": tally.prices,
        "rating": tally.ratings,
    }
    for facet, value, count, top_id, slug, name, position in conn.execute(_STORED).all():
        if facet == "category":
            if top_id is not None:
                tally.categories[TopCategory(top_id, slug, name, position)] += count
        elif facet in by_facet:
            by_facet[facet][value] += count
    tally.total = sum(tally.levels.values())
    return tally
