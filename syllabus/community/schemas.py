"""Review payloads as API.md lists them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from syllabus.kit.pagination import Page

MAX_BODY = 5000
MAX_REPLY = 5000

Rating = Annotated[int, Field(ge=1, le=5)]
Body = Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_BODY)]
ReplyBody = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_REPLY)
]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]

ReviewSort = Literal["newest", "highest", "lowest", "helpful"]


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rating: Rating
    body: Body = ""


class ReviewPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rating: Rating | None = None
    body: Body | None = None


class ReplyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    body: ReplyBody


class HideIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Reason


class ReviewAuthor(BaseModel):
    id: str
    name: str


class ReviewOut(BaseModel):
    id: str
    course_id: str
    rating: int
    body: str
    author: ReviewAuthor
    reply: str | None
    # Users who found the review helpful.
    helpful_count: int = 0
    created_at: datetime
    updated_at: datetime


class RatingSummary(BaseModel):
    average: float
    count: int
    # "5" .. "1": how many visible reviews gave each rating.
    distribution: dict[str, int]


class ReviewPage(Page[ReviewOut]):
    summary: RatingSummary


class HelpfulOut(BaseModel):
    """The reader's vote on a review and the review's count after it."""

    review_id: str
    helpful: bool
    helpful_count: int
