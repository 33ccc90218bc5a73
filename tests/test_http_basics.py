"""What every client sees whatever the route: problem+json, request ids, headers, limits."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel, ConfigDict, Field

from syllabus.kit.errors import Conflict

PROBLEM = "application/problem+json"


class Echo(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=20)


def _probe_router() -> APIRouter:
    router = APIRouter(prefix="/api/v1/_probe")

    @router.post("/echo")
    def echo(body: Echo) -> dict[str, str]:
        return {"name": body.name}

    @router.get("/conflict")
    def conflict() -> None:
        raise Conflict("That course already has a section with this title.", code="already_there")

    @router.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internals: password=hunter2")

    return router


def _client_with_probe(app: FastAPI) -> TestClient:
    app.include_router(_probe_router())
    return TestClient(app, raise_server_exceptions=False)


def test_unknown_api_route_is_problem_json_404(client: TestClient) -> None:
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["status"] == 404
    assert body["code"] == "not_found"
    assert {"type", "title", "detail"} <= body.keys()


def test_unknown_page_renders_error_page(client: TestClient) -> None:
    response = client.get("/no-such-page", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "404" in response.text


def test_malformed_json_is_422_with_errors(app: FastAPI) -> None:
    client = _client_with_probe(app)
    response = client.post(
        "/api/v1/_probe/echo", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["code"] == "validation_error"
    assert body["errors"]
    assert {"loc", "msg"} <= body["errors"][0].keys()


def test_unknown_and_out_of_bounds_fields_are_422(app: FastAPI) -> None:
    client = _client_with_probe(app)
    extra = client.post("/api/v1/_probe/echo", json={"name": "Ann", "role": "admin"})
    assert extra.status_code == 422
    assert any(err["loc"][-1] == "role" for err in extra.json()["errors"])
    too_long = client.post("/api/v1/_probe/echo", json={"name": "x" * 21})
    assert too_long.status_code == 422
    assert client.post("/api/v1/_probe/echo", json={"name": "Ann"}).json() == {"name": "Ann"}


def test_business_refusal_keeps_its_code(app: FastAPI) -> None:
    client = _client_with_probe(app)
    response = client.get("/api/v1/_probe/conflict")
    assert response.status_code == 409
    assert response.json()["code"] == "already_there"
    assert "section with this title" in response.json()["detail"]


def test_unhandled_exception_is_500_without_internals(app: FastAPI, caplog) -> None:
    client = _client_with_probe(app)
    response = client.get("/api/v1/_probe/boom", headers={"X-Request-ID": "trace-abc-123"})
    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["code"] == "internal_error"
    assert "hunter2" not in response.text
    assert "RuntimeError" not in response.text
    assert response.headers["x-request-id"] == "trace-abc-123"
    logged = [r for r in caplog.records if "unhandled_exception" in r.getMessage()]
    assert logged, "the failure is logged"
    assert any("trace-abc-123" in str(r.msg) for r in logged), "with its request id"


def test_oversized_body_is_413(app: FastAPI, settings) -> None:
    client = _client_with_probe(app)
    big = b'{"name": "' + b"x" * (settings.max_body_bytes + 10) + b'"}'
    response = client.post(
        "/api/v1/_probe/echo", content=big, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"


def test_oversized_streamed_body_without_length_is_413(app: FastAPI, settings) -> None:
    client = _client_with_probe(app)

    def chunks():
        yield b'{"name": "'
        for _ in range(settings.max_body_bytes // 65536 + 2):
            yield b"x" * 65536
        yield b'"}'

    response = client.post(
        "/api/v1/_probe/echo", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413


def test_request_id_is_generated_or_echoed(client: TestClient) -> None:
    generated = client.get("/healthz").headers["x-request-id"]
    assert len(generated) >= 16
    assert (
        client.get("/healthz", headers={"X-Request-ID": "abc-1"}).headers["x-request-id"] == "abc-1"
    )
    hostile = client.get("/healthz", headers={"X-Request-ID": "bad id\twith spaces"})
    assert hostile.headers["x-request-id"] != "bad id\twith spaces"


def test_security_headers_on_pages_and_api(client: TestClient) -> None:
    for path in ("/", "/healthz", "/api/v1/missing"):
        headers = client.get(path).headers
        csp = headers["content-security-policy"]
        assert "script-src 'self'" in csp
        assert "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
        assert "strict-transport-security" not in headers, "HSTS only in production"


def test_health_readiness_and_metrics(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"] == {
        "database": "ok",
        "queue": "ok",
        "storage": "ok",
        "cache": "ok",
    }
    metrics = client.get("/metrics")
    assert metrics.status_code == 200
    assert "syllabus_http_requests_total" in metrics.text
    assert 'route="/readyz"' in metrics.text


def test_readiness_reports_a_broken_dependency(client: TestClient, runtime, monkeypatch) -> None:
    def broken() -> None:
        raise OSError("disk gone")

    monkeypatch.setattr(runtime.storage, "check", broken)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["storage"] == "unavailable"
    assert "disk gone" not in response.text


def test_openapi_document_is_served(client: TestClient) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "Syllabus API"


def test_production_adds_hsts(settings) -> None:
    from syllabus.app import create_app

    production = settings.model_copy(
        update={
            "env": "production",
            "secret_key": "p" * 48,
            "allow_sqlite_in_production": True,
            "sandbox_payments_enabled": False,
        }
    )
    with TestClient(create_app(production)) as prod_client:
        headers = prod_client.get("/healthz").headers
    assert headers["strict-transport-security"].startswith("max-age=")
