"""Property-based API fuzzing from the OpenAPI document, as an anonymous visitor, a student,
an instructor and an admin with real bearer tokens.

For each operation schemathesis generates a bounded number of requests (valid
and, in the second test, malformed ones) and checks: no 5xx, the status code
is documented, the response matches its declared schema and content type, and
malformed input is refused with a 4xx. Marked `slow`. The document and the
answers do not depend on the database engine, so it runs in CI's first pass
(SQLite) only, which keeps the second pass within its time.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    CheckFunction,
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy.orm import Session

from syllabus.accounts import sessions
from syllabus.kit.runtime import Runtime
from tests.factories import make_user

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        bool(os.environ.get("SYLLABUS_REDIS_URL")),
        reason="engine-independent: runs in CI's first pass (SQLite) only",
    ),
]

# Bounded so the whole module (every operation, four roles) stays within a few minutes.
POSITIVE_EXAMPLES = 3
NEGATIVE_EXAMPLES = 2
# Paths whose bodies are not JSON or whose answers depend on outside parties.
SKIPPED = r"^/api/v1/(webhooks|auth/oauth)/"
# Documentation gaps found by this module and not fixed yet: their status codes or
# content types are not (all) in the OpenAPI document. They still must not 5xx.
# Remove an entry once its route declares them (`problems(...)`, a 202 without
# a JSON body, 422 as problem+json).
KNOWN_DOC_GAPS = {
    ("POST", "/api/v1/auth/register"),  # 422 sent as problem+json, 429
    ("POST", "/api/v1/auth/activate"),  # 400 invalid_code
    ("POST", "/api/v1/auth/activation/resend"),  # 202 with an empty body
    ("POST", "/api/v1/auth/login"),  # 429
    ("POST", "/api/v1/auth/password/forgot"),  # 202 with an empty body
    ("POST", "/api/v1/auth/password/reset"),  # 400 invalid_token
    ("GET", "/api/v1/courses"),  # 422 sent as problem+json
    ("GET", "/api/v1/users/{user_id}"),  # 404 user_not_found
}
SAFETY_CHECKS: list[CheckFunction] = [not_a_server_error]
POSITIVE_CHECKS: list[CheckFunction] = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _load(app: FastAPI, mode: GenerationMode) -> Any:
    loaded = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    loaded.config.generation.update(modes=[mode], no_shrink=True, deterministic=True)
    return loaded


@pytest.fixture
def api_schema(app: FastAPI) -> Any:
    return _load(app, GenerationMode.POSITIVE)


@pytest.fixture
def malformed_schema(app: FastAPI) -> Any:
    return _load(app, GenerationMode.NEGATIVE)


@pytest.fixture
def role_headers(db: Session, runtime: Runtime) -> dict[str, dict[str, str]]:
    """Authorization headers per role (none for the anonymous visitor)."""
    headers: dict[str, dict[str, str]] = {"anonymous": {}}
    for role in ("student", "instructor", "admin"):
        user = make_user(db, role=role)
        pair = sessions.start_session(db, runtime, user, sessions.Client(device="fuzz"))
        db.commit()
        headers[role] = {"Authorization": f"Bearer {pair.access_token}"}
    return headers


schema = schemathesis.pytest.from_fixture("api_schema").exclude(path_regex=SKIPPED)
# Inputs that admit any string (or none at all): nothing malformed can be made for them.
NOTHING_TO_MALFORM = (
    r"^/api/v1/(categories|users/\{user_id\}|certificates/\{code\}(\.pdf)?"
    r"|courses/\{course\}/promo/playback)$"
)
malformed = (
    schemathesis.pytest.from_fixture("malformed_schema")
    .exclude(path_regex=SKIPPED)
    .exclude(path_regex=NOTHING_TO_MALFORM)
)

# Reproducible and bounded: no deadline (a shared CI machine), no example database.
_bounded = settings(
    deadline=None, derandomize=True, suppress_health_check=list(HealthCheck), database=None
)


@schema.parametrize()
@settings(_bounded, max_examples=POSITIVE_EXAMPLES)
def test_valid_requests_get_documented_answers(
    case: schemathesis.Case, role_headers: dict[str, dict[str, str]]
) -> None:
    known_gap = (case.method.upper(), case.operation.path) in KNOWN_DOC_GAPS
    checks = SAFETY_CHECKS if known_gap else POSITIVE_CHECKS
    for headers in role_headers.values():
        case.call_and_validate(headers=headers, checks=checks)


@malformed.parametrize()
@settings(_bounded, max_examples=NEGATIVE_EXAMPLES)
def test_malformed_requests_are_refused_with_4xx(
    case: schemathesis.Case, role_headers: dict[str, dict[str, str]]
) -> None:
    case.call_and_validate(
        headers=role_headers["admin"], checks=[not_a_server_error, negative_data_rejection]
    )
