"""OAuth / OpenID Connect sign-in and linked providers."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import BaseModel
from sqlalchemy.orm import Session

from syllabus.accounts import oauth, sessions
from syllabus.api.deps import CurrentActor, CurrentRuntime, DbSession, RequestClient
from syllabus.config import Settings
from syllabus.kit.errors import AppError
from syllabus.kit.runtime import Runtime
from syllabus.kit.security import InvalidToken
from syllabus.web.session import access_cookie, set_login_cookies

router = APIRouter(tags=["auth"])

LINKED_PAGE = "/account/linked"
PREFIX = oauth.STATE_COOKIE_PATH  # "/api/v1/auth/oauth"
_REDIRECT: dict[int | str, dict[str, Any]] = {
    302: {"description": "Redirect to the provider or back to the web app"}
}
OptionalParam = Annotated[str | None, Query(max_length=2048)]


class ProviderOut(BaseModel):
    name: str
    label: str
    authorize_url: str


class LinkedProviderOut(BaseModel):
    provider: str
    label: str
    email: str | None
    linked_at: datetime


@router.get("/auth/oauth/providers", response_model=list[ProviderOut])
def list_providers(rt: CurrentRuntime) -> list[ProviderOut]:
    base = rt.settings.base_url.rstrip("/")
    return [
        ProviderOut(
            name=p.name,
            label=p.label,
            authorize_url=f"{base}{PREFIX}/{p.name}/authorize",
        )
        for p in oauth.enabled_providers(rt.settings)
    ]


@router.get(
    "/auth/oauth/{provider}/authorize",
    status_code=302,
    response_class=RedirectResponse,
    responses=_REDIRECT,
)
def authorize(
    provider: str,
    rt: CurrentRuntime,
    next_url: Annotated[str | None, Query(alias="next", max_length=2048)] = None,
) -> Response:
    settings = rt.settings
    try:
        url, cookie = oauth.begin(
            settings, provider, redirect_uri=_redirect_uri(settings, provider), next_url=next_url
        )
    except oauth.OAuthFailed as exc:
        return RedirectResponse(_failure_url(exc.code), status_code=302)
    response = RedirectResponse(url, status_code=302)
    response.set_cookie(
        oauth.STATE_COOKIE,
        cookie,
        max_age=oauth.STATE_MAX_AGE,
        httponly=True,
        secure=settings.cookie_secure,
        samesite="lax",
        path=oauth.STATE_COOKIE_PATH,
    )
    return response


@router.get(
    "/auth/oauth/{provider}/callback",
    status_code=302,
    response_class=RedirectResponse,
    responses=_REDIRECT,
)
def callback(
    provider: str,
    request: Request,
    db: DbSession,
    rt: CurrentRuntime,
    client: RequestClient,
    code: OptionalParam = None,
    state: OptionalParam = None,
    error: OptionalParam = None,
) -> Response:
    settings = rt.settings
    oauth.get_provider(settings, provider)  # unknown or disabled: 404
    current_user_id = _signed_in_user_id(request, db, rt)
    try:
        user, next_url = oauth.complete(
            db,
            rt,
            provider,
            code=code,
            state=state,
            error=error,
            cookie_value=request.cookies.get(oauth.STATE_COOKIE),
            redirect_uri=_redirect_uri(settings, provider),
            current_user_id=current_user_id,
        )
    except AppError as exc:
        page = LINKED_PAGE if current_user_id else "/login"
        response = RedirectResponse(_failure_url(exc.code, page), status_code=302)
    else:
        if current_user_id is None:
            pair = sessions.start_session(db, rt, user, client)
            response = RedirectResponse(next_url, status_code=302)
            set_login_cookies(response, pair, settings)
        else:
            response = RedirectResponse(
                LINKED_PAGE if next_url == "/" else next_url, status_code=302
            )
    response.delete_cookie(
        oauth.STATE_COOKIE,
        path=oauth.STATE_COOKIE_PATH,
        secure=settings.cookie_secure,
        httponly=True,
        samesite="lax",
    )
    return response


@router.get("/users/me/oauth", response_model=list[LinkedProviderOut], tags=["users"])
def linked_providers(
    db: DbSession, rt: CurrentRuntime, actor: CurrentActor
) -> list[LinkedProviderOut]:
    return [
        LinkedProviderOut(provider=p.provider, label=p.label, email=p.email, linked_at=p.linked_at)
        for p in oauth.linked_providers(db, rt.settings, actor)
    ]


@router.delete("/users/me/oauth/{provider}", status_code=204, tags=["users"])
def unlink_provider(
    provider: str, db: DbSession, rt: CurrentRuntime, actor: CurrentActor
) -> Response:
    oauth.unlink(db, rt.settings, actor, provider)
    return Response(status_code=204)


def _redirect_uri(settings: Settings, provider: str) -> str:
    return f"{settings.base_url.rstrip('/')}{PREFIX}/{provider}/callback"


def _failure_url(code: str, page: str = "/login") -> str:
    return f"{page}?{urlencode({'error': code})}"


def _signed_in_user_id(request: Request, db: Session, rt: Runtime) -> str | None:
    """The user whose browser started a link from their account page, if any."""
    token = access_cookie(request)
    if token is None:
        return None
    try:
        return sessions.authenticate(db, rt, token).actor.id
    except InvalidToken:
        return None
