"""Scenario 4: the course detail as it grows, with the cache disabled.

(a) p50 of the 500-lesson course ÷ p50 of the 20-lesson course, one connection;
(b) p50 of the 20-lesson course on this catalog ÷ the same on a 1k-course catalog;
(c) SQL statements of a course detail (API, both sizes) and a landing page,
    counted in-process on this backend's database (and the 1k one when it exists).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace

import httpx

from bench.harness import Context, Row, ServerHandle, WrkResult, fmt_ms
from bench.scenarios._sql_count import Counted, statements_per_request
from bench.scenarios._unmeasured import error_text, problem_row
from syllabus.benchdata.names import LARGE_LESSONS, LARGE_SLUG, SMALL_LESSONS, SMALL_SLUG

CACHE_OFF = {"SYLLABUS_CACHE_ENABLED": "false"}
REFERENCE_COURSES = 1000
MAX_LESSON_RATIO = 1.5
MAX_CATALOG_RATIO = 1.2
MAX_STATEMENTS = 4
# Each side is measured this many times, alternating, and its lowest p50 kept:
# on a shared machine the noise only ever adds time.
ROUNDS = 2

SCENARIO_LESSONS = "4 course detail, 500 vs 20 lessons, cache off"
SCENARIO_SQL = "4 course detail, SQL statements per request"
FIGURE_P50 = "p50 ratio, 1 connection"


def detail_path(slug: str) -> str:
    return f"/api/v1/courses/{slug}"


def landing_path(slug: str) -> str:
    return f"/courses/{slug}"


def scenario_catalog(courses: int) -> str:
    return f"4 course detail, {courses:,} vs {REFERENCE_COURSES:,} courses, cache off"


def run(ctx: Context) -> list[Row]:
    reference_db: str | None = None
    try:
        ctx.restart(CACHE_OFF)
        lessons_row = _lesson_growth(ctx)
        catalog_row, reference_db = _catalog_growth(ctx)
        rows = [lessons_row, catalog_row]
    except Exception as exc:
        why = f"could not restart the server with the cache off: {error_text(exc)}"
        rows = [
            problem_row(
                ctx, scenario=SCENARIO_LESSONS, figure=FIGURE_P50, target="≤ 1.5", note=why
            ),
            problem_row(
                ctx,
                scenario=scenario_catalog(ctx.courses),
                figure=FIGURE_P50,
                target="≤ 1.2",
                note=why,
            ),
        ]
    finally:
        ctx.restart()
    rows.append(_statement_row(ctx, reference_db))
    return rows


# --- measuring ------------------------------------------------------------------


Target = tuple[str, str | None]  # (path, base URL; None: this run's server)


def best_p50(results: list[WrkResult]) -> WrkResult:
    """The run with the lowest p50, carrying the failures of every run."""
    best = min(results, key=lambda result: result.p50_ms)
    return replace(
        best,
        non_2xx_3xx=sum(result.non_2xx_3xx for result in results),
        socket_errors=sum(result.socket_errors for result in results),
        statuses=dict(sum((Counter(result.statuses) for result in results), Counter())),
    )


def alternating_single(ctx: Context, first: Target, second: Target) -> tuple[WrkResult, WrkResult]:
    """Single-connection runs of both targets, alternating ROUNDS times; the best of each."""
    runs: tuple[list[WrkResult], list[WrkResult]] = ([], [])
    for _round in range(ROUNDS):
        for (path, base_url), results in zip((first, second), runs, strict=True):
            results.append(ctx.single(path, base_url=base_url))
    return best_p50(runs[0]), best_p50(runs[1])


# --- (a) lessons ------------------------------------------------------------------


def check_detail(base_url: str, slug: str, lessons: int) -> str | None:
    """Why the detail of `slug` is not right (status, lesson count); None when it is."""
    response = httpx.get(base_url.rstrip("/") + detail_path(slug), timeout=30.0)
    if response.status_code != 200:
        return f"{detail_path(slug)} answered {response.status_code}"
    curriculum = response.json().get("curriculum", [])
    found = sum(len(section.get("lessons", [])) for section in curriculum)
    if found != lessons:
        return f"{slug} lists {found} lessons, expected {lessons}"
    return None


def p50_ratio_row(
    ctx: Context,
    *,
    scenario: str,
    ours: WrkResult,
    reference: WrkResult,
    maximum: float,
    labels: tuple[str, str],
    note: str = "",
) -> Row:
    """ours.p50 ÷ reference.p50 ≤ maximum; failed requests on either side fail it."""
    value = round(ours.p50_ms / reference.p50_ms, 2) if reference.p50_ms > 0 else None
    errors = "; ".join(
        f"{label}: {result.errors_note()}"
        for label, result in zip(labels, (ours, reference), strict=True)
        if result.failed_requests
    )
    clean = not errors and ours.requests > 0 and reference.requests > 0
    return Row(
        scenario=scenario,
        backend=ctx.backend,
        figure=FIGURE_P50,
        ours=f"{fmt_ms(ours.p50_ms)} ({labels[0]})",
        reference=f"{fmt_ms(reference.p50_ms)} ({labels[1]})",
        value=value,
        target=f"≤ {maximum}",
        passed=None if value is None else (value <= maximum and clean),
        note="; ".join(x for x in (note, errors) if x),
    )


def _lesson_growth(ctx: Context) -> Row:
    target = f"≤ {MAX_LESSON_RATIO}"
    try:
        for slug, lessons in ((SMALL_SLUG, SMALL_LESSONS), (LARGE_SLUG, LARGE_LESSONS)):
            wrong = check_detail(ctx.base_url, slug, lessons)
            if wrong:
                return problem_row(
                    ctx, scenario=SCENARIO_LESSONS, figure=FIGURE_P50, target=target, note=wrong
                )
        large, small = alternating_single(
            ctx, (detail_path(LARGE_SLUG), None), (detail_path(SMALL_SLUG), None)
        )
    except Exception as exc:
        return problem_row(
            ctx, scenario=SCENARIO_LESSONS, figure=FIGURE_P50, target=target, note=error_text(exc)
        )
    return p50_ratio_row(
        ctx,
        scenario=SCENARIO_LESSONS,
        ours=large,
        reference=small,
        maximum=MAX_LESSON_RATIO,
        labels=(f"{LARGE_LESSONS} lessons", f"{SMALL_LESSONS} lessons"),
        note=f"best of {ROUNDS} alternating runs; rps {large.rps:,.0f} vs {small.rps:,.0f}",
    )


# --- (b) catalog size ---------------------------------------------------------------


def _catalog_growth(ctx: Context) -> tuple[Row, str | None]:
    """The row, and the 1k catalog's database URL for the statement counts."""
    scenario = scenario_catalog(ctx.courses)
    target = f"≤ {MAX_CATALOG_RATIO}"
    if ctx.courses == REFERENCE_COURSES:
        note = f"this run's catalog has {REFERENCE_COURSES:,} courses: nothing larger to compare"
        return problem_row(
            ctx, scenario=scenario, figure=FIGURE_P50, target=target, note=note
        ), None
    handle: ServerHandle | None = None
    try:
        handle = ctx.dataset_server(REFERENCE_COURSES, extra_env=dict(CACHE_OFF))
        reference_db = handle.database_url()
        wrong = check_detail(ctx.base_url, SMALL_SLUG, SMALL_LESSONS) or check_detail(
            handle.base_url, SMALL_SLUG, SMALL_LESSONS
        )
        if wrong:
            row = problem_row(ctx, scenario=scenario, figure=FIGURE_P50, target=target, note=wrong)
            return row, reference_db
        ours, reference = alternating_single(
            ctx, (detail_path(SMALL_SLUG), None), (detail_path(SMALL_SLUG), handle.base_url)
        )
    except Exception as exc:
        row = problem_row(
            ctx, scenario=scenario, figure=FIGURE_P50, target=target, note=error_text(exc)
        )
        return row, None
    finally:
        if handle is not None:
            handle.stop()
    row = p50_ratio_row(
        ctx,
        scenario=scenario,
        ours=ours,
        reference=reference,
        maximum=MAX_CATALOG_RATIO,
        labels=(f"{ctx.courses:,} courses", f"{REFERENCE_COURSES:,} courses"),
        note=(
            f"{SMALL_SLUG}, best of {ROUNDS} alternating runs; "
            f"rps {ours.rps:,.0f} vs {reference.rps:,.0f}"
        ),
    )
    return row, reference_db


