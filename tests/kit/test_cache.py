"""The cache contract, proven on the in-process backend and on a real Redis."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import pytest

from syllabus.config import Settings
from syllabus.kit.cache import Cache, MemoryCache, NullCache, RedisCache, build_cache
from tests.support.redis_server import redis_server_url, redis_url  # noqa: F401

DEADLINE = 5.0


@pytest.fixture(params=["memory", "redis"])
def cache(request: pytest.FixtureRequest) -> Iterator[Cache]:
    backend: Cache
    if request.param == "memory":
        backend = MemoryCache(max_entries=100, default_ttl=60)
    else:
        backend = RedisCache(request.getfixturevalue("redis_url"), default_ttl=60)
    yield backend
    backend.clear()
    backend.close()


def wait_until(condition: Callable[[], bool], timeout: float = DEADLINE) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_get_set_delete(cache: Cache) -> None:
    assert cache.get("missing") is None
    cache.set("k", b"value")
    assert cache.get("k") == b"value"
    cache.set("k", b"other")
    assert cache.get("k") == b"other"
    cache.delete("k")
    assert cache.get("k") is None
    cache.delete("k")


def test_ttl_expiry(cache: Cache) -> None:
    cache.set("short", b"x", ttl=1)
    cache.set("long", b"y", ttl=60)
    assert cache.get("short") == b"x"
    assert wait_until(lambda: cache.get("short") is None)
    assert cache.get("long") == b"y"


def test_ttl_below_one_second_is_refused(cache: Cache) -> None:
    with pytest.raises(ValueError, match="at least 1 second"):
        cache.set("k", b"x", ttl=0)


def test_incr_is_a_counter(cache: Cache) -> None:
    assert cache.incr("n") == 1
    assert cache.incr("n") == 2
    assert cache.get("n") == b"2"


def test_bump_makes_old_versioned_key_unreachable(cache: Cache) -> None:
    assert cache.version("course:7") == 0
    old_key = cache.versioned_key("course:7", "detail", "en")
    assert old_key == "course:7:v0:detail:en"
    cache.set(old_key, b"stale")
    assert cache.bump("course:7") == 1
    new_key = cache.versioned_key("course:7", "detail", "en")
    assert new_key == "course:7:v1:detail:en"
    assert cache.get(new_key) is None
    assert cache.version("course:8") == 0


def test_get_or_set_calls_producer_once(cache: Cache) -> None:
    calls: list[int] = []

    def produce() -> bytes:
        calls.append(1)
        return b"computed"

    assert cache.get_or_set("k", 30, produce) == b"computed"
    assert cache.get_or_set("k", 30, produce) == b"computed"
    assert len(calls) == 1


def test_clear_forgets_values_and_versions(cache: Cache) -> None:
    cache.set("a", b"1")
    cache.bump("ns")
    cache.clear()
    assert cache.get("a") is None
    assert cache.version("ns") == 0


def test_ping(cache: Cache) -> None:
    cache.ping()


def test_concurrent_incr_loses_no_update(cache: Cache) -> None:
    def work() -> None:
        for _ in range(50):
            cache.incr("hits")

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=DEADLINE)
    assert cache.get("hits") == b"200"


def test_memory_lru_evicts_least_recently_used() -> None:
    cache = MemoryCache(max_entries=3, default_ttl=60)
    for key in ("a", "b", "c"):
        cache.set(key, key.encode())
    assert cache.get("a") == b"a"
    cache.set("d", b"d")
    assert cache.get("b") is None
    assert [cache.get(k) for k in ("a", "c", "d")] == [b"a", b"c", b"d"]
    assert len(cache) == 3


def test_memory_versions_survive_eviction() -> None:
    cache = MemoryCache(max_entries=2, default_ttl=60)
    cache.bump("course")
    for index in range(10):
        cache.set(f"k{index}", b"x")
    assert cache.version("course") == 1


def test_two_redis_caches_share_bumps(redis_url: str) -> None:  # noqa: F811
    first = RedisCache(redis_url, default_ttl=60)
    second = RedisCache(redis_url, default_ttl=60)
    try:
        key = first.versioned_key("course:1", "page")
        first.set(key, b"v0 page")
        assert second.get(second.versioned_key("course:1", "page")) == b"v0 page"
        second.bump("course:1")
        assert first.version("course:1") == 1
        assert first.get(first.versioned_key("course:1", "page")) is None
    finally:
        first.close()
        second.close()


def test_redis_clear_keeps_other_prefixes(redis_url: str) -> None:  # noqa: F811
    mine = RedisCache(redis_url, prefix="syllabus:")
    theirs = RedisCache(redis_url, prefix="other:")
    try:
        mine.set("k", b"1")
        theirs.set("k", b"2")
        mine.clear()
        assert mine.get("k") is None
        assert theirs.get("k") == b"2"
    finally:
        theirs.clear()
        mine.close()
        theirs.close()


def test_null_cache_stores_nothing_but_counts_versions() -> None:
    cache = NullCache(default_ttl=60)
    cache.set("k", b"v")
    assert cache.get("k") is None
    assert cache.bump("course") == 1
    assert cache.version("course") == 1
    assert cache.versioned_key("course", "x") == "course:v1:x"
    assert cache.get_or_set("k", 30, lambda: b"fresh") == b"fresh"


def test_build_cache_picks_backend(redis_url: str) -> None:  # noqa: F811
    assert isinstance(build_cache(Settings(cache_enabled=False)), NullCache)
    memory = build_cache(Settings(redis_url=None, cache_max_entries=50))
    assert isinstance(memory, MemoryCache)
    assert memory.max_entries == 50
    shared = build_cache(Settings(redis_url=redis_url, cache_ttl_seconds=42))
    assert isinstance(shared, RedisCache)
    assert shared.default_ttl == 42
    shared.close()
