"""Media on an S3 bucket is copied into the archive and put back into another bucket."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from syllabus.backup import create_backup, restore_backup
from syllabus.config import Settings
from syllabus.kit.migrate import upgrade
from syllabus.kit.runtime import Runtime
from tests.conftest import fresh_database_url
from tests.support.s3_server import (
    FAKE_ACCESS_KEY_ID,
    FAKE_SECRET_ACCESS_KEY,
    REGION,
    create_bucket,
    s3_endpoint_url,  # noqa: F401
)


def _s3_deployment(
    base: Settings, folder: Path, endpoint: str
) -> tuple[Runtime, Callable[[], None]]:
    url, drop = fresh_database_url(folder.name)
    settings = base.model_copy(
        update={
            "data_dir": folder,
            "database_url": url if url.startswith("postgresql") else None,
            "storage_backend": "s3",
            "s3_bucket": create_bucket(endpoint),
            "s3_endpoint_url": endpoint,
            "s3_region": REGION,
            "s3_access_key_id": FAKE_ACCESS_KEY_ID,
            "s3_secret_access_key": FAKE_SECRET_ACCESS_KEY,
        }
    )
    return Runtime(settings), drop


@pytest.mark.slow
def test_objects_of_a_bucket_come_back_with_their_bytes_and_types(
    base_settings: Settings,
    tmp_path: Path,
    s3_endpoint_url: str,  # noqa: F811
) -> None:
    source, drop_source = _s3_deployment(base_settings, tmp_path / "source", s3_endpoint_url)
    target, drop_target = _s3_deployment(base_settings, tmp_path / "target", s3_endpoint_url)
    try:
        upgrade(source.settings.resolved_database_url)
        objects = {
            "attachments/a1/notes.pdf": (b"%PDF-1.4 notes", "application/pdf"),
            "hls/v1/360p/seg_00000.ts": (bytes(range(256)) * 64, "video/mp2t"),
        }
        for key, (data, content_type) in objects.items():
            source.storage.save_bytes(key, data, content_type)

        manifest = create_backup(source, tmp_path / "b.tar.gz")
        assert manifest.media_backend == "s3"
        assert sorted(entry.path for entry in manifest.media) == sorted(objects)

        restore_backup(target, tmp_path / "b.tar.gz")
        for key, (data, content_type) in objects.items():
            with target.storage.open(key) as stored:
                assert stored.read() == data
            assert target.storage.content_type(key) == content_type
    finally:
        for runtime, drop in ((source, drop_source), (target, drop_target)):
            runtime.close()
            drop()
