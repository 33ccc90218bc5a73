"""Auth API: register, activate, log in, refresh, log out, reset passwords."""

from __future__ import annotations

from fastapi import APIRouter, Response

from syllabus.accounts import passwords, registration, sessions
from syllabus.accounts.presenters import token_pair_out, user_out
from syllabus.accounts.schemas import (
    ActivateIn,
    EmailIn,
    LoginIn,
    RefreshIn,
    RegisterIn,
    ResetIn,
    TokenPairOut,
    UserOut,
)
from syllabus.api.deps import CurrentActor, CurrentRuntime, DbSession, RequestClient

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/register", status_code=201, response_model=UserOut)
def register(body: RegisterIn, db: DbSession, rt: CurrentRuntime, client: RequestClient) -> UserOut:
    limit = rt.rate_limiter.hit(
        "register-ip", client.ip or "unknown", rt.settings.register_rate_per_ip
    )
    if not limit.allowed:
        from syllabus.kit.ratelimit import RateLimited

        raise RateLimited(limit.retry_after, "Too many sign-ups from this address.")
    user = registration.register(db, rt, email=body.email, password=body.password, name=body.name)
    return user_out(rt, user)


@router.post("/activate", response_model=UserOut)
def activate(body: ActivateIn, db: DbSession, rt: CurrentRuntime) -> UserOut:
    if body.token:
        user = registration.activate_with_token(db, rt, token=body.token)
    else:
        assert body.email is not None
        assert body.code is not None
        user = registration.activate_with_code(db, rt, email=body.email, code=body.code)
    return user_out(rt, user)


@router.post("/activation/resend", status_code=202)
def resend_activation(body: EmailIn, db: DbSession, rt: CurrentRuntime) -> Response:
    registration.resend_activation(db, rt, email=body.email)
    return Response(status_code=202)


@router.post("/login", response_model=TokenPairOut)
def login(body: LoginIn, db: DbSession, rt: CurrentRuntime, client: RequestClient) -> TokenPairOut:
    pair = sessions.login(db, rt, email=body.email, password=body.password, client=client)
    return token_pair_out(rt, pair)


@router.post("/refresh", response_model=TokenPairOut)
def refresh(
    body: RefreshIn, db: DbSession, rt: CurrentRuntime, client: RequestClient
) -> TokenPairOut:
    pair = sessions.refresh(db, rt, refresh_token=body.refresh_token, client=client)
    return token_pair_out(rt, pair)


@router.post("/logout", status_code=204)
def logout(body: RefreshIn, db: DbSession, actor: CurrentActor) -> Response:
    sessions.logout(db, actor, refresh_token=body.refresh_token)
    return Response(status_code=204)


@router.post("/logout-all", status_code=204)
def logout_all(db: DbSession, actor: CurrentActor) -> Response:
    sessions.logout_all(db, actor)
    return Response(status_code=204)


@router.post("/password/forgot", status_code=202)
def forgot_password(body: EmailIn, db: DbSession, rt: CurrentRuntime) -> Response:
    passwords.forgot_password(db, rt, email=body.email)
    return Response(status_code=202)


@router.post("/password/reset", status_code=204)
def reset_password(body: ResetIn, db: DbSession, rt: CurrentRuntime) -> Response:
    passwords.reset_password(db, rt, token=body.token, password=body.password)
    return Response(status_code=204)
