"""Admin mail pages: outbox messages that failed or are retrying (with Retry), and the newsletter.

Admins only (403 for anyone else, before any service is asked); every POST
is CSRF-checked. The services audit what an admin does.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from syllabus.accounts.actor import Actor
from syllabus.kit.errors import AppError, Forbidden
from syllabus.kit.runtime import get_runtime
from syllabus.notifications import failed_mail, newsletter
from syllabus.notifications.newsletter import NewsletterIn
from syllabus.web.deps import CsrfChecked, WebActor, WebDb, WebForm, flash, validate_form
from syllabus.web.flashes import register_flashes
from syllabus.web.pages import render_page, see_other
from syllabus.web.routes import _commerce_views  # noqa: F401 - the `when`/`short_id` filters
from syllabus.web.routes._studio_common import ADMIN, PageQuery, form_text

router = APIRouter(include_in_schema=False)

MessageId = Annotated[str, Path(min_length=1, max_length=64)]
StateQuery = Annotated[str | None, Query(max_length=24)]
# The page's tabs; "pending" (everything not yet sent) stays an API view.
PAGE_STATES = {"failed": "Failed", "retrying": "Retrying"}

register_flashes(
    {
        "mail_retry_queued": ("success", "The message was handed to the queue again."),
        "mail_retry_not_failed": (
            "info",
            "That message is no longer failed: it was sent or is already being retried.",
        ),
        "mail_newsletter_queued": (
            "success",
            "The newsletter is on its way: jobs are mailing every subscriber in batches.",
        ),
    }
)


def require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise Forbidden("Only admins can manage email.", code="not_admin")


# ------------------------------------------------------------------ outbox


@router.get("/admin/mail", response_class=HTMLResponse)
def mail_queue(
    request: Request, db: WebDb, actor: WebActor, params: PageQuery, state: StateQuery = None
) -> Response:
    require_admin(actor)
    chosen: failed_mail.OutboxState = "retrying" if state == "retrying" else "failed"
    context = {
        "page": failed_mail.list_outbox(db, actor, chosen, params),
        "state": chosen,
        "states": PAGE_STATES,
        "tab": "mail",
    }
    return render_page(request, ADMIN + "mail.html", context)


@router.post("/admin/mail/{message_id}/retry", dependencies=[CsrfChecked])
def retry_mail(request: Request, message_id: MessageId, db: WebDb, actor: WebActor) -> Response:
    require_admin(actor)
    try:
        failed_mail.retry(db, actor, message_id)
    except AppError as exc:
        if exc.status != 409:
            raise
        flash(request, "mail_retry_not_failed")
    else:
        flash(request, "mail_retry_queued")
    return see_other("/admin/mail")


# -------------------------------------------------------------- newsletter


def _newsletter_context(db: Any, **extra: Any) -> dict[str, Any]:
    context: dict[str, Any] = {
        "subscribers": newsletter.subscriber_count(db),
        "values": {"subject": "", "body": ""},
        "preview": None,
        "subject_max": newsletter.SUBJECT_MAX,
        "body_max": newsletter.BODY_MAX,
        "tab": "newsletter",
    }
    context.update(extra)
    return context


@router.get("/admin/newsletter", response_class=HTMLResponse)
def newsletter_form(request: Request, db: WebDb, actor: WebActor) -> Response:
    require_admin(actor)
    return render_page(request, ADMIN + "mail_newsletter.html", _newsletter_context(db))


@router.post("/admin/newsletter", dependencies=[CsrfChecked])
def newsletter_send(request: Request, form: WebForm, db: WebDb, actor: WebActor) -> Response:
    """ "Preview" shows the rendered email on the form; "Send" queues it for every subscriber."""
    require_admin(actor)
    values = {"subject": form_text(form, "subject"), "body": form_text(form, "body")}
    body, errors = validate_form(NewsletterIn, values)
    if body is not None and form_text(form, "action") == "send":
        newsletter.send_newsletter(db, get_runtime(), actor, body)
        flash(request, "mail_newsletter_queued")
        return see_other("/admin/newsletter")
    preview = None
    if body is not None:
        html, _text = newsletter.render_body(body.body)
        # Sanitised by kit/markdown (nh3), the same HTML the email carries.
        preview = Markup(html)  # noqa: S704
    context = _newsletter_context(db, values=values, errors=errors, preview=preview)
    return render_page(request, ADMIN + "mail_newsletter.html", context, 422 if errors else 200)
