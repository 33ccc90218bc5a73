"""Media tables: stored assets (videos, pictures, files) and resumable uploads in progress."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from syllabus.kit.db import Base, IdMixin, TimestampMixin, UTCDateTime

PURPOSES = ("lesson_video", "promo_video", "thumbnail", "attachment")
VIDEO_PURPOSES = ("lesson_video", "promo_video")
# uploaded -> processing -> ready | failed; pictures and files are ready at once.
UPLOADED, PROCESSING, READY, FAILED = "uploaded", "processing", "ready", "failed"


class MediaAsset(IdMixin, TimestampMixin, Base):
    """One uploaded file and what was made from it.

    Storage keys never contain the uploader's file name: `filename` is only
    shown and offered as the download name.
    """

    __tablename__ = "media_assets"
    __table_args__ = (
        Index("ix_media_assets_owner_id_created_at", "owner_id", "created_at"),
        # The sweep looks for videos waiting for, or stuck in, transcoding.
        Index("ix_media_assets_status_heartbeat_at", "status", "heartbeat_at"),
    )

    owner_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(20), nullable=False)
    status: Mapped[str] = mapped_column(String(20), default=UPLOADED, nullable=False)
    filename: Mapped[str] = mapped_column(String(255), default="", nullable=False)
    # Sniffed from the bytes, never taken from the name or the request.
    content_type: Mapped[str] = mapped_column(String(100), nullable=False)
    size_bytes: Mapped[int] = mapped_column(BigInteger, default=0, nullable=False)
    # The original upload (videos, attachments); pictures keep only their re-encodings.
    source_key: Mapped[str | None] = mapped_column(String(512), nullable=True)
    # Videos, once transcoded.
    duration_seconds: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    width: Mapped[int | None] = mapped_column(Integer, nullable=True)
    height: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # [{"name": "720p", "width": 1280, "height": 720, "bandwidth": 2_900_000}, ...]
    renditions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list, nullable=False)
    # Storage prefix holding master.m3u8, <rendition>/index.m3u8 and the segments.
    hls_prefix: Mapped[str | None] = mapped_column(String(512), nullable=True)
    poster_key: Mapped[str | None] = mapped_column(String(512), nullable=True)
    # Pictures: size name -> storage key of its WEBP re-encoding.
    image_keys: Mapped[dict[str, str]] = mapped_column(JSON, default=dict, nullable=False)
    # Why transcoding failed, in words an instructor can act on.
    error: Mapped[str | None] = mapped_column(String(500), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    progress_percent: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    # After a transient failure: not retried before this time.
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Refreshed by the transcoding job while it works; a stale one means the worker died.
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    ready_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class MediaUpload(IdMixin, TimestampMixin, Base):
    """A resumable upload: chunks are stored objects, listed here in order."""

    __tablename__ = "media_uploads"
    __table_args__ = (
        Index("ix_media_uploads_owner_id_created_at", "owner_id", "created_at"),
        Index("ix_media_uploads_status_expires_at", "status", "expires_at"),
    )

    owner_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(20), nullable=False)
    filename: Mapped[str] = mapped_column(String(255), default="", nullable=False)
    total_bytes: Mapped[int] = mapped_column(BigInteger, nullable=False)
    received_bytes: Mapped[int] = mapped_column(BigInteger, default=0, nullable=False)
    # Storage keys of the received chunks, in order; their sizes add up to received_bytes.
    chunk_keys: Mapped[list[str]] = mapped_column(JSON, default=list, nullable=False)
    # Sniffed from the first chunk.
    content_type: Mapped[str | None] = mapped_column(String(100), nullable=True)
    # open -> complete | aborted | expired
    status: Mapped[str] = mapped_column(String(20), default="open", nullable=False)
    media_id: Mapped[str | None] = mapped_column(
        ForeignKey("media_assets.id", ondelete="SET NULL"), nullable=True
    )
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
