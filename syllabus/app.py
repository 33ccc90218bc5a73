"""The application factory: middleware, routers, templates, static files, jobs."""

from __future__ import annotations

import fcntl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import IO

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles

from syllabus import __version__
from syllabus.api.errors import CatchUnhandledMiddleware, install_error_handlers
from syllabus.config import Settings, get_settings
from syllabus.kit.fastpath import FastPathMiddleware, FastRoute
from syllabus.kit.logging import configure_logging, get_logger
from syllabus.kit.middleware import (
    BodySizeLimitMiddleware,
    RequestContextMiddleware,
    SecurityHeadersMiddleware,
)
from syllabus.kit.runtime import Runtime, get_runtime, set_runtime
from syllabus.web.cookie_middleware import QueuedCookiesMiddleware

log = get_logger("syllabus.app")
STATIC_DIR = Path(__file__).parent / "web" / "static"
JOBS_LOCK = "jobs.lock"


def create_app(
    settings: Settings | None = None,
    *,
    runtime: Runtime | None = None,
    run_jobs: bool = False,
) -> FastAPI:
    settings = settings or get_settings()
    settings.check_production()
    configure_logging(settings.log_level, json=settings.log_json)
    if runtime is not None:
        set_runtime(runtime)
    runtime = get_runtime()

    # Importing the job registry registers every task and outbox handler.
    import syllabus.jobs  # noqa: F401

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        consumer = None
        # With several web workers, one of them runs the jobs: the periodic
        # ones would otherwise run once per worker, and each set of consumer
        # threads costs memory for nothing.
        jobs_lock = claim_jobs(settings.data_dir) if run_jobs else None
        if jobs_lock is not None:
            from syllabus.kit.queue import build_consumers

            consumer = build_consumers(settings)
            consumer.start()
            log.info("jobs.started", workers=settings.job_workers)
        try:
            yield
        finally:
            if consumer is not None:
                # Finish the jobs in hand; queued ones stay queued for next start.
                consumer.stop(graceful=True)
                log.info("jobs.stopped")
            if jobs_lock is not None:
                jobs_lock.close()

    app = FastAPI(
        title="Syllabus API",
        version=__version__,
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.runtime = runtime
    app.state.storage = runtime.storage

    install_error_handlers(app)
    _include_routers(app)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    # Added innermost first: the request id wraps everything, so even a
    # refused oversized body is logged with its id and security headers.
    # The fast paths sit innermost: their answers get every header a route's get.
    app.add_middleware(FastPathMiddleware, routes=_fast_routes())
    app.add_middleware(CatchUnhandledMiddleware)
    app.add_middleware(QueuedCookiesMiddleware)
    app.add_middleware(
        BodySizeLimitMiddleware,
        max_body=settings.max_body_bytes,
        max_upload=settings.max_upload_bytes,
    )
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
            expose_headers=["X-Request-ID", "Retry-After"],
        )
    app.add_middleware(SecurityHeadersMiddleware, production=settings.is_production)
    app.add_middleware(RequestContextMiddleware)
    return app


def _include_routers(app: FastAPI) -> None:
    from syllabus.api import ops
    from syllabus.api.v1 import api_router
    from syllabus.web.routes import (
        accounts,
        admin_audit,
        admin_commerce,
        admin_dashboard,
        admin_mail,
        admin_reviews,
        admin_users,
        announcements,
        catalog,
        certificates,
        commerce,
        community,
        earnings,
        instructor_dashboard,
        learning,
        live,
        media_files,
        messages,
        notifications,
        pages,
        player_events,
        player_media,
        questions,
        streaming,
        studio,
        studio_curriculum,
        studio_media,
        unsubscribe,
    )

    app.include_router(ops.router)
    app.include_router(api_router)
    app.include_router(media_files.router)
    app.include_router(streaming.router)
    app.include_router(pages.router)
    app.include_router(accounts.router)
    app.include_router(catalog.router)
    app.include_router(studio.router)
    app.include_router(studio_curriculum.router)
    app.include_router(studio_media.router)
    app.include_router(admin_reviews.router)
    app.include_router(admin_users.router)
    app.include_router(admin_dashboard.router)
    app.include_router(instructor_dashboard.router)
    app.include_router(admin_audit.router)
    app.include_router(learning.router)
    app.include_router(player_media.router)
    app.include_router(player_events.router)
    app.include_router(live.router)
    app.include_router(certificates.router)
    app.include_router(questions.router)
    app.include_router(announcements.router)
    app.include_router(community.router)
    app.include_router(commerce.router)
    app.include_router(earnings.router)
    app.include_router(admin_commerce.router)
    app.include_router(notifications.router)
    app.include_router(messages.router)
    app.include_router(admin_mail.router)
    app.include_router(unsubscribe.router)


def claim_jobs(data_dir: Path) -> IO[bytes] | None:
    """The open lock file if this process is to run the jobs; None if another one does.

    An exclusive `flock` on `jobs.lock` in the data folder: the first web
    worker of a deployment takes it, and it frees itself when that process
    ends (the worker that replaces it takes it then).
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    handle = (data_dir / JOBS_LOCK).open("ab")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    return handle


def _fast_routes() -> list[FastRoute]:
    from syllabus.api.v1 import courses_public, playback
    from syllabus.web.routes import _landing_cache

    return [*courses_public.FAST_ROUTES, *_landing_cache.FAST_ROUTES, *playback.FAST_ROUTES]


def serve_app() -> FastAPI:
    """Factory used by `syllabus serve` (also in each worker process)."""
    settings = get_settings()
    return create_app(settings, run_jobs=settings.jobs_in_process)
