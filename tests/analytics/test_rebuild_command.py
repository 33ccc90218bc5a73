"""`syllabus analytics-rebuild`: every day rebuilt in the configured time zone."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session
from typer.testing import CliRunner

from syllabus.analytics import events
from syllabus.analytics.record import event_values, record_events
from syllabus.cli import app
from syllabus.kit.db import utcnow
from syllabus.kit.runtime import Runtime
from tests.analytics.helpers import rollup_rows


def test_the_rebuild_command_rolls_up_every_day(db: Session, runtime: Runtime) -> None:
    noon = utcnow().replace(hour=12, minute=0, second=0, microsecond=0)
    moments = [noon - timedelta(days=9), noon - timedelta(days=2)]
    record_events(
        db,
        [event_values(events.ENROLLED, course_id="c", occurred_at=m, now=m) for m in moments],
    )
    db.commit()
    result = CliRunner().invoke(app, ["analytics-rebuild"])
    assert result.exit_code == 0, result.output
    assert "Analytics rebuilt:" in result.output
    db.expire_all()
    found = {row[2] for row in rollup_rows(db) if row[:2] == ("enrollments", "")}
    assert {m.date() for m in moments} <= found
