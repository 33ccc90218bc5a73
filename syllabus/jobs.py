"""Every job and outbox handler, imported once by the web app and by `syllabus worker`."""

from syllabus.kit import outbox
from syllabus.learning import tasks as learning_tasks
from syllabus.notifications import email
from syllabus.search import tasks as search_tasks

__all__ = ["email", "learning_tasks", "outbox", "search_tasks"]
