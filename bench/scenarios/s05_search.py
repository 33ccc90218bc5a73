"""Scenario 5: search (`q=` plus two filters) over the whole catalog.

A Lua script rotates over every SEARCH_TERMS word combined with a few
two-filter pairs. Measured twice: as configured by default (the cache on, so
repeated searches are answered from it, as popular searches are in use), and
with the cache disabled, so the search itself is measured.
Figures: rps ÷ hello ≥ 0.2, and p95 under load ≤ 10 times the single-connection
p50 of the same rotation.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bench.harness import Context, Row, expect, fmt_ms, get_checked, ratio, ratio_row
from bench.wrk import WrkResult
from syllabus.benchdata.names import SEARCH_TERMS

SCENARIO = "5 search q= + 2 filters, cache disabled"
SCENARIO_WARM = "5 search q= + 2 filters, warm cache"
LUA = "search_rotation.lua"
MIN_RPS_RATIO = 0.2
MAX_P95_OVER_P50 = 10.0
CACHE_OFF = {"SYLLABUS_CACHE_ENABLED": "false"}
API = "/api/v1/courses"


def filter_pairs(facets: dict[str, Any]) -> list[dict[str, str]]:
    """Two-filter combinations built from values the catalog really has.

    level + price_max, language + rating_min, category + free: the most common
    value of each facet, a middle price bound and a middle rating bound.
    """

    def top(name: str, key: str) -> str | None:
        entries = [e for e in facets.get(name, []) if e.get("count", 0) > 0]
        return str(max(entries, key=lambda e: e["count"])[key]) if entries else None

    bounded = [p["price_max"] for p in facets.get("price", []) if p.get("price_max")]
    ratings = [r["rating_min"] for r in facets.get("rating", [])]
    pairs: list[dict[str, str]] = []
    level, language, category = (
        top("level", "value"),
        top("language", "value"),
        top("category", "slug"),
    )
    if level and bounded:
        pairs.append({"level": level, "price_max": str(sorted(bounded)[len(bounded) // 2])})
    if language and ratings:
        pairs.append({"language": language, "rating_min": str(sorted(ratings)[len(ratings) // 2])})
    if category:
        pairs.append({"category": category, "free": "false"})
    return pairs


def search_paths(terms: tuple[str, ...], pairs: list[dict[str, str]]) -> list[str]:
    return [f"{API}?{urlencode({'q': term, **pair})}" for term in terms for pair in pairs]


def check_paths(ctx: Context, paths: list[str]) -> int:
    """Every query answers 200 with a page; returns how many found at least one course."""
    with_results = 0
    for path in paths:
        page = get_checked(ctx.base_url + path).json()
        expect(isinstance(page.get("items"), list), f"{path}: no items list")
        with_results += 1 if page.get("total", 0) > 0 else 0
    expect(with_results > 0, "no search in the rotation found any course")
    return with_results


def latency_row(
    ctx: Context, load: WrkResult, single: WrkResult, note: str, scenario: str = SCENARIO
) -> Row:
    value = ratio(load.p95_ms, single.p50_ms)
    errors = "; ".join(e for e in (load.errors_note(), single.errors_note()) if e)
    clean = load.failed_requests == 0 and single.failed_requests == 0
    return Row(
        scenario=scenario,
        backend=ctx.backend,
        figure="p95 under load ÷ single-user p50",
        ours=f"p95 {fmt_ms(load.p95_ms)} ({ctx.connections} connections)",
        reference=f"p50 {fmt_ms(single.p50_ms)} (1 connection)",
        value=value,
        target=f"≤ {MAX_P95_OVER_P50:g}",
        passed=None if value is None else (value <= MAX_P95_OVER_P50 and clean),
        note="; ".join(x for x in (note, errors) if x),
    )


def run(ctx: Context) -> list[Row]:
    facets = get_checked(f"{ctx.base_url}{API}?page_size=1").json()["facets"]
    pairs = filter_pairs(facets)
    expect(len(pairs) >= 2, f"too few filter values in the catalog's facets: {pairs}")
    paths = search_paths(SEARCH_TERMS, pairs)
    rows = _measure(ctx, paths, SCENARIO_WARM)
    ctx.restart(CACHE_OFF)
    try:
        rows += _measure(ctx, paths, SCENARIO)
    finally:
        ctx.restart()
    return rows


def _measure(ctx: Context, paths: list[str], scenario: str) -> list[Row]:
    found = check_paths(ctx, paths)  # with the cache on, this also fills it
    with tempfile.TemporaryDirectory(prefix="bench-s05-") as tmp:
        path_file = Path(tmp) / "paths.txt"
        path_file.write_text("\n".join(paths) + "\n")
        args = [str(path_file)]
        single = ctx.single(API, lua=LUA, lua_args=args)
        load = ctx.wrk(API, lua=LUA, lua_args=args)
    note = f"{len(paths)} queries in rotation ({found} find courses)"
    return [
        ratio_row(ctx, scenario=scenario, result=load, minimum=MIN_RPS_RATIO, note=note),
        latency_row(ctx, load, single, note, scenario),
    ]
