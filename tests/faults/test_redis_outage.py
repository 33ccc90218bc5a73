"""Redis goes away: each use of it degrades as docs/operations.md says, and recovers.

- rate limiter: counts in each process's memory meanwhile (limits still hold);
- cache: fails open, pages are built from the database;
- queue: the request that queued work still succeeds; the outbox row keeps the
  job and the sweep hands it over once Redis is back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
import redis
from fastapi.testclient import TestClient
from huey import RedisHuey

from syllabus.kit import queue
from syllabus.kit.outbox import sweep_and_hand_over
from syllabus.kit.runtime import Runtime
from tests.catalog.factories import make_course
from tests.factories import activation_code, make_user
from tests.faults.conftest import Deploy
from tests.support.fault_proxy import FaultProxy, fault_proxy

API = "/api/v1"
Serve = Callable[[Runtime], TestClient]


@pytest.fixture
def redis_proxy(redis_url: str) -> Iterator[FaultProxy]:
    address = redis.Redis.from_url(redis_url).connection_pool.connection_kwargs
    with fault_proxy(address["host"], int(address["port"])) as proxy:
        yield proxy


@pytest.fixture
def proxied_redis_url(redis_url: str, redis_proxy: FaultProxy) -> str:
    return f"redis://127.0.0.1:{redis_proxy.port}/0"


@pytest.mark.slow
def test_rate_limits_still_hold_while_redis_is_down(
    deploy: Deploy, serve: Serve, redis_proxy: FaultProxy, proxied_redis_url: str
) -> None:
    runtime = deploy(redis_url=proxied_redis_url, login_rate_per_account="3/minute")
    client = serve(runtime)
    with runtime.db.session_scope() as db:
        email = make_user(db).email

    redis_proxy.refuse()
    wrong = {"email": email, "password": "not the password"}
    codes = [client.post(f"{API}/auth/login", json=wrong).status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]
    assert client.get("/readyz").json()["checks"]["cache"] == "unavailable"


@pytest.mark.slow
def test_pages_are_served_from_the_database_while_the_cache_is_down(
    deploy: Deploy, serve: Serve, redis_proxy: FaultProxy, proxied_redis_url: str
) -> None:
    runtime = deploy(redis_url=proxied_redis_url)
    client = serve(runtime)
    with runtime.db.session_scope() as db:
        course = make_course(db, make_user(db, role="instructor"), title="Fault tolerant baking")
        slug = course.slug
    assert client.get(f"{API}/courses/{slug}").status_code == 200  # cached now

    redis_proxy.refuse()
    for _ in range(2):
        listed = client.get(f"{API}/courses")
        assert listed.status_code == 200, listed.text
        assert [item["slug"] for item in listed.json()["items"]] == [slug]
        page = client.get(f"/courses/{slug}")
        assert page.status_code == 200
        assert "Fault tolerant baking" in page.text

    redis_proxy.pass_through()
    assert client.get(f"{API}/courses/{slug}").json()["title"] == "Fault tolerant baking"


@pytest.mark.slow
def test_work_queued_while_redis_is_down_runs_after_it_returns(
    deploy: Deploy,
    serve: Serve,
    redis_proxy: FaultProxy,
    proxied_redis_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The job queue on the same (proxied) Redis, as in production.
    redis_queue = RedisHuey("syllabus-faults", url=proxied_redis_url, utc=True)
    monkeypatch.setattr(queue.huey, "storage", redis_queue.storage)
    runtime = deploy(redis_url=proxied_redis_url)
    client = serve(runtime)

    redis_proxy.refuse()
    body = {"email": "queued@example.com", "password": "a long sturdy passphrase", "name": "Q"}
    registered = client.post(f"{API}/auth/register", json=body)
    assert registered.status_code == 201, registered.text
    assert queue.drain() == 0  # nothing reached the queue, and nothing was sent
    assert not runtime.settings.mail_dir.exists() or not any(runtime.settings.mail_dir.iterdir())

    redis_proxy.pass_through()
    assert sweep_and_hand_over(timedelta(0)) >= 1  # the periodic sweep's work, run now
    assert queue.drain() >= 1
    assert activation_code(runtime, "queued@example.com").isdigit()
