"""Catalog inputs (bounded, strict) and the API's course shapes (API.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from syllabus.live.schemas import LiveIn

CURRENCIES = ("USD", "EUR", "GBP", "INR", "CAD", "AUD", "JPY", "BRL")
Level = Literal["all", "beginner", "intermediate", "expert"]
LessonKind = Literal["video", "text", "quiz", "attachment", "live"]
CourseStatus = Literal["draft", "in_review", "published", "unpublished", "archived"]

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
Subtitle = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
Markdown = Annotated[str, StringConstraints(max_length=50_000)]
ShortLine = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
Language = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Z]{2})?$")]
Id = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Money(BaseModel):
    amount: Annotated[int, Field(ge=0, le=100_000_000)]
    currency: Literal["USD", "EUR", "GBP", "INR", "CAD", "AUD", "JPY", "BRL"]

    model_config = ConfigDict(extra="forbid")


class CourseFields(StrictModel):
    """The writable course fields; all optional so PATCH can send any subset."""

    subtitle: Subtitle | None = None
    description: Markdown | None = None
    category_id: Id | None = None
    level: Level | None = None
    language: Language | None = None
    outcomes: Annotated[list[ShortLine], Field(max_length=20)] | None = None
    requirements: Annotated[list[ShortLine], Field(max_length=20)] | None = None
    audience: Annotated[list[ShortLine], Field(max_length=20)] | None = None
    tags: Annotated[list[Tag], Field(max_length=15)] | None = None
    price: Money | None = None
    list_price: Money | None = None
    has_certificate: bool | None = None
    thumbnail_media_id: Id | None = None
    promo_media_id: Id | None = None

    @model_validator(mode="after")
    def _list_price_matches(self) -> CourseFields:
        if self.price and self.list_price and self.price.currency != self.list_price.currency:
            raise ValueError("list_price must use the same currency as price")
        return self


class CourseCreate(CourseFields):
    title: Title


class CourseUpdate(CourseFields):
    title: Title | None = None


class SectionIn(StrictModel):
    title: Title


class SectionUpdate(StrictModel):
    title: Title | None = None


class LessonFields(StrictModel):
    is_preview: bool | None = None
    duration_seconds: Annotated[int, Field(ge=0, le=24 * 3600)] | None = None
    body: Markdown | None = None
    drip_days: Annotated[int, Field(ge=0, le=3650)] | None = None
    drip_date: datetime | None = None
    # A live lesson's schedule (syllabus.live): starts_at, duration_minutes, provider, ...
    live: LiveIn | None = None

    @model_validator(mode="after")
    def _one_drip_rule(self) -> LessonFields:
        if self.drip_days is not None and self.drip_date is not None:
            raise ValueError("give drip_days or drip_date, not both")
        return self


class LessonCreate(LessonFields):
    title: Title
    kind: LessonKind


class LessonUpdate(LessonFields):
    title: Title | None = None
    # Clears a drip rule: the lesson is available at enrollment again.
    clear_drip: bool = False


class CurriculumSection(StrictModel):
    id: Id
    lessons: Annotated[list[Id], Field(max_length=500)]


class CurriculumOrder(StrictModel):
    sections: Annotated[list[CurriculumSection], Field(max_length=200)]


class QuestionIn(StrictModel):
    kind: Literal["single", "multiple", "true_false", "short"]
    prompt: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
    choices: Annotated[
        list[
            Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
        ],
        Field(max_length=10),
    ] = Field(default_factory=list)
    # single: index; multiple: list of indexes; true_false: bool; short: accepted answers.
    answer: int | bool | list[int] | list[str] | str
    explanation: Annotated[str, StringConstraints(max_length=2000)] = ""


class QuizIn(StrictModel):
    pass_percent: Annotated[int, Field(ge=0, le=100)] = 70
    max_attempts: Annotated[int, Field(ge=1, le=100)] | None = None
    shuffle: bool = False
    questions: Annotated[list[QuestionIn], Field(min_length=1, max_length=100)]


class ReviewDecision(StrictModel):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]


# ------------------------------------------------------------------ output shapes


class InstructorOut(BaseModel):
    id: str
    name: str
    headline: str | None = None
    avatar_url: str | None = None


class CategoryOut(BaseModel):
    id: str
    slug: str
    name: str
    parent_id: str | None = None


class CategoryTreeOut(CategoryOut):
    children: list[CategoryOut] = Field(default_factory=list)


class RatingOut(BaseModel):
    average: float
    count: int
    distribution: dict[str, int] = Field(default_factory=dict)


class LessonOutline(BaseModel):
    id: str
    title: str
    kind: LessonKind
    position: int
    is_preview: bool
    duration_seconds: int


class SectionOutline(BaseModel):
    id: str
    title: str
    position: int
    lessons: list[LessonOutline]


class CourseSummary(BaseModel):
    """A course in a list (catalog, home page, studio)."""

    id: str
    slug: str
    title: str
    subtitle: str
    status: CourseStatus
    price: Money
    list_price: Money | None
    level: Level
    language: str
    category: CategoryOut | None
    instructor: InstructorOut
    rating: RatingOut
    enrollment_count: int
    lesson_count: int
    duration_seconds: int
    thumbnail_url: str | None
    published_at: datetime | None


class CourseDetail(CourseSummary):
    description: str
    description_html: str
    outcomes: list[str]
    requirements: list[str]
    audience: list[str]
    tags: list[str]
    has_certificate: bool
    review_note: str | None = None
    created_at: datetime
    updated_at: datetime
    curriculum: list[SectionOutline]


class LessonContent(BaseModel):
    id: str
    title: str
    kind: LessonKind
    position: int
    is_preview: bool
    duration_seconds: int
    body: str
    body_html: str
    media_id: str | None
    drip_days: int | None
    drip_date: datetime | None
    available_at: datetime | None
    quiz: dict[str, Any] | None = None


class SectionContent(BaseModel):
    id: str
    title: str
    position: int
    lessons: list[LessonContent]


class CourseContent(BaseModel):
    course_id: str
    slug: str
    title: str
    sections: list[SectionContent]
