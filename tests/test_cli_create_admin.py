"""`syllabus create-admin`: the operator's way to the first admin account."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from syllabus.accounts.models import User
from syllabus.admin.audit import AuditEntry
from syllabus.cli import app
from syllabus.kit.runtime import Runtime
from tests.factories import bearer, login, make_user

PASSWORD = "a sturdy admin passphrase"


def _create_admin(email: str, password: str = PASSWORD, name: str = "Boss") -> tuple[int, str]:
    result = CliRunner().invoke(
        app, ["create-admin", "--email", email, "--password", password, "--name", name]
    )
    return result.exit_code, result.output


def test_create_admin_then_log_in(client: TestClient, db: Session, runtime: Runtime) -> None:
    code, output = _create_admin("Boss@Example.com")
    assert code == 0, output
    assert "Admin boss@example.com is ready." in output
    tokens = login(client, "boss@example.com", PASSWORD)
    assert tokens["user"]["role"] == "admin"
    assert tokens["user"]["status"] == "active"
    listed = client.get("/api/v1/admin/instructor-applications", headers=bearer(tokens))
    assert listed.status_code == 200
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "user.admin_created"))
    assert entry is not None
    assert entry.target_id == tokens["user"]["id"]


def test_create_admin_promotes_an_existing_account(
    client: TestClient, db: Session, runtime: Runtime
) -> None:
    user = make_user(db, email="ann@example.com", status="pending")
    code, output = _create_admin("ann@example.com", name="Ann Admin")
    assert code == 0, output
    tokens = login(client, "ann@example.com", PASSWORD)
    assert tokens["user"]["id"] == user.id
    assert tokens["user"]["role"] == "admin"
    assert tokens["user"]["name"] == "Ann Admin"
    assert len(db.scalars(select(User).where(User.email == "ann@example.com")).all()) == 1


def test_weak_password_or_bad_email_exits_2(db: Session, runtime: Runtime) -> None:
    for email, password in (("boss@example.com", "password"), ("not-an-email", PASSWORD)):
        code, output = _create_admin(email, password)
        assert code == 2, output
        assert "Cannot create the admin" in output
    db.expire_all()
    assert db.scalar(select(User).where(User.email == "boss@example.com")) is None
