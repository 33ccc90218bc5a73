"""Lesson Q&A payloads as API.md lists them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

from syllabus.kit.pagination import Page

MAX_TITLE = 200
MAX_BODY = 5000

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TITLE)]
QuestionBody = Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_BODY)]
AnswerBody = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_BODY)
]


class QuestionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Title
    body: QuestionBody = ""


class QuestionPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Title | None = None
    body: QuestionBody | None = None


class AnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    body: AnswerBody


class HiddenIn(BaseModel):
    """Hide (the default) or show again a question or an answer."""

    model_config = ConfigDict(extra="forbid")

    hidden: bool = True


class PostAuthor(BaseModel):
    id: str
    name: str
    # The course's instructor: shown with a badge in threads.
    is_instructor: bool


class QuestionOut(BaseModel):
    id: str
    course_id: str
    lesson_id: str
    title: str
    body: str
    author: PostAuthor
    status: str
    answer_count: int
    created_at: datetime
    updated_at: datetime
    last_activity_at: datetime


class AnswerOut(BaseModel):
    id: str
    question_id: str
    body: str
    author: PostAuthor
    status: str
    created_at: datetime


class QuestionThread(QuestionOut):
    """A question and its answers, oldest first."""

    answers: list[AnswerOut]


class QuestionPage(Page[QuestionOut]):
    pass
