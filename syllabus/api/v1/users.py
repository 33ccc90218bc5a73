"""Users API: the caller's own profile, password and sessions."""

from __future__ import annotations

from fastapi import APIRouter, Response

from syllabus.accounts import passwords, sessions
from syllabus.accounts.presenters import user_out
from syllabus.accounts.repository import user_by_id
from syllabus.accounts.schemas import ChangePasswordIn, SessionOut, UserOut
from syllabus.api.deps import CurrentPrincipal, CurrentRuntime, DbSession
from syllabus.kit.errors import NotFound

router = APIRouter(prefix="/users", tags=["users"])


@router.get("/me", response_model=UserOut)
def me(db: DbSession, rt: CurrentRuntime, principal: CurrentPrincipal) -> UserOut:
    user = user_by_id(db, principal.actor.id)
    if user is None:
        raise NotFound("No such user.")
    return user_out(rt, user)


@router.put("/me/password", status_code=204)
def change_password(body: ChangePasswordIn, db: DbSession, principal: CurrentPrincipal) -> Response:
    passwords.change_password(
        db,
        principal.actor,
        current_password=body.current_password,
        new_password=body.new_password,
        current_session_id=principal.session_id,
    )
    return Response(status_code=204)


@router.get("/me/sessions", response_model=list[SessionOut])
def list_sessions(db: DbSession, principal: CurrentPrincipal) -> list[SessionOut]:
    return [
        SessionOut(
            id=s.id,
            device=s.device,
            ip=s.ip,
            created_at=s.created_at,
            last_used_at=s.last_used_at,
            expires_at=s.expires_at,
            current=s.id == principal.session_id,
        )
        for s in sessions.list_sessions(db, principal.actor)
    ]


@router.delete("/me/sessions/{session_id}", status_code=204)
def end_session(session_id: str, db: DbSession, principal: CurrentPrincipal) -> Response:
    sessions.end_session(db, principal.actor, session_id)
    return Response(status_code=204)
