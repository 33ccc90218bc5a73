"""Byte cache with namespace versions, in memory or on Redis.

Routes are synchronous, so the API is too. Invalidation works by version:
every write to a namespace bumps its counter, which makes every key built
with the old version unreachable at once, without listing or deleting them.
"""

from __future__ import annotations

import re
import threading
import time
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol

import redis

VERSION_PREFIX = "v:"


class CacheSettings(Protocol):
    """What `build_cache` reads; `syllabus.config.Settings` satisfies it."""

    @property
    def cache_enabled(self) -> bool: ...
    @property
    def redis_url(self) -> str | None: ...
    @property
    def cache_ttl_seconds(self) -> int: ...
    @property
    def cache_max_entries(self) -> int: ...


class Cache(ABC):
    """The contract every backend honours; versions are built on `get`/`incr`."""

    default_ttl: int

    @abstractmethod
    def get(self, key: str) -> bytes | None: ...

    @abstractmethod
    def set(self, key: str, value: bytes, ttl: int | None = None) -> None: ...

    @abstractmethod
    def delete(self, key: str) -> None: ...

    @abstractmethod
    def incr(self, key: str) -> int:
        """Add one atomically and return the new value; counters never expire."""

    @abstractmethod
    def ping(self) -> None:
        """Raise when the backend cannot be reached (health checks)."""

    @abstractmethod
    def clear(self) -> None:
        """Forget everything this cache owns (tests)."""

    def close(self) -> None:  # noqa: B027 - optional hook, nothing to release in memory
        """Release connections; a no-op for in-process backends."""

    def _ttl(self, ttl: int | None) -> int:
        seconds = self.default_ttl if ttl is None else ttl
        if seconds < 1:
            raise ValueError(f"cache ttl must be at least 1 second, got {seconds}")
        return seconds

    def version(self, namespace: str) -> int:
        """Current version of a namespace; 0 until its first bump."""
        raw = self.get(VERSION_PREFIX + namespace)
        return int(raw) if raw is not None else 0

    def bump(self, namespace: str) -> int:
        """Invalidate every key built with the namespace's current version."""
        return self.incr(VERSION_PREFIX + namespace)

    def versioned_key(self, namespace: str, *parts: str) -> str:
        return f"{namespace}:v{self.version(namespace)}:{':'.join(parts)}"

    def get_or_set(self, key: str, ttl: int | None, producer: Callable[[], bytes]) -> bytes:
        """Return the cached value, computing and storing it on a miss."""
        value = self.get(key)
        if value is None:
            value = producer()
            self.set(key, value, ttl)
        return value


class MemoryCache(Cache):
    """One process's LRU cache; counters live apart so they are never evicted."""

    def __init__(self, max_entries: int = 10_000, default_ttl: int = 300) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self.max_entries = max_entries
        self.default_ttl = default_ttl
        self._entries: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._counters: dict[str, int] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self._lock:
            item = self._entries.get(key)
            if item is not None:
                expires_at, value = item
                if expires_at > time.monotonic():
                    self._entries.move_to_end(key)
                    return value
                del self._entries[key]
            counter = self._counters.get(key)
            return None if counter is None else str(counter).encode()

    def set(self, key: str, value: bytes, ttl: int | None = None) -> None:
        expires_at = time.monotonic() + self._ttl(ttl)
        with self._lock:
            self._counters.pop(key, None)
            self._entries[key] = (expires_at, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def delete(self, key: str) -> None:
        with self._lock:
            self._entries.pop(key, None)
            self._counters.pop(key, None)

    def incr(self, key: str) -> int:
        with self._lock:
            item = self._entries.pop(key, None)
            start = int(item[1]) if item is not None else self._counters.get(key, 0)
            self._counters[key] = start + 1
            return start + 1

    def ping(self) -> None:
        return None

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._counters.clear()

    def __len__(self) -> int:
        return len(self._entries)


class NullCache(MemoryCache):
    """Caching switched off: nothing is stored, but counters still count."""

    def __init__(self, default_ttl: int = 300) -> None:
        super().__init__(max_entries=1, default_ttl=default_ttl)

    def get(self, key: str) -> bytes | None:
        return None

    def set(self, key: str, value: bytes, ttl: int | None = None) -> None:
        self._ttl(ttl)

    def version(self, namespace: str) -> int:
        with self._lock:
            return self._counters.get(VERSION_PREFIX + namespace, 0)


class RedisCache(Cache):
    """Shared by every process on the same Redis; keys carry `prefix`."""

    def __init__(self, url: str, default_ttl: int = 300, prefix: str = "syllabus:") -> None:
        self.default_ttl = default_ttl
        self.prefix = prefix
        self.client = redis.Redis.from_url(
            url,
            socket_timeout=2.0,
            socket_connect_timeout=2.0,
            health_check_interval=30,
        )

    def _key(self, key: str) -> str:
        return self.prefix + key

    def get(self, key: str) -> bytes | None:
        value = self.client.get(self._key(key))
        return None if value is None else bytes(value)

    def set(self, key: str, value: bytes, ttl: int | None = None) -> None:
        self.client.set(self._key(key), value, ex=self._ttl(ttl))

    def delete(self, key: str) -> None:
        self.client.delete(self._key(key))

    def incr(self, key: str) -> int:
        return int(self.client.incr(self._key(key)))

    def ping(self) -> None:
        self.client.ping()

    def clear(self) -> None:
        pattern = re.sub(r"([*?\[\]\\])", r"\\\1", self.prefix) + "*"
        batch: list[bytes] = []
        for key in self.client.scan_iter(match=pattern, count=500):
            batch.append(key)
            if len(batch) >= 500:
                self.client.delete(*batch)
                batch.clear()
        if batch:
            self.client.delete(*batch)

    def close(self) -> None:
        self.client.close()


def build_cache(settings: CacheSettings) -> Cache:
    """Redis when configured, else this process's memory; a no-op when disabled."""
    if not settings.cache_enabled:
        return NullCache(default_ttl=settings.cache_ttl_seconds)
    if settings.redis_url:
        return RedisCache(settings.redis_url, default_ttl=settings.cache_ttl_seconds)
    return MemoryCache(settings.cache_max_entries, settings.cache_ttl_seconds)
