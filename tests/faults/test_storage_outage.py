"""The S3 endpoint is down: uploads and playback answer a clear 503, and work again after."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest
from fastapi.testclient import TestClient

from syllabus.kit.runtime import Runtime
from tests.catalog.factories import make_course
from tests.factories import bearer, login, make_user
from tests.faults.conftest import Deploy, assert_clean_503, host_and_port
from tests.media.factories import make_ready_video
from tests.media.test_playback_api import playback, video_lesson
from tests.support.fault_proxy import FaultProxy, fault_proxy
from tests.support.s3_server import (
    FAKE_ACCESS_KEY_ID,
    FAKE_SECRET_ACCESS_KEY,
    REGION,
    s3_bucket,  # noqa: F401
    s3_endpoint_url,  # noqa: F401
)

API = "/api/v1"
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n"
Serve = Callable[[Runtime], TestClient]


@pytest.fixture
def s3_proxy(s3_endpoint_url: str) -> Iterator[FaultProxy]:  # noqa: F811
    with fault_proxy(*host_and_port(s3_endpoint_url)) as proxy:
        yield proxy


@pytest.fixture
def s3_runtime(deploy: Deploy, s3_proxy: FaultProxy, s3_bucket: str) -> Runtime:  # noqa: F811
    return deploy(
        storage_backend="s3",
        s3_bucket=s3_bucket,
        s3_endpoint_url=f"http://127.0.0.1:{s3_proxy.port}",
        s3_region=REGION,
        s3_access_key_id=FAKE_ACCESS_KEY_ID,
        s3_secret_access_key=FAKE_SECRET_ACCESS_KEY,
    )


def _upload(client: TestClient, headers: dict[str, str]) -> httpx.Response:
    return client.post(
        f"{API}/media",
        data={"purpose": "attachment"},
        files={"file": ("notes.pdf", PDF, "application/pdf")},
        headers=headers,
    )


@pytest.mark.slow
def test_an_upload_while_storage_is_down_is_refused_clearly_then_works(
    s3_runtime: Runtime, s3_proxy: FaultProxy, serve: Serve
) -> None:
    client = serve(s3_runtime)
    with s3_runtime.db.session_scope() as db:
        email = make_user(db, role="instructor").email
    headers = bearer(login(client, email))

    s3_proxy.refuse()
    assert_clean_503(_upload(client, headers))
    assert client.get(f"{API}/media", headers=headers).json()["items"] == []  # nothing half-made
    assert client.get("/readyz").json()["checks"]["storage"] == "unavailable"

    s3_proxy.pass_through()
    uploaded = _upload(client, headers)
    assert uploaded.status_code == 201, uploaded.text


@pytest.mark.slow
def test_playback_while_storage_is_down_answers_clearly_then_plays(
    s3_runtime: Runtime, s3_proxy: FaultProxy, serve: Serve
) -> None:
    client = serve(s3_runtime)
    with s3_runtime.db.session_scope() as db:
        instructor = make_user(db, role="instructor")
        course = make_course(db, instructor)
        asset = make_ready_video(s3_runtime, db, instructor.id, seconds=1.0)
        lesson = video_lesson(db, course, asset, preview=True)
        db.commit()
    granted = playback(client, lesson)
    assert granted.status_code == 200, granted.text
    master = granted.json()["hls_url"]

    s3_proxy.refuse()
    assert_clean_503(client.get(master, headers={"Accept": "application/json"}))

    s3_proxy.pass_through()
    playlist = client.get(master)
    assert playlist.status_code == 200
    assert "#EXTM3U" in playlist.text
