"""The admin dashboard (`/admin`): KPI cards, charts of new users, orders, revenue and
enrollments (28 days or 12 months, in the site's time zone) with the same numbers in a table,
and their CSV download. Admins only (403 for anyone else); numbers come from the rollup."""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from syllabus.analytics import service
from syllabus.analytics.localdays import zone
from syllabus.analytics.schemas import SeriesOut
from syllabus.analytics.series import ADMIN_METRICS, Period
from syllabus.analytics.views import series_csv
from syllabus.kit.db import utcnow
from syllabus.kit.money import to_decimal_string
from syllabus.kit.runtime import get_runtime
from syllabus.web.deps import WebActor
from syllabus.web.pages import render_page
from syllabus.web.routes._commerce_views import money_text
from syllabus.web.routes._studio_common import ADMIN

router = APIRouter(include_in_schema=False)


def _read_db() -> Iterator[Session]:
    """Dashboards only read: on SQLite they never wait for the write lock."""
    with get_runtime().db.read_session() as session:
        yield session


ReadDb = Annotated[Session, Depends(_read_db, scope="function")]

PeriodQuery = Annotated[str, Query(max_length=8)]
PERIODS: dict[str, str] = {"28d": "Last 28 days", "12m": "Last 12 months"}
TITLES = {
    "users": "New users",
    "orders": "Paid orders",
    "revenue": "Revenue",
    "enrollments": "Enrollments",
}


def chosen_period(period: str) -> Period:
    return "12m" if period == "12m" else "28d"


def point_label(date: str, period: Period) -> str:
    """'2026-11-05' -> '5 Nov' (days), '2026-11-01' -> 'Nov 2026' (months)."""
    year, month, day = date.split("-")
    name = calendar.month_abbr[int(month)]
    return f"{name} {year}" if period == "12m" else f"{int(day)} {name}"


def chart_data(all_series: list[SeriesOut], period: Period) -> list[dict[str, Any]]:
    """What charts.js draws: labels plus each series' values (money in major units)."""
    charts = []
    for series in all_series:
        money = series.currency is not None
        charts.append(
            {
                "id": series.metric,
                "title": TITLES[series.metric]
                + (f" ({series.currency})" if series.currency else ""),
                "kind": "line" if money else "bar",
                "labels": [point_label(p.date, period) for p in series.points],
                "values": [
                    float(to_decimal_string(p.value, series.currency))
                    if series.currency
                    else p.value
                    for p in series.points
                ],
                "total": money_text(sum(p.value for p in series.points), series.currency)
                if money and series.currency
                else str(sum(p.value for p in series.points)),
            }
        )
    return charts


def _money_list(amounts: list[Any]) -> str:
    return " · ".join(money_text(m.amount, m.currency) for m in amounts) or "0"


@router.get("/admin", response_class=HTMLResponse)
def dashboard(
    request: Request, db: ReadDb, actor: WebActor, period: PeriodQuery = "28d"
) -> Response:
    chosen = chosen_period(period)
    summary = service.admin_summary(db, actor)
    all_series = service.admin_series(
        db, actor, ADMIN_METRICS, chosen, utcnow(), zone(get_runtime().settings.timezone)
    )
    rows = [
        {
            "date": point.date,
            "label": point_label(point.date, chosen),
            "values": [series.points[index].value for series in all_series],
        }
        for index, point in enumerate(all_series[0].points)
    ]
    cards = [
        ("Users", str(summary.users)),
        ("Instructors", str(summary.instructors)),
        ("Published courses", str(summary.courses)),
        ("Active enrollments", str(summary.enrollments)),
        ("Revenue", _money_list(summary.revenue)),
        ("Refunds", _money_list(summary.refunds)),
        ("Courses awaiting review", str(summary.pending_reviews)),
    ]
    context = {
        "tab": "dashboard",
        "cards": cards,
        "period": chosen,
        "periods": PERIODS,
        "summary": summary,
        "series": all_series,
        "titles": TITLES,
        "charts": chart_data(all_series, chosen),
        "rows": rows,
        "timezone": get_runtime().settings.timezone,
    }
    return render_page(request, ADMIN + "dashboard.html", context)


@router.get("/admin/analytics.csv")
def dashboard_csv(db: ReadDb, actor: WebActor, period: PeriodQuery = "28d") -> Response:
    chosen = chosen_period(period)
    all_series = service.admin_series(
        db, actor, ADMIN_METRICS, chosen, utcnow(), zone(get_runtime().settings.timezone)
    )
    return Response(
        series_csv(all_series),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="analytics-{chosen}.csv"'},
    )
