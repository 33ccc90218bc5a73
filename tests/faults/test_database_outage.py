"""The database goes away for a moment: clean 503s meanwhile, nothing acknowledged lost."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from syllabus.kit.runtime import Runtime
from tests.factories import bearer, login, make_user
from tests.faults.conftest import Deploy, assert_clean_503, host_and_port, through
from tests.support.fault_proxy import fault_proxy

API = "/api/v1"
Serve = Callable[[Runtime], TestClient]


def _signed_in(runtime: Runtime, client: TestClient) -> dict[str, str]:
    with runtime.db.session_scope() as db:
        email = make_user(db).email
    return bearer(login(client, email))


@pytest.mark.slow
def test_a_postgresql_outage_answers_503_then_recovers_with_every_write_kept(
    database_server_url: str, deploy: Deploy, serve: Serve
) -> None:
    if not database_server_url.startswith("postgresql"):
        pytest.skip("needs PostgreSQL (SYLLABUS_DATABASE_URL) to put a proxy in front of it")
    with fault_proxy(*host_and_port(database_server_url)) as proxy:
        runtime = deploy(database_url=through(database_server_url, proxy.port))
        client = serve(runtime)
        headers = _signed_in(runtime, client)
        saved = client.patch(f"{API}/users/me", json={"name": "Before the outage"}, headers=headers)
        assert saved.status_code == 200, saved.text

        proxy.refuse()  # the server is gone; pooled connections were cut
        for _ in range(3):
            assert_clean_503(client.get(f"{API}/users/me", headers=headers))
        assert_clean_503(client.patch(f"{API}/users/me", json={"name": "Lost"}, headers=headers))
        assert client.get("/readyz").json()["checks"]["database"] == "unavailable"

        proxy.pass_through()  # back: the pool replaces its dead connections
        again = client.get(f"{API}/users/me", headers=headers)
        assert again.status_code == 200, again.text
        assert again.json()["name"] == "Before the outage"
        after = client.patch(f"{API}/users/me", json={"name": "After"}, headers=headers)
        assert after.status_code == 200
        assert client.get(f"{API}/users/me", headers=headers).json()["name"] == "After"


@pytest.mark.slow
def test_a_briefly_locked_sqlite_database_delays_a_write_without_failing_it(
    deploy: Deploy, serve: Serve
) -> None:
    runtime = deploy()
    if not runtime.settings.uses_sqlite:
        pytest.skip("SQLite locking only")
    client = serve(runtime)
    headers = _signed_in(runtime, client)
    path = runtime.settings.resolved_database_url.split("///", 1)[1]
    locker = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    locker.execute("BEGIN EXCLUSIVE")  # a backup or a long migration holds the file
    release = threading.Timer(1.0, lambda: locker.execute("COMMIT"))
    release.start()
    try:
        saved = client.patch(f"{API}/users/me", json={"name": "Waited"}, headers=headers)
    finally:
        release.join(timeout=10)
        locker.close()
    assert saved.status_code == 200, saved.text
    assert client.get(f"{API}/users/me", headers=headers).json()["name"] == "Waited"
