"""Scenario 9: the student journey by 100 simulated users with think time.

Students 1..100 each loop log in -> catalog -> course -> lesson -> progress
(bench/scenarios/_journey.py). The reference is one user walking the same
journey alone, same loops and pauses. Figures: p99 of every request under 100
users ÷ the single user's p99, and the number of wrong answers.
"""

from __future__ import annotations

from collections import Counter

import httpx

from bench.harness import Context, Row, fmt_ms
from bench.scenarios._journey import STEPS, JourneyPlan, JourneyResult, percentile, run_journeys
from bench.scenarios._unmeasured import error_text, problem_row
from syllabus.benchdata.names import BENCH_PASSWORD, SMALL_SLUG, student_email

SCENARIO = "9 student journey, 100 users with think time"
USERS = 100
LOOPS = 3
MAX_P99_RATIO = 3.0
# Bounds: 3 loops of 5 steps with ~1 s pauses take ~15-20 s when all is well.
MAX_SECONDS_CROWD = 60.0
MAX_SECONDS_SINGLE = 45.0
FIGURE_RATIO = "p99 ÷ single-user p99"


def run(ctx: Context) -> list[Row]:
    try:
        plan = JourneyPlan(
            base_url=ctx.base_url,
            course_slug=SMALL_SLUG,
            lesson_ids=tuple(course_lessons(ctx.base_url)),
            password=BENCH_PASSWORD,
            loops=LOOPS,
        )
        single = run_journeys(plan, {1: student_email(1)}, MAX_SECONDS_SINGLE)
        users = {n: student_email(n) for n in range(1, USERS + 1)}
        crowd = run_journeys(plan, users, MAX_SECONDS_CROWD)
        if ctx.profiler is not None:
            # Same crowd again under py-spy, so the measured run is never sampled.
            with ctx.profiled(crowd.seconds, f"{USERS}-user journey"):
                run_journeys(plan, users, MAX_SECONDS_CROWD)
    except Exception as exc:
        note = error_text(exc)
        return [
            problem_row(ctx, scenario=SCENARIO, figure=FIGURE_RATIO, target="≤ 3", note=note),
            problem_row(ctx, scenario=SCENARIO, figure="errors", target="0", note=note),
        ]
    return [ratio_row(ctx, crowd, single), errors_row(ctx, crowd, single)]


def course_lessons(base_url: str) -> list[str]:
    """The lesson ids of the course's curriculum, in order."""
    response = httpx.get(f"{base_url}/api/v1/courses/{SMALL_SLUG}", timeout=30.0)
    if response.status_code != 200:
        raise RuntimeError(f"{SMALL_SLUG} answered {response.status_code}")
    lessons = [
        str(lesson["id"])
        for section in response.json()["curriculum"]
        for lesson in section["lessons"]
    ]
    if not lessons:
        raise RuntimeError(f"{SMALL_SLUG} has no lessons")
    return lessons


def step_p99s(result: JourneyResult) -> str:
    return ", ".join(f"{step} {fmt_ms(percentile(result.latencies(step), 99))}" for step in STEPS)


def p99_without_login(crowd: JourneyResult, single: JourneyResult) -> str:
    """The same ratio over every step but the sign-in, whose password hash dominates."""
    steps = [step for step in STEPS if step != "login"]
    ours = percentile([ms for step in steps for ms in crowd.latencies(step)], 99)
    reference = percentile([ms for step in steps for ms in single.latencies(step)], 99)
    if reference <= 0:
        return "not measured"
    return f"p99 {fmt_ms(ours)} ÷ {fmt_ms(reference)} = {ours / reference:.2f}"


def ratio_row(ctx: Context, crowd: JourneyResult, single: JourneyResult) -> Row:
    ours = percentile(crowd.latencies(), 99)
    reference = percentile(single.latencies(), 99)
    value = round(ours / reference, 2) if reference > 0 and crowd.samples else None
    rate = len(crowd.samples) / crowd.seconds if crowd.seconds > 0 else 0.0
    notes = [
        f"{len(crowd.samples):,} requests in {crowd.seconds:.0f} s ({rate:,.0f}/s)",
        f"p99 per step: {step_p99s(crowd)}",
        f"without sign-in (argon2): {p99_without_login(crowd, single)}",
        f"single user ({len(single.samples)} requests): {step_p99s(single)}",
    ]
    if crowd.cut_short or single.cut_short:
        notes.append(f"{crowd.cut_short + single.cut_short} users stopped at the time limit")
    return Row(
        scenario=SCENARIO,
        backend=ctx.backend,
        figure=FIGURE_RATIO,
        ours=fmt_ms(ours),
        reference=fmt_ms(reference),
        value=value,
        target=f"≤ {MAX_P99_RATIO:g}",
        passed=None if value is None else value <= MAX_P99_RATIO,
        note="; ".join(notes),
    )


def errors_row(ctx: Context, crowd: JourneyResult, single: JourneyResult) -> Row:
    errors = crowd.errors + single.errors
    kinds = Counter(sample.error for sample in errors)
    detail = ", ".join(f"{text} x{count}" for text, count in kinds.most_common(5))
    total = len(crowd.samples) + len(single.samples)
    return Row(
        scenario=SCENARIO,
        backend=ctx.backend,
        figure="errors",
        ours=f"{len(errors)}",
        reference="—",
        value=float(len(errors)),
        target="0",
        passed=not errors and total > 0,
        note=f"of {total:,} requests" + (f": {detail}" if detail else ""),
    )
