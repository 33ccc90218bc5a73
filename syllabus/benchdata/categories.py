"""Where generated courses go in the category tree.

The catalog migration ships a category tree; the generator uses whatever
tree the database has, and creates the shipped one (same slugs and ids)
only when the table is empty. A subject goes to the categories named for
it when they exist, else to any subcategory; one course in ten sits in the
parent category instead, as some instructors file their courses.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from syllabus.benchdata.vocabulary import CATEGORY_TREE, SUBJECTS

# The namespace migration 0003 derives the shipped categories' ids from.
CATEGORY_NAMESPACE = uuid.UUID("5b0f8a52-6d3e-4f0e-9c36-0e7d8a1f2b41")
PARENT_SHARE = 0.1

CategoryRow = tuple[str, str | None, str, str]  # id, parent_id, slug, name


@dataclass(frozen=True)
class Placement:
    """A course's category and what the search index needs to know of it."""

    category_id: str
    category_name: str
    parent_id: str | None
    parent_name: str | None

    @property
    def parent(self) -> Placement | None:
        if self.parent_id is None or self.parent_name is None:
            return None
        return Placement(self.parent_id, self.parent_name, None, None)


def _slug(name: str) -> str:
    """The slug rule of migration 0003."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower().replace("&", "and")).strip("-")


def shipped_tree() -> list[tuple[str, str | None, str, str, int]]:
    """(id, parent_id, slug, name, position) of the tree the catalog migration creates."""
    rows: list[tuple[str, str | None, str, str, int]] = []
    for top_position, (top, children) in enumerate(CATEGORY_TREE.items()):
        top_id = str(uuid.uuid5(CATEGORY_NAMESPACE, _slug(top)))
        rows.append((top_id, None, _slug(top), top, top_position))
        for position, child in enumerate(children):
            child_id = str(uuid.uuid5(CATEGORY_NAMESPACE, _slug(child)))
            rows.append((child_id, top_id, _slug(child), child, position))
    return rows


class CategoryPicker:
    """Placements per subject (index into SUBJECTS), from the database's categories."""

    def __init__(self, rows: Sequence[CategoryRow]) -> None:
        if not rows:
            raise ValueError("no categories to place courses in")
        names = {row[0]: row[3] for row in rows}
        placements = {
            row[2]: Placement(row[0], row[3], row[1], names.get(row[1]) if row[1] else None)
            for row in rows
        }
        children = [p for p in placements.values() if p.parent_id is not None]
        anywhere = children or list(placements.values())
        self.by_subject: list[tuple[Placement, ...]] = []
        for subject in SUBJECTS:
            found = [placements[s] for s in subject.category_slugs if s in placements]
            self.by_subject.append(tuple(found or anywhere))

    def pick(self, subject: int, first: float, second: float) -> Placement:
        """The placement for two uniform draws in [0, 1)."""
        choices = self.by_subject[subject]
        placement = choices[int(first * len(choices))]
        parent = placement.parent
        return parent if parent is not None and second < PARENT_SHARE else placement
