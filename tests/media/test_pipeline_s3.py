"""The media path of test_pipeline.py with S3 storage: moto's server on loopback."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from syllabus.config import Settings
from tests.media.clips import make_clip
from tests.media.test_pipeline import assert_transport_stream, upload_transcode_play
from tests.support.s3_server import (  # noqa: F401 (fixtures)
    FAKE_ACCESS_KEY_ID,
    FAKE_SECRET_ACCESS_KEY,
    REGION,
    s3_bucket,
    s3_endpoint_url,
    s3_media_settings,
)


@pytest.fixture
def settings(s3_media_settings: Settings) -> Settings:  # noqa: F811
    """This module's runtime and app store media in the moto bucket."""
    return s3_media_settings


def test_upload_transcode_and_play_on_s3(
    client: TestClient,
    db: Session,
    run_jobs: Any,
    tmp_path: Path,
    s3_endpoint_url: str,  # noqa: F811
) -> None:
    clip = make_clip(tmp_path / "clip.mp4", seconds=2.0, width=640, height=360)
    body, segments = upload_transcode_play(client, db, run_jobs, clip)
    assert body["poster_url"].startswith(s3_endpoint_url)
    # Nothing of the upload is left on the local disk: it all went to the bucket.
    assert not any((tmp_path / "data").rglob("*.ts"))
    assert_transport_stream(segments)
