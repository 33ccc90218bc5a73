"""Profiles: editing one's own, the avatar pipeline, and the public view anyone may see."""

from __future__ import annotations

import io
import secrets
import unicodedata
from typing import BinaryIO

from PIL import Image, ImageOps
from sqlalchemy import event
from sqlalchemy.orm import Session

from syllabus.accounts import repository as repo
from syllabus.accounts.actor import Actor
from syllabus.accounts.models import User
from syllabus.accounts.presenters import avatar_url
from syllabus.accounts.schemas import ProfileIn, PublicProfileOut
from syllabus.kit.errors import InvalidInput, NotFound, PayloadTooLarge
from syllabus.kit.logging import get_logger
from syllabus.kit.runtime import Runtime
from syllabus.kit.storage import Storage

log = get_logger("syllabus.accounts.profiles")

MAX_AVATAR_BYTES = 5 * 1024 * 1024
AVATAR_SIZE = 256
# Pixels, not bytes, are what cost memory: a 5 MB PNG can claim gigapixels.
MAX_IMAGE_PIXELS = 40_000_000
AVATAR_FORMATS = ("JPEG", "PNG", "WEBP")
# Pillow warns above this bound and refuses above twice it; we refuse above it (see _decode).
Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS

# Right-to-left overrides and isolates can make text display unlike what it says.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_READ_CHUNK = 1024 * 1024
_DELETE_AFTER_COMMIT = "profiles_delete_after_commit"
_DELETE_AFTER_ROLLBACK = "profiles_delete_after_rollback"


class UnsupportedImage(InvalidInput):
    code = "unsupported_image"
    title = "Unsupported image"


def get_user(session: Session, actor: Actor) -> User:
    user = repo.user_by_id(session, actor.id)
    if user is None:
        raise NotFound("No such user.")
    return user


def update_profile(session: Session, actor: Actor, changes: ProfileIn) -> User:
    """Apply the fields the caller sent; an explicit null clears headline, bio or links."""
    user = get_user(session, actor)
    given = changes.model_fields_set
    if "name" in given and changes.name is not None:
        name = _single_line(changes.name)
        if not name:
            raise InvalidInput(
                "The name must contain visible characters.",
                errors=[{"loc": ["body", "name"], "msg": "name is empty"}],
            )
        user.name = name
    if "headline" in given:
        user.headline = _single_line(changes.headline or "") or None
    if "bio" in given:
        user.bio = _plain_text(changes.bio or "") or None
    if "links" in given:
        # AnyHttpUrl already refused every scheme but http and https.
        user.links = list(dict.fromkeys(str(link) for link in changes.links or []))
    session.flush()
    return user


def set_avatar(session: Session, rt: Runtime, actor: Actor, upload: BinaryIO) -> User:
    """Store a re-encoded 256x256 WEBP of the upload; the old file goes once this commits."""
    user = get_user(session, actor)
    data = _read_capped(upload, MAX_AVATAR_BYTES)
    encoded = render_avatar(data)
    key = f"avatars/{user.id}/{secrets.token_hex(16)}.webp"
    rt.storage.save_bytes(key, encoded, "image/webp")
    previous, user.avatar_key = user.avatar_key, key
    session.flush()
    # Files are not transactional: keep the old one until the new key is
    # committed, and drop the new one if the transaction never commits.
    if previous and previous != key:
        session.info.setdefault(_DELETE_AFTER_COMMIT, []).append((rt.storage, previous))
    session.info.setdefault(_DELETE_AFTER_ROLLBACK, []).append((rt.storage, key))
    return user


def public_profile(session: Session, rt: Runtime, user_id: str) -> PublicProfileOut:
    user = repo.user_by_id(session, user_id)
    # Pending and banned accounts are invisible, exactly like unknown ones.
    if user is None or user.status != "active":
        raise NotFound("No such user.")
    return PublicProfileOut(
        id=user.id,
        name=user.name,
        role=user.role,
        headline=user.headline,
        bio=user.bio,
        links=list(user.links or []),
        avatar_url=avatar_url(rt, user.avatar_key),
        created_at=user.created_at,
        courses=[],  # the catalog fills this with the instructor's published courses
    )


def render_avatar(data: bytes) -> bytes:
    """The upload as an upright, centre-cropped 256x256 WEBP carrying no metadata."""
    image = _decode(data)
    try:
        upright = ImageOps.exif_transpose(image)
        has_alpha = upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info
        converted = upright.convert("RGBA" if has_alpha else "RGB")
        fitted = ImageOps.fit(
            converted, (AVATAR_SIZE, AVATAR_SIZE), Image.Resampling.LANCZOS, centering=(0.5, 0.5)
        )
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise UnsupportedImage("The image could not be read.") from exc
    # A fresh image from raw pixels: no EXIF, XMP, ICC or comments survive.
    clean = Image.frombytes(fitted.mode, fitted.size, fitted.tobytes())
    out = io.BytesIO()
    clean.save(out, format="WEBP", quality=85, method=4)
    return out.getvalue()


def _decode(data: bytes) -> Image.Image:
    if not data:
        raise UnsupportedImage("The file is empty.")
    try:
        # `formats` keeps Pillow from trying its other, rarely audited decoders.
        image = Image.open(io.BytesIO(data), formats=list(AVATAR_FORMATS))
        if image.format not in AVATAR_FORMATS:
            raise UnsupportedImage("Upload a JPEG, PNG or WEBP image.")
        if image.width * image.height > MAX_IMAGE_PIXELS:
            raise UnsupportedImage("The image has too many pixels.")
        if image.format == "JPEG":
            # Decode at a reduced scale: a 40-megapixel photo need not be expanded in full.
            image.draft("RGB", (AVATAR_SIZE * 2, AVATAR_SIZE * 2))
        image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise UnsupportedImage("The image has too many pixels.") from exc
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        # UnidentifiedImageError is an OSError: text, PDFs, GIFs and truncated files.
        raise UnsupportedImage("Upload a JPEG, PNG or WEBP image.") from exc
    return image


def _read_capped(upload: BinaryIO, limit: int) -> bytes:
    """At most `limit` bytes, or PayloadTooLarge; never reads more than one byte past it."""
    buffer = bytearray()
    while len(buffer) <= limit:
        chunk = upload.read(min(_READ_CHUNK, limit + 1 - len(buffer)))
        if not chunk:
            break
        buffer += chunk
    if len(buffer) > limit:
        raise PayloadTooLarge(f"Avatars are limited to {limit // (1024 * 1024)} MB.")
    return bytes(buffer)


def _visible(ch: str, keep: str = "") -> bool:
    return ch in keep or (unicodedata.category(ch) != "Cc" and ch not in _BIDI_CONTROLS)


def _single_line(text: str) -> str:
    return "".join(ch for ch in text if _visible(ch)).strip()


def _plain_text(text: str) -> str:
    """Bio text as typed, minus control characters; newlines and tabs stay."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(ch for ch in text if _visible(ch, keep="\n\t")).strip()


def _delete_files(entries: list[tuple[Storage, str]] | None) -> None:
    for storage, key in entries or []:
        try:
            storage.delete(key)
        except Exception:  # an orphaned file is harmless; a failed response is not
            log.warning("avatar.delete_failed", key=key, exc_info=True)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    session.info.pop(_DELETE_AFTER_ROLLBACK, None)
    _delete_files(session.info.pop(_DELETE_AFTER_COMMIT, None))


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_DELETE_AFTER_COMMIT, None)
    _delete_files(session.info.pop(_DELETE_AFTER_ROLLBACK, None))
