"""The instructor's dashboard (`/studio/dashboard`): revenue and enrollments of their courses
over 28 days or 12 months, earnings available vs pending, ratings, completion per course, and
per-lesson drop-off of one chosen course. Instructors only; the numbers come from the rollup."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from syllabus.analytics import instructor
from syllabus.analytics.localdays import zone
from syllabus.kit.db import utcnow
from syllabus.kit.runtime import get_runtime
from syllabus.web.deps import WebActor
from syllabus.web.pages import render_page
from syllabus.web.routes._commerce_views import money_text
from syllabus.web.routes._studio_common import STUDIO, not_instructor_page
from syllabus.web.routes.admin_dashboard import PERIODS, chart_data, chosen_period

router = APIRouter(include_in_schema=False)

PeriodQuery = Annotated[str, Query(max_length=8)]
CourseQuery = Annotated[str | None, Query(max_length=140)]


def _read_db() -> Iterator[Session]:
    with get_runtime().db.read_session() as session:
        yield session


ReadDb = Annotated[Session, Depends(_read_db, scope="function")]


@router.get("/studio/dashboard", response_class=HTMLResponse)
def dashboard(
    request: Request,
    db: ReadDb,
    actor: WebActor,
    period: PeriodQuery = "28d",
    course: CourseQuery = None,
) -> Response:
    if not actor.is_instructor:
        return not_instructor_page(request)
    chosen = chosen_period(period)
    board = instructor.dashboard(db, actor, chosen, utcnow(), zone(get_runtime().settings.timezone))
    charts = chart_data([board.revenue, board.enrollments], chosen)
    charts[0]["title"] = "Sales" + (
        f" ({board.revenue.currency})" if board.revenue.currency else ""
    )
    picked = next((c for c in board.courses if course in (c.id, c.slug)), None)
    picked = picked or (board.courses[0] if board.courses else None)
    dropoff = instructor.dropoff(db, actor, picked.id) if picked else None
    context = {
        "tab": "dashboard",
        "period": chosen,
        "periods": PERIODS,
        "board": board,
        "charts": charts,
        "earnings": [
            {
                "currency": t.currency,
                "available": money_text(t.available, t.currency),
                "pending": money_text(t.pending, t.currency),
                "paid_out": money_text(t.paid_out, t.currency),
            }
            for t in board.earnings
        ],
        "picked": picked,
        "dropoff": dropoff,
    }
    return render_page(request, STUDIO + "dashboard.html", context)
