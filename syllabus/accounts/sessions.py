"""Signing in and staying signed in: login, refresh rotation, logout, session list, token checks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from syllabus.accounts import repository as repo
from syllabus.accounts.actor import Actor
from syllabus.accounts.errors import (
    AccountBanned,
    AccountNotActive,
    InvalidCredentials,
    InvalidRefreshToken,
    TokenReused,
)
from syllabus.accounts.models import RefreshToken, User, UserSession
from syllabus.kit.db import utcnow
from syllabus.kit.errors import NotFound
from syllabus.kit.ratelimit import RateLimited
from syllabus.kit.runtime import Runtime
from syllabus.kit.security import (
    InvalidToken,
    decode_access_token,
    hash_password,
    issue_access_token,
    new_token,
    password_needs_rehash,
    token_digest,
    verify_password,
)

# A refresh token presented again this soon after its rotation is two
# browser tabs racing, not theft: the web transport tolerates it.
RACE_GRACE = timedelta(seconds=30)


@dataclass(frozen=True)
class Client:
    """Where a sign-in comes from, shown in the session list."""

    device: str = ""
    ip: str = ""


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str | None
    expires_in: int
    user: User
    session_id: str


def login(session: Session, rt: Runtime, *, email: str, password: str, client: Client) -> TokenPair:
    email = repo.normalize_email(email)
    limiter = rt.rate_limiter
    per_ip = limiter.hit("login-ip", client.ip or "unknown", rt.settings.login_rate_per_ip)
    if not per_ip.allowed:
        raise RateLimited(per_ip.retry_after, "Too many sign-in attempts. Try again shortly.")
    # Every attempt is counted before the password is checked, and a success
    # forgets them: counting failures afterwards would let simultaneous
    # guesses all pass the check before any of them was counted.
    account_rule = rt.settings.login_rate_per_account
    per_account = limiter.hit("login-account", email, account_rule)
    if not per_account.allowed:
        raise RateLimited(
            per_account.retry_after, "Too many failed sign-ins for this account. Try again shortly."
        )

    # The slow hash check reads through the read connection, before the
    # session's first statement: on SQLite that statement takes the write
    # lock, and holding it through argon2 would serialise every sign-in.
    stored_hash = _stored_password_hash(rt, email)
    if not verify_password(password, stored_hash):
        raise InvalidCredentials("The email or password is wrong.")
    user = repo.user_by_email(session, email)
    if user is None or user.password_hash != stored_hash:  # changed since the check
        raise InvalidCredentials("The email or password is wrong.")
    limiter.reset("login-account", email, account_rule)
    _require_can_sign_in(user)
    if user.password_hash and password_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return start_session(session, rt, user, client)


def _stored_password_hash(rt: Runtime, email: str) -> str | None:
    with rt.db.read_connection() as conn:
        return conn.scalar(select(User.password_hash).where(User.email == email))


def start_session(session: Session, rt: Runtime, user: User, client: Client) -> TokenPair:
    now = utcnow()
    user_session = UserSession(
        user_id=user.id,
        device=client.device[:200],
        ip=client.ip[:64],
        created_at=now,
        last_used_at=now,
        expires_at=now + timedelta(days=rt.settings.refresh_token_ttl_days),
    )
    session.add(user_session)
    session.flush()
    return _issue(session, rt, user, user_session)


def refresh(
    session: Session,
    rt: Runtime,
    *,
    refresh_token: str,
    client: Client,
    tolerate_race: bool = False,
) -> TokenPair:
    now = utcnow()
    record = repo.refresh_token_by_digest(session, token_digest(refresh_token))
    if record is None:
        raise InvalidRefreshToken("This session has ended. Sign in again.")
    user_session = session.get(UserSession, record.session_id)
    if (
        user_session is None
        or user_session.revoked_at is not None
        or user_session.expires_at <= now
    ):
        raise InvalidRefreshToken("This session has ended. Sign in again.")
    user = repo.user_by_id(session, user_session.user_id)
    if user is None:
        raise InvalidRefreshToken("This session has ended. Sign in again.")
    if user.status == "banned":
        repo.revoke_sessions(session, user.id, now, "banned")
        raise _keeping(AccountBanned("This account is banned."))

    if not repo.claim_refresh_token(session, record.id, now):
        session.refresh(record)
        raced = record.rotated_at is not None and now - record.rotated_at <= RACE_GRACE
        if tolerate_race and raced:
            # The other request holds the new refresh token; this one only
            # needs an access token for the same session.
            return _issue(session, rt, user, user_session, with_refresh=False)
        repo.revoke_sessions(session, user.id, now, "token_reused", only=user_session.id)
        raise _keeping(TokenReused("This refresh token was already used; the session is revoked."))

    user_session.last_used_at = now
    if client.ip:
        user_session.ip = client.ip[:64]
    return _issue(session, rt, user, user_session)


def logout(session: Session, actor: Actor, *, refresh_token: str) -> None:
    record = repo.refresh_token_by_digest(session, token_digest(refresh_token))
    if record is None:
        return
    user_session = session.get(UserSession, record.session_id)
    if user_session is not None and user_session.user_id == actor.id:
        repo.revoke_sessions(session, actor.id, utcnow(), "logout", only=user_session.id)


def end_session(session: Session, actor: Actor, session_id: str) -> None:
    if repo.revoke_sessions(session, actor.id, utcnow(), "ended", only=session_id) == 0:
        user_session = session.get(UserSession, session_id)
        if user_session is None or user_session.user_id != actor.id:
            raise NotFound("No such session.")


def logout_all(session: Session, actor: Actor) -> int:
    return repo.revoke_sessions(session, actor.id, utcnow(), "logout_all")


def list_sessions(session: Session, actor: Actor) -> list[UserSession]:
    return list(repo.active_sessions(session, actor.id, utcnow()))


@dataclass(frozen=True)
class Principal:
    actor: Actor
    session_id: str


def authenticate(conn: Connection | Session, rt: Runtime, access_token: str) -> Principal:
    """The actor behind an access token, or InvalidToken.

    The token names its session, so a revoked session, an expired one, or a
    banned or deactivated user stops working at the next request.
    """
    claims = decode_access_token(access_token, keys=rt.settings.signing_keys)
    if not claims.session_id:
        raise InvalidToken("token names no session")
    row = repo.principal_row(conn, claims.user_id, claims.session_id)
    if row is None or row.revoked_at is not None or row.expires_at <= utcnow():
        raise InvalidToken("session ended")
    if row.status != "active":
        raise InvalidToken("account not active")
    actor = Actor(id=row.id, role=row.role, name=row.name, email=row.email)
    return Principal(actor=actor, session_id=claims.session_id)


def _issue(
    session: Session,
    rt: Runtime,
    user: User,
    user_session: UserSession,
    *,
    with_refresh: bool = True,
) -> TokenPair:
    refresh_token = None
    if with_refresh:
        refresh_token = new_token()
        session.add(
            RefreshToken(session_id=user_session.id, token_digest=token_digest(refresh_token))
        )
        session.flush()
    access, ttl = issue_access_token(
        user_id=user.id,
        role=user.role,
        session_id=user_session.id,
        keys=rt.settings.signing_keys,
        kid=rt.settings.jwt_active_kid,
        ttl_seconds=rt.settings.access_token_ttl_seconds,
    )
    return TokenPair(access, refresh_token, ttl, user, user_session.id)


def _require_can_sign_in(user: User) -> None:
    if user.status == "banned":
        raise AccountBanned("This account is banned.")
    if user.status != "active":
        raise AccountNotActive("Activate your account with the code we emailed you first.")


def _keeping(error: AccountBanned | TokenReused) -> AccountBanned | TokenReused:
    error.keeps_changes = True
    return error
