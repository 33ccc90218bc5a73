"""Which failures are outages (503, try again) and which are mistakes (500)."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import exc

from syllabus.kit.outages import unavailable_part
from syllabus.kit.storage import StorageError, StorageNotFound


@pytest.mark.parametrize(
    ("error", "part"),
    [
        (exc.OperationalError("q", {}, sqlite3.OperationalError("database is locked")), "database"),
        (
            exc.OperationalError("q", {}, sqlite3.OperationalError("unable to open database file")),
            "database",
        ),
        (exc.OperationalError("q", {}, sqlite3.OperationalError("no such table: users")), None),
        (
            exc.OperationalError("q", {}, sqlite3.OperationalError('near "SELEC": syntax error')),
            None,
        ),
        (exc.InterfaceError("q", {}, Exception("connection already closed")), "database"),
        (StorageError("the bucket did not answer"), "storage"),
        (StorageNotFound("no such object"), None),
        (ValueError("a bug"), None),
    ],
)
def test_outages_are_told_from_mistakes(error: Exception, part: str | None) -> None:
    assert unavailable_part(error) == part
