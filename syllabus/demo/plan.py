"""What the demo planners share: the rows planned so far and the one seeded source of chance.

Every random choice of the seed is drawn from `Dice.rng`, row ids included,
in a fixed order: the planners must draw in the same order to stay
deterministic.
"""

from __future__ import annotations

import random
import re
import unicodedata
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from syllabus.demo.content import CourseSpec

Row = dict[str, Any]


@dataclass
class Plan:
    users: list[Row] = field(default_factory=list)
    courses: list[Row] = field(default_factory=list)
    sections: list[Row] = field(default_factory=list)
    lessons: list[Row] = field(default_factory=list)
    quizzes: list[Row] = field(default_factory=list)
    questions: list[Row] = field(default_factory=list)
    enrollments: list[Row] = field(default_factory=list)
    reviews: list[Row] = field(default_factory=list)
    orders: list[Row] = field(default_factory=list)
    order_lines: list[Row] = field(default_factory=list)
    payments: list[Row] = field(default_factory=list)
    commerce_events: list[Row] = field(default_factory=list)
    earnings: list[Row] = field(default_factory=list)
    coupons: list[Row] = field(default_factory=list)
    lesson_questions: list[Row] = field(default_factory=list)
    answers: list[Row] = field(default_factory=list)
    announcements: list[Row] = field(default_factory=list)
    message_threads: list[Row] = field(default_factory=list)
    messages: list[Row] = field(default_factory=list)
    notifications: list[Row] = field(default_factory=list)


@dataclass
class PlannedCourse:
    spec: CourseSpec
    row: Row
    instructor: Row
    lesson_ids: list[str]
    quality: float


class Dice:
    """The seeded random source and the moment the demo's history counts back from."""

    def __init__(self, seed: int, now: datetime) -> None:
        self.rng = random.Random(seed)
        self.now = now

    def new_id(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def days_ago(self, days: float) -> datetime:
        return self.now - timedelta(days=days)

    def between(self, start: datetime, end: datetime, low: float = 0.0) -> datetime:
        return start + (end - start) * self.rng.uniform(low, 1.0)


def slugify(text: str) -> str:
    """The slug rule of migration 0003, plus accents folded to ASCII."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", folded.lower().replace("&", "and")).strip("-")


def cap(text: str) -> str:
    return text[:1].upper() + text[1:]
