"""Stored assets as their owner sees them, and where they are used: lessons and courses.

An asset is its owner's (or an admin's) to see and use; anyone else's is a
404 `media_not_found`. A lesson shows media of its own kind: a video lesson
a lesson video, an attachment lesson an attachment. A course's thumbnail is
copied out of a picture asset into the course's own key, so deleting the
asset never breaks the course page.
"""

from __future__ import annotations

import secrets
from collections.abc import Set
from typing import BinaryIO

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from syllabus.accounts.actor import Actor
from syllabus.catalog.authoring import owned_course, owned_lesson, record_change
from syllabus.catalog.models import Course, Lesson
from syllabus.kit.db import after_commit, new_id
from syllabus.kit.images import read_capped, replace_stored_file
from syllabus.kit.pagination import Page, PageParams
from syllabus.kit.runtime import Runtime
from syllabus.media.errors import MediaNotFound, MediaNotReady, WrongPurpose
from syllabus.media.models import FAILED, READY, MediaAsset
from syllabus.media.schemas import MediaOut, RenditionOut

# Which media each kind of lesson shows.
LESSON_PURPOSE = {"video": "lesson_video", "attachment": "attachment"}
THUMBNAIL_IMAGE = "large"  # the re-encoding a course card and landing page use


def owned_asset(session: Session, actor: Actor, media_id: str) -> MediaAsset:
    """The asset if `actor` uploaded it or is an admin; a 404 otherwise."""
    asset = session.get(MediaAsset, media_id)
    if asset is None or not (actor.is_admin or asset.owner_id == actor.id):
        raise MediaNotFound("No such media.")
    return asset


# ------------------------------------------------------------------- output


def media_out(rt: Runtime, asset: MediaAsset) -> MediaOut:
    """The API shape; picture, poster and download URLs are signed and short-lived."""
    storage = rt.storage
    return MediaOut(
        id=asset.id,
        purpose=asset.purpose,
        status=asset.status,
        filename=asset.filename,
        content_type=asset.content_type,
        size_bytes=asset.size_bytes,
        duration=asset.duration_seconds or 0,
        width=asset.width,
        height=asset.height,
        renditions=[RenditionOut.model_validate(r) for r in asset.renditions or []],
        progress_percent=asset.progress_percent or 0,
        error=asset.error,
        poster_url=storage.url(asset.poster_key) if asset.poster_key else None,
        image_urls={name: storage.url(key) for name, key in (asset.image_keys or {}).items()},
        download_url=download_url(rt, asset) if _downloadable(asset) else None,
        created_at=asset.created_at,
        ready_at=asset.ready_at,
    )


def _downloadable(asset: MediaAsset) -> bool:
    return asset.purpose == "attachment" and asset.status == READY and bool(asset.source_key)


def download_url(rt: Runtime, asset: MediaAsset) -> str:
    """An attachment's URL, served with `Content-Disposition: attachment` under its name."""
    if asset.purpose != "attachment":
        raise WrongPurpose("Only attachments are downloaded.")
    if not _downloadable(asset) or asset.source_key is None:
        raise MediaNotReady("This file is not ready.")
    return rt.storage.url(asset.source_key, download_name=asset.filename or "file")


def list_assets(
    session: Session,
    rt: Runtime,
    actor: Actor,
    page: PageParams,
    *,
    purpose: str | None = None,
) -> Page[MediaOut]:
    """GET /media: the actor's own assets, newest first, optionally of one purpose."""
    where = [MediaAsset.owner_id == actor.id]
    if purpose is not None:
        where.append(MediaAsset.purpose == purpose)
    total = session.scalar(select(func.count()).select_from(MediaAsset).where(*where)) or 0
    assets = session.scalars(
        select(MediaAsset)
        .where(*where)
        .order_by(MediaAsset.created_at.desc(), MediaAsset.id.desc())
        .offset(page.offset)
        .limit(page.limit)
    ).all()
    return Page[MediaOut].build([media_out(rt, a) for a in assets], total, page)


