"""Operations endpoints: liveness, readiness and Prometheus metrics."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter
from starlette.responses import Response

from syllabus.kit.logging import get_logger
from syllabus.kit.metrics import render_latest
from syllabus.kit.queue import ping_queue
from syllabus.kit.runtime import get_runtime

router = APIRouter(include_in_schema=False)
log = get_logger("syllabus.ops")


@router.get("/healthz")
async def healthz() -> Response:
    return Response(b'{"status":"ok"}', media_type="application/json")


@router.get("/readyz")
def readyz() -> Response:
    runtime = get_runtime()
    checks: dict[str, Any] = {}
    for name, probe in (
        ("database", runtime.db.ping),
        ("queue", ping_queue),
        ("storage", runtime.storage.check),
        ("cache", runtime.cache.ping),
    ):
        try:
            probe()
            checks[name] = "ok"
        except Exception as exc:
            log.warning("readyz.failed", check=name, error=type(exc).__name__)
            checks[name] = "unavailable"
    ready = all(value == "ok" for value in checks.values())
    body = {"status": "ready" if ready else "unavailable", "checks": checks}
    return Response(
        orjson.dumps(body), status_code=200 if ready else 503, media_type="application/json"
    )


@router.get("/metrics")
def metrics() -> Response:
    payload, content_type = render_latest()
    return Response(payload, media_type=content_type)
