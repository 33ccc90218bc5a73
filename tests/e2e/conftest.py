"""Browser tests: the app served by uvicorn on loopback, driven by Debian's Chromium.

Fixtures:
- `live_runtime`: settings and a database of its own (real commits).
- `live_app`: the ASGI app under test.
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

from syllabus.app import create_app
from syllabus.config import Settings
from syllabus.kit.migrate import upgrade
from syllabus.kit.runtime import Runtime, set_runtime

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


@pytest.fixture(scope="session")
def live_runtime(request: pytest.FixtureRequest, base_settings: Settings) -> Iterator[Runtime]:
    """A database of its own with real commits, as a browser session needs."""
    from tests.conftest import fresh_database_url

    url, drop = fresh_database_url("e2e")
    upgrade(url)
    settings = base_settings.model_copy(update={"database_url": url})
    runtime = Runtime(settings)
    yield runtime
    runtime.close()
    drop()


@pytest.fixture(autouse=True)
def _use_live_runtime(live_runtime: Runtime) -> Iterator[None]:
    # Jobs and CLI-style helpers in a browser test reach the live database.
    set_runtime(live_runtime)
    yield
    set_runtime(None)


@pytest.fixture(scope="session")
def live_app(live_runtime: Runtime) -> FastAPI:
    return create_app(live_runtime.settings, runtime=live_runtime)


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
        if os.environ.get("CI"):
            pytest.fail(f"Chromium not found at {CHROMIUM_PATH}; `make test` installs it")
        pytest.skip(f"Chromium not found at {CHROMIUM_PATH}; `make test` installs it")
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
