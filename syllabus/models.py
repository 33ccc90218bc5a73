"""Imports every table so `Base.metadata` is complete (migrations, tests)."""

from syllabus.kit.db import Base
from syllabus.kit.outbox import OutboxMessage

metadata = Base.metadata

__all__ = ["Base", "OutboxMessage", "metadata"]
