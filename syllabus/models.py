"""Imports every table so `Base.metadata` is complete (migrations, tests)."""

from syllabus.accounts.models import (
    ActivationCode,
    InstructorApplication,
    OAuthAccount,
    PasswordResetToken,
    RefreshToken,
    User,
    UserSession,
)
from syllabus.admin.audit import AuditEntry
from syllabus.kit.db import Base
from syllabus.kit.outbox import OutboxMessage

metadata = Base.metadata

__all__ = [
    "ActivationCode",
    "AuditEntry",
    "Base",
    "InstructorApplication",
    "OAuthAccount",
    "OutboxMessage",
    "PasswordResetToken",
    "RefreshToken",
    "User",
    "UserSession",
    "metadata",
]
