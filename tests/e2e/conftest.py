"""Browser tests: the app served by uvicorn on loopback, driven by Debian's Chromium.

Fixtures:
- `live_app`: the ASGI app under test (the real factory when it imports).
- `live_server`: base URL (`http://127.0.0.1:PORT`) of that app in a background thread.
- `browser`: one headless Chromium for the session.
- `page`: a fresh context and page per test; `page.console_errors` lists the
  console errors and uncaught page errors seen so far.
- `artifacts_dir`: folder for screenshots (git-ignored).
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI

CHROMIUM_PATH = os.environ.get("SYLLABUS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ROOT = Path(__file__).resolve().parents[2]
STATIC_DIR = ROOT / "syllabus" / "web" / "static"
ARTIFACTS_DIR = ROOT / "test-artifacts"
DESKTOP_VIEWPORT = {"width": 1280, "height": 800}
SERVER_START_TIMEOUT = 20.0

# Runs before any page script: records CSP violations so tests can assert on them.
CSP_RECORDER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__cspViolations.push(
    event.violatedDirective + " blocked " + (event.blockedURI || "inline") +
    " at " + event.sourceFile + ":" + event.lineNumber
  );
});
"""


def _fallback_app() -> FastAPI:
    """Static files, the page routes and HTML error pages, for when the factory is unavailable."""
    from fastapi import Request
    from fastapi.responses import Response
    from fastapi.staticfiles import StaticFiles
    from starlette.exceptions import HTTPException

    from syllabus.web.routes import pages
    from syllabus.web.templating import render_error

    app = FastAPI()
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(pages.router)

    async def html_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return render_error(request, exc.status_code, "Page not found", str(exc.detail))

    app.add_exception_handler(HTTPException, html_error)
    return app


@pytest.fixture(scope="session")
def live_app(request: pytest.FixtureRequest) -> FastAPI:
    try:
        from syllabus.app import create_app
    except ImportError:
        return _fallback_app()

    from syllabus.kit.runtime import Runtime

    settings = request.getfixturevalue("base_settings")
    database = request.getfixturevalue("database")
    return create_app(settings, runtime=Runtime(settings, database))


@pytest.fixture(scope="session")
def live_server(live_app: FastAPI) -> Iterator[str]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]

    config = uvicorn.Config(live_app, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="live-server", daemon=True
    )
    thread.start()

    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while not server.started:
        if not thread.is_alive():
            sock.close()
            pytest.fail("the live server stopped during startup")
        if time.monotonic() > deadline:
            server.should_exit = True
            sock.close()
            pytest.fail(f"the live server did not start within {SERVER_START_TIMEOUT:.0f}s")
        time.sleep(0.05)

    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM_PATH).exists() and shutil.which(CHROMIUM_PATH) is None:
        pytest.skip(f"Chromium not found at {CHROMIUM_PATH}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM_PATH, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport=DESKTOP_VIEWPORT)
    context.add_init_script(CSP_RECORDER)
    new_page = context.new_page()
    errors: list[str] = []

    def on_console(message: Any) -> None:
        if message.type == "error":
            errors.append(f"console: {message.text}")

    def on_page_error(error: Any) -> None:
        errors.append(f"pageerror: {error}")

    new_page.on("console", on_console)
    new_page.on("pageerror", on_page_error)
    new_page.console_errors = errors
    try:
        yield new_page
    finally:
        context.close()


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    return ARTIFACTS_DIR
