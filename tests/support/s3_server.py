"""A moto S3 server on loopback, so S3 code is proven over real HTTP.

`s3_endpoint_url` runs one in-process server per test module on a free
127.0.0.1 port; `s3_bucket` creates a fresh bucket on it. Credentials are
fake and passed explicitly, so nothing is read from the environment.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import boto3
import pytest
from moto.server import ThreadedMotoServer

from syllabus.config import Settings

FAKE_ACCESS_KEY_ID = "testing-access-key"
FAKE_SECRET_ACCESS_KEY = "testing-secret-key"
REGION = "us-east-1"


@contextmanager
def running_moto_server() -> Iterator[str]:
    """Yield the endpoint URL of a moto server bound to a free loopback port."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def create_bucket(endpoint_url: str, name: str | None = None) -> str:
    name = name or f"syllabus-test-{uuid.uuid4().hex[:12]}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint_url,
        region_name=REGION,
        aws_access_key_id=FAKE_ACCESS_KEY_ID,
        aws_secret_access_key=FAKE_SECRET_ACCESS_KEY,
    )
    client.create_bucket(Bucket=name)
    return name


@pytest.fixture(scope="module")
def s3_endpoint_url() -> Iterator[str]:
    with running_moto_server() as url:
        yield url


@pytest.fixture(scope="module")
def s3_bucket(s3_endpoint_url: str) -> str:
    return create_bucket(s3_endpoint_url)


@pytest.fixture
def s3_media_settings(
    base_settings: Settings, tmp_path: Path, s3_endpoint_url: str, s3_bucket: str
) -> Settings:
    """Per-test settings whose media storage is the moto bucket.

    A test module stores media on S3 by defining `settings` to return this.
    """
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    return base_settings.model_copy(
        update={
            "data_dir": data_dir,
            "storage_backend": "s3",
            "s3_bucket": s3_bucket,
            "s3_endpoint_url": s3_endpoint_url,
            "s3_region": REGION,
            "s3_access_key_id": FAKE_ACCESS_KEY_ID,
            "s3_secret_access_key": FAKE_SECRET_ACCESS_KEY,
        }
    )
