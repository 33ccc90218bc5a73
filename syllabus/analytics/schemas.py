"""Analytics input and output shapes (the JSON API's)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from syllabus.commerce.schemas import EarningTotals

MAX_PLAYER_BATCH = 50


class PointOut(BaseModel):
    date: str
    value: int


class SeriesOut(BaseModel):
    metric: str
    period: Literal["28d", "12m"]
    points: list[PointOut]
    # Money metrics: the currency of `points`, and any other currency's points.
    currency: str | None = None
    other_currencies: dict[str, list[PointOut]] = Field(default_factory=dict)


class MoneyOut(BaseModel):
    amount: int
    currency: str


class SummaryOut(BaseModel):
    users: int
    instructors: int
    courses: int
    enrollments: int
    pending_reviews: int
    # Per currency, largest first (paid orders, and refunds, all time).
    revenue: list[MoneyOut]
    refunds: list[MoneyOut]


class PlayerEventIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lesson_id: str = Field(min_length=1, max_length=36)
    kind: Literal["play", "pause", "ended"]
    position_seconds: int = Field(ge=0, le=7 * 24 * 3600)
    # The player's clock; the server keeps it only when it is close to its own.
    at: datetime | None = None


class PlayerEventsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    events: Annotated[list[PlayerEventIn], Field(min_length=1, max_length=MAX_PLAYER_BATCH)]


class PlayerEventsOut(BaseModel):
    recorded: int


class CourseStatsOut(BaseModel):
    id: str
    slug: str
    title: str
    status: str
    rating_average: float
    rating_count: int
    # Active enrollments, those that completed the course, and the completed share.
    enrollments: int
    completed: int
    completion_percent: int


class InstructorDashboardOut(BaseModel):
    period: Literal["28d", "12m"]
    revenue: SeriesOut
    enrollments: SeriesOut
    earnings: list[EarningTotals]
    courses: list[CourseStatsOut]


class LessonReachOut(BaseModel):
    lesson_id: str
    title: str
    section_title: str
    position: int
    # Students who started the lesson, and who completed it.
    started: int
    completed: int
    # `started` as a share of the course's first lesson's.
    percent_of_first: int


class DropoffOut(BaseModel):
    course_id: str
    title: str
    lessons: list[LessonReachOut]
