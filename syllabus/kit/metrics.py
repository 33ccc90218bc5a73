"""Prometheus metrics shared by the web process and the workers."""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest

REQUESTS = Counter(
    "syllabus_http_requests_total",
    "HTTP requests answered, by method, route template and status.",
    ["method", "route", "status"],
)
REQUEST_SECONDS = Histogram(
    "syllabus_http_request_duration_seconds",
    "Time to answer an HTTP request, by method and route template.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
JOBS = Counter(
    "syllabus_jobs_total",
    "Background jobs run, by task and outcome.",
    ["task", "outcome"],
)
OUTBOX_DISPATCHED = Counter(
    "syllabus_outbox_dispatched_total",
    "Outbox messages handed to the queue, by path (commit or sweep).",
    ["path"],
)


def render_latest() -> tuple[bytes, str]:
    return generate_latest(), CONTENT_TYPE_LATEST
