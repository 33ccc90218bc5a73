"""Rate limits, proven on the in-process storage and on a real Redis."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from syllabus.config import Settings
from syllabus.kit.errors import AppError
from syllabus.kit.ratelimit import (
    RateDecision,
    RateLimited,
    RateLimiter,
    build_rate_limiter,
)
from tests.support.redis_server import redis_server_url, redis_url  # noqa: F401


@pytest.fixture(params=["memory", "redis"])
def limiter(request: pytest.FixtureRequest) -> Iterator[RateLimiter]:
    uri = "memory://" if request.param == "memory" else request.getfixturevalue("redis_url")
    rate_limiter = RateLimiter(uri)
    yield rate_limiter
    rate_limiter.clear_all()


def test_allows_n_hits_then_refuses(limiter: RateLimiter) -> None:
    decisions = [limiter.hit("login", "ann@example.com", "3/minute") for _ in range(3)]
    assert [d.allowed for d in decisions] == [True, True, True]
    assert [d.remaining for d in decisions] == [2, 1, 0]
    assert all(d.retry_after == 0 for d in decisions)
    refused = limiter.hit("login", "ann@example.com", "3/minute")
    assert refused == RateDecision(allowed=False, retry_after=refused.retry_after, remaining=0)
    assert 1 <= refused.retry_after <= 60


def test_test_does_not_count(limiter: RateLimiter) -> None:
    for _ in range(5):
        assert limiter.test("search", "1.2.3.4", "2/minute")
    limiter.hit("search", "1.2.3.4", "2/minute")
    assert limiter.test("search", "1.2.3.4", "2/minute")
    limiter.hit("search", "1.2.3.4", "2/minute")
    assert not limiter.test("search", "1.2.3.4", "2/minute")


def test_reset_clears(limiter: RateLimiter) -> None:
    for _ in range(2):
        limiter.hit("login", "bob", "2/hour")
    assert not limiter.hit("login", "bob", "2/hour").allowed
    limiter.reset("login", "bob", "2/hour")
    assert limiter.hit("login", "bob", "2/hour").allowed


def test_identities_and_scopes_are_independent(limiter: RateLimiter) -> None:
    assert limiter.hit("login", "ann", "1/minute").allowed
    assert not limiter.hit("login", "ann", "1/minute").allowed
    assert limiter.hit("login", "bob", "1/minute").allowed
    assert limiter.hit("signup", "ann", "1/minute").allowed


def test_check_raises_rate_limited(limiter: RateLimiter) -> None:
    limiter.check("reset-password", "ann", "1/minute")
    with pytest.raises(RateLimited) as caught:
        limiter.check("reset-password", "ann", "1/minute")
    error = caught.value
    assert isinstance(error, AppError)
    assert error.status == 429
    assert error.code == "rate_limited"
    assert error.title == "Too many requests"
    assert 1 <= error.retry_after <= 60
    assert error.headers == {"Retry-After": str(error.retry_after)}


def test_bad_rule_is_refused(limiter: RateLimiter) -> None:
    with pytest.raises(ValueError, match="often"):
        limiter.hit("login", "ann", "often")


def test_two_limiters_on_one_redis_share_counts(redis_url: str) -> None:  # noqa: F811
    first = RateLimiter(redis_url)
    second = RateLimiter(redis_url)
    assert first.hit("login", "ann", "2/minute").allowed
    assert second.hit("login", "ann", "2/minute").allowed
    refused = first.hit("login", "ann", "2/minute")
    assert not refused.allowed
    assert refused.retry_after >= 1
    second.reset("login", "ann", "2/minute")
    assert first.hit("login", "ann", "2/minute").allowed


def test_memory_limiters_do_not_share() -> None:
    first, second = RateLimiter(), RateLimiter()
    assert first.hit("login", "ann", "1/minute").allowed
    assert second.hit("login", "ann", "1/minute").allowed


def test_build_rate_limiter(redis_url: str) -> None:  # noqa: F811
    memory = build_rate_limiter(Settings(redis_url=None))
    assert memory.hit("x", "y", "1/minute").allowed
    shared = build_rate_limiter(Settings(redis_url=redis_url))
    assert shared.hit("x", "y", "1/minute").allowed
    assert not RateLimiter(redis_url, key_prefix="syllabus-rl").test("x", "y", "1/minute")
