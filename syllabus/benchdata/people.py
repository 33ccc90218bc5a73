"""The benchmark's accounts: instructors and the student pool, all active, one password.

Every account gets the same password hash (of `names.BENCH_PASSWORD`,
hashed once per run with the application's own hasher), so signing in as
any of them works. Names are derived from the account number alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from syllabus.benchdata import vocabulary as v
from syllabus.benchdata.ids import Clock, instructor_id, student_id
from syllabus.benchdata.names import instructor_email, student_email

Row = tuple[Any, ...]
# Accounts were made during the first year of the clock's span.
_JOINED_SPAN = 365


def _name(number: int, salt: int) -> str:
    first = v.FIRST_NAMES[(number * 7 + salt) % len(v.FIRST_NAMES)]
    last = v.LAST_NAMES[(number * 11 + number // len(v.FIRST_NAMES) + salt) % len(v.LAST_NAMES)]
    return f"{first} {last}"


def instructor_name(number: int) -> str:
    return _name(number, 3)


def student_name(number: int) -> str:
    return _name(number, 0)


def _joined(clock: Clock, number: int) -> str:
    return clock.stamp((number * 7919) % (_JOINED_SPAN * 86_400))


def instructor_rows(count: int, password_hash: str, clock: Clock) -> Iterator[Row]:
    """`users` rows of instructors 1..count (column order of tables.COLUMNS)."""
    for n in range(1, count + 1):
        joined = _joined(clock, n)
        headline = v.HEADLINES[n % len(v.HEADLINES)]
        yield (
            instructor_id(n),
            joined,
            joined,
            instructor_email(n),
            instructor_name(n),
            password_hash,
            "instructor",
            "active",
            headline,
            f"{instructor_name(n)} teaches online and has helped thousands of learners.",
            "[]",
            None,
            None,
            None,
            0,
        )


def student_rows(count: int, password_hash: str, clock: Clock) -> Iterator[Row]:
    """`users` rows of students 1..count."""
    for n in range(1, count + 1):
        joined = _joined(clock, n)
        yield (
            student_id(n),
            joined,
            joined,
            student_email(n),
            student_name(n),
            password_hash,
            "student",
            "active",
            None,
            None,
            "[]",
            None,
            None,
            None,
            0,
        )
