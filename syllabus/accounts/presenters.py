"""Turning account rows into the API's shapes."""

from __future__ import annotations

from syllabus.accounts.models import User
from syllabus.accounts.schemas import TokenPairOut, UserOut
from syllabus.accounts.sessions import TokenPair
from syllabus.kit.runtime import Runtime

AVATAR_URL_TTL = 7 * 24 * 3600


def avatar_url(rt: Runtime, key: str | None) -> str | None:
    return rt.storage.url(key, expires_in=AVATAR_URL_TTL) if key else None


def user_out(rt: Runtime, user: User) -> UserOut:
    return UserOut(
        id=user.id,
        email=user.email,
        name=user.name,
        role=user.role,
        status=user.status,
        avatar_url=avatar_url(rt, user.avatar_key),
        headline=user.headline,
        bio=user.bio,
        links=list(user.links or []),
        created_at=user.created_at,
    )


def token_pair_out(rt: Runtime, pair: TokenPair) -> TokenPairOut:
    assert pair.refresh_token is not None
    return TokenPairOut(
        access_token=pair.access_token,
        refresh_token=pair.refresh_token,
        expires_in=pair.expires_in,
        user=user_out(rt, pair.user),
    )
