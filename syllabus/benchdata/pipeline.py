"""Chunks of generated courses, made in a second process while this one writes.

Generating a course's rows costs about a third of loading them, and the
database writes happen in this process, so on a machine with two cores a
worker process generates the next chunks meanwhile. At most `AHEAD`
chunks wait, so memory stays bounded whatever N is. Chunks come back in
course order, identical to generating them here (each course draws from its
own seeded random source), so the result never depends on the split.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing import get_context

from syllabus.benchdata.catalog import CatalogPlan, Chunk, generate_course

AHEAD = 2

_plan: CatalogPlan | None = None


def _remember(plan: CatalogPlan) -> None:
    global _plan
    _plan = plan


def generate_range(plan: CatalogPlan, first: int, stop: int) -> Chunk:
    """Courses first..stop-1."""
    chunk = Chunk()
    for number in range(first, stop):
        generate_course(number, plan, chunk)
    return chunk


def _generate_here(first: int, stop: int) -> Chunk:
    assert _plan is not None, "the worker process was started without a plan"
    return generate_range(_plan, first, stop)


def chunks(plan: CatalogPlan, courses: int, size: int, *, parallel: bool) -> Iterator[Chunk]:
    """Courses 1..courses in chunks of `size`, in order."""
    ranges = [(first, min(first + size, courses + 1)) for first in range(1, courses + 1, size)]
    if not parallel or len(ranges) < 2:
        for first, stop in ranges:
            yield generate_range(plan, first, stop)
        return
    # "fork": the worker starts at once with everything imported; it only computes rows
    # (no database, no logging, no threads), so nothing it inherits is used.
    context = get_context("fork")
    pool = ProcessPoolExecutor(1, mp_context=context, initializer=_remember, initargs=(plan,))
    with pool:
        todo = iter(ranges)
        pending: deque[Future[Chunk]] = deque()
        for first, stop in todo:
            pending.append(pool.submit(_generate_here, first, stop))
            if len(pending) == AHEAD:
                break
        while pending:
            chunk = pending.popleft().result()
            following = next(todo, None)
            if following is not None:
                pending.append(pool.submit(_generate_here, *following))
            yield chunk
