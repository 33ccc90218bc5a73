"""Every job and outbox handler, imported once by the web app and by `syllabus worker`."""

from syllabus.analytics import tasks as analytics_tasks
from syllabus.commerce import refund_tasks as commerce_refund_tasks
from syllabus.commerce import tasks as commerce_tasks
from syllabus.community import announcement_delivery as announcement_tasks
from syllabus.kit import outbox
from syllabus.learning import tasks as learning_tasks
from syllabus.live import tasks as live_tasks
from syllabus.media import resumable as media_resumable
from syllabus.media import sweep as media_sweep
from syllabus.media import tasks as media_tasks
from syllabus.notifications import email
from syllabus.notifications import newsletter as newsletter_tasks
from syllabus.notifications import retention as notification_retention
from syllabus.search import tasks as search_tasks

__all__ = [
    "analytics_tasks",
    "announcement_tasks",
    "commerce_refund_tasks",
    "commerce_tasks",
    "email",
    "learning_tasks",
    "live_tasks",
    "media_resumable",
    "media_sweep",
    "media_tasks",
    "newsletter_tasks",
    "notification_retention",
    "outbox",
    "search_tasks",
]
