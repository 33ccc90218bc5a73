"""Rate limits by scope and identity, counted in memory or on a shared Redis.

A moving window is used so a burst cannot straddle a window boundary and get
twice the allowance; on Redis every process sees the same counts.

While Redis is unreachable each process counts in its own memory instead
(degraded, not open: limits still hold per process) and logs a warning;
refusing every login during a Redis outage would turn it into a site outage.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

import limits
from limits.errors import StorageError
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from syllabus.kit.errors import AppError

KEY_PREFIX = "syllabus-rl"
OUTAGE_LOG_EVERY_SECONDS = 30.0

log = logging.getLogger("syllabus.ratelimit")


class RateLimitSettings(Protocol):
    """What `build_rate_limiter` reads; `syllabus.config.Settings` satisfies it."""

    @property
    def redis_url(self) -> str | None: ...


class RateLimited(AppError):
    code = "rate_limited"
    status = 429
    title = "Too many requests"

    def __init__(self, retry_after: int, message: str | None = None) -> None:
        self.retry_after = max(1, int(retry_after))
        super().__init__(message, headers={"Retry-After": str(self.retry_after)})


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    retry_after: int
    remaining: int


@lru_cache(maxsize=256)
def parse_rule(rule: str) -> limits.RateLimitItem:
    """Parse "5/minute"-style rules once; a bad rule raises ValueError."""
    return limits.parse(rule)


def _storage_uri(url: str) -> str:
    """`limits` spells Unix-socket Redis URLs `redis+unix://`."""
    if url.startswith("unix://"):
        return "redis+unix://" + url[len("unix://") :]
    return url


class RateLimiter:
    """Count hits per (scope, identity, rule) and say when to come back."""

    def __init__(self, storage_uri: str = "memory://", key_prefix: str = KEY_PREFIX) -> None:
        storage: Storage
        if storage_uri.startswith("memory://"):
            storage = MemoryStorage()
        else:
            created = storage_from_string(
                _storage_uri(storage_uri),
                key_prefix=key_prefix,
                socket_timeout=2.0,
                socket_connect_timeout=2.0,
                wrap_exceptions=True,
            )
            if not isinstance(created, Storage):
                raise ValueError(f"not a synchronous rate-limit storage: {storage_uri}")
            storage = created
        self.storage = storage
        self._shared = MovingWindowRateLimiter(storage)
        self._local = MovingWindowRateLimiter(MemoryStorage())
        self._outage_logged_at = 0.0

    def _fallback(self, exc: StorageError) -> MovingWindowRateLimiter:
        now = time.monotonic()
        if now - self._outage_logged_at >= OUTAGE_LOG_EVERY_SECONDS:
            self._outage_logged_at = now
            log.warning("ratelimit.storage_unavailable, counting in process memory: %s", exc)
        return self._local

    def hit(self, scope: str, identity: str, rule: str) -> RateDecision:
        """Count one hit; refused hits are not counted."""
        item = parse_rule(rule)
        try:
            allowed = self._shared.hit(item, scope, identity)
            stats = self._shared.get_window_stats(item, scope, identity)
        except StorageError as exc:
            local = self._fallback(exc)
            allowed = local.hit(item, scope, identity)
            stats = local.get_window_stats(item, scope, identity)
        remaining = max(0, stats.remaining)
        if allowed:
            return RateDecision(allowed=True, retry_after=0, remaining=remaining)
        wait = math.ceil(stats.reset_time - time.time())
        return RateDecision(allowed=False, retry_after=max(1, wait), remaining=remaining)

    def test(self, scope: str, identity: str, rule: str) -> bool:
        """Would a hit be allowed now? Counts nothing."""
        try:
            return self._shared.test(parse_rule(rule), scope, identity)
        except StorageError as exc:
            return self._fallback(exc).test(parse_rule(rule), scope, identity)

    def reset(self, scope: str, identity: str, rule: str) -> None:
        """Forget the hits, e.g. after a successful login."""
        self._local.clear(parse_rule(rule), scope, identity)
        try:
            self._shared.clear(parse_rule(rule), scope, identity)
        except StorageError as exc:
            self._fallback(exc)

    def check(self, scope: str, identity: str, rule: str) -> None:
        """Count a hit or raise `RateLimited` carrying Retry-After."""
        decision = self.hit(scope, identity, rule)
        if not decision.allowed:
            raise RateLimited(decision.retry_after)

    def clear_all(self) -> None:
        """Drop every count this limiter's storage holds (tests)."""
        self.storage.reset()
        self._local.storage.reset()


def build_rate_limiter(settings: RateLimitSettings) -> RateLimiter:
    """Shared Redis counts when configured, else this process's memory."""
    return RateLimiter(settings.redis_url or "memory://", key_prefix=KEY_PREFIX)
