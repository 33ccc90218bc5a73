"""Row ids and timestamps of the benchmark data, made fast and in insertion order.

Ids keep the layout of the `String(36)` UUID keys the application makes,
but they grow with insertion order: a tag per table, then a counter. Random
uuid4 keys would land all over every primary-key and foreign-key index, and
splitting B-tree pages at random is the main cost of loading millions of
rows; ascending keys only ever append. Rows that belong to a course count
`course number << 16 | item`, so a course's ids depend on its number alone.

Timestamps are written as the strings the database stores, computed from a
precomputed day table: formatting a `datetime` for each of ~15 million rows
would cost more than inserting them. Every date lies in the `SPAN_DAYS`
before the fixed `ANCHOR`, so the same N gives the same data on any day.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

TAGS = {
    "users": 0xBE5C0001,
    "courses": 0xBE5C0002,
    "sections": 0xBE5C0003,
    "lessons": 0xBE5C0004,
    "enrollments": 0xBE5C0005,
    "lesson_progress": 0xBE5C0006,
    "reviews": 0xBE5C0007,
    "media_assets": 0xBE5C0008,
    "categories": 0xBE5C0009,
}
ITEM_BITS = 16  # up to 65,536 sections, lessons, enrollments... per course
STUDENT_BASE = 1 << 40  # students after instructors in the users table

ANCHOR = datetime(2026, 11, 1, tzinfo=UTC)
SPAN_DAYS = 1200
DAY = 86_400


def id_prefix(table: str) -> str:
    """The first 24 characters of every id of `table`; 12 hex digits of counter follow."""
    return f"{TAGS[table]:08x}-0000-4000-8000-"


def bench_id(table: str, number: int) -> str:
    return f"{id_prefix(table)}{number:012x}"


def course_item(course: int, item: int) -> int:
    """The counter of the `item`-th row of its kind within course `course`."""
    return course << ITEM_BITS | item


def instructor_id(number: int) -> str:
    return bench_id("users", number)


def student_id(number: int) -> str:
    return bench_id("users", STUDENT_BASE + number)


class Clock:
    """Seconds after `start` (SPAN_DAYS before ANCHOR) as stored timestamps.

    `suffix` is "" for SQLite (naive UTC text, as `UTCDateTime` stores it)
    and "+00" for PostgreSQL (timestamptz input).
    """

    def __init__(self, suffix: str) -> None:
        self.start = ANCHOR - timedelta(days=SPAN_DAYS)
        self.end = SPAN_DAYS * DAY
        self.suffix = suffix
        self._days = [
            (self.start + timedelta(days=d)).strftime("%Y-%m-%d ") for d in range(SPAN_DAYS + 1)
        ]

    def stamp(self, t: int) -> str:
        day, rest = divmod(t, DAY)
        hour, rest = divmod(rest, 3600)
        minute, second = divmod(rest, 60)
        return f"{self._days[day]}{hour:02d}:{minute:02d}:{second:02d}.000000{self.suffix}"

    def moment(self, t: int) -> datetime:
        return self.start + timedelta(seconds=t)
