"""Exception handlers: RFC 9457 problem+json under /api, error pages elsewhere."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from syllabus.kit.errors import AppError
from syllabus.kit.logging import get_logger
from syllabus.kit.outages import RETRY_AFTER_SECONDS, unavailable_part

log = get_logger("syllabus.errors")

PROBLEM_JSON = "application/problem+json"


def problems(**codes: str) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for a route's refusals: `problems(s404="course_not_found")`."""
    return {
        int(key[1:]): {"description": f"problem+json, code {value}"} for key, value in codes.items()
    }


_HTTP_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}


def wants_problem_json(request: Request) -> bool:
    path = request.url.path
    if path.startswith("/api/") or path in ("/healthz", "/readyz", "/metrics"):
        return True
    return "application/json" in request.headers.get("accept", "") and "text/html" not in (
        request.headers.get("accept", "")
    )


def problem_response(
    request: Request,
    *,
    status: int,
    code: str,
    title: str,
    detail: str,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    if not wants_problem_json(request):
        from syllabus.web.templating import render_error

        response = render_error(request, status, title, detail)
        for key, value in (headers or {}).items():
            response.headers[key] = value
        return response
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
    }
    if errors is not None:
        body["errors"] = errors
    return Response(
        orjson.dumps(body), status_code=status, media_type=PROBLEM_JSON, headers=headers
    )


def _title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


async def handle_app_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AppError)
    return problem_response(
        request,
        status=exc.status,
        code=exc.code,
        title=exc.title,
        detail=exc.message,
        errors=exc.errors,
        headers=exc.headers,
    )


def _clean_loc(loc: Any) -> list[str | int]:
    return [part if isinstance(part, int) else str(part) for part in loc]


async def handle_validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"loc": _clean_loc(err.get("loc", ())), "msg": str(err.get("msg", ""))}
        for err in exc.errors()
    ]
    return problem_response(
        request,
        status=422,
        code="validation_error",
        title="Invalid input",
        detail="The request has invalid or missing fields.",
        errors=errors,
    )


async def handle_http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    detail = exc.detail if isinstance(exc.detail, str) else _title(status)
    if status == 404 and detail == "Not Found":
        detail = "Nothing exists at this address."
    return problem_response(
        request,
        status=status,
        code=_HTTP_CODES.get(status, "error"),
        title=_title(status),
        detail=detail,
        headers=dict(exc.headers or {}),
    )


async def handle_unexpected(request: Request, exc: Exception) -> Response:
    part = unavailable_part(exc)
    if part is not None:
        log.warning("service_unavailable", part=part, path=request.url.path, error=repr(exc))
        return problem_response(
            request,
            status=503,
            code="service_unavailable",
            title="Service unavailable",
            detail=f"The {part} is unavailable for a moment; please try again shortly.",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    log.error("unhandled_exception", path=request.url.path, exc_info=exc)
    return problem_response(
        request,
        status=500,
        code="internal_error",
        title="Internal server error",
        detail="Something went wrong on our side. Quote the request id if you contact support.",
    )


class CatchUnhandledMiddleware:
    """Turns an unhandled exception into the 500 problem inside the request's context.

    Starlette's own last-resort handler runs outside every middleware, where
    the request id and security headers are already gone.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            if started:
                raise
            response = await handle_unexpected(Request(scope), exc)
            await response(scope, receive, send)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, handle_app_error)
    app.add_exception_handler(RequestValidationError, handle_validation_error)
    app.add_exception_handler(StarletteHTTPException, handle_http_exception)
    app.add_exception_handler(Exception, handle_unexpected)
