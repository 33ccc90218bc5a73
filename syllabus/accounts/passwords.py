"""Forgotten, reset and changed passwords; each change ends the other sessions."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from syllabus.accounts import repository as repo
from syllabus.accounts.actor import Actor
from syllabus.accounts.errors import InvalidResetToken, WrongPassword
from syllabus.accounts.models import PasswordResetToken, User
from syllabus.accounts.password_policy import check_password
from syllabus.kit.db import utcnow
from syllabus.kit.errors import NotFound
from syllabus.kit.runtime import Runtime
from syllabus.kit.security import hash_password, new_token, token_digest, verify_password
from syllabus.notifications.email import queue_mail

FORGOT_RULE = "5/hour"


def forgot_password(session: Session, rt: Runtime, *, email: str) -> None:
    """Emails a reset link when the account exists; answers the same either way."""
    user = repo.user_by_email(session, email)
    if user is None or user.status == "banned":
        return
    if not rt.rate_limiter.hit("password-forgot", user.id, FORGOT_RULE).allowed:
        return
    now = utcnow()
    repo.retire_reset_tokens(session, user.id, now)
    token = new_token()
    ttl = rt.settings.password_reset_ttl_minutes
    session.add(
        PasswordResetToken(
            user_id=user.id,
            token_digest=token_digest(token),
            expires_at=now + timedelta(minutes=ttl),
        )
    )
    link = f"{rt.settings.base_url.rstrip('/')}/reset-password?{urlencode({'token': token})}"
    queue_mail(
        session,
        to=user.email,
        template="password_reset",
        context={"name": user.name, "link": link, "minutes": ttl},
    )


def reset_password(session: Session, rt: Runtime, *, token: str, password: str) -> User:
    now = utcnow()
    record = repo.reset_token_by_digest(session, token_digest(token))
    if record is None or record.used_at is not None or record.expires_at <= now:
        raise InvalidResetToken("This reset link is invalid, used or expired. Ask for a new one.")
    user = repo.user_by_id(session, record.user_id)
    if user is None or user.status == "banned":
        raise InvalidResetToken("This reset link is invalid, used or expired. Ask for a new one.")
    check_password(password, email=user.email, name=user.name)
    record.used_at = now
    user.password_hash = hash_password(password)
    if user.status == "pending":
        user.status = "active"  # the link proved the address, like activation does
    repo.retire_reset_tokens(session, user.id, now)
    repo.revoke_sessions(session, user.id, now, "password_reset")
    session.flush()
    return user


def change_password(
    session: Session,
    actor: Actor,
    *,
    current_password: str,
    new_password: str,
    current_session_id: str | None,
) -> None:
    user = repo.user_by_id(session, actor.id)
    if user is None:
        raise NotFound("No such user.")
    if not verify_password(current_password, user.password_hash):
        raise WrongPassword("The current password is wrong.")
    check_password(new_password, email=user.email, name=user.name)
    user.password_hash = hash_password(new_password)
    repo.revoke_sessions(session, user.id, utcnow(), "password_changed", keep=current_session_id)
    session.flush()
