"""Scenario 2: the same catalog page with the cache disabled.

Measures the query and serialization path itself over the whole catalog
(PERFORMANCE.md: SQLite, 100k courses): rps ÷ hello ≥ 0.3.
"""

from __future__ import annotations

from bench.harness import Context, Row, ratio_row
from bench.scenarios.s01_catalog_warm import PATH, check_catalog_page

SCENARIO = "2 catalog API, page of 20, cache disabled"
MINIMUM = 0.3
CACHE_OFF = {"SYLLABUS_CACHE_ENABLED": "false"}


def run(ctx: Context) -> list[Row]:
    ctx.restart(CACHE_OFF)
    try:
        page = check_catalog_page(ctx)
        result = ctx.wrk(PATH)
    finally:
        ctx.restart()
    note = f"{page['total']:,} published courses"
    return [ratio_row(ctx, scenario=SCENARIO, result=result, minimum=MINIMUM, note=note)]
