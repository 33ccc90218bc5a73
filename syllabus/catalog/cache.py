"""Cache keys of public catalog reads, and their invalidation after a write commits.

Each course has its own version namespace (`course:<id>`), so editing one
course leaves every other cached page warm; lists (home, catalog, category
pages) share `catalog:lists`, bumped when a change can show in a list.
Slugs never change, so slug -> id is cached without a version.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from syllabus.kit.db import after_commit
from syllabus.kit.runtime import Runtime

LISTS = "catalog:lists"
SLUG_TTL = 24 * 3600


def course_namespace(course_id: str) -> str:
    return f"course:{course_id}"


def course_key(rt: Runtime, course_id: str, *parts: str) -> str:
    return rt.cache.versioned_key(course_namespace(course_id), *parts)


def lists_key(rt: Runtime, *parts: str) -> str:
    return rt.cache.versioned_key(LISTS, *parts)


def slug_key(slug: str) -> str:
    return f"course-slug:{slug}"


def invalidate_course(session: Session, rt: Runtime, course_id: str, *, lists: bool = True) -> None:
    """Forget cached reads of a course (and the lists) once the caller's change commits."""

    def bump() -> None:
        rt.cache.bump(course_namespace(course_id))
        if lists:
            rt.cache.bump(LISTS)

    after_commit(session, bump)
