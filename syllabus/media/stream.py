"""Serving a granted stream: which files a playback token opens, and how each one travels.

A token opens exactly three kinds of file under its asset's HLS prefix:
`master.m3u8`, `<rendition>/index.m3u8` and `<rendition>/seg_NNNNN.ts`.
Anything else (`..`, the source upload, the poster, another asset) is
refused before storage is touched, because the key is built from the
grant's asset id and a path that matched one of those shapes.

Playlists always pass through the app: they are small, and the app sets
their cache lifetime to the token's remaining life. Segments take the
cheapest road the backend allows: the local backend's files are streamed
by the app (with Range support); on S3 the variant playlist is rewritten
so each segment line is a presigned GET URL of the bucket, and segment
bytes never pass through the app. See docs/media.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from syllabus.kit.storage import LocalStorage, Storage
from syllabus.media import keys
from syllabus.media.playback import InvalidStreamToken, StreamGrant

PLAYLIST_TYPE = "application/vnd.apple.mpegurl"
SEGMENT_TYPE = "video/mp2t"
# Hours of 2-second segments still fit; anything bigger is not one of ours.
MAX_PLAYLIST_BYTES = 8 * 1024 * 1024

_RENDITION_FILE = re.compile(
    r"(?P<rendition>[A-Za-z0-9_-]{1,32})/(?P<name>index\.m3u8|seg_[0-9]{5,8}\.ts)"
)
_SEGMENT_NAME = re.compile(r"seg_[0-9]{5,8}\.ts")

FileKind = Literal["master", "variant", "segment"]


class PlaylistTooLarge(RuntimeError):
    """A stored playlist is larger than any transcode writes."""


@dataclass(frozen=True)
class StreamFile:
    """A file the grant opens: its storage key and what it is."""

    key: str
    kind: FileKind

    @property
    def content_type(self) -> str:
        return SEGMENT_TYPE if self.kind == "segment" else PLAYLIST_TYPE


def resolve(grant: StreamGrant, path: str) -> StreamFile:
    """The file `path` (relative to the stream's root) names, or InvalidStreamToken."""
    prefix = keys.hls_prefix(grant.asset_id)
    if path == keys.MASTER_PLAYLIST:
        return StreamFile(prefix + keys.MASTER_PLAYLIST, "master")
    match = _RENDITION_FILE.fullmatch(path)
    if match is None:
        raise InvalidStreamToken("This playback link does not open that file.")
    kind: FileKind = "variant" if match["name"] == "index.m3u8" else "segment"
    return StreamFile(prefix + path, kind)


def cache_control(grant: StreamGrant) -> str:
    """Private: the URL is someone's grant; never cached past the token's life."""
    return f"private, max-age={grant.seconds_left()}"


def segments_presigned(storage: Storage) -> bool:
    """True when segment URLs point at the backend itself rather than at the app."""
    return not isinstance(storage, LocalStorage)


def presigned_url(storage: Storage, grant: StreamGrant, key: str) -> str:
    # At least a second: a token verified at its last instant still yields a usable URL.
    return storage.url(key, expires_in=max(grant.seconds_left(), 1))


def playlist_body(storage: Storage, grant: StreamGrant, file: StreamFile) -> bytes:
    """A playlist as the player should get it; raises StorageNotFound when missing."""
    with storage.open(file.key) as handle:
        data = handle.read(MAX_PLAYLIST_BYTES + 1)
    if len(data) > MAX_PLAYLIST_BYTES:
        raise PlaylistTooLarge(file.key)
    if file.kind != "variant" or not segments_presigned(storage):
        return data
    folder = file.key.rsplit("/", 1)[0] + "/"
    return _presign_segments(storage, grant, folder, data.decode("utf-8")).encode("utf-8")


def _presign_segments(storage: Storage, grant: StreamGrant, folder: str, text: str) -> str:
    """Each segment line becomes a presigned URL; tags and other lines stay as written."""
    lines = []
    for line in text.splitlines():
        name = line.strip()
        if _SEGMENT_NAME.fullmatch(name):
            line = presigned_url(storage, grant, folder + name)
        lines.append(line)
    return "\n".join(lines) + "\n"
