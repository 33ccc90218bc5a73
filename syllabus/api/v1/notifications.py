"""Notifications API: the signed-in user's in-app notifications and delivery preferences.

Another user's notification is 404 `notification_not_found`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from syllabus.api.deps import CurrentActor, DbSession, Pagination
from syllabus.api.errors import problems
from syllabus.notifications import inbox, preferences
from syllabus.notifications.schemas import (
    NotificationOut,
    NotificationPage,
    PreferencesIn,
    PreferencesOut,
    ReadIn,
)

router = APIRouter(prefix="/notifications", tags=["notifications"])

NotificationId = Annotated[str, Path(min_length=1, max_length=36)]


@router.get("", response_model=NotificationPage)
def list_notifications(
    db: DbSession,
    actor: CurrentActor,
    page: Pagination,
    unread: Annotated[bool, Query(description="Only the unread ones")] = False,
) -> NotificationPage:
    """My notifications, newest first, and how many are unread in all."""
    return inbox.list_notifications(db, actor, page, unread_only=unread)


@router.post("/read-all", status_code=204, response_class=Response)
def read_all(db: DbSession, actor: CurrentActor) -> Response:
    """Mark every notification read."""
    inbox.mark_all_read(db, actor)
    return Response(status_code=204)


@router.get("/preferences", response_model=PreferencesOut)
def get_preferences(db: DbSession, actor: CurrentActor) -> PreferencesOut:
    """Each kind's channels (in-app, email) and the newsletter choice."""
    return preferences.preferences_of(db, actor)


@router.put("/preferences", response_model=PreferencesOut)
def put_preferences(body: PreferencesIn, db: DbSession, actor: CurrentActor) -> PreferencesOut:
    """Change the listed kinds (others keep theirs) and, if sent, the newsletter choice.

    Transactional kinds (certificates, course and instructor-application
    decisions) always email: their `email` stays true whatever is sent.
    An unknown or repeated kind is 422.
    """
    return preferences.update_preferences(db, actor, body)


@router.patch(
    "/{notification_id}",
    response_model=NotificationOut,
    responses=problems(s404="notification_not_found"),
)
def mark(
    notification_id: NotificationId, body: ReadIn, db: DbSession, actor: CurrentActor
) -> NotificationOut:
    """Mark one notification read (`{"read": true}`) or unread again."""
    return inbox.set_read(db, actor, notification_id, body.read)
