"""Analytics API: the admin's KPIs and series, the instructor's dashboard, the player's events,
and the event log as xAPI statements (admins)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request

from syllabus.analytics import instructor, service, xapi
from syllabus.analytics.localdays import zone
from syllabus.analytics.schemas import (
    DropoffOut,
    InstructorDashboardOut,
    PlayerEventsIn,
    PlayerEventsOut,
    SeriesOut,
    SummaryOut,
)
from syllabus.api.deps import (
    CurrentActor,
    CurrentRuntime,
    DbSession,
    ReadDbSession,
    RequireAdmin,
    RequireInstructor,
)
from syllabus.kit.db import utcnow
from syllabus.kit.errors import AppError

admin_router = APIRouter(prefix="/admin/analytics", tags=["admin", "analytics"])
router = APIRouter(tags=["analytics"])

Metric = Literal["users", "orders", "revenue", "enrollments"]
Period = Literal["28d", "12m"]


class BadCursor(AppError):
    code = "invalid_cursor"
    status = 422
    title = "Invalid cursor"


@admin_router.get("/summary", response_model=SummaryOut)
def summary(db: ReadDbSession, admin: RequireAdmin) -> SummaryOut:
    """Totals: users, instructors, published courses, active enrollments, revenue and refunds
    per currency, courses waiting for review."""
    return service.admin_summary(db, admin)


@admin_router.get("/xapi")
def xapi_statements(
    request: Request,
    db: ReadDbSession,
    rt: CurrentRuntime,
    admin: RequireAdmin,
    since: datetime | None = None,
    cursor: Annotated[str | None, Query(max_length=120)] = None,
    limit: Annotated[int, Query(ge=1, le=xapi.MAX_PAGE)] = 100,
) -> dict[str, Any]:
    """The event log as an xAPI StatementResult `{statements, more}`, oldest first;
    follow `more` for the next page (empty when done)."""
    after = _parse_cursor(cursor)
    statements, next_cursor = xapi.statements_page(
        db, rt.settings.base_url, since=since, after=after, limit=limit
    )
    more = ""
    if next_cursor is not None:
        params = {"cursor": f"{next_cursor[0].isoformat()}|{next_cursor[1]}", "limit": limit}
        more = str(request.url.include_query_params(**params))
    return {"statements": statements, "more": more}


@admin_router.get("/{metric}", response_model=SeriesOut)
def metric_series(
    metric: Metric, db: ReadDbSession, rt: CurrentRuntime, admin: RequireAdmin, period: Period
) -> SeriesOut:
    """Exactly 28 daily points (28d) or 12 monthly points (12m), zeros included, oldest
    first, in the site's time zone (`SYLLABUS_TIMEZONE`); money in minor units."""
    return service.admin_series(db, admin, (metric,), period, utcnow(), zone(rt.settings.timezone))[
        0
    ]


@router.post("/analytics/player-events", response_model=PlayerEventsOut)
def player_events(body: PlayerEventsIn, db: DbSession, actor: CurrentActor) -> PlayerEventsOut:
    """A player's batch (at most 50) of play/pause/ended, for lessons the caller is enrolled in."""
    return PlayerEventsOut(recorded=service.record_player_events(db, actor, body.events, utcnow()))


@router.get("/instructor/dashboard", response_model=InstructorDashboardOut)
def instructor_dashboard(
    db: ReadDbSession, rt: CurrentRuntime, actor: RequireInstructor, period: Period = "28d"
) -> InstructorDashboardOut:
    """Revenue and enrollments of the caller's courses over time, earnings, ratings, completion."""
    return instructor.dashboard(db, actor, period, utcnow(), zone(rt.settings.timezone))


@router.get("/instructor/courses/{course}/dropoff", response_model=DropoffOut)
def course_dropoff(course: str, db: ReadDbSession, actor: RequireInstructor) -> DropoffOut:
    """How many students started and completed each lesson, in curriculum order."""
    return instructor.dropoff(db, actor, course)


def _parse_cursor(cursor: str | None) -> tuple[datetime, str] | None:
    if not cursor:
        return None
    moment, _, event_id = cursor.partition("|")
    try:
        parsed = datetime.fromisoformat(moment)
    except ValueError as exc:
        raise BadCursor("The cursor is not one this API gave.") from exc
    if parsed.tzinfo is None or not event_id:
        raise BadCursor("The cursor is not one this API gave.")
    return parsed, event_id
