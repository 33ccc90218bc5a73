"""Media inputs (bounded, strict) and the API's shapes for assets and resumable uploads."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Purpose = Literal["lesson_video", "promo_video", "thumbnail", "attachment"]
Status = Literal["uploaded", "processing", "ready", "failed"]
UploadStatus = Literal["open", "complete", "aborted", "expired"]
MediaId = Annotated[str, StringConstraints(min_length=1, max_length=64)]
# Checked again against the purpose's cap; this only bounds the number itself.
MAX_DECLARED_SIZE = 64 * 1024**3


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AttachMediaIn(StrictModel):
    """POST /lessons/{id}/media: the asset to show in the lesson, or null to remove it."""

    media_id: MediaId | None


class UploadStart(StrictModel):
    """POST /media/uploads: announce a file sent later in chunks."""

    purpose: Purpose
    # Shown and used as the download name only; cleaned before it is stored.
    filename: Annotated[str, StringConstraints(max_length=1024)] = ""
    size: Annotated[int, Field(ge=0, le=MAX_DECLARED_SIZE)]


class RenditionOut(BaseModel):
    name: str
    width: int
    height: int
    bandwidth: int


class MediaOut(BaseModel):
    """An asset as its owner sees it; URLs are signed and short-lived."""

    id: str
    purpose: Purpose
    status: Status
    filename: str
    content_type: str
    size_bytes: int
    # Whole seconds; 0 until a video is transcoded.
    duration: int
    width: int | None = None
    height: int | None = None
    renditions: list[RenditionOut] = Field(default_factory=list)
    progress_percent: int
    # Why processing failed, in words an instructor can act on.
    error: str | None = None
    poster_url: str | None = None
    # Thumbnails: size name ("large" 750x422, "small" 320x180) -> picture URL.
    image_urls: dict[str, str] = Field(default_factory=dict)
    # Attachments: a URL that downloads the file under its original name.
    download_url: str | None = None
    created_at: datetime
    ready_at: datetime | None = None


class UploadOut(BaseModel):
    """A resumable upload: the next chunk starts at `offset`."""

    id: str
    purpose: Purpose
    filename: str
    size: int
    offset: int
    status: UploadStatus
    # Set once the last chunk arrived and the file became an asset.
    media_id: str | None = None
    # The largest chunk the server accepts.
    chunk_bytes: int
