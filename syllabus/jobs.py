"""Every job and outbox handler, imported once by the web app and by `syllabus worker`."""

from syllabus.kit import outbox
from syllabus.notifications import email

__all__ = ["email", "outbox"]
