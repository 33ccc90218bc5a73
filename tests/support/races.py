"""Races for tests on a committed database: calls released together from threads."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from syllabus.kit.errors import AppError

T = TypeVar("T")


def all_at_once(calls: Sequence[Callable[[], T]]) -> list[T]:
    """Run the calls in threads released together; results in call order.

    Re-raises the first failure, so a crash fails the test with its own traceback.
    """
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], T]) -> T:
        barrier.wait(timeout=30)
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def or_refusal(call: Callable[[], T]) -> Callable[[], T | str]:
    """`call`, answering a refusal's stable code (e.g. "coupon_exhausted") instead of raising."""

    def guarded() -> Any:
        try:
            return call()
        except AppError as refusal:
            return refusal.code

    return guarded
