"""In-app notification and preference payloads as API.md lists them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from syllabus.kit.pagination import Page
from syllabus.notifications.kinds import KINDS


class NotificationOut(BaseModel):
    id: str
    kind: str
    title: str
    body: str
    # A site path ("/learn/..."), or "" when the notification leads nowhere.
    url: str
    created_at: datetime
    read_at: datetime | None
    read: bool


class NotificationPage(Page[NotificationOut]):
    # The recipient's unread notifications in all, whatever the filter.
    unread_count: int


class ReadIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    read: bool


class KindPreferenceOut(BaseModel):
    kind: str
    label: str
    in_app: bool
    email: bool
    # A transactional kind's email always goes out: `email` stays true.
    transactional: bool


class PreferencesOut(BaseModel):
    kinds: list[KindPreferenceOut]
    # The newsletter (User.marketing_opt_in).
    marketing_email: bool


class KindPreferenceIn(BaseModel):
    """One kind's channels; an omitted channel keeps its value.

    `label` and `transactional` are accepted (and ignored) so a client can
    send back what it read.
    """

    model_config = ConfigDict(extra="forbid")

    kind: str = Field(max_length=40)
    in_app: bool | None = None
    email: bool | None = None
    label: str | None = Field(None, max_length=200)
    transactional: bool | None = None

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, value: str) -> str:
        if value not in KINDS:
            raise ValueError(f"Unknown notification kind; use one of {', '.join(KINDS)}.")
        return value


class PreferencesIn(BaseModel):
    """Any subset of the kinds, each at most once, and optionally the newsletter choice."""

    model_config = ConfigDict(extra="forbid")

    kinds: list[KindPreferenceIn] = Field(default_factory=list, max_length=len(KINDS))
    marketing_email: bool | None = None

    @field_validator("kinds")
    @classmethod
    def _each_kind_once(cls, value: list[KindPreferenceIn]) -> list[KindPreferenceIn]:
        names = [item.kind for item in value]
        if len(set(names)) != len(names):
            raise ValueError("List each kind at most once.")
        return value
