"""Live lesson inputs (bounded, strict) and outputs."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator

Provider = Literal["bbb", "jitsi"]
LiveState = Literal["scheduled", "open", "ended"]
JOIN_EARLY_MINUTES = 15


class LiveIn(BaseModel):
    """The `live` object of a lesson create/update: every field optional on update.

    A new live lesson needs `starts_at` (in the future) and `duration_minutes`.
    `recording_url` (https only) is accepted once the session has ended.
    """

    starts_at: datetime | None = None
    duration_minutes: Annotated[int, Field(ge=5, le=600)] | None = None
    provider: Provider | None = None
    recording_url: Annotated[HttpUrl, Field(max_length=500)] | None = None
    clear_recording: bool = False

    model_config = ConfigDict(extra="forbid")

    @field_validator("recording_url")
    @classmethod
    def _https_only(cls, value: HttpUrl | None) -> HttpUrl | None:
        if value is not None and value.scheme != "https":
            raise ValueError("recording_url must be an https URL")
        return value


class LiveOut(BaseModel):
    """GET /lessons/{id}/live: the schedule, the state and what the caller may do."""

    lesson_id: str
    course_id: str
    provider: Provider
    starts_at: datetime
    duration_minutes: int
    ends_at: datetime
    join_opens_at: datetime
    state: LiveState
    started_at: datetime | None
    ended_at: datetime | None
    recording_url: str | None
    can_join: bool
    can_manage: bool
    seconds_to_start: int


class JoinOut(BaseModel):
    join_url: str
    role: Literal["moderator", "attendee"]
    provider: Provider


class AttendeeOut(BaseModel):
    user_id: str
    name: str
    email: str
    role: Literal["moderator", "attendee"]
    first_joined_at: datetime
    last_joined_at: datetime
    join_count: int


class AttendanceOut(BaseModel):
    lesson_id: str
    items: list[AttendeeOut]
    total: int
