"""The counts the header shows on every page (cart items, unread notifications).

One query per count and request, through a read connection, remembered on
`connection.state` so a page that already knows the number sets it there
first. Zero, without a query, for a visitor who is not signed in. A failed
count is logged and shown as zero: a badge is not worth failing a page
(an error page above all) for.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError
from starlette.requests import HTTPConnection

from syllabus.kit.logging import get_logger
from syllabus.kit.runtime import get_runtime

log = get_logger("syllabus.web.header")


def header_count(
    connection: HTTPConnection, name: str, count: Callable[[Connection, str], int]
) -> int:
    """`count(conn, user_id)` for the signed-in visitor, once per request under `name`."""
    cached = getattr(connection.state, name, None)
    if isinstance(cached, int):
        return cached
    user = getattr(connection.state, "user", None)
    if user is None:
        return 0
    try:
        with get_runtime().db.read_connection() as conn:
            value = int(count(conn, user.id) or 0)
    except SQLAlchemyError:
        log.warning("header_count.failed", count=name, exc_info=True)
        value = 0
    setattr(connection.state, name, value)
    return value
