"""Scenario 6: playback authorization by an enrolled student.

`GET /api/v1/lessons/{id}/playback` checks the enrollment and signs stream
URLs on every call of the player: rps ÷ hello ≥ 0.5.
"""

from __future__ import annotations

from typing import Any

import httpx

from bench.harness import Context, Row, expect, get_checked, ratio_row
from syllabus.benchdata.names import BENCH_PASSWORD, SMALL_SLUG, student_email

SCENARIO = "6 playback authorization, enrolled student"
MINIMUM = 0.5


def first_lesson(detail: dict[str, Any]) -> dict[str, Any]:
    """Section 1, position 1 of a course detail's curriculum."""
    sections = sorted(detail.get("curriculum", []), key=lambda s: s["position"])
    expect(bool(sections) and bool(sections[0]["lessons"]), "the course has no lessons")
    lessons = sorted(sections[0]["lessons"], key=lambda lesson: lesson["position"])
    return dict(lessons[0])


def run(ctx: Context) -> list[Row]:
    token = ctx.login(student_email(1), BENCH_PASSWORD)
    detail = get_checked(f"{ctx.base_url}/api/v1/courses/{SMALL_SLUG}").json()
    lesson = first_lesson(detail)
    path = f"/api/v1/lessons/{lesson['id']}/playback"
    headers = {"Authorization": f"Bearer {token}"}
    note = f"student 1, first lesson of {SMALL_SLUG}"
    if lesson.get("is_preview"):
        note += " (a preview lesson: no enrollment check)"
    else:
        # Anonymous callers must be refused, else this would not measure authorization.
        anonymous = httpx.get(ctx.base_url + path, timeout=30.0).status_code
        expect(anonymous in (401, 403), f"{path}: anonymous caller got {anonymous}")
    played = get_checked(ctx.base_url + path, headers=headers).json()
    expect(str(played.get("hls_url", "")).endswith(".m3u8"), f"{path}: no HLS URL: {played}")
    result = ctx.wrk(path, headers=headers)
    return [ratio_row(ctx, scenario=SCENARIO, result=result, minimum=MINIMUM, note=note)]
