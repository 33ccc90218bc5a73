"""Stamped entries, shared versions between workers, and Redis reads without a round trip."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from syllabus.kit.cache import Cache, MemoryCache, NullCache, RedisCache, shared_versions_in
from tests.support.redis_server import redis_server_url, redis_url  # noqa: F401

NAMESPACES = ("course:1", "catalog:lists")


@pytest.fixture(params=["memory", "shared", "redis"])
def cache(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Cache]:
    backend: Cache
    if request.param == "memory":
        backend = MemoryCache(max_entries=100, default_ttl=60)
    elif request.param == "shared":
        backend = MemoryCache(100, 60, shared_versions=shared_versions_in(tmp_path))
    else:
        backend = RedisCache(request.getfixturevalue("redis_url"), default_ttl=60)
    yield backend
    backend.clear()
    backend.close()


def test_a_stamped_entry_lives_until_a_namespace_is_bumped(cache: Cache) -> None:
    entry, stamp = cache.get_stamped(NAMESPACES, "page")
    assert entry is None
    cache.set_stamped("page", stamp, b"<html>v0</html>")
    assert cache.get_stamped(NAMESPACES, "page")[0] == b"<html>v0</html>"
    assert cache.get_stamped(NAMESPACES, "page")[0] == b"<html>v0</html>"

    cache.bump("catalog:lists")
    entry, stamp = cache.get_stamped(NAMESPACES, "page")
    assert entry is None, "any of its namespaces bumped: gone"
    cache.set_stamped("page", stamp, b"<html>v1</html>")
    assert cache.get_stamped(NAMESPACES, "page")[0] == b"<html>v1</html>"
    cache.bump("course:2")
    assert cache.get_stamped(NAMESPACES, "page")[0] == b"<html>v1</html>", "others: kept"


def test_an_entry_built_across_a_bump_is_never_served(cache: Cache) -> None:
    _, stamp = cache.get_stamped(NAMESPACES, "page")  # read before the data...
    cache.bump("course:1")  # ...a write commits meanwhile...
    cache.set_stamped("page", stamp, b"built from the old data")  # ...stored afterwards
    assert cache.get_stamped(NAMESPACES, "page")[0] is None


def test_a_null_cache_never_answers() -> None:
    cache = NullCache()
    _, stamp = cache.get_stamped(NAMESPACES, "page")
    cache.set_stamped("page", stamp, b"x")
    assert cache.get_stamped(NAMESPACES, "page")[0] is None


def test_workers_on_one_machine_see_each_others_bumps(tmp_path: Path) -> None:
    first = MemoryCache(100, 60, shared_versions=shared_versions_in(tmp_path))
    second = MemoryCache(100, 60, shared_versions=shared_versions_in(tmp_path))
    _, stamp = first.get_stamped(NAMESPACES, "page")
    first.set_stamped("page", stamp, b"first's copy")
    assert second.get_stamped(NAMESPACES, "page")[0] is None, "entries stay per process"

    second.bump("course:1")
    assert first.version("course:1") == 1
    assert first.get_stamped(NAMESPACES, "page")[0] is None
    assert first.versioned_key("course:1", "detail") == "course:1:v1:detail"


def test_a_bump_from_another_process_is_seen(tmp_path: Path) -> None:
    cache = MemoryCache(100, 60, shared_versions=shared_versions_in(tmp_path))
    _, stamp = cache.get_stamped(NAMESPACES, "page")
    cache.set_stamped("page", stamp, b"cached")
    script = (
        "import sys; from pathlib import Path;"
        "from syllabus.kit.cache import MemoryCache, shared_versions_in;"
        "c = MemoryCache(shared_versions=shared_versions_in(Path(sys.argv[1])));"
        "print(c.bump('course:1'))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "1"
    assert cache.version("course:1") == 1
    assert cache.get_stamped(NAMESPACES, "page")[0] is None


def test_redis_reads_see_another_process_bump_at_once(redis_url: str) -> None:  # noqa: F811
    reader = RedisCache(redis_url, default_ttl=60)
    writer = RedisCache(redis_url, default_ttl=60)
    try:
        _, stamp = reader.get_stamped(NAMESPACES, "page")
        reader.set_stamped("page", stamp, b"v0")
        for _ in range(3):  # served from this process's copy once subscribed
            assert reader.get_stamped(NAMESPACES, "page")[0] == b"v0"

        writer.bump("course:1")
        entry, stamp = reader.get_stamped(NAMESPACES, "page")
        assert entry is None, "the very next read knows"
        writer.set_stamped("page", stamp, b"v1")
        assert reader.get_stamped(NAMESPACES, "page")[0] == b"v1"
        assert writer.get_stamped(NAMESPACES, "page")[0] == b"v1"
    finally:
        reader.clear()
        reader.close()
        writer.close()


def test_redis_reads_stay_right_when_the_bump_channel_breaks(redis_url: str) -> None:  # noqa: F811
    reader = RedisCache(redis_url, default_ttl=60)
    writer = RedisCache(redis_url, default_ttl=60)
    try:
        _, stamp = reader.get_stamped(NAMESPACES, "page")
        reader.set_stamped("page", stamp, b"v0")
        assert reader.get_stamped(NAMESPACES, "page")[0] == b"v0"
        # Nothing will tell the reader about bumps any more.
        reader.client.client_kill_filter(_type="pubsub")
        writer.bump("catalog:lists")
        assert reader.get_stamped(NAMESPACES, "page")[0] is None
        assert reader.get_stamped(NAMESPACES, "page")[0] is None
    finally:
        reader.clear()
        reader.close()
        writer.close()
