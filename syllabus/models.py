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
from syllabus.analytics.models import AnalyticsEvent, DailyMetric, RollupWatermark
from syllabus.catalog.models import Category, Course, Lesson, Quiz, QuizQuestion, Section
from syllabus.commerce.models import (
    CartItem,
    CommerceEvent,
    Coupon,
    CouponRedemption,
    Earning,
    Order,
    OrderLine,
    Payment,
    Payout,
    PayoutBatch,
    ProviderEvent,
    Refund,
)
from syllabus.community.models import (
    Announcement,
    Answer,
    Message,
    MessageThread,
    Question,
    Review,
    ReviewVote,
)
from syllabus.kit.db import Base
from syllabus.kit.outbox import OutboxMessage
from syllabus.learning.models import Certificate, Enrollment, LessonProgress, QuizAttempt
from syllabus.live.models import LiveAttendance, LiveSession
from syllabus.media.models import MediaAsset, MediaUpload
from syllabus.notifications.models import Notification, NotificationPreference

metadata = Base.metadata

__all__ = [
    "ActivationCode",
    "AnalyticsEvent",
    "Announcement",
    "Answer",
    "AuditEntry",
    "Base",
    "CartItem",
    "Category",
    "Certificate",
    "CommerceEvent",
    "Coupon",
    "CouponRedemption",
    "Course",
    "DailyMetric",
    "Earning",
    "Enrollment",
    "InstructorApplication",
    "Lesson",
    "LessonProgress",
    "LiveAttendance",
    "LiveSession",
    "MediaAsset",
    "MediaUpload",
    "Message",
    "MessageThread",
    "Notification",
    "NotificationPreference",
    "OAuthAccount",
    "Order",
    "OrderLine",
    "OutboxMessage",
    "PasswordResetToken",
    "Payment",
    "Payout",
    "PayoutBatch",
    "ProviderEvent",
    "Question",
    "Quiz",
    "QuizAttempt",
    "QuizQuestion",
    "RefreshToken",
    "Refund",
    "Review",
    "ReviewVote",
    "RollupWatermark",
    "Section",
    "User",
    "UserSession",
    "metadata",
]
