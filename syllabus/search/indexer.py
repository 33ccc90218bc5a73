"""What the search index holds for a course, and keeping it in step with the catalog.

A course's document: its title, subtitle, description (plain text) and
what-you-will-learn, tags, instructor name, category and parent category
names, plus the facts the catalog filters and sorts by. Only published
courses are indexed; `index_course` removes any other.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.orm import Session, aliased

from syllabus.accounts.models import User
from syllabus.catalog.listing import recount_facets
from syllabus.catalog.models import Category, Course
from syllabus.catalog.public import minor_per_major
from syllabus.search.backends import SearchDocument, backend_for, plain

BATCH = 500
_TAG = re.compile(r"<[^>]*>")

Progress = Callable[[int], None]


def _rows() -> Select[Any]:
    category, parent = aliased(Category), aliased(Category)
    return (
        select(
            Course.id,
            Course.slug,
            Course.status,
            Course.title,
            Course.subtitle,
            Course.description_html,
            Course.outcomes,
            Course.tags,
            Course.category_id,
            Course.level,
            Course.language,
            Course.price_amount,
            Course.currency,
            Course.rating_avg,
            Course.rating_count,
            Course.enrollment_count,
            Course.has_certificate,
            Course.published_at,
            User.name.label("instructor_name"),
            category.name.label("category_name"),
            category.parent_id.label("category_parent_id"),
            parent.name.label("parent_name"),
        )
        .join(User, User.id == Course.instructor_id)
        .outerjoin(category, category.id == Course.category_id)
        .outerjoin(parent, parent.id == category.parent_id)
    )


def _html_text(fragment: str) -> str:
    """Sanitised HTML (the rendered description) as text: tags out, entities decoded."""
    return html.unescape(_TAG.sub(" ", fragment or ""))


def _lines(value: Iterable[str] | None) -> str:
    return " ".join(str(item) for item in value or ())


def build_document(row: RowMapping) -> SearchDocument:
    """The index document of a course row from `_rows()`."""
    hundredths = 100 // minor_per_major(row["currency"])
    category_names = [row["category_name"], row["parent_name"]]
    return SearchDocument(
        course_id=row["id"],
        slug=row["slug"],
        title=row["title"],
        title_text=plain(row["title"]),
        subtitle_text=plain(row["subtitle"] or ""),
        body_text=plain(_html_text(row["description_html"]) + " " + _lines(row["outcomes"])),
        tags_text=plain(_lines(row["tags"]) + " " + _lines(n for n in category_names if n)),
        people_text=plain(row["instructor_name"] or ""),
        category_id=row["category_id"],
        top_category_id=row["category_parent_id"] or row["category_id"],
        level=row["level"],
        language=row["language"],
        price=int(row["price_amount"]) * hundredths,
        rating_avg=float(row["rating_avg"] or 0.0),
        rating_count=int(row["rating_count"] or 0),
        enrollment_count=int(row["enrollment_count"] or 0),
        has_certificate=bool(row["has_certificate"]),
        published_at=row["published_at"],
    )


def index_course(session: Session, course_id: str) -> bool:
    """Bring the index up to date for one course: upsert it when published, else remove it.

    Returns whether the index changed (False: an unpublished course that was not there).
    """
    backend = backend_for(session)
    row = session.execute(_rows().where(Course.id == course_id)).mappings().first()
    if row is None or row["status"] != "published":
        return backend.remove(session, course_id)
    backend.upsert(session, [build_document(row)])
    return True


def reindex_all(
    session: Session,
    progress: Progress | None = None,
    *,
    on_total: Progress | None = None,
    batch: int = BATCH,
) -> int:
    """Rebuild the whole index from the published courses, in the caller's transaction
    (and count the catalog's kept facets again: `listing.recount_facets`).

    `on_total(n)` is told how many courses there are before the work starts and
    `progress(k)` after every `k` courses indexed. Returns how many were indexed.
    """
    backend = backend_for(session)
    published = Course.status == "published"
    # The ids first, then the rows a batch at a time by primary key: paging through
    # `courses` in id order would make the database sort or scan again for each batch.
    ids = list(session.execute(select(Course.id).where(published).order_by(Course.id)).scalars())
    if on_total is not None:
        on_total(len(ids))
    backend.clear(session)
    indexed = 0
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        # By id alone (a status condition can lead SQLite to its status indexes instead);
        # a course unpublished since the ids were read is left out here.
        rows = session.execute(_rows().where(Course.id.in_(chunk))).mappings().all()
        docs = [build_document(row) for row in rows if row["status"] == "published"]
        backend.load(session, docs, first=start + 1)
        indexed += len(docs)
        if progress is not None:
            progress(len(chunk))
    # The other derived read of the catalog, so a rebuild repairs both.
    recount_facets(session.connection())
    return indexed
