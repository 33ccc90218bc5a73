"""A deployment of its own per fault test: data folder, migrated database, real commits."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from syllabus.app import create_app
from syllabus.config import Settings
from syllabus.kit import queue
from syllabus.kit.migrate import upgrade
from syllabus.kit.runtime import Runtime, set_runtime
from tests.conftest import fresh_database_url

Deploy = Callable[..., Runtime]


@pytest.fixture
def database_server_url() -> Iterator[str]:
    """An empty migrated database on the engine under test (SQLite: in no data folder)."""
    url, drop = fresh_database_url("faults")
    upgrade(url)
    yield url
    drop()


@pytest.fixture
def deploy(base_settings: Settings, tmp_path: Path) -> Iterator[Deploy]:
    """deploy(**settings) -> a Runtime installed as the process's, closed after the test."""
    made: list[Runtime] = []
    drops: list[Callable[[], None]] = []

    def make(**overrides: Any) -> Runtime:
        folder = tmp_path / f"deployment-{len(made)}"
        folder.mkdir()
        settings = base_settings.model_copy(update={"data_dir": folder, **overrides})
        if "database_url" not in overrides:
            url, drop = fresh_database_url("faults")
            drops.append(drop)
            # SQLite lives in the data folder, as in a real install.
            settings = settings.model_copy(
                update={"database_url": url if url.startswith("postgresql") else None}
            )
            upgrade(settings.resolved_database_url)
        runtime = Runtime(settings)
        set_runtime(runtime)
        made.append(runtime)
        return runtime

    queue.huey.flush()
    yield make
    set_runtime(None)
    queue.huey.flush()
    for runtime in made:
        runtime.close()
    for drop in drops:
        drop()


@pytest.fixture
def serve() -> Iterator[Callable[[Runtime], TestClient]]:
    clients: list[TestClient] = []

    def start(runtime: Runtime) -> TestClient:
        client = TestClient(
            create_app(runtime.settings, runtime=runtime), raise_server_exceptions=False
        )
        client.__enter__()
        clients.append(client)
        return client

    yield start
    for client in clients:
        client.__exit__(None, None, None)


def host_and_port(url: str) -> tuple[str, int]:
    parsed = make_url(url)
    return parsed.host or "127.0.0.1", int(parsed.port or 5432)


def through(url: str, port: int) -> str:
    """`url` with its port replaced (a database reached through a proxy)."""
    return make_url(url).set(port=port).render_as_string(hide_password=False)


def assert_clean_503(response: Any) -> None:
    """A 503 problem that tells the client to retry and shows no internals."""
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["retry-after"].isdigit()
    body = response.json()
    assert body["code"] == "service_unavailable"
    assert "Traceback" not in response.text
    assert "Error" not in body["detail"]