# ------------------------------------------------------------------- use


def _usable(asset: MediaAsset, purpose: str, what: str) -> MediaAsset:
    if asset.purpose != purpose:
        raise WrongPurpose(f"{what} needs a {purpose.replace('_', ' ')}, not a {_noun(asset)}.")
    if asset.status == FAILED:
        raise MediaNotReady("This video could not be processed: upload it again.")
    return asset


def _noun(asset: MediaAsset) -> str:
    return asset.purpose.replace("_", " ")


def attach_to_lesson(
    session: Session, rt: Runtime, actor: Actor, lesson_id: str, media_id: str | None
) -> Lesson:
    """POST /lessons/{id}/media: show the asset in the lesson (None removes it).

    A ready video gives the lesson its duration, and so the course its total.
    """
    lesson, course = owned_lesson(session, actor, lesson_id)
    if media_id is None:
        previous = session.get(MediaAsset, lesson.media_id) if lesson.media_id else None
        if previous is not None and lesson.duration_seconds == previous.duration_seconds:
            lesson.duration_seconds = 0  # the duration came from the video taken away
        lesson.media_id = None
        record_change(session, rt, course, counts=True)
        return lesson
    asset = owned_asset(session, actor, media_id)
    wanted = LESSON_PURPOSE.get(lesson.kind)
    if wanted is None:
        raise WrongPurpose(f"A {lesson.kind} lesson shows no media: use a video or an attachment.")
    _usable(asset, wanted, f"A {lesson.kind} lesson")
    lesson.media_id = asset.id
    if asset.purpose == "lesson_video" and asset.status == READY:
        lesson.duration_seconds = asset.duration_seconds
    record_change(session, rt, course, counts=True)
    return lesson


def set_course_promo(
    session: Session, rt: Runtime, actor: Actor, course_key: str, media_id: str | None
) -> Course:
    """The course's promo video (None removes it): one of the owner's promo videos."""
    course = owned_course(session, actor, course_key, for_update=True)
    _set_promo(session, actor, course, media_id)
    record_change(session, rt, course)
    return course


def _set_promo(session: Session, actor: Actor, course: Course, media_id: str | None) -> None:
    if media_id is not None:
        _usable(owned_asset(session, actor, media_id), "promo_video", "A course promo")
    course.promo_media_id = media_id


def apply_course_media(
    session: Session,
    rt: Runtime,
    actor: Actor,
    course: Course,
    *,
    thumbnail_media_id: str | None,
    promo_media_id: str | None,
    given: Set[str],
) -> None:
    """The media fields of a course create or update; only the fields in `given` change.

    The caller records the change (revision, caches) as for its other fields.
    """
    if "promo_media_id" in given:
        _set_promo(session, actor, course, promo_media_id)
    if "thumbnail_media_id" in given:
        _set_thumbnail(session, rt, actor, course, thumbnail_media_id)


def _set_thumbnail(
    session: Session, rt: Runtime, actor: Actor, course: Course, media_id: str | None
) -> None:
    previous = course.thumbnail_key
    if media_id is None:
        course.thumbnail_key = None
        if previous:
            after_commit(session, lambda: rt.storage.delete(previous))
        return
    asset = _usable(owned_asset(session, actor, media_id), "thumbnail", "A course thumbnail")
    source = (asset.image_keys or {}).get(THUMBNAIL_IMAGE)
    if asset.status != READY or source is None:
        raise MediaNotReady("This picture is not ready.")
    if not course.id:
        course.id = new_id()  # a course being created: its key needs the id now
    # The course owns a copy, in the key scheme of uploaded thumbnails (catalog/thumbnails.py).
    key = f"thumbnails/{course.id}/{secrets.token_hex(16)}.webp"
    stream: BinaryIO = rt.storage.open(source)
    try:
        data = read_capped(stream, what="Thumbnails")
    finally:
        stream.close()
    rt.storage.save_bytes(key, data, "image/webp")
    course.thumbnail_key = key
    replace_stored_file(session, rt.storage, old=previous, new=key)
