"""The job queue: real Huey storage on SQLite by default and on Redis, consumers in `serve`."""

from __future__ import annotations

import time
from pathlib import Path

from fastapi.testclient import TestClient
from huey import RedisHuey

from syllabus.app import create_app
from syllabus.config import Settings
from syllabus.kit import outbox, queue
from syllabus.kit.migrate import upgrade
from syllabus.kit.runtime import Runtime, set_runtime
from tests.conftest import fresh_database_url
from tests.support.outbox_probe import RECORD

DEADLINE_SECONDS = 20


def test_tasks_round_trip_through_redis(redis_url: str) -> None:
    huey = RedisHuey("syllabus-test", url=redis_url, utc=True)

    @huey.task()
    def add(a: int, b: int) -> int:
        return a + b

    result = add(2, 3)
    assert huey.pending_count() == 1
    task = huey.dequeue()
    assert task is not None
    huey.execute(task)
    assert result.get() == 5
    assert huey.pending_count() == 0


def test_serve_runs_jobs_in_process(settings: Settings, tmp_path: Path) -> None:
    """`syllabus serve` starts consumer threads: a committed message runs without any drain."""
    # Consumer threads need real commits and their own connections.
    url, drop = fresh_database_url("consumer")
    upgrade(url)
    runtime = Runtime(settings.model_copy(update={"database_url": url}))
    target = tmp_path / "effects.txt"
    queue.huey.flush()
    try:
        app = create_app(runtime.settings, runtime=runtime, run_jobs=True)
        with TestClient(app):
            with runtime.db.session_scope() as session:
                outbox.enqueue(session, RECORD, {"file": str(target), "text": "served"})
            deadline = time.monotonic() + DEADLINE_SECONDS
            while time.monotonic() < deadline and not target.exists():
                time.sleep(0.1)
        assert target.read_text(encoding="utf-8").splitlines() == ["served"]
        assert queue.huey.pending_count() == 0
    finally:
        set_runtime(None)
        runtime.close()
        drop()
