"""Every account query."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Row, func, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from syllabus.accounts.models import (
    ActivationCode,
    InstructorApplication,
    OAuthAccount,
    PasswordResetToken,
    RefreshToken,
    User,
    UserSession,
)
from syllabus.admin.audit import AuditEntry


def normalize_email(email: str) -> str:
    return email.strip().lower()


def user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalize_email(email)))


def user_by_id(session: Session, user_id: str) -> User | None:
    return session.get(User, user_id)


def live_activation_code(session: Session, user_id: str, now: datetime) -> ActivationCode | None:
    return session.scalar(
        select(ActivationCode)
        .where(
            ActivationCode.user_id == user_id,
            ActivationCode.used_at.is_(None),
            ActivationCode.expires_at > now,
        )
        .order_by(ActivationCode.created_at.desc())
        .limit(1)
    )


def activation_by_link(session: Session, digest: str) -> ActivationCode | None:
    return session.scalar(select(ActivationCode).where(ActivationCode.link_digest == digest))


def retire_activation_codes(session: Session, user_id: str, now: datetime) -> None:
    session.execute(
        update(ActivationCode)
        .where(ActivationCode.user_id == user_id, ActivationCode.used_at.is_(None))
        .values(used_at=now)
    )


def refresh_token_by_digest(session: Session, digest: str) -> RefreshToken | None:
    return session.scalar(select(RefreshToken).where(RefreshToken.token_digest == digest))


def claim_refresh_token(session: Session, token_id: str, now: datetime) -> bool:
    """Mark a refresh token used; False when another request used it first."""
    result = session.execute(
        update(RefreshToken)
        .where(RefreshToken.id == token_id, RefreshToken.rotated_at.is_(None))
        .values(rotated_at=now)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


def revoke_sessions(
    session: Session,
    user_id: str,
    now: datetime,
    reason: str,
    *,
    only: str | None = None,
    keep: str | None = None,
) -> int:
    statement = update(UserSession).where(
        UserSession.user_id == user_id, UserSession.revoked_at.is_(None)
    )
    if only is not None:
        statement = statement.where(UserSession.id == only)
    if keep is not None:
        statement = statement.where(UserSession.id != keep)
    result = session.execute(statement.values(revoked_at=now, revoke_reason=reason))
    return int(getattr(result, "rowcount", 0))


def active_sessions(session: Session, user_id: str, now: datetime) -> Sequence[UserSession]:
    return session.scalars(
        select(UserSession)
        .where(
            UserSession.user_id == user_id,
            UserSession.revoked_at.is_(None),
            UserSession.expires_at > now,
        )
        .order_by(UserSession.last_used_at.desc())
        .limit(100)
    ).all()


def reset_token_by_digest(session: Session, digest: str) -> PasswordResetToken | None:
    return session.scalar(
        select(PasswordResetToken).where(PasswordResetToken.token_digest == digest)
    )


def retire_reset_tokens(session: Session, user_id: str, now: datetime) -> None:
    session.execute(
        update(PasswordResetToken)
        .where(PasswordResetToken.user_id == user_id, PasswordResetToken.used_at.is_(None))
        .values(used_at=now)
    )


def oauth_accounts(session: Session, user_id: str) -> Sequence[OAuthAccount]:
    return session.scalars(
        select(OAuthAccount).where(OAuthAccount.user_id == user_id).order_by(OAuthAccount.provider)
    ).all()


def oauth_account(session: Session, provider: str, subject: str) -> OAuthAccount | None:
    return session.scalar(
        select(OAuthAccount).where(
            OAuthAccount.provider == provider, OAuthAccount.subject == subject
        )
    )


def principal_row(conn: Connection | Session, user_id: str, session_id: str) -> Row | None:
    """The one statement behind every authenticated request: the user and their session."""
    statement = (
        select(
            User.id,
            User.role,
            User.status,
            User.name,
            User.email,
            UserSession.revoked_at,
            UserSession.expires_at,
        )
        .join(UserSession, UserSession.user_id == User.id)
        .where(User.id == user_id, UserSession.id == session_id)
    )
    return conn.execute(statement).first()


# --- profiles, instructor applications, roles and bans ----------------------------


def user_for_update(session: Session, user_id: str) -> User | None:
    """The user row, locked until commit (PostgreSQL; SQLite's writer lock serialises anyway)."""
    return session.scalar(
        select(User)
        .where(User.id == user_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def pending_application(session: Session, user_id: str) -> InstructorApplication | None:
    return session.scalar(
        select(InstructorApplication)
        .where(
            InstructorApplication.user_id == user_id,
            InstructorApplication.status == "pending",
        )
        .limit(1)
    )


def application_for_update(session: Session, application_id: str) -> InstructorApplication | None:
    return session.scalar(
        select(InstructorApplication)
        .where(InstructorApplication.id == application_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def applications_page(
    session: Session, status: str | None, *, offset: int, limit: int
) -> tuple[list[tuple[InstructorApplication, User]], int]:
    """Applications with their applicants, newest first, and the total matching."""
    conditions = [InstructorApplication.status == status] if status else []
    total = session.scalar(
        select(func.count()).select_from(InstructorApplication).where(*conditions)
    )
    rows = session.execute(
        select(InstructorApplication, User)
        .join(User, User.id == InstructorApplication.user_id)
        .where(*conditions)
        .order_by(InstructorApplication.created_at.desc(), InstructorApplication.id)
        .offset(offset)
        .limit(limit)
    ).all()
    return [(row[0], row[1]) for row in rows], int(total or 0)


def last_audit_entry(session: Session, *, action: str, target_id: str) -> AuditEntry | None:
    return session.scalar(
        select(AuditEntry)
        .where(AuditEntry.action == action, AuditEntry.target_id == target_id)
        .order_by(AuditEntry.created_at.desc())
        .limit(1)
    )
