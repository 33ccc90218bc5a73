"""Where an asset's files live in storage. Keys derive from ids only, never from file names.

media/<asset id>/source            the original upload (videos, attachments)
media/<asset id>/<size>.webp       a picture's re-encodings
media/<asset id>/poster.jpg        a video's poster frame
media/<asset id>/hls/master.m3u8   the HLS master playlist, and beside it
media/<asset id>/hls/<rendition>/index.m3u8 and its segments
uploads/<upload id>/<chunk id>     the chunks of a resumable upload in progress
"""

from __future__ import annotations

from syllabus.kit.db import new_id

MASTER_PLAYLIST = "master.m3u8"


def asset_prefix(asset_id: str) -> str:
    return f"media/{asset_id}/"


def source_key(asset_id: str) -> str:
    return f"media/{asset_id}/source"


def image_key(asset_id: str, size_name: str) -> str:
    return f"media/{asset_id}/{size_name}.webp"


def poster_key(asset_id: str) -> str:
    return f"media/{asset_id}/poster.jpg"


def hls_prefix(asset_id: str) -> str:
    return f"media/{asset_id}/hls/"


def master_key(asset_id: str) -> str:
    return hls_prefix(asset_id) + MASTER_PLAYLIST


def upload_prefix(upload_id: str) -> str:
    return f"uploads/{upload_id}/"


def new_chunk_key(upload_id: str) -> str:
    # A fresh name per attempt: a retried chunk never overwrites one already counted.
    return f"uploads/{upload_id}/{new_id()}"
