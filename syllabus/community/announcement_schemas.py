"""Announcement payloads as API.md lists them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

from syllabus.kit.pagination import Page

MAX_TITLE = 200
MAX_BODY = 20_000

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TITLE)]
Body = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_BODY)]


class AnnouncementIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Title
    body: Body


class AnnouncementAuthor(BaseModel):
    id: str
    name: str


class AnnouncementOut(BaseModel):
    id: str
    course_id: str
    title: str
    body: str
    author: AnnouncementAuthor
    created_at: datetime
    # Students reached so far; `delivered` once every batch has gone out.
    recipient_count: int
    delivered: bool


class AnnouncementPage(Page[AnnouncementOut]):
    pass
