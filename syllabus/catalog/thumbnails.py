"""Course thumbnails: an uploaded picture re-encoded to the card and landing-page size."""

from __future__ import annotations

import secrets
from typing import BinaryIO

from sqlalchemy.orm import Session

from syllabus.accounts.actor import Actor
from syllabus.catalog.authoring import owned_course, record_change
from syllabus.catalog.models import Course
from syllabus.kit.images import read_capped, render_fitted, replace_stored_file
from syllabus.kit.runtime import Runtime

# 16:9, sharp on a landing page and small enough for a card grid.
THUMBNAIL_SIZE = (750, 422)


def set_thumbnail(
    session: Session, rt: Runtime, actor: Actor, course_key: str, upload: BinaryIO
) -> Course:
    course = owned_course(session, actor, course_key, for_update=True)
    encoded = render_fitted(read_capped(upload, what="Thumbnails"), THUMBNAIL_SIZE)
    key = f"thumbnails/{course.id}/{secrets.token_hex(16)}.webp"
    rt.storage.save_bytes(key, encoded, "image/webp")
    previous, course.thumbnail_key = course.thumbnail_key, key
    record_change(session, rt, course, was_published=course.status == "published")
    replace_stored_file(session, rt.storage, old=previous, new=key)
    return course
