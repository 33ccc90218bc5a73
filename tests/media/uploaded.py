"""Videos waiting for transcoding, stored directly (no upload API), and reading their HLS back."""

from __future__ import annotations

import subprocess
from pathlib import Path

from sqlalchemy.orm import Session

from syllabus.kit.db import new_id
from syllabus.kit.runtime import Runtime
from syllabus.kit.storage import LocalStorage
from syllabus.media import keys
from syllabus.media.ffmpeg_binary import ffmpeg_binary
from syllabus.media.models import UPLOADED, MediaAsset
from syllabus.media.tasks import queue_transcode


def uploaded_video(
    rt: Runtime,
    db: Session,
    owner_id: str,
    clip: Path,
    *,
    queue: bool = True,
    **fields: object,
) -> MediaAsset:
    """An `uploaded` asset whose source is `clip` (other columns from `fields`), committed.

    With `queue`, its transcoding is queued like an upload's.
    """
    asset_id = new_id()
    with clip.open("rb") as handle:
        size = rt.storage.save(keys.source_key(asset_id), handle, "video/mp4")
    row: dict[str, object] = {
        "id": asset_id,
        "owner_id": owner_id,
        "purpose": "lesson_video",
        "status": UPLOADED,
        "filename": clip.name,
        "content_type": "video/mp4",
        "size_bytes": size,
        "source_key": keys.source_key(asset_id),
    }
    asset = MediaAsset(**(row | fields))
    db.add(asset)
    db.flush()
    if queue:
        queue_transcode(db, asset.id)
    db.commit()
    return asset


def stored_keys(rt: Runtime, prefix: str) -> dict[str, bytes]:
    """Every object under `prefix` in the local storage, with its bytes."""
    storage = rt.storage
    assert isinstance(storage, LocalStorage)
    folder = storage.root / prefix
    if not folder.exists():
        return {}
    found = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.name.startswith("."):
            found[path.relative_to(storage.root).as_posix()] = path.read_bytes()
    return found


def download_tree(rt: Runtime, keys_: list[str], prefix: str, target: Path) -> None:
    """Copy stored objects under `prefix` into `target`, keeping their relative paths."""
    for key in keys_:
        path = target / key.removeprefix(prefix)
        path.parent.mkdir(parents=True, exist_ok=True)
        with rt.storage.open(key) as source:
            path.write_bytes(source.read())


def decode_errors(master: Path) -> str:
    """What ffmpeg complains about when it plays the whole stream through ("" when fine)."""
    result = subprocess.run(
        [ffmpeg_binary(), "-hide_banner", "-v", "error", "-i", master.name, "-map", "0",
         "-f", "null", "-"],
        cwd=master.parent,
        capture_output=True,
        timeout=120,
        check=False,
    )  # fmt: skip
    return result.stderr.decode(errors="replace") + ("" if result.returncode == 0 else "failed")
