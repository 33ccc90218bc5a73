"""Byte cache with namespace versions, in memory or on Redis.

Routes are synchronous, so the API is too. Invalidation works by version:
every write to a namespace bumps its counter, which makes every key built
with the old version unreachable at once, without listing or deleting them.

Two ways to use versions:

- versioned keys (`versioned_key`): the version is part of the key;
- stamped entries (`get_stamped` / `set_stamped`): the value starts with the
  versions of the namespaces it was built from, and a read returns it only
  while they are still current. One read (one Redis round trip) fetches the
  versions and the entry together, which is what the fast paths need.

The memory backend keeps its entries per process, but with several web
workers on one machine their namespace versions must agree, or a write
served by one worker would leave the others' copies current: `SharedVersions`
keeps the counters in a small memory-mapped file in the data folder that
every process of the deployment maps.
"""

from __future__ import annotations

import fcntl
import logging
import mmap
import os
import re
import struct
import threading
import time
import zlib
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

import redis

from syllabus.kit.near_cache import CHANNEL, FORGET_ALL, NearStampedReads

VERSION_PREFIX = "v:"
VERSIONS_FILE = "cache-versions"
_STAMP_END = b"|"

log = logging.getLogger("syllabus.cache")


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
    @property
    def data_dir(self) -> Path: ...


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

    def versions(self, namespaces: Sequence[str]) -> list[int]:
        return [self.version(namespace) for namespace in namespaces]

    def get_stamped(self, namespaces: Sequence[str], key: str) -> tuple[bytes | None, bytes]:
        """(the entry if built from the namespaces' current versions, else None; their stamp).

        Keep the stamp for `set_stamped` when the entry is missing: taken before
        the data is read, it makes a copy built across a concurrent write stale.
        """
        stamp = _stamp(self.versions(namespaces))
        return _unstamped(self.get(key), stamp), stamp

    def set_stamped(self, key: str, stamp: bytes, value: bytes, ttl: int | None = None) -> None:
        self.set(key, stamp + value, ttl)


def _stamp(versions: Sequence[int]) -> bytes:
    return ",".join(map(str, versions)).encode() + _STAMP_END


def _unstamped(entry: bytes | None, stamp: bytes) -> bytes | None:
    if entry is None or not entry.startswith(stamp):
        return None
    return entry[len(stamp) :]


class SharedVersions:
    """Namespace counters shared by the processes that map the same file.

    A namespace owns one of `slots` 8-byte counters, chosen by a CRC of its
    name. Two namespaces may share a counter; a bump of one then also
    invalidates the other, which costs a recomputation, never a stale read.
    Reads are plain memory reads; a bump takes a file lock.
    """

    def __init__(self, path: Path, slots: int = 1 << 17) -> None:
        self.path = path
        self.slots = slots
        size = slots * 8
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            if os.fstat(fd).st_size < size:
                os.ftruncate(fd, size)  # sparse: pages cost memory once written
            self._map = mmap.mmap(fd, size)
        finally:
            os.close(fd)  # the mapping keeps its own reference
        self._lock = threading.Lock()  # flock does not exclude this process's own threads

    def _offset(self, namespace: str) -> int:
        return (zlib.crc32(namespace.encode()) % self.slots) * 8

    def get(self, namespace: str) -> int:
        value: int = struct.unpack_from("<Q", self._map, self._offset(namespace))[0]
        return value

    def bump(self, namespace: str) -> int:
        offset = self._offset(namespace)
        with self._lock, open(self.path, "rb") as lock_file:
            fcntl.flock(lock_file, fcntl.LOCK_EX)  # released when the file closes
            value: int = struct.unpack_from("<Q", self._map, offset)[0] + 1
            struct.pack_into("<Q", self._map, offset, value)
        return value

    def reset(self) -> None:
        """Zero every counter (tests): entries of other processes may look current again."""
        with self._lock:
            self._map[:] = bytes(len(self._map))

    def close(self) -> None:
        self._map.close()


def shared_versions_in(data_dir: Path) -> SharedVersions | None:
    """The deployment's shared counters, or None (this process counts alone) if unusable."""
    try:
        return SharedVersions(data_dir / VERSIONS_FILE)
    except OSError as exc:
        log.warning("cache.shared_versions_unavailable: %s", exc)
        return None


