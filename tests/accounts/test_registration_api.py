"""Register, read the emailed code, activate; resend; the refusals of API.md."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from syllabus.accounts.models import ActivationCode
from syllabus.kit.db import utcnow
from syllabus.kit.runtime import Runtime
from tests.factories import PASSWORD, activation_code, link_token, mails_to, make_user

REGISTER = "/api/v1/auth/register"
ACTIVATE = "/api/v1/auth/activate"


def _register(client: TestClient, email: str = "ann@example.com", **extra: str):
    body = {"email": email, "password": PASSWORD, "name": "Ann Lee", **extra}
    return client.post(REGISTER, json=body)


def test_register_then_activate_with_emailed_code(
    client: TestClient, runtime: Runtime, run_jobs
) -> None:
    response = _register(client, email="Ann@Example.com")
    assert response.status_code == 201
    user = response.json()
    assert user["email"] == "ann@example.com"
    assert user["status"] == "pending"
    assert user["role"] == "student"
    assert {"id", "name", "avatar_url", "created_at"} <= user.keys()
    assert "password" not in response.text

    login_before = client.post(
        "/api/v1/auth/login", json={"email": "ann@example.com", "password": PASSWORD}
    )
    assert login_before.status_code == 403
    assert login_before.json()["code"] == "account_not_active"

    run_jobs()
    code = activation_code(runtime, "ann@example.com")
    activated = client.post(ACTIVATE, json={"email": "ann@example.com", "code": code})
    assert activated.status_code == 200
    assert activated.json()["status"] == "active"
    assert (
        client.post(
            "/api/v1/auth/login", json={"email": "ann@example.com", "password": PASSWORD}
        ).status_code
        == 200
    )


def test_activation_link_works(client: TestClient, runtime: Runtime, run_jobs) -> None:
    _register(client)
    run_jobs()
    token = link_token(runtime, "ann@example.com")
    response = client.post(ACTIVATE, json={"token": token})
    assert response.status_code == 200
    assert response.json()["status"] == "active"


def test_duplicate_email_is_409(client: TestClient, db: Session) -> None:
    make_user(db, email="taken@example.com")
    response = _register(client, email="TAKEN@example.com")
    assert response.status_code == 409
    assert response.json()["code"] == "email_taken"


def test_weak_passwords_are_422_and_create_nothing(client: TestClient) -> None:
    short = client.post(REGISTER, json={"email": "a@example.com", "password": "short", "name": "A"})
    assert short.status_code == 422
    common = client.post(
        REGISTER, json={"email": "a@example.com", "password": "password123", "name": "A"}
    )
    assert common.status_code == 422
    assert common.json()["code"] == "weak_password"
    own_email = client.post(
        REGISTER,
        json={"email": "anna.b@example.com", "password": "anna.b@example.com", "name": "A"},
    )
    assert own_email.status_code == 422
    # Nothing was created: the address is still free.
    assert _register(client, email="a@example.com").status_code == 201


def test_malformed_registration_is_422(client: TestClient) -> None:
    assert (
        client.post(
            REGISTER, json={"email": "not-an-email", "password": PASSWORD, "name": "A"}
        ).status_code
        == 422
    )
    assert (
        client.post(
            REGISTER, json={"email": "a@example.com", "password": PASSWORD, "name": ""}
        ).status_code
        == 422
    )
    assert (
        client.post(
            REGISTER,
            json={"email": "a@example.com", "password": PASSWORD, "name": "A", "role": "admin"},
        ).status_code
        == 422
    )


def test_wrong_code_then_too_many_tries(client: TestClient, runtime: Runtime, run_jobs) -> None:
    _register(client)
    run_jobs()
    code = activation_code(runtime, "ann@example.com")
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        response = client.post(ACTIVATE, json={"email": "ann@example.com", "code": wrong})
        assert response.status_code == 400
        assert response.json()["code"] == "invalid_code"
    blocked = client.post(ACTIVATE, json={"email": "ann@example.com", "code": code})
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) >= 1


def test_expired_code_is_refused(
    client: TestClient, runtime: Runtime, db: Session, run_jobs
) -> None:
    _register(client)
    run_jobs()
    code = activation_code(runtime, "ann@example.com")
    db.execute(update(ActivationCode).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.commit()
    response = client.post(ACTIVATE, json={"email": "ann@example.com", "code": code})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_code"


def test_unknown_email_gets_the_same_answer(client: TestClient) -> None:
    response = client.post(ACTIVATE, json={"email": "nobody@example.com", "code": "123456"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_code"


def test_resend_is_202_always_and_replaces_the_code(
    client: TestClient, runtime: Runtime, run_jobs
) -> None:
    assert (
        client.post(
            "/api/v1/auth/activation/resend", json={"email": "ghost@example.com"}
        ).status_code
        == 202
    )
    _register(client)
    run_jobs()
    first = activation_code(runtime, "ann@example.com")
    assert (
        client.post("/api/v1/auth/activation/resend", json={"email": "ann@example.com"}).status_code
        == 202
    )
    run_jobs()
    second = activation_code(runtime, "ann@example.com")
    assert len(mails_to(runtime, "ann@example.com")) == 2
    assert mails_to(runtime, "ghost@example.com") == []
    if first != second:
        old = client.post(ACTIVATE, json={"email": "ann@example.com", "code": first})
        assert old.status_code == 400
    assert (
        client.post(ACTIVATE, json={"email": "ann@example.com", "code": second}).status_code == 200
    )


def test_activation_email_has_code_and_link_in_both_parts(
    client: TestClient, runtime: Runtime, run_jobs
) -> None:
    from syllabus.kit.mail import read_outbox

    _register(client)
    run_jobs()
    [message] = read_outbox(runtime.settings.mail_dir)
    code = activation_code(runtime, "ann@example.com")
    html = message.get_body(preferencelist=("html",))
    assert html is not None
    assert code in html.get_content()
    assert "/activate?token=" in html.get_content()
    assert code in message["Subject"]
