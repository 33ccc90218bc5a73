"""Users API: the caller's own profile, avatar, password and sessions; public profiles."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Response, UploadFile

from syllabus.accounts import passwords, profiles, roles, sessions
from syllabus.accounts.presenters import avatar_url, user_out
from syllabus.accounts.schemas import (
    ApplicationOut,
    AvatarOut,
    ChangePasswordIn,
    InstructorApplicationIn,
    ProfileIn,
    PublicProfileOut,
    SessionOut,
    UserOut,
)
from syllabus.api.deps import CurrentActor, CurrentPrincipal, CurrentRuntime, DbSession

router = APIRouter(prefix="/users", tags=["users"])


@router.get("/me", response_model=UserOut)
def me(db: DbSession, rt: CurrentRuntime, principal: CurrentPrincipal) -> UserOut:
    return user_out(rt, profiles.get_user(db, principal.actor))


@router.patch("/me", response_model=UserOut)
def update_me(body: ProfileIn, db: DbSession, rt: CurrentRuntime, actor: CurrentActor) -> UserOut:
    return user_out(rt, profiles.update_profile(db, actor, body))


@router.put("/me/avatar", response_model=AvatarOut)
def put_avatar(
    file: Annotated[UploadFile, File(description="A JPEG, PNG or WEBP image of at most 5 MB.")],
    db: DbSession,
    rt: CurrentRuntime,
    actor: CurrentActor,
) -> AvatarOut:
    user = profiles.set_avatar(db, rt, actor, file.file)
    url = avatar_url(rt, user.avatar_key)
    assert url is not None
    return AvatarOut(avatar_url=url)


@router.post("/me/instructor-application", status_code=202, response_model=ApplicationOut)
def apply_to_teach(
    body: InstructorApplicationIn, db: DbSession, rt: CurrentRuntime, actor: CurrentActor
) -> ApplicationOut:
    application = roles.apply_to_teach(db, rt, actor, body)
    return roles.describe_application(db, application)


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


# Declared after every /me route so "me" is never taken for a user id.
@router.get("/{user_id}", response_model=PublicProfileOut)
def public_profile(user_id: str, db: DbSession, rt: CurrentRuntime) -> PublicProfileOut:
    return profiles.public_profile(db, rt, user_id)
