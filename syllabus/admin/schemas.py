"""What the admin console's lists and detail views return."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from syllabus.accounts.schemas import AdminUserOut


class MoneyOut(BaseModel):
    amount: int
    currency: str


class UserCounts(BaseModel):
    orders: int
    enrollments: int
    courses: int
    active_sessions: int


class UserOrderOut(BaseModel):
    id: str
    status: str
    provider: str
    total: MoneyOut
    created_at: datetime


class UserCourseRef(BaseModel):
    id: str
    slug: str
    title: str


class UserEnrollmentOut(BaseModel):
    id: str
    course: UserCourseRef
    status: str
    source: str
    progress_percent: int
    created_at: datetime


class UserCourseOut(BaseModel):
    id: str
    slug: str
    title: str
    status: str


class UserSessionOut(BaseModel):
    id: str
    device: str
    ip: str
    created_at: datetime
    last_used_at: datetime
    expires_at: datetime


class PendingApplicationOut(BaseModel):
    id: str
    bio: str
    topics: list[str]
    created_at: datetime


class AdminUserDetailOut(AdminUserOut):
    """One user with the short lists an admin needs to decide about them (newest first)."""

    counts: UserCounts
    orders: list[UserOrderOut] = Field(default_factory=list)
    enrollments: list[UserEnrollmentOut] = Field(default_factory=list)
    courses: list[UserCourseOut] = Field(default_factory=list)
    sessions: list[UserSessionOut] = Field(default_factory=list)
    pending_application: PendingApplicationOut | None = None


class AuditActorOut(BaseModel):
    id: str
    name: str
    email: str


class AuditEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    actor: AuditActorOut | None
    action: str
    target_type: str
    target_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str | None
    created_at: datetime


class PaymentEventOut(BaseModel):
    """A provider's report about the order: a payment row or a verified webhook delivery."""

    kind: str  # "payment" or "webhook"
    id: str
    provider: str
    status: str
    reference: str
    amount: MoneyOut | None = None
    detail: str | None = None
    at: datetime
