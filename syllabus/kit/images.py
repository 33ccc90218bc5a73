"""Uploaded pictures: size-capped reading, safe decoding, re-encoding without metadata,
and storage keys that follow the transaction (avatars, course thumbnails)."""

from __future__ import annotations

import io
from typing import BinaryIO

from PIL import Image, ImageOps
from sqlalchemy import event
from sqlalchemy.orm import Session

from syllabus.kit.errors import InvalidInput, PayloadTooLarge
from syllabus.kit.logging import get_logger
from syllabus.kit.storage import Storage

log = get_logger("syllabus.images")

MAX_IMAGE_BYTES = 5 * 1024 * 1024
# Pixels, not bytes, are what cost memory: a 5 MB PNG can claim gigapixels.
MAX_IMAGE_PIXELS = 40_000_000
IMAGE_FORMATS = ("JPEG", "PNG", "WEBP")
# Pillow warns above this bound and refuses above twice it; we refuse above it (see decode).
Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS

_READ_CHUNK = 1024 * 1024
_DELETE_AFTER_COMMIT = "images_delete_after_commit"
_DELETE_AFTER_ROLLBACK = "images_delete_after_rollback"


class UnsupportedImage(InvalidInput):
    code = "unsupported_image"
    title = "Unsupported image"


def read_capped(upload: BinaryIO, limit: int = MAX_IMAGE_BYTES, *, what: str = "Images") -> bytes:
    """At most `limit` bytes, or PayloadTooLarge; never reads more than one byte past it."""
    buffer = bytearray()
    while len(buffer) <= limit:
        chunk = upload.read(min(_READ_CHUNK, limit + 1 - len(buffer)))
        if not chunk:
            break
        buffer += chunk
    if len(buffer) > limit:
        raise PayloadTooLarge(f"{what} are limited to {limit // (1024 * 1024)} MB.")
    return bytes(buffer)


def render_fitted(data: bytes, size: tuple[int, int]) -> bytes:
    """The upload as an upright WEBP of exactly `size`, centre-cropped, carrying no metadata."""
    image = decode(data, draft_size=(size[0] * 2, size[1] * 2))
    try:
        upright = ImageOps.exif_transpose(image)
        has_alpha = upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info
        converted = upright.convert("RGBA" if has_alpha else "RGB")
        fitted = ImageOps.fit(converted, size, Image.Resampling.LANCZOS, centering=(0.5, 0.5))
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise UnsupportedImage("The image could not be read.") from exc
    # A fresh image from raw pixels: no EXIF, XMP, ICC or comments survive.
    clean = Image.frombytes(fitted.mode, fitted.size, fitted.tobytes())
    out = io.BytesIO()
    clean.save(out, format="WEBP", quality=85, method=4)
    return out.getvalue()


def decode(data: bytes, *, draft_size: tuple[int, int] | None = None) -> Image.Image:
    """Open JPEG, PNG or WEBP only, refusing decompression bombs."""
    if not data:
        raise UnsupportedImage("The file is empty.")
    try:
        # `formats` keeps Pillow from trying its other, rarely audited decoders.
        image = Image.open(io.BytesIO(data), formats=list(IMAGE_FORMATS))
        if image.format not in IMAGE_FORMATS:
            raise UnsupportedImage("Upload a JPEG, PNG or WEBP image.")
        if image.width * image.height > MAX_IMAGE_PIXELS:
            raise UnsupportedImage("The image has too many pixels.")
        if image.format == "JPEG" and draft_size:
            # Decode at a reduced scale: a 40-megapixel photo need not be expanded in full.
            image.draft("RGB", draft_size)
        image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise UnsupportedImage("The image has too many pixels.") from exc
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        # UnidentifiedImageError is an OSError: text, PDFs, GIFs and truncated files.
        raise UnsupportedImage("Upload a JPEG, PNG or WEBP image.") from exc
    return image


def replace_stored_file(session: Session, storage: Storage, *, old: str | None, new: str) -> None:
    """Files are not transactional: keep the old file until the new key commits,
    and drop the new file if the transaction never commits."""
    if old and old != new:
        session.info.setdefault(_DELETE_AFTER_COMMIT, []).append((storage, old))
    session.info.setdefault(_DELETE_AFTER_ROLLBACK, []).append((storage, new))


def _delete_files(entries: list[tuple[Storage, str]] | None) -> None:
    for storage, key in entries or []:
        try:
            storage.delete(key)
        except Exception:  # an orphaned file is harmless; a failed response is not
            log.warning("image.delete_failed", key=key, exc_info=True)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    session.info.pop(_DELETE_AFTER_ROLLBACK, None)
    _delete_files(session.info.pop(_DELETE_AFTER_COMMIT, None))


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_DELETE_AFTER_COMMIT, None)
    _delete_files(session.info.pop(_DELETE_AFTER_ROLLBACK, None))
