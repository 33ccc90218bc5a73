"""Rollup jobs: every 5 minutes the days changed since the last run; nightly the last 3 days."""

from __future__ import annotations

from datetime import date, datetime

from huey import crontab

from syllabus.analytics.localdays import zone
from syllabus.analytics.rollup import rebuild_recent, run_rollup
from syllabus.kit.db import utcnow
from syllabus.kit.logging import get_logger
from syllabus.kit.queue import huey
from syllabus.kit.runtime import get_runtime

log = get_logger("syllabus.analytics.rollup")


def rollup_now(now: datetime | None = None) -> list[date]:
    """One periodic run in its own transaction; the local days rebuilt."""
    runtime = get_runtime()
    with runtime.db.session_scope() as session:
        days = run_rollup(session, now or utcnow(), zone(runtime.settings.timezone))
    log.info("analytics.rolled_up", days=len(days))
    return days


def nightly_now(now: datetime | None = None) -> list[date]:
    runtime = get_runtime()
    with runtime.db.session_scope() as session:
        return rebuild_recent(session, now or utcnow(), zone(runtime.settings.timezone))


@huey.periodic_task(crontab(minute="*/5"))
def rollup_analytics() -> int:
    return len(rollup_now())


@huey.periodic_task(crontab(hour="2", minute="15"))
def rebuild_recent_analytics() -> int:
    return len(nightly_now())


@huey.task()
def record_search(query: str, user_id: str | None, at: str) -> None:
    """A search, stored off the request path (the catalog read stays write-free)."""
    from syllabus.analytics import events
    from syllabus.analytics.record import record_event

    with get_runtime().db.session_scope() as session:
        record_event(
            session,
            events.SEARCHED,
            user_id=user_id,
            context={"q": query},
            occurred_at=datetime.fromisoformat(at),
        )


def note_search(query: str | None, page: int, user_id: str | None = None) -> None:
    """Record the first page of a text search (later pages are the same search)."""
    text = (query or "").strip()
    if not text or page != 1:
        return
    try:
        record_search(text[:200], user_id, utcnow().isoformat())
    except Exception:  # analytics never fail a search
        log.warning("analytics.search_not_queued", exc_info=True)
