"""Roles and bans: applying to teach, admin decisions, role changes, bans, the first admin.

Every admin action writes an audit entry with the values before and after.
"""

from __future__ import annotations

from pydantic import EmailStr, TypeAdapter, ValidationError
from sqlalchemy.orm import Session

from syllabus.accounts import repository as repo
from syllabus.accounts.actor import Actor
from syllabus.accounts.errors import (
    AlreadyBanned,
    AlreadyInstructor,
    ApplicationDecided,
    ApplicationPending,
    CannotBanSelf,
    CannotDemoteSelf,
    NotBanned,
)
from syllabus.accounts.models import ROLES, InstructorApplication, User
from syllabus.accounts.password_policy import check_password
from syllabus.accounts.presenters import user_out
from syllabus.accounts.schemas import (
    AdminUserOut,
    ApplicantOut,
    ApplicationOut,
    InstructorApplicationIn,
)
from syllabus.admin import audit
from syllabus.kit.db import utcnow
from syllabus.kit.errors import Forbidden, InvalidInput, NotFound
from syllabus.kit.pagination import Page, PageParams
from syllabus.kit.runtime import Runtime
from syllabus.kit.security import hash_password
from syllabus.notifications.service import Notice, notify

_EMAIL = TypeAdapter(EmailStr)
BAN_ACTION = "user.banned"


def apply_to_teach(
    session: Session, rt: Runtime, actor: Actor, body: InstructorApplicationIn
) -> InstructorApplication:
    user = repo.user_for_update(session, actor.id)
    if user is None:
        raise NotFound("No such user.")
    if user.role != "student":
        raise AlreadyInstructor("You can already teach.")
    if repo.pending_application(session, user.id) is not None:
        raise ApplicationPending("Your application is already waiting for a decision.")
    application = InstructorApplication(
        user_id=user.id, pitch=body.bio, topics=list(dict.fromkeys(body.topics))
    )
    session.add(application)
    session.flush()
    if rt.settings.instructor_auto_approve:
        _decide(session, None, application, user, approve=True, note="Approved automatically.")
    return application


def decide_application(
    session: Session, admin: Actor, application_id: str, *, approve: bool, note: str | None
) -> InstructorApplication:
    _require_admin(admin)
    application = repo.application_for_update(session, application_id)
    if application is None:
        raise NotFound("No such application.")
    if application.status != "pending":
        raise ApplicationDecided(f"This application was already {application.status}.")
    user = repo.user_for_update(session, application.user_id)
    if user is None:
        raise NotFound("No such application.")
    _decide(session, admin.id, application, user, approve=approve, note=note)
    return application


def list_applications(
    session: Session, admin: Actor, status: str | None, page: PageParams
) -> Page[ApplicationOut]:
    _require_admin(admin)
    rows, total = repo.applications_page(session, status, offset=page.offset, limit=page.limit)
    return Page[ApplicationOut].build(
        [application_out(app, user) for app, user in rows], total, page
    )


def set_role(session: Session, admin: Actor, user_id: str, role: str | None) -> User:
    """Give `user_id` the role; None changes nothing and returns the user."""
    _require_admin(admin)
    if role is not None and role not in ROLES:
        raise InvalidInput(f"Role must be one of {', '.join(ROLES)}.")
    user = repo.user_for_update(session, user_id)
    if user is None:
        raise NotFound("No such user.")
    if role is None or role == user.role:
        return user
    # Refusing self-demotion also means the last admin can never vanish.
    if user.id == admin.id:
        raise CannotDemoteSelf("Ask another admin to change your role.")
    before = user.role
    user.role = role
    audit.record(
        session,
        actor_id=admin.id,
        action="user.role_changed",
        target_type="user",
        target_id=user.id,
        before={"role": before},
        after={"role": role},
    )
    session.flush()
    return user


def ban_user(session: Session, admin: Actor, user_id: str, reason: str) -> User:
    """Ban the user and end every session: their access tokens fail at the next request."""
    _require_admin(admin)
    if user_id == admin.id:
        raise CannotBanSelf("Admins cannot ban themselves.")
    user = repo.user_for_update(session, user_id)
    if user is None:
        raise NotFound("No such user.")
    if user.status == "banned":
        raise AlreadyBanned("This user is already banned.")
    before = {"status": user.status}
    now = utcnow()
    user.status, user.ban_reason, user.banned_at = "banned", reason, now
    revoked = repo.revoke_sessions(session, user.id, now, "banned")
    audit.record(
        session,
        actor_id=admin.id,
        action=BAN_ACTION,
        target_type="user",
        target_id=user.id,
        before=before,
        after={"status": "banned", "ban_reason": reason, "sessions_revoked": revoked},
        reason=reason,
    )
    session.flush()
    return user


