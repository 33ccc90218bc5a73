"""The public certificate page, and the admin's revoke and restore buttons on it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from syllabus.accounts.actor import Actor
from syllabus.kit.runtime import get_runtime
from syllabus.learning import certificate_revocation, certificates
from syllabus.learning.models import Certificate
from syllabus.learning.schemas import RevokeCertificateIn
from syllabus.web.deps import CsrfChecked, OptionalWebActor, WebActor, WebDb, WebForm, flash
from syllabus.web.flashes import register_flashes
from syllabus.web.pages import render_page, see_other, undo_refused

router = APIRouter(include_in_schema=False)

Code = Annotated[str, Path(min_length=1, max_length=64)]

register_flashes(
    {
        "certificate_revoked": ("info", "The certificate is revoked: its page now says so."),
        "certificate_restored": ("success", "The certificate is valid again."),
        "certificate_reason_needed": (
            "warning",
            "Nothing changed: give a reason of 3 to 500 characters to revoke a certificate.",
        ),
        "certificate_unchanged": ("info", "Nothing changed: the certificate was already so."),
    }
)


@router.get("/certificates/{code}", response_class=HTMLResponse)
def certificate_page(request: Request, code: Code, db: WebDb, actor: OptionalWebActor) -> Response:
    certificate = certificates.by_code(db, code)
    if code != certificate.code:
        return RedirectResponse(f"/certificates/{quote(certificate.code)}", status_code=301)
    is_admin = bool(actor and actor.is_admin)
    context = {
        "cert": certificates.certificate_out(get_runtime(), certificate),
        "is_admin": is_admin,
        # The reason stays with the admins; the public page says only "revoked".
        "reason": certificate.revoked_reason if is_admin else None,
    }
    return render_page(request, "pages/learning/certificate.html", context)


@router.post("/certificates/{code}/revoke", dependencies=[CsrfChecked])
def revoke(request: Request, code: Code, form: WebForm, db: WebDb, actor: WebActor) -> Response:
    try:
        body = RevokeCertificateIn(reason=str(form.get("reason") or "").strip())
    except ValidationError:
        flash(request, "certificate_reason_needed")
        return see_other(f"/certificates/{quote(code)}")
    return _apply(request, db, code, "certificate_revoked", lambda: _revoke(db, actor, code, body))


@router.post("/certificates/{code}/restore", dependencies=[CsrfChecked])
def restore(request: Request, code: Code, db: WebDb, actor: WebActor) -> Response:
    return _apply(
        request,
        db,
        code,
        "certificate_restored",
        lambda: certificate_revocation.restore_certificate(db, actor, code),
    )


def _revoke(db: Session, actor: Actor, code: str, body: RevokeCertificateIn) -> Certificate:
    return certificate_revocation.revoke_certificate(db, actor, code, body.reason)


def _apply(
    request: Request, db: Session, code: str, done: str, change: Callable[[], Certificate]
) -> Response:
    """Run the change; "already so" comes back as a flash, other refusals as error pages."""
    try:
        change()
    except (certificate_revocation.AlreadyRevoked, certificate_revocation.NotRevoked) as exc:
        undo_refused(db, exc)
        flash(request, "certificate_unchanged")
    else:
        flash(request, done)
    return see_other(f"/certificates/{quote(code)}")
