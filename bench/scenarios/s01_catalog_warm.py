"""Scenario 1: the anonymous catalog API, a page of 20, with a warm cache.

`GET /api/v1/courses?page_size=20` is the busiest public read; once cached it
should cost little more than the framework itself (rps ÷ hello ≥ 0.8).
"""

from __future__ import annotations

from typing import Any

from bench.harness import Context, Row, expect, get_checked, ratio_row

SCENARIO = "1 catalog API, page of 20, warm cache"
PATH = "/api/v1/courses?page_size=20"
MINIMUM = 0.8


def check_catalog_page(ctx: Context, path: str = PATH) -> dict[str, Any]:
    """A full page of 20 published courses with facets, or a ScenarioCheckError."""
    page: dict[str, Any] = get_checked(ctx.base_url + path).json()
    items = page.get("items")
    expect(isinstance(items, list) and len(items) == 20, f"{path}: expected 20 items")
    expect(page.get("page_size") == 20, f"{path}: page_size is {page.get('page_size')}")
    expect(int(page.get("total", 0)) >= 20, f"{path}: total is {page.get('total')}")
    expect("facets" in page, f"{path}: no facets")
    first = items[0] if items else {}
    expect(
        all(key in first for key in ("id", "slug", "title", "price")),
        f"{path}: item lacks id/slug/title/price",
    )
    return page


def run(ctx: Context) -> list[Row]:
    page = check_catalog_page(ctx)
    result = ctx.wrk(PATH)
    note = f"{page['total']:,} published courses"
    return [ratio_row(ctx, scenario=SCENARIO, result=result, minimum=MINIMUM, note=note)]