def unban_user(session: Session, admin: Actor, user_id: str) -> User:
    _require_admin(admin)
    user = repo.user_for_update(session, user_id)
    if user is None:
        raise NotFound("No such user.")
    if user.status != "banned":
        raise NotBanned("This user is not banned.")
    # An account banned before it was activated goes back to pending, so
    # unbanning never skips proving the email address.
    last_ban = repo.last_audit_entry(session, action=BAN_ACTION, target_id=user.id)
    was_pending = bool(last_ban and (last_ban.before or {}).get("status") == "pending")
    restored = "pending" if was_pending else "active"
    before = {"status": user.status, "ban_reason": user.ban_reason}
    user.status, user.ban_reason, user.banned_at = restored, None, None
    audit.record(
        session,
        actor_id=admin.id,
        action="user.unbanned",
        target_type="user",
        target_id=user.id,
        before=before,
        after={"status": restored},
    )
    session.flush()
    return user


def create_admin(session: Session, *, email: str, password: str, name: str) -> User:
    """An active admin with this password: a new account, or an existing one promoted."""
    try:
        email = repo.normalize_email(_EMAIL.validate_python(email))
    except ValidationError as exc:
        raise InvalidInput(
            f"{email!r} is not a valid email address.", code="invalid_email"
        ) from exc
    name = name.strip()
    if not 1 <= len(name) <= 120:
        raise InvalidInput("The name must be 1 to 120 characters.", code="invalid_name")
    check_password(password, email=email, name=name)
    user = repo.user_by_email(session, email)
    before = None
    if user is None:
        user = User(email=email, name=name, role="admin", status="active")
        session.add(user)
    else:
        before = {"role": user.role, "status": user.status}
        # The operator resets the password: sessions opened with the old one end.
        repo.revoke_sessions(session, user.id, utcnow(), "password_reset")
    user.name, user.role, user.status = name, "admin", "active"
    user.password_hash = hash_password(password)
    user.ban_reason, user.banned_at = None, None
    session.flush()
    audit.record(
        session,
        actor_id=None,
        action="user.admin_created",
        target_type="user",
        target_id=user.id,
        before=before,
        after={"role": "admin", "status": "active"},
        reason="syllabus create-admin",
    )
    session.flush()
    return user


# --- presenting ----------------------------------------------------------------------


def application_out(application: InstructorApplication, user: User) -> ApplicationOut:
    return ApplicationOut(
        id=application.id,
        user=ApplicantOut(id=user.id, name=user.name, email=user.email),
        bio=application.pitch,
        topics=list(application.topics or []),
        status=application.status,
        created_at=application.created_at,
        decided_at=application.decided_at,
        decision_note=application.decision_note,
    )


def describe_application(session: Session, application: InstructorApplication) -> ApplicationOut:
    user = repo.user_by_id(session, application.user_id)  # already in the identity map
    if user is None:
        raise NotFound("No such application.")
    return application_out(application, user)


def admin_user_out(rt: Runtime, user: User) -> AdminUserOut:
    return AdminUserOut(
        **user_out(rt, user).model_dump(), ban_reason=user.ban_reason, banned_at=user.banned_at
    )


def _decide(
    session: Session,
    admin_id: str | None,
    application: InstructorApplication,
    user: User,
    *,
    approve: bool,
    note: str | None,
) -> None:
    before = {"status": application.status, "role": user.role, "user_id": user.id}
    application.status = "approved" if approve else "rejected"
    application.decided_by, application.decided_at = admin_id, utcnow()
    application.decision_note = note
    # Only students gain the role: an admin who applied earlier keeps being admin.
    if approve and user.role == "student":
        user.role = "instructor"
    audit.record(
        session,
        actor_id=admin_id,
        action=f"instructor_application.{application.status}",
        target_type="instructor_application",
        target_id=application.id,
        before=before,
        after={"status": application.status, "role": user.role, "user_id": user.id},
        reason=note,
    )
    _notify_decision(session, application, user, approved=approve, note=note)
    session.flush()


def _notify_decision(
    session: Session,
    application: InstructorApplication,
    user: User,
    *,
    approved: bool,
    note: str | None,
) -> None:
    """Tell the applicant (in-app and email): approved leads to the studio, rejected to /teach."""
    reason = None if approved else (note or None)
    notice = Notice(
        kind="application_decided",
        title=(
            "You are now an instructor"
            if approved
            else "Your instructor application was not approved"
        ),
        body=(
            "Your application to teach was approved. Create your first course in the studio."
            if approved
            else (reason or "You are welcome to apply again.")
        ),
        url="/studio" if approved else "/teach",
        email_template="application_decided",
        email_context={
            "approved": approved,
            "reason": reason,
            "studio_path": "/studio",
            "teach_path": "/teach",
        },
    )
    # An application is decided once, so its id names the cause.
    notify(session, user.id, notice, key=f"application:{application.id}")


def _require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise Forbidden("Only admins can do this.", code="not_admin")
