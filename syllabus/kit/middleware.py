"""Pure ASGI middleware: request id + access log + metrics, security headers, body limits.

Written as plain ASGI callables rather than BaseHTTPMiddleware because they
sit on every request, including the hot cached reads.
"""

from __future__ import annotations

import logging
import os
import re
import time
from typing import Any
from urllib.parse import urlsplit

import orjson
import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from syllabus.kit.logging import get_logger
from syllabus.kit.metrics import REQUEST_SECONDS, REQUESTS

log = get_logger("syllabus.http")
# Checked per request: building a log event that the level then drops costs
# more than a cached catalog page (structlog runs its processors first).
_http_logger = logging.getLogger("syllabus.http")

_REQUEST_ID_OK = re.compile(r"^[A-Za-z0-9._-]{1,128}$")
_UNLOGGED_ROUTES = frozenset({"/healthz", "/metrics"})


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1"))
    return None


def new_request_id() -> str:
    """32 random hex digits, like `uuid4().hex` at a tenth of the cost."""
    return os.urandom(16).hex()


class RequestContextMiddleware:
    """Gives each request an id (kept from `X-Request-ID` when sane), logs and counts it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        # Metric children by (method, route, status): `labels()` takes a lock and
        # builds its key on every call; the children never change.
        self._metrics: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = _header(scope, b"x-request-id")
        request_id = incoming if incoming and _REQUEST_ID_OK.match(incoming) else new_request_id()
        id_header = (b"x-request-id", request_id.encode("latin-1"))
        scope.setdefault("state", {})["request_id"] = request_id
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), id_header]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            method = scope.get("method", "GET")
            self._count(method, template, status, elapsed)
            if template not in _UNLOGGED_ROUTES and _http_logger.isEnabledFor(logging.INFO):
                log.info(
                    "request",
                    method=method,
                    path=scope.get("path"),
                    status=status,
                    ms=round(elapsed * 1000, 2),
                )
            structlog.contextvars.clear_contextvars()

    def _count(self, method: str, template: str, status: int, elapsed: float) -> None:
        key = (method, template, status)
        children = self._metrics.get(key)
        if children is None:
            children = (
                REQUESTS.labels(method, template, str(status)),
                REQUEST_SECONDS.labels(method, template),
            )
            self._metrics[key] = children
        children[0].inc()
        children[1].observe(elapsed)


# A route that must load a third party's script (a payment provider's checkout)
# widens the policy for its own response only: `request.state.csp_extra =
# {"script-src": "https://..."}` adds those sources to the named directives.
CSP_EXTRA_STATE = "csp_extra"


# With the S3 backend the browser fetches posters, pictures and HLS segments
# (hls.js uses XHR, hence connect-src) straight from the bucket.
_STORAGE_DIRECTIVES = ("connect-src", "media-src", "img-src")


def _csp_header(directives: dict[str, str]) -> tuple[bytes, bytes]:
    csp = "; ".join(f"{key} {value}" for key, value in directives.items())
    return (b"content-security-policy", csp.encode())


def storage_origins(settings: Any) -> list[str]:
    """The origins presigned media URLs point at; none for the local backend.

    A custom endpoint (MinIO, R2, moto) is addressed path-style, so its own
    origin; on AWS, the bucket's virtual hosts (global and regional), or for
    a bucket name with dots the path-style endpoint boto3 then signs for.
    """
    if getattr(settings, "storage_backend", "local") != "s3" or not settings.s3_bucket:
        return []
    endpoint = getattr(settings, "s3_public_endpoint_url", None) or settings.s3_endpoint_url
    if endpoint:
        parts = urlsplit(endpoint)
        return [f"{parts.scheme}://{parts.netloc}".lower()]
    bucket, region = settings.s3_bucket, settings.s3_region
    if "." in bucket:
        return [
            "https://s3.amazonaws.com"
            if region == "us-east-1"
            else f"https://s3.{region}.amazonaws.com"
        ]
    return [f"https://{bucket}.s3.amazonaws.com", f"https://{bucket}.s3.{region}.amazonaws.com"]


class SecurityHeadersMiddleware:
    """Adds CSP and friends to every response; HSTS only in production."""

    def __init__(self, app: ASGIApp, *, production: bool, extra_csp: dict[str, str] | None = None):
        self.app = app
        directives = {
            "default-src": "'self'",
            "script-src": "'self'",
            "style-src": "'self'",
            "img-src": "'self' data: blob: https:",
            "media-src": "'self' blob: https:",
            "connect-src": "'self'",
            "font-src": "'self'",
            "object-src": "'none'",
            "base-uri": "'self'",
            "form-action": "'self'",
            "frame-ancestors": "'none'",
        }
        directives.update(extra_csp or {})
        self.directives = directives
        headers = [
            _csp_header(directives),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"strict-origin-when-cross-origin"),
            (b"x-frame-options", b"DENY"),
            (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
        ]
        if production:
            headers.append((b"strict-transport-security", b"max-age=63072000; includeSubDomains"))
        self.headers = headers
        self.names = {name for name, _ in headers}
        self._storage_added = False

    def _add_storage_origins(self, scope: Scope) -> None:
        """Once, from the settings of the app this middleware wraps (set before any request)."""
        self._storage_added = True
        settings = getattr(getattr(scope.get("app"), "state", None), "settings", None)
        origins = " ".join(storage_origins(settings)) if settings is not None else ""
        if origins:
            for key in _STORAGE_DIRECTIVES:
                self.directives[key] = f"{self.directives[key]} {origins}"
            self.headers[0] = _csp_header(self.directives)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if not self._storage_added:
            self._add_storage_origins(scope)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                existing = [h for h in message.get("headers", []) if h[0] not in self.names]
                message["headers"] = existing + self._headers_for(scope)
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _headers_for(self, scope: Scope) -> list[tuple[bytes, bytes]]:
        extra = (scope.get("state") or {}).get(CSP_EXTRA_STATE)
        if not extra:
            return self.headers
        directives = dict(self.directives)
        for key, sources in extra.items():
            base = directives.get(key, directives["default-src"])
            directives[key] = f"{base} {sources}"
        return [_csp_header(directives), *self.headers[1:]]


def _problem_413(limit: int) -> bytes:
    return orjson.dumps(
        {
            "type": "about:blank",
            "title": "Payload too large",
            "status": 413,
            "detail": f"The request body is larger than {limit} bytes.",
            "code": "payload_too_large",
        }
    )


class BodySizeLimitMiddleware:
    """Refuses bodies over the cap: by Content-Length up front, else while streaming.

    Multipart uploads get the (large) upload cap; everything else the small
    JSON/form cap.
    """

    def __init__(self, app: ASGIApp, *, max_body: int, max_upload: int) -> None:
        self.app = app
        self.max_body = max_body
        self.max_upload = max_upload

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        content_type = (_header(scope, b"content-type") or "").lower()
        # Multipart forms and resumable-upload chunks carry files; all else is small.
        is_upload = content_type.startswith(("multipart/", "application/offset+octet-stream"))
        limit = self.max_upload if is_upload else self.max_body
        declared = _header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refuse(send, limit)
            return
        received = 0
        refused = False

        async def counting_receive() -> Message:
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message: Message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # Answer 413 now and tell the app the client left, so
                    # it stops reading; whatever it answers is dropped.
                    refused = True
                    await self._refuse(send, limit)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            if not refused:
                await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            if not refused:
                raise

    @staticmethod
    async def _refuse(send: Send, limit: int) -> None:
        body = _problem_413(limit)
        headers: list[Any] = [
            (b"content-type", b"application/problem+json"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})
