"""Admin mail API: send the newsletter, watch the outbox, retry a failed message.

Admins only (others 403 `not_admin`, no token 401).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from syllabus.api.deps import CurrentRuntime, DbSession, Pagination, RequireAdmin
from syllabus.api.errors import problems
from syllabus.kit.pagination import Page
from syllabus.notifications import failed_mail, newsletter
from syllabus.notifications.failed_mail import OutboxItemOut
from syllabus.notifications.newsletter import NewsletterIn, NewsletterQueued

router = APIRouter(prefix="/admin", tags=["admin"])

MessageId = Annotated[str, Path(min_length=1, max_length=64)]


@router.post(
    "/newsletters",
    status_code=202,
    response_model=NewsletterQueued,
    responses=problems(s403="not_admin"),
)
def send_newsletter(
    body: NewsletterIn, db: DbSession, rt: CurrentRuntime, admin: RequireAdmin
) -> NewsletterQueued:
    """Queue the newsletter (Markdown body) for every active user who opted in.

    202: jobs deliver it in batches; `recipients` is how many subscribers
    there were when it was sent.
    """
    return newsletter.send_newsletter(db, rt, admin, body)


@router.get(
    "/outbox",
    response_model=Page[OutboxItemOut],
    responses=problems(s403="not_admin"),
)
def list_outbox(
    db: DbSession,
    admin: RequireAdmin,
    page: Pagination,
    state: Annotated[failed_mail.OutboxState, Query()] = "failed",
) -> Page[OutboxItemOut]:
    """Outbox messages that `failed` for good, are `pending`, or are `retrying` after a failure."""
    return failed_mail.list_outbox(db, admin, state, page)


@router.post(
    "/outbox/{message_id}/retry",
    status_code=204,
    responses=problems(
        s403="not_admin", s404="outbox_message_not_found", s409="outbox_message_not_failed"
    ),
)
def retry_message(message_id: MessageId, db: DbSession, admin: RequireAdmin) -> Response:
    """Give a failed message a fresh set of attempts; it is handed to the queue at once."""
    failed_mail.retry(db, admin, message_id)
    return Response(status_code=204)
