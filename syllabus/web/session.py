"""The browser's sign-in: the same token pair as the API, kept in HttpOnly cookies."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from syllabus.accounts.sessions import TokenPair
from syllabus.config import Settings

ACCESS_COOKIE = "syl_at"
REFRESH_COOKIE = "syl_rt"


def set_login_cookies(response: Response, pair: TokenPair, settings: Settings) -> None:
    """Store a fresh pair; a pair without a refresh token only replaces the access cookie."""
    response.set_cookie(
        ACCESS_COOKIE,
        pair.access_token,
        max_age=pair.expires_in,
        httponly=True,
        secure=settings.cookie_secure,
        samesite="lax",
        path="/",
    )
    if pair.refresh_token is not None:
        response.set_cookie(
            REFRESH_COOKIE,
            pair.refresh_token,
            max_age=settings.refresh_token_ttl_days * 24 * 3600,
            httponly=True,
            secure=settings.cookie_secure,
            samesite="lax",
            path="/",
        )


def clear_login_cookies(response: Response, settings: Settings) -> None:
    for name in (ACCESS_COOKIE, REFRESH_COOKIE):
        response.delete_cookie(
            name, path="/", secure=settings.cookie_secure, httponly=True, samesite="lax"
        )


def access_cookie(request: Request) -> str | None:
    return request.cookies.get(ACCESS_COOKIE) or None


def refresh_cookie(request: Request) -> str | None:
    return request.cookies.get(REFRESH_COOKIE) or None
