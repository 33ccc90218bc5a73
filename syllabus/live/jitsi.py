"""Jitsi Meet rooms: unguessable names and, with token authentication, signed join links.

A room name is random (never derived from a lesson or course id), so
nobody can guess their way into another course's session. When an app id
and key are configured, each join link carries a short-lived JWT naming the
room, the user and whether they moderate; without them the link is the bare
room URL. Two kinds of key:

- a shared secret: a self-hosted Jitsi with prosody token auth (HS256,
  `iss` = the app id, `sub` = the server's host);
- an RSA private key (PEM): Jitsi as a Service (8x8 JaaS; RS256 with the
  key's id as `kid`, `iss` "chat", `sub` = the `vpaas-magic-cookie-…` app
  id, moderator as "true"/"false"), where rooms live under the app id:
  `https://8x8.vc/<app id>/<room>`.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from urllib.parse import quote, urlsplit

import jwt

ROOM_PREFIX = "syllabus-"
AUDIENCE = "jitsi"
JAAS_ISSUER = "chat"


def is_jaas_key(key: str) -> bool:
    """An RSA private key in PEM form means JaaS; anything else is a shared secret."""
    return key.lstrip().startswith("-----BEGIN")


def new_room_name() -> str:
    """`syllabus-` plus 128 random bits in hex: unguessable, and valid in any Jitsi URL."""
    return ROOM_PREFIX + secrets.token_hex(16)


def join_token(
    *,
    app_id: str,
    key: str,
    server_url: str,
    room: str,
    user_id: str,
    name: str,
    email: str,
    moderator: bool,
    now: datetime,
    expires_at: datetime,
    key_id: str | None = None,
) -> str:
    """The JWT the server checks: aud/iss/sub/room, plus the user's context."""
    if is_jaas_key(key):
        return _jaas_token(
            app_id=app_id,
            key=key,
            key_id=key_id,
            room=room,
            user={"id": user_id, "name": name, "email": email},
            moderator=moderator,
            now=now,
            expires_at=expires_at,
        )
    claims = {
        "aud": AUDIENCE,
        "iss": app_id,
        "sub": urlsplit(server_url).hostname or "*",
        "room": room,
        "nbf": int((now - timedelta(minutes=1)).timestamp()),
        "iat": int(now.timestamp()),
        "exp": int(expires_at.timestamp()),
        "moderator": moderator,
        "context": {
            "user": {"id": user_id, "name": name, "email": email, "moderator": moderator},
        },
    }
    return jwt.encode(claims, key, algorithm="HS256")


def _jaas_token(
    *,
    app_id: str,
    key: str,
    key_id: str | None,
    room: str,
    user: dict[str, str],
    moderator: bool,
    now: datetime,
    expires_at: datetime,
) -> str:
    if not key_id:
        raise ValueError("a JaaS key needs its key id (SYLLABUS_JITSI_KEY_ID)")
    flag = "true" if moderator else "false"
    claims = {
        "aud": AUDIENCE,
        "iss": JAAS_ISSUER,
        "sub": app_id,
        "room": room,
        "nbf": int((now - timedelta(minutes=1)).timestamp()),
        "iat": int(now.timestamp()),
        "exp": int(expires_at.timestamp()),
        "context": {
            "user": {**user, "moderator": flag},
            # Recording and streaming are the moderator's; JaaS needs them said.
            "features": {"recording": flag, "livestreaming": flag, "transcription": "false"},
        },
    }
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": key_id})


def join_url(
    server_url: str,
    room: str,
    *,
    display_name: str,
    token: str | None,
    tenant: str | None = None,
) -> str:
    """The room's address; the token (if any) as `?jwt=`, the name as Jitsi's URL config.

    `tenant`: JaaS rooms live under the app id.
    """
    path = f"{quote(tenant)}/{quote(room)}" if tenant else quote(room)
    url = f"{server_url.rstrip('/')}/{path}"
    if token:
        url += f"?jwt={token}"
    return url + f"#userInfo.displayName=%22{quote(display_name)}%22"
