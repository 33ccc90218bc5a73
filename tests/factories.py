"""Small factories for test data, and the API calls most tests start with."""

from __future__ import annotations

import functools
import itertools
import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from syllabus.accounts.models import User
from syllabus.kit.mail import message_text, read_outbox
from syllabus.kit.runtime import Runtime
from syllabus.kit.security import hash_password

PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)


@functools.lru_cache(maxsize=16)
def password_hash(password: str) -> str:
    """argon2 is slow on purpose; tests hash each distinct password once."""
    return hash_password(password)


def make_user(
    db: Session,
    *,
    email: str | None = None,
    name: str | None = None,
    password: str | None = PASSWORD,
    role: str = "student",
    status: str = "active",
) -> User:
    n = next(_counter)
    user = User(
        email=email or f"user{n}@example.com",
        name=name or f"User {n}",
        password_hash=password_hash(password) if password else None,
        role=role,
        status=status,
    )
    db.add(user)
    db.commit()
    return user


def login(
    client: TestClient, email: str, password: str = PASSWORD, **headers: str
) -> dict[str, Any]:
    response = client.post(
        "/api/v1/auth/login", json={"email": email, "password": password}, headers=headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def bearer(tokens: dict[str, Any] | str) -> dict[str, str]:
    token = tokens if isinstance(tokens, str) else tokens["access_token"]
    return {"Authorization": f"Bearer {token}"}


def mails_to(rt: Runtime, address: str) -> list[str]:
    """Text parts of the emails written to `address`, oldest first."""
    return [message_text(m) for m in read_outbox(rt.settings.mail_dir) if m["To"] == address]


def activation_code(rt: Runtime, address: str) -> str:
    match = re.search(r"activation code is: (\d{6})", mails_to(rt, address)[-1])
    assert match, "the activation email holds a 6-digit code"
    return match.group(1)


def link_token(rt: Runtime, address: str) -> str:
    match = re.search(r"[?&]token=([A-Za-z0-9_\-]+)", mails_to(rt, address)[-1])
    assert match, "the email holds a link with token="
    return match.group(1)