class MemoryCache(Cache):
    """One process's LRU cache; counters live apart so they are never evicted.

    With `shared_versions`, namespace versions are those of every process
    mapping the same file (the other web workers, the job workers).
    """

    def __init__(
        self,
        max_entries: int = 10_000,
        default_ttl: int = 300,
        shared_versions: SharedVersions | None = None,
    ) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self.max_entries = max_entries
        self.default_ttl = default_ttl
        self.shared_versions = shared_versions
        self._entries: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._counters: dict[str, int] = {}
        self._lock = threading.Lock()

    def version(self, namespace: str) -> int:
        if self.shared_versions is not None:
            return self.shared_versions.get(namespace)
        return super().version(namespace)

    def bump(self, namespace: str) -> int:
        if self.shared_versions is not None:
            return self.shared_versions.bump(namespace)
        return super().bump(namespace)

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
        if self.shared_versions is not None:
            self.shared_versions.reset()

    def close(self) -> None:
        if self.shared_versions is not None:
            self.shared_versions.close()
            self.shared_versions = None

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

    def get_stamped(self, namespaces: Sequence[str], key: str) -> tuple[bytes | None, bytes]:
        return None, b""


class RedisCache(Cache):
    """Shared by every process on the same Redis; keys carry `prefix`.

    Fails open: while Redis is unreachable a read is a miss (the caller builds
    the value from the database), a write is skipped and a warning is logged.
    A bump lost in the outage leaves older entries current until their TTL.
    """

    _outage_logged_at = 0.0

    def _unavailable(self, exc: redis.RedisError) -> None:
        now = time.monotonic()
        if now - self._outage_logged_at >= 30.0:
            self._outage_logged_at = now
            log.warning("cache.redis_unavailable, serving without the cache: %s", exc)

    def __init__(self, url: str, default_ttl: int = 300, prefix: str = "syllabus:") -> None:
        self.default_ttl = default_ttl
        self.prefix = prefix
        self.client = redis.Redis.from_url(
            url,
            socket_timeout=2.0,
            socket_connect_timeout=2.0,
            health_check_interval=30,
        )
        # Bumps are published so stamped reads can skip the round trip (near_cache).
        self.channel = prefix + CHANNEL
        self._near = NearStampedReads(self.client, self.channel, self._fetch_stamped, _stamp)

    def _key(self, key: str) -> str:
        return self.prefix + key

    def get(self, key: str) -> bytes | None:
        try:
            value = self.client.get(self._key(key))
        except redis.RedisError as exc:
            self._unavailable(exc)
            return None
        return None if value is None else bytes(value)

    def set(self, key: str, value: bytes, ttl: int | None = None) -> None:
        ttl = self._ttl(ttl)
        try:
            self.client.set(self._key(key), value, ex=ttl)
        except redis.RedisError as exc:
            self._unavailable(exc)

    def delete(self, key: str) -> None:
        try:
            self.client.delete(self._key(key))
        except redis.RedisError as exc:
            self._unavailable(exc)

    def incr(self, key: str) -> int:
        return int(self.client.incr(self._key(key)))

    def ping(self) -> None:
        self.client.ping()

    def bump(self, namespace: str) -> int:
        pipe = self.client.pipeline(transaction=True)
        pipe.incr(self._key(VERSION_PREFIX + namespace))
        pipe.publish(self.channel, namespace)
        try:
            version, _receivers = pipe.execute()
        except redis.RedisError as exc:
            self._unavailable(exc)
            return 0
        return int(version)

    def get_stamped(self, namespaces: Sequence[str], key: str) -> tuple[bytes | None, bytes]:
        try:
            stamp, entry = self._near.read(namespaces, key)
        except redis.RedisError as exc:
            self._unavailable(exc)
            return None, b"-"  # a stamp no stored entry starts with: nothing is cached
        return _unstamped(entry, stamp), stamp

    def _fetch_stamped(self, namespaces: Sequence[str], key: str) -> tuple[list[int], bytes | None]:
        # One MGET: the versions and the entry in one round trip, read atomically.
        names = [self._key(VERSION_PREFIX + namespace) for namespace in namespaces]
        *raw_versions, entry = self.client.mget([*names, self._key(key)])
        versions = [int(raw) if raw is not None else 0 for raw in raw_versions]
        return versions, None if entry is None else bytes(entry)

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
        self._near.forget_copies()
        self.client.publish(self.channel, FORGET_ALL)

    def close(self) -> None:
        self._near.close()
        self.client.close()


def build_cache(settings: CacheSettings) -> Cache:
    """Redis when configured, else this process's memory (versions shared through the
    data folder with the deployment's other processes); a no-op when disabled."""
    if not settings.cache_enabled:
        return NullCache(default_ttl=settings.cache_ttl_seconds)
    if settings.redis_url:
        return RedisCache(settings.redis_url, default_ttl=settings.cache_ttl_seconds)
    return MemoryCache(
        settings.cache_max_entries,
        settings.cache_ttl_seconds,
        shared_versions=shared_versions_in(settings.data_dir),
    )
