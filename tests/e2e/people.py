"""People for the browser tests: active accounts created straight in the live database."""

from __future__ import annotations

import uuid

from syllabus.accounts.models import User
from syllabus.kit.runtime import Runtime
from tests.factories import PASSWORD, password_hash

__all__ = ["PASSWORD", "make_person"]


def make_person(rt: Runtime, *, name: str, role: str) -> tuple[str, str]:
    """An active account that signs in with `PASSWORD`; returns (user id, email)."""
    email = f"{role}-{uuid.uuid4().hex[:8]}@example.com"
    with rt.db.session_scope() as db:
        user = User(
            email=email,
            name=name,
            password_hash=password_hash(PASSWORD),
            role=role,
            status="active",
        )
        db.add(user)
        db.flush()
        return user.id, email
