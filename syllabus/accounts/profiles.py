"""Profiles: editing one's own, the avatar pipeline, and the public view anyone may see."""

from __future__ import annotations

import secrets
import unicodedata
from typing import BinaryIO

from sqlalchemy.orm import Session

from syllabus.accounts import repository as repo
from syllabus.accounts.actor import Actor
from syllabus.accounts.models import User
from syllabus.accounts.presenters import avatar_url
from syllabus.accounts.schemas import ProfileIn, PublicProfileOut
from syllabus.kit.errors import InvalidInput, NotFound
from syllabus.kit.images import (
    MAX_IMAGE_BYTES,
    read_capped,
    render_fitted,
    replace_stored_file,
)
from syllabus.kit.runtime import Runtime

MAX_AVATAR_BYTES = MAX_IMAGE_BYTES
AVATAR_SIZE = 256

# Right-to-left overrides and isolates can make text display unlike what it says.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


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
    data = read_capped(upload, MAX_AVATAR_BYTES, what="Avatars")
    encoded = render_avatar(data)
    key = f"avatars/{user.id}/{secrets.token_hex(16)}.webp"
    rt.storage.save_bytes(key, encoded, "image/webp")
    previous, user.avatar_key = user.avatar_key, key
    session.flush()
    replace_stored_file(session, rt.storage, old=previous, new=key)
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
    return render_fitted(data, (AVATAR_SIZE, AVATAR_SIZE))


def _visible(ch: str, keep: str = "") -> bool:
    return ch in keep or (unicodedata.category(ch) != "Cc" and ch not in _BIDI_CONTROLS)


def _single_line(text: str) -> str:
    return "".join(ch for ch in text if _visible(ch)).strip()


def _plain_text(text: str) -> str:
    """Bio text as typed, minus control characters; newlines and tabs stay."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(ch for ch in text if _visible(ch, keep="\n\t")).strip()
