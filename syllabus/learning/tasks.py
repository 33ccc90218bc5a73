"""Learning jobs, run through the outbox: issue a certificate, then render its PDF.

Both are idempotent: issuing finds the existing certificate of the user
and course, and rendering skips a certificate whose PDF is stored.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from syllabus.kit import outbox
from syllabus.kit.runtime import get_runtime

ISSUE_CERTIFICATE = "learning.issue_certificate"
RENDER_CERTIFICATE = "learning.render_certificate"


def queue_certificate(session: Session, enrollment_id: str) -> None:
    """Issue the enrollment's certificate once the caller's transaction commits (once ever)."""
    outbox.enqueue(
        session,
        ISSUE_CERTIFICATE,
        {"enrollment_id": enrollment_id},
        key=f"issue_certificate:{enrollment_id}",
    )


def queue_render(session: Session, certificate_id: str) -> None:
    outbox.enqueue(session, RENDER_CERTIFICATE, {"certificate_id": certificate_id})


@outbox.handler(ISSUE_CERTIFICATE)
def _issue_certificate(session: Session, payload: dict[str, Any]) -> None:
    from syllabus.learning import certificates

    certificates.issue_for_enrollment(session, get_runtime(), str(payload["enrollment_id"]))


@outbox.handler(RENDER_CERTIFICATE)
def _render_certificate(session: Session, payload: dict[str, Any]) -> None:
    from syllabus.learning import certificates

    certificates.render_certificate(session, get_runtime(), str(payload["certificate_id"]))
