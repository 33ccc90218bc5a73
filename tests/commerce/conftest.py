"""Commerce fixtures.

`committed_runtime` is a runtime on a database of its own where every
session really commits: for races (concurrent webhooks, the last coupon
use) that the per-test rollback database cannot show. It is module-scoped
(a migration per module); tests using it create their own users and
courses, so they do not see each other's rows in ways that matter.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from syllabus.config import Settings
from syllabus.kit import queue
from syllabus.kit.migrate import upgrade
from syllabus.kit.runtime import Runtime, set_runtime


@pytest.fixture(scope="module")
def committed_database_url(base_settings: Settings) -> Iterator[str]:
    from tests.conftest import fresh_database_url

    url, drop = fresh_database_url("commerce")
    upgrade(url)
    yield url
    drop()


@pytest.fixture
def committed_runtime(
    committed_database_url: str, base_settings: Settings, tmp_path: Path
) -> Iterator[Runtime]:
    data_dir = tmp_path / "committed"
    data_dir.mkdir()
    settings = base_settings.model_copy(
        update={"database_url": committed_database_url, "data_dir": data_dir}
    )
    runtime = Runtime(settings)
    set_runtime(runtime)
    queue.huey.flush()
    try:
        yield runtime
    finally:
        set_runtime(None)
        queue.huey.flush()
        runtime.close()
