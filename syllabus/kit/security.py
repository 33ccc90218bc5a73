"""Password hashing, opaque tokens, one-time codes and JWT access tokens."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from syllabus.kit.memo import BoundedMemo

# argon2id with the library's RFC 9106 "low memory" profile: ~50 ms, 64 MiB.
_hasher = PasswordHasher()
# Each hash takes 64 MiB and several CPU lanes. Unbounded, a burst of sign-ins
# runs one hash per pool thread at once: gigabytes of memory, and every other
# request (a SQLite writer holding the write lock among them) starved of CPU
# until timeouts cascade. So hashes queue for a few slots per process.
HASH_SLOTS = max(1, (os.cpu_count() or 1) // 2)
_hash_slots = threading.BoundedSemaphore(HASH_SLOTS)
# Verified when the account does not exist, so a wrong email costs as much
# time as a wrong password (no account enumeration by timing).
_DUMMY_HASH = _hasher.hash("not-a-real-password-0000")

ALGORITHM = "HS256"
ALLOWED_ALGORITHMS = [ALGORITHM]
ISSUER = "syllabus"


def hash_password(password: str) -> str:
    with _hash_slots:
        return _hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    """Constant-ish time whatever the input; False for a missing hash."""
    try:
        with _hash_slots:
            verified = _hasher.verify(password_hash or _DUMMY_HASH, password)
        return verified and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def password_needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def new_token(nbytes: int = 32) -> str:
    """An opaque, URL-safe random token (refresh tokens, reset links)."""
    return secrets.token_urlsafe(nbytes)


def token_digest(token: str) -> str:
    """What we store for a high-entropy token: its SHA-256, never the token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_code(digits: int = 6) -> str:
    return f"{secrets.randbelow(10**digits):0{digits}d}"


def code_digest(secret_key: str, scope: str, code: str) -> str:
    """Keyed digest of a short code: a database leak alone cannot brute-force it offline."""
    return hmac.new(secret_key.encode(), f"{scope}:{code}".encode(), hashlib.sha256).hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


def local_path(value: str | None) -> str | None:
    """`value` when it is a path on this site, else None: redirects never leave the site."""
    if not value or len(value) > 2000 or not value.startswith("/"):
        return None
    if value.startswith("//") or "\\" in value or any(ord(c) < 32 or ord(c) == 127 for c in value):
        return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return None
    return value


class InvalidToken(Exception):
    """The access token is missing, malformed, forged, expired or not yet valid."""


@dataclass(frozen=True)
class AccessClaims:
    user_id: str
    role: str
    session_id: str
    issued_at: int
    expires_at: int


def issue_access_token(
    *,
    user_id: str,
    role: str,
    session_id: str,
    keys: dict[str, str],
    kid: str,
    ttl_seconds: int,
    now: datetime | None = None,
) -> tuple[str, int]:
    """A signed JWT and its lifetime in seconds."""
    issued = now or datetime.now(UTC)
    claims: dict[str, Any] = {
        "sub": user_id,
        "role": role,
        "sid": session_id,
        "iat": int(issued.timestamp()),
        "exp": int((issued + timedelta(seconds=ttl_seconds)).timestamp()),
        "iss": ISSUER,
        "typ": "access",
    }
    token = jwt.encode(claims, keys[kid], algorithm=ALGORITHM, headers={"kid": kid})
    return token, ttl_seconds


@dataclass(frozen=True, slots=True)
class _Verified:
    """A token whose signature and fixed claims passed: what is left to check is the time."""

    claims: AccessClaims
    kid: str
    key: str
    not_before: int | None


# Verifying a signature and the fixed claims gives the same answer every time
# for the same token and key, and costs about 0.2 ms in PyJWT; so a token seen
# before only has its time claims checked again. Failures are not remembered.
_verified: BoundedMemo[str, _Verified] = BoundedMemo(8192)


def decode_access_token(
    token: str, *, keys: dict[str, str], leeway_seconds: int = 5
) -> AccessClaims:
    known = _verified.get(token)
    if known is not None and keys.get(known.kid) == known.key:
        return _check_times(known, leeway_seconds)
    claims, kid, not_before = _verify(token, keys, leeway_seconds)
    _verified.put(token, _Verified(claims, kid, keys[kid], not_before))
    return claims


def _check_times(known: _Verified, leeway_seconds: int) -> AccessClaims:
    """PyJWT's exp, iat and nbf checks, then ours, against the clock now."""
    claims = known.claims
    now = datetime.now(UTC).timestamp()
    if claims.expires_at <= now - leeway_seconds:
        raise InvalidToken("Signature has expired")
    if claims.issued_at > now + leeway_seconds or (
        known.not_before is not None and known.not_before > now + leeway_seconds
    ):
        raise InvalidToken("not an access token, or issued in the future")
    return claims


def _verify(
    token: str, keys: dict[str, str], leeway_seconds: int
) -> tuple[AccessClaims, str, int | None]:
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise InvalidToken("malformed token") from exc
    kid = header.get("kid")
    if header.get("alg") not in ALLOWED_ALGORITHMS or not isinstance(kid, str) or kid not in keys:
        raise InvalidToken("unknown key or algorithm")
    try:
        claims = jwt.decode(
            token,
            keys[kid],
            algorithms=ALLOWED_ALGORITHMS,
            issuer=ISSUER,
            leeway=leeway_seconds,
            options={"require": ["exp", "iat", "sub", "iss"]},
        )
    except jwt.PyJWTError as exc:
        raise InvalidToken(str(exc)) from exc
    now = datetime.now(UTC).timestamp()
    if claims.get("typ") != "access" or claims["iat"] > now + leeway_seconds:
        raise InvalidToken("not an access token, or issued in the future")
    verified = AccessClaims(
        user_id=str(claims["sub"]),
        role=str(claims.get("role", "")),
        session_id=str(claims.get("sid", "")),
        issued_at=int(claims["iat"]),
        expires_at=int(claims["exp"]),
    )
    return verified, kid, int(claims["nbf"]) if "nbf" in claims else None
