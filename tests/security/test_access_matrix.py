"""Every API route x every role answers as tests/security/access_rules.py says.

The routes come from the OpenAPI document, so a route added without a rule
fails here by name.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from syllabus.kit.runtime import Runtime
from tests.security.access_rules import RULES, RULES_BY_KEY, Rule
from tests.security.matrix_client import fill_path, send_isolated
from tests.security.world import ROLES, World, build_world


def _operations(app: FastAPI) -> list[tuple[str, str, dict[str, Any]]]:
    paths: dict[str, dict[str, Any]] = app.openapi()["paths"]
    return [
        (method.upper(), path, operation)
        for path, operations in paths.items()
        for method, operation in operations.items()
    ]


def _fill_body(body: Any, world: World) -> Any:
    if isinstance(body, str) and body.startswith("{") and body.endswith("}"):
        return world.ids[body[1:-1]]
    if isinstance(body, dict):
        return {key: _fill_body(value, world) for key, value in body.items()}
    if isinstance(body, list):
        return [_fill_body(value, world) for value in body]
    return body


def _request(rule: Rule, operation: dict[str, Any], world: World, role: str) -> dict[str, Any]:
    """The keyword arguments of the role's request: headers and a body, if any."""
    request: dict[str, Any] = {"headers": world.headers(role) | rule.headers}
    if rule.files is not None or rule.form is not None:
        request["files"] = rule.files
        request["data"] = rule.form
    elif rule.content is not None:
        request["content"] = rule.content
    elif rule.body is not None:
        request["json"] = _fill_body(rule.body, world)
    elif "requestBody" in operation:
        request["json"] = {}
    return request


def test_every_api_route_has_an_access_rule(app: FastAPI) -> None:
    missing = [
        f"{method} {path}"
        for method, path, _ in _operations(app)
        if (method, path) not in RULES_BY_KEY
    ]
    assert not missing, "routes without a rule in tests/security/access_rules.py:\n" + "\n".join(
        missing
    )


def test_every_access_rule_names_a_route(app: FastAPI) -> None:
    routes = {(method, path) for method, path, _ in _operations(app)}
    stale = [f"{rule.method} {rule.path}" for rule in RULES if rule.key not in routes]
    assert not stale, "rules for routes that no longer exist:\n" + "\n".join(stale)


def test_each_role_gets_what_the_access_table_says(
    app: FastAPI, client: TestClient, db: Session, runtime: Runtime
) -> None:
    world = build_world(db, runtime)
    wrong: list[str] = []
    checked = 0
    for method, path, operation in _operations(app):
        rule = RULES_BY_KEY.get((method, path))
        if rule is None:
            continue  # reported by test_every_api_route_has_an_access_rule
        url = fill_path(path, world, rule.params)
        for role in ROLES:
            request = _request(rule, operation, world, role)
            status = send_isolated(client, runtime, method, url, **request)
            checked += 1
            if not rule.accepts(role, status):
                expected = rule.refusal(role)
                wanted = f"{expected}" if expected is not None else "allowed"
                wrong.append(f"{method} {path} as {role}: got {status}, expected {wanted}")
    assert checked >= 7 * len(RULES) - 7 * 20, "the matrix ran over the routes"
    assert not wrong, f"{len(wrong)} of {checked} answers break the access table:\n" + "\n".join(
        wrong
    )
