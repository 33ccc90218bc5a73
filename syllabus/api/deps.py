"""Annotated dependencies shared by every API route."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends
from sqlalchemy.orm import Session

from syllabus.kit.pagination import PageParams, page_params
from syllabus.kit.runtime import Runtime, get_runtime


def get_db_session() -> Iterator[Session]:
    """The request's unit of work: committed before the response is sent."""
    with get_runtime().db.session_scope() as session:
        yield session


# scope="function": the commit happens when the route returns, before the
# response goes out, so a client never reads its own write as missing.
DbSession = Annotated[Session, Depends(get_db_session, scope="function")]
CurrentRuntime = Annotated[Runtime, Depends(get_runtime)]
Pagination = Annotated[PageParams, Depends(page_params)]