# --- (c) statements -----------------------------------------------------------------


@dataclass
class StatementFigures:
    counted: list[tuple[str, Counted]]  # (catalog label, count)

    @property
    def worst(self) -> int:
        return max(count.statements for _label, count in self.counted)

    @property
    def failures(self) -> list[str]:
        return [
            f"{label} {count.path} answered {count.status}"
            for label, count in self.counted
            if count.status != 200
        ]

    def describe(self) -> str:
        return ", ".join(
            f"{label} {count.path}: {count.statements}" for label, count in self.counted
        )


def _statement_row(ctx: Context, reference_db: str | None) -> Row:
    target = f"≤ {MAX_STATEMENTS}"
    paths = [detail_path(SMALL_SLUG), detail_path(LARGE_SLUG), landing_path(LARGE_SLUG)]
    catalogs = [(f"{ctx.courses:,}", ctx.database_url())]
    if reference_db is not None:
        catalogs.append((f"{REFERENCE_COURSES:,}", reference_db))
    try:
        figures = StatementFigures(
            [
                (label, count)
                for label, url in catalogs
                for count in statements_per_request(url, paths)
            ]
        )
    except Exception as exc:
        return problem_row(
            ctx, scenario=SCENARIO_SQL, figure="statements", target=target, note=error_text(exc)
        )
    failures = figures.failures
    note = "; ".join([f"cache off, per catalog: {figures.describe()}", *failures])
    if reference_db is None and ctx.courses != REFERENCE_COURSES:
        note += f"; the {REFERENCE_COURSES:,} catalog was not available"
    return Row(
        scenario=SCENARIO_SQL,
        backend=ctx.backend,
        figure="statements (max)",
        ours=f"{figures.worst}",
        reference="—",
        value=float(figures.worst),
        target=target,
        passed=figures.worst <= MAX_STATEMENTS and not failures,
        note=note,
    )
