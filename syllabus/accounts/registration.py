"""Sign-up and activation: an account exists from registration, signs in once activated."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from syllabus.accounts import repository as repo
from syllabus.accounts.errors import EmailTaken, InvalidCode
from syllabus.accounts.models import ActivationCode, User
from syllabus.accounts.password_policy import check_password
from syllabus.kit.db import utcnow
from syllabus.kit.ratelimit import RateLimited
from syllabus.kit.runtime import Runtime
from syllabus.kit.security import (
    code_digest,
    hash_password,
    new_code,
    new_token,
    same,
    token_digest,
)
from syllabus.notifications.email import queue_mail

MAX_CODE_FAILURES = "5/15minutes"
RESEND_RULE = "5/hour"


def register(session: Session, rt: Runtime, *, email: str, password: str, name: str) -> User:
    email = repo.normalize_email(email)
    check_password(password, email=email, name=name)
    if repo.user_by_email(session, email) is not None:
        raise EmailTaken(
            "An account with this email already exists. Log in or reset your password."
        )
    user = User(email=email, name=name.strip(), password_hash=hash_password(password))
    session.add(user)
    session.flush()
    _send_activation(session, rt, user)
    return user


def resend_activation(session: Session, rt: Runtime, *, email: str) -> None:
    """Always succeeds from the caller's view: whether the account exists is not told."""
    user = repo.user_by_email(session, email)
    if user is None or user.status != "pending":
        return
    if not rt.rate_limiter.hit("activation-resend", user.id, RESEND_RULE).allowed:
        return
    repo.retire_activation_codes(session, user.id, utcnow())
    _send_activation(session, rt, user)


def activate_with_code(session: Session, rt: Runtime, *, email: str, code: str) -> User:
    user = repo.user_by_email(session, email)
    if user is None:
        raise InvalidCode("That code is wrong or has expired.")
    _refuse_after_too_many_failures(rt, user.id)
    record = repo.live_activation_code(session, user.id, utcnow())
    if record is None or not _same_digest(rt, user.id, code, record.code_digest):
        rt.rate_limiter.hit("activation-failures", user.id, MAX_CODE_FAILURES)
        raise InvalidCode("That code is wrong or has expired.")
    return _activate(session, user, record)


def activate_with_token(session: Session, rt: Runtime, *, token: str) -> User:
    record = repo.activation_by_link(session, token_digest(token))
    now = utcnow()
    if record is None or record.expires_at <= now:
        raise InvalidCode("That activation link is invalid or has expired.")
    user = repo.user_by_id(session, record.user_id)
    if user is None:
        raise InvalidCode("That activation link is invalid or has expired.")
    if record.used_at is not None:
        if user.status == "active":
            return user  # the same link opened twice
        raise InvalidCode("That activation link is invalid or has expired.")
    return _activate(session, user, record)


def _activate(session: Session, user: User, record: ActivationCode) -> User:
    now = utcnow()
    record.used_at = now
    repo.retire_activation_codes(session, user.id, now)
    if user.status == "pending":
        user.status = "active"
    session.flush()
    return user


def _send_activation(session: Session, rt: Runtime, user: User) -> None:
    code = new_code()
    link_token = new_token()
    ttl = rt.settings.activation_code_ttl_minutes
    session.add(
        ActivationCode(
            user_id=user.id,
            code_digest=code_digest(rt.settings.secret_key, f"activate:{user.id}", code),
            link_digest=token_digest(link_token),
            expires_at=utcnow() + timedelta(minutes=ttl),
        )
    )
    link = f"{rt.settings.base_url.rstrip('/')}/activate?{urlencode({'token': link_token})}"
    queue_mail(
        session,
        to=user.email,
        template="activation",
        context={"name": user.name, "code": code, "link": link, "minutes": ttl},
    )


def _same_digest(rt: Runtime, user_id: str, code: str, expected: str) -> bool:
    return same(code_digest(rt.settings.secret_key, f"activate:{user_id}", code), expected)


def _refuse_after_too_many_failures(rt: Runtime, user_id: str) -> None:
    if not rt.rate_limiter.test("activation-failures", user_id, MAX_CODE_FAILURES):
        raise RateLimited(15 * 60, "Too many wrong codes. Ask for a new one in 15 minutes.")
