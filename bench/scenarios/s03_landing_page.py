"""Scenario 3: a course landing page (server-rendered HTML), anonymous, warm.

`/courses/<slug>` is what search engines and shared links hit: rps ÷ hello ≥ 0.5.
"""

from __future__ import annotations

import html

from bench.harness import Context, Row, expect, get_checked, ratio_row
from syllabus.benchdata.names import course_slug

SCENARIO = "3 course landing page HTML, warm"
MINIMUM = 0.5


def run(ctx: Context) -> list[Row]:
    slug = course_slug(1)
    detail = get_checked(f"{ctx.base_url}/api/v1/courses/{slug}").json()
    path = f"/courses/{slug}"
    page = get_checked(ctx.base_url + path, content_type="text/html").text
    expect(
        html.escape(detail["title"], quote=False) in page or detail["title"] in page,
        f"{path}: the page does not show the course title {detail['title']!r}",
    )
    result = ctx.wrk(path)
    return [ratio_row(ctx, scenario=SCENARIO, result=result, minimum=MINIMUM, note=path)]
