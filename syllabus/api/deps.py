"""Annotated dependencies shared by every API route."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from syllabus.accounts.actor import Actor
from syllabus.accounts.sessions import Client, Principal, authenticate
from syllabus.kit.errors import Forbidden, Unauthorized
from syllabus.kit.pagination import PageParams, page_params
from syllabus.kit.runtime import Runtime, get_runtime
from syllabus.kit.security import InvalidToken


def get_db_session() -> Iterator[Session]:
    """The request's unit of work: committed before the response is sent."""
    with get_runtime().db.session_scope() as session:
        yield session


def get_read_session() -> Iterator[Session]:
    """For routes that only read: never takes or waits for SQLite's write lock."""
    with get_runtime().db.read_session() as session:
        yield session


# scope="function": the commit happens when the route returns, before the
# response goes out, so a client never reads its own write as missing.
DbSession = Annotated[Session, Depends(get_db_session, scope="function")]
ReadDbSession = Annotated[Session, Depends(get_read_session, scope="function")]
CurrentRuntime = Annotated[Runtime, Depends(get_runtime)]
Pagination = Annotated[PageParams, Depends(page_params)]

_bearer = HTTPBearer(auto_error=False, description="Access token from /auth/login")


def get_principal(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal | None:
    if credentials is None or credentials.scheme.lower() != "bearer":
        return None
    runtime = get_runtime()
    try:
        with runtime.db.read_connection() as conn:
            return authenticate(conn, runtime, credentials.credentials)
    except InvalidToken as exc:
        raise Unauthorized(
            "The access token is invalid or expired.",
            code="invalid_token",
            headers={"WWW-Authenticate": "Bearer"},
        ) from exc


def require_principal(
    principal: Annotated[Principal | None, Depends(get_principal)],
) -> Principal:
    if principal is None:
        raise Unauthorized("Sign in first.", headers={"WWW-Authenticate": "Bearer"})
    return principal


def get_actor_optional(
    principal: Annotated[Principal | None, Depends(get_principal)],
) -> Actor | None:
    return principal.actor if principal else None


def get_actor(principal: Annotated[Principal, Depends(require_principal)]) -> Actor:
    return principal.actor


def require_instructor(actor: Annotated[Actor, Depends(get_actor)]) -> Actor:
    if not actor.is_instructor:
        raise Forbidden("Only instructors can do this.", code="not_instructor")
    return actor


def require_admin(actor: Annotated[Actor, Depends(get_actor)]) -> Actor:
    if not actor.is_admin:
        raise Forbidden("Only admins can do this.", code="not_admin")
    return actor


def client_of(request: Request) -> Client:
    return Client(
        device=request.headers.get("user-agent", "")[:200],
        ip=request.client.host if request.client else "",
    )


CurrentPrincipal = Annotated[Principal, Depends(require_principal)]
CurrentActor = Annotated[Actor, Depends(get_actor)]
OptionalActor = Annotated[Actor | None, Depends(get_actor_optional)]
RequireInstructor = Annotated[Actor, Depends(require_instructor)]
RequireAdmin = Annotated[Actor, Depends(require_admin)]
RequestClient = Annotated[Client, Depends(client_of)]
