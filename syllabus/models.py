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
from syllabus.catalog.models import Category, Course, Lesson, Quiz, QuizQuestion, Section
from syllabus.community.models import Review
from syllabus.kit.db import Base
from syllabus.kit.outbox import OutboxMessage
from syllabus.learning.models import Enrollment

metadata = Base.metadata

__all__ = [
    "ActivationCode",
    "AuditEntry",
    "Base",
    "Category",
    "Course",
    "Enrollment",
    "InstructorApplication",
    "Lesson",
    "OAuthAccount",
    "OutboxMessage",
    "PasswordResetToken",
    "Quiz",
    "QuizQuestion",
    "RefreshToken",
    "Review",
    "Section",
    "User",
    "UserSession",
    "metadata",
]
