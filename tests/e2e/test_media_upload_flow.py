"""Uploading a lesson video in real Chromium: chunks, a progress bar, a dropped connection
survived, a reload resumed, and the processing state updating by itself."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from playwright.sync_api import expect

from syllabus.app import create_app
from syllabus.catalog.models import Lesson, Section
from syllabus.kit import queue
from syllabus.kit.runtime import Runtime, set_runtime
from syllabus.media.models import MediaAsset
from tests.catalog.factories import make_course
from tests.e2e.people import PASSWORD, make_person
from tests.media.clips import make_clip

pytestmark = pytest.mark.e2e

CHUNK = 64 * 1024
UPLOADS = "**/studio/uploads/*"

# Records every value the upload progress bar takes, before the panel is replaced.
WATCH_PROGRESS = """
() => {
  window.__progress = [];
  const bar = document.querySelector("[data-uploader-bar]");
  new MutationObserver(() => window.__progress.push(Number(bar.value)))
    .observe(bar, {attributes: true, attributeFilter: ["value"]});
}
"""


@pytest.fixture(scope="module")
def upload_runtime(live_runtime: Runtime) -> Iterator[Runtime]:
    """The live database, with chunks small enough that a short clip takes several."""
    settings = live_runtime.settings.model_copy(update={"upload_chunk_bytes": CHUNK})
    runtime = Runtime(settings)
    yield runtime
    runtime.close()


@pytest.fixture(scope="module")
def upload_server(upload_runtime: Runtime) -> Iterator[str]:
    app = create_app(upload_runtime.settings, runtime=upload_runtime)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive(), "the server stopped during startup"
        assert time.monotonic() < deadline, "the server did not start in time"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@pytest.fixture
def base(upload_server: str, upload_runtime: Runtime) -> str:
    # Requests and jobs read the runtime in use: this module's (small chunks).
    set_runtime(upload_runtime)
    return upload_server


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("clips")
    path = make_clip(folder / "welcome.mp4", seconds=3.0, width=320, height=180)
    assert path.stat().st_size > 3 * CHUNK
    return path


def _video_lesson(rt: Runtime) -> tuple[str, str]:
    """An instructor with a draft course holding one video lesson: (email, lesson id)."""
    user_id, email = make_person(rt, name="Vera Video", role="instructor")
    with rt.db.session_scope() as db:
        from syllabus.accounts.models import User

        owner = db.get(User, user_id)
        assert owner is not None
        course = make_course(db, owner, status="draft", lessons=0)
        section = Section(course_id=course.id, title="Start here", position=0)
        db.add(section)
        db.flush()
        lesson = Lesson(
            section_id=section.id, course_id=course.id, title="Welcome", kind="video", position=0
        )
        db.add(lesson)
        db.flush()
        return email, lesson.id


def _open_lesson(page: Any, base: str, email: str, lesson_id: str) -> None:
    path = f"/studio/lessons/{lesson_id}"
    page.goto(f"{base}/login?next={path}", wait_until="load")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}{path}")
    expect(page.get_by_role("heading", name="Video", exact=True)).to_be_visible()


def _stored_source(rt: Runtime, lesson_id: str) -> bytes:
    with rt.db.session_scope() as db:
        lesson = db.get(Lesson, lesson_id)
        assert lesson is not None
        assert lesson.media_id, "the upload is attached to the lesson"
        asset = db.get(MediaAsset, lesson.media_id)
        assert asset is not None
        assert asset.source_key
        key = asset.source_key
    with rt.storage.open(key) as stored:
        data: bytes = stored.read()
    return data


def _real_errors(page: Any) -> list[str]:
    """Console errors other than the connection failures this test causes on purpose."""
    return [e for e in page.console_errors if "ERR_CONNECTION_RESET" not in e]


def test_a_dropped_connection_is_survived_and_the_video_gets_processed(
    page: Any, base: str, upload_runtime: Runtime, clip: Path, artifacts_dir: Path
) -> None:
    email, lesson_id = _video_lesson(upload_runtime)
    _open_lesson(page, base, email, lesson_id)

    seen: list[str] = []
    patches = 0

    def drop_the_second_chunk(route: Any) -> None:
        nonlocal patches
        request = route.request
        seen.append(request.method)
        if request.method == "PATCH":
            patches += 1
            if patches == 2:
                route.abort("connectionreset")
                return
        route.continue_()

    page.route(UPLOADS, drop_the_second_chunk)
    page.evaluate(WATCH_PROGRESS)
    page.get_by_label("Choose a video file").set_input_files(str(clip))

    uploader = page.locator("[data-media-uploader]")
    expect(uploader.locator("[data-uploader-status]")).to_have_text(
        "welcome.mp4 is uploaded.", timeout=30_000
    )
    expect(uploader.locator("[data-uploader-bar]")).to_have_attribute("value", "100")
    expect(uploader.locator("[data-uploader-percent]")).to_have_text("100 %")
    progress: list[float] = page.evaluate("window.__progress")
    assert len({p for p in progress if 0 < p < 100}) >= 2, progress
    # The lost chunk was asked about (HEAD) and sent again.
    assert "HEAD" in seen
    assert patches >= 5, seen
    assert _stored_source(upload_runtime, lesson_id) == clip.read_bytes()

    state = page.locator("[data-media-state]")
    expect(state).to_contain_text("Waiting to be processed")
    queue.drain()  # the worker's part: transcode the video
    expect(state).to_contain_text("Ready", timeout=15_000)
    expect(state).to_contain_text("0:03")
    expect(page.locator(".media-state__poster")).to_be_visible()
    assert page.evaluate("window.__cspViolations") == []
    assert _real_errors(page) == []
    page.screenshot(path=str(artifacts_dir / "studio-media-ready.png"), full_page=True)


def test_choosing_the_same_file_after_a_reload_resumes_the_upload(
    page: Any, base: str, upload_runtime: Runtime, clip: Path
) -> None:
    email, lesson_id = _video_lesson(upload_runtime)
    _open_lesson(page, base, email, lesson_id)

    # The connection goes down for good after two chunks.
    offsets: list[str] = []

    def offline_after_two_chunks(route: Any) -> None:
        request = route.request
        if request.method == "PATCH":
            offsets.append(request.headers["upload-offset"])
            if len(offsets) > 2:
                route.abort("connectionreset")
                return
        route.continue_()

    page.route(UPLOADS, offline_after_two_chunks)
    picker = page.get_by_label("Choose a video file")
    picker.set_input_files(str(clip))
    status = page.locator("[data-uploader-status]")
    expect(status).to_contain_text("Connection lost", timeout=15_000)
    expect(page.get_by_role("button", name="Retry now")).to_be_visible()

    page.unroute(UPLOADS)
    page.on("dialog", lambda dialog: dialog.accept())  # "leave the page mid-upload?"
    page.reload(wait_until="load")
    methods: list[str] = []
    resumed_at: list[str] = []

    def watch(request: Any) -> None:
        if "/studio/uploads" in request.url:
            methods.append(request.method)
            if request.method == "PATCH":
                resumed_at.append(request.headers["upload-offset"])

    page.on("request", watch)
    page.get_by_label("Choose a video file").set_input_files(str(clip))
    expect(status).to_have_text("welcome.mp4 is uploaded.", timeout=30_000)
    assert methods[0] == "GET", "the remembered upload is looked up, not started again"
    assert resumed_at[0] == str(2 * CHUNK)
    assert _stored_source(upload_runtime, lesson_id) == clip.read_bytes()
