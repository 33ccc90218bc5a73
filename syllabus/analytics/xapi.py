"""Events as xAPI statements (for a learning record store): a mapping of each row, no rewrite.

actor = the user (an account on this site), verb = the event name's IRI,
object = the lesson, course, order or search, result = score, money or
video time, timestamp = `occurred_at`, stored = `recorded_at`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from syllabus.analytics import events
from syllabus.analytics.models import AnalyticsEvent

ADL = "http://adlnet.gov/expapi/verbs/"
VIDEO = "https://w3id.org/xapi/video/"
MAX_PAGE = 500

# name -> (verb IRI, display); commerce and search verbs are this site's own IRIs.
VERBS: dict[str, tuple[str, str]] = {
    events.ENROLLED: (ADL + "registered", "registered"),
    events.PURCHASED: ("{base}/xapi/verbs/purchased", "purchased"),
    events.REFUNDED: ("{base}/xapi/verbs/refunded", "refunded"),
    events.LESSON_STARTED: (ADL + "attempted", "attempted"),
    events.LESSON_COMPLETED: (ADL + "completed", "completed"),
    events.VIDEO_PLAYED: (VIDEO + "verbs/played", "played"),
    events.VIDEO_PAUSED: (VIDEO + "verbs/paused", "paused"),
    events.VIDEO_ENDED: (ADL + "completed", "completed"),
    events.QUIZ_SUBMITTED: (ADL + "scored", "scored"),
    events.QUIZ_PASSED: (ADL + "passed", "passed"),
    events.CERTIFICATE_ISSUED: ("http://id.tincanapi.com/verb/earned", "earned"),
    events.SEARCHED: ("{base}/xapi/verbs/searched", "searched"),
}
VIDEO_EVENTS = (events.VIDEO_PLAYED, events.VIDEO_PAUSED, events.VIDEO_ENDED)
QUIZ_EVENTS = (events.QUIZ_SUBMITTED, events.QUIZ_PASSED)
MONEY_EVENTS = (events.PURCHASED, events.REFUNDED)


def _activity(iri: str, kind: str, name: str | None = None) -> dict[str, Any]:
    definition: dict[str, Any] = {"type": kind}
    if name:
        definition["name"] = {"en-US": name}
    return {"objectType": "Activity", "id": iri, "definition": definition}


def statement(event: AnalyticsEvent, base_url: str) -> dict[str, Any]:
    """One event as an xAPI 1.0.3 statement."""
    base = base_url.rstrip("/")
    verb_iri, display = VERBS[event.name]
    course = (
        _activity(f"{base}/courses/{event.course_id}", "http://adlnet.gov/expapi/activities/course")
        if event.course_id
        else None
    )
    lesson = (
        _activity(
            f"{base}/lessons/{event.lesson_id}",
            VIDEO + "activity-type/video"
            if event.name in VIDEO_EVENTS
            else "http://adlnet.gov/expapi/activities/assessment"
            if event.name in QUIZ_EVENTS
            else "http://adlnet.gov/expapi/activities/lesson",
        )
        if event.lesson_id
        else None
    )
    if event.name == events.PURCHASED:
        target = _activity(f"{base}/orders/{event.object_id}", f"{base}/xapi/activities/order")
    elif event.name == events.REFUNDED:
        target = _activity(f"{base}/refunds/{event.object_id}", f"{base}/xapi/activities/refund")
    elif event.name == events.SEARCHED:
        query = (event.context or {}).get("q", "")
        target = _activity(f"{base}/courses?q={query}", f"{base}/xapi/activities/search")
    elif event.name == events.CERTIFICATE_ISSUED and event.object_id:
        target = _activity(
            f"{base}/certificates/{event.object_id}", f"{base}/xapi/activities/certificate"
        )
    else:
        target = lesson or course or _activity(base, "http://adlnet.gov/expapi/activities/course")
    out: dict[str, Any] = {
        "id": event.id,
        "actor": {
            "objectType": "Agent",
            "account": {"homePage": base, "name": event.user_id or "anonymous"},
        },
        "verb": {"id": verb_iri.format(base=base), "display": {"en-US": display}},
        "object": target,
        "timestamp": event.occurred_at.isoformat(),
        "stored": event.recorded_at.isoformat(),
    }
    parents = [a for a in (lesson, course) if a is not None and a is not target]
    if parents:
        out["context"] = {"contextActivities": {"parent": parents}}
    result = _result(event, base)
    if result:
        out["result"] = result
    return out


def _result(event: AnalyticsEvent, base: str) -> dict[str, Any]:
    if event.value is None:
        return {"completion": True} if event.name == events.LESSON_COMPLETED else {}
    if event.name in QUIZ_EVENTS:
        return {
            "score": {"scaled": event.value / 100, "raw": event.value, "min": 0, "max": 100},
            "success": event.name == events.QUIZ_PASSED,
        }
    if event.name in VIDEO_EVENTS:
        return {"extensions": {VIDEO + "extensions/time": event.value}}
    if event.name in MONEY_EVENTS:
        return {
            "extensions": {
                f"{base}/xapi/extensions/amount-minor": event.value,
                f"{base}/xapi/extensions/currency": event.currency,
            }
        }
    return {}


def statements_page(
    session: Session,
    base_url: str,
    *,
    since: datetime | None,
    after: tuple[datetime, str] | None,
    limit: int,
) -> tuple[list[dict[str, Any]], tuple[datetime, str] | None]:
    """Statements in (occurred_at, id) order, at most `limit`; and the cursor of the next page."""
    query = select(AnalyticsEvent).order_by(AnalyticsEvent.occurred_at, AnalyticsEvent.id)
    if since is not None:
        query = query.where(AnalyticsEvent.occurred_at >= since)
    if after is not None:
        query = query.where(
            or_(
                AnalyticsEvent.occurred_at > after[0],
                and_(AnalyticsEvent.occurred_at == after[0], AnalyticsEvent.id > after[1]),
            )
        )
    rows: Sequence[AnalyticsEvent] = session.scalars(query.limit(min(limit, MAX_PAGE) + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    cursor = (rows[-1].occurred_at, rows[-1].id) if more and rows else None
    return [statement(row, base_url) for row in rows], cursor
