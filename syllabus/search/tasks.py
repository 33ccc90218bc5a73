"""The index follows the data: course writes queue `search.index_course` through the outbox.

`queue_reindex(session, course_id)` is called by every course write (the
catalog's `record_change`) and by whatever changes a fact the index keeps
(ratings, enrollment counts). The job runs after the write commits and
re-reads the course, so it is idempotent and running it twice is harmless.
Once the index changed, the cached catalog lists are dropped again: a list
cached between the write's commit and the job would otherwise keep the old
index's answer.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from syllabus.catalog.cache import LISTS
from syllabus.kit import outbox
from syllabus.kit.db import after_commit
from syllabus.kit.runtime import get_runtime
from syllabus.search.indexer import index_course

INDEX_COURSE = "search.index_course"
_QUEUED = "search_reindex_queued"


def queue_reindex(session: Session, course_id: str) -> None:
    """Re-index the course once the caller's transaction commits (once per transaction)."""
    queued: set[str] = session.info.setdefault(_QUEUED, set())
    if course_id in queued:
        return
    queued.add(course_id)
    outbox.enqueue(session, INDEX_COURSE, {"course_id": course_id})


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_queued(session: Session) -> None:
    session.info.pop(_QUEUED, None)


@outbox.handler(INDEX_COURSE)
def _index_course(session: Session, payload: dict[str, Any]) -> None:
    if index_course(session, str(payload["course_id"])):
        cache = get_runtime().cache

        def forget_lists() -> None:
            cache.bump(LISTS)

        after_commit(session, forget_lists)
