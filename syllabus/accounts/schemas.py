"""Inputs and outputs of the Auth and Users API, bounded and strict."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    AnyHttpUrl,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
Password = Annotated[str, StringConstraints(min_length=8, max_length=128)]
Code = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\d{6}$")]
OpaqueToken = Annotated[str, StringConstraints(min_length=16, max_length=256)]


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RegisterIn(StrictModel):
    email: EmailStr = Field(max_length=254)
    password: Password
    name: Name


class ActivateIn(StrictModel):
    email: EmailStr | None = Field(default=None, max_length=254)
    code: Code | None = None
    token: OpaqueToken | None = None

    @field_validator("token")
    @classmethod
    def _strip(cls, value: str | None) -> str | None:
        return value.strip() if value else value

    @model_validator(mode="after")
    def _one_way(self) -> ActivateIn:
        if not self.token and not (self.email and self.code):
            raise ValueError("give either email and code, or token")
        return self


class EmailIn(StrictModel):
    email: EmailStr = Field(max_length=254)


class LoginIn(StrictModel):
    email: EmailStr = Field(max_length=254)
    password: Annotated[str, StringConstraints(min_length=1, max_length=128)]


class RefreshIn(StrictModel):
    refresh_token: OpaqueToken


class ResetIn(StrictModel):
    token: OpaqueToken
    password: Password


class ChangePasswordIn(StrictModel):
    current_password: Annotated[str, StringConstraints(min_length=1, max_length=128)]
    new_password: Password


class ProfileIn(StrictModel):
    name: Name | None = None
    headline: Annotated[str, StringConstraints(strip_whitespace=True, max_length=160)] | None = None
    bio: Annotated[str, StringConstraints(max_length=5000)] | None = None
    links: Annotated[list[AnyHttpUrl], Field(max_length=5)] | None = None


class InstructorApplicationIn(StrictModel):
    bio: Annotated[str, StringConstraints(strip_whitespace=True, min_length=20, max_length=5000)]
    topics: Annotated[
        list[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]],
        Field(max_length=10),
    ] = Field(default_factory=list)


class UserOut(BaseModel):
    id: str
    email: str
    name: str
    role: Literal["student", "instructor", "admin"]
    status: Literal["pending", "active", "banned"]
    avatar_url: str | None
    headline: str | None = None
    bio: str | None = None
    links: list[str] = Field(default_factory=list)
    created_at: datetime


class TokenPairOut(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the scheme name
    expires_in: int
    user: UserOut


class SessionOut(BaseModel):
    id: str
    device: str
    ip: str
    created_at: datetime
    last_used_at: datetime
    expires_at: datetime
    current: bool


class AvatarOut(BaseModel):
    avatar_url: str


class PublicCourseOut(BaseModel):
    id: str
    slug: str
    title: str


class PublicProfileOut(BaseModel):
    id: str
    name: str
    role: str
    headline: str | None
    bio: str | None
    links: list[str]
    avatar_url: str | None
    created_at: datetime
    courses: list[PublicCourseOut] = Field(default_factory=list)


# --- roles, instructor applications and bans (admin) -----------------------------

Role = Literal["student", "instructor", "admin"]
ApplicationStatus = Literal["pending", "approved", "rejected"]


class RoleIn(StrictModel):
    # Optional so later admin edits can join this body; absent means "no change".
    role: Role | None = None


class BanIn(StrictModel):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class ApplicationDecisionIn(StrictModel):
    approve: bool
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None = None


class ApplicantOut(BaseModel):
    id: str
    name: str
    email: str


class ApplicationOut(BaseModel):
    id: str
    user: ApplicantOut
    bio: str
    topics: list[str]
    status: ApplicationStatus
    created_at: datetime
    decided_at: datetime | None = None
    decision_note: str | None = None


class AdminUserOut(UserOut):
    ban_reason: str | None = None
    banned_at: datetime | None = None
