"""Withdrawing a certificate: an admin revokes it (with a reason) or restores it.

A revoked certificate still answers its verification page and API, saying
"revoked" and since when, so nobody mistakes it for a valid one; its PDF is
no longer served. The reason is kept for the audit log and the admins, not
published.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from syllabus.accounts.actor import Actor
from syllabus.admin import audit
from syllabus.kit.db import utcnow
from syllabus.kit.errors import Conflict, Forbidden
from syllabus.learning.certificates import by_code
from syllabus.learning.models import Certificate


class AlreadyRevoked(Conflict):
    code = "certificate_revoked"
    title = "Certificate already revoked"


class NotRevoked(Conflict):
    code = "certificate_not_revoked"
    title = "Certificate not revoked"


def revoke_certificate(session: Session, actor: Actor, code: str, reason: str) -> Certificate:
    _require_admin(actor)
    certificate = by_code(session, code)
    if certificate.revoked_at is not None:
        raise AlreadyRevoked("This certificate is already revoked.")
    certificate.revoked_at, certificate.revoked_reason = utcnow(), reason.strip()
    audit.record(
        session,
        actor_id=actor.id,
        action="certificate.revoked",
        target_type="certificate",
        target_id=certificate.id,
        before={"status": "valid", "code": certificate.code},
        after={"status": "revoked"},
        reason=certificate.revoked_reason,
    )
    session.flush()
    return certificate


def restore_certificate(session: Session, actor: Actor, code: str) -> Certificate:
    _require_admin(actor)
    certificate = by_code(session, code)
    if certificate.revoked_at is None:
        raise NotRevoked("This certificate is not revoked.")
    before = {"status": "revoked", "reason": certificate.revoked_reason}
    certificate.revoked_at, certificate.revoked_reason = None, None
    audit.record(
        session,
        actor_id=actor.id,
        action="certificate.restored",
        target_type="certificate",
        target_id=certificate.id,
        before=before,
        after={"status": "valid"},
    )
    session.flush()
    return certificate


def _require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise Forbidden("Only admins can revoke or restore certificates.", code="not_admin")
