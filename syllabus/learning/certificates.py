"""Certificates: issued by a job once a course is complete, verified publicly by code.

The PDF (landscape A4) carries the student's name, the course, the
instructor, the date and the verification code, with a QR code linking to
the public verification page `{base_url}/certificates/{code}`. Names are
frozen at issue, so a later rename does not change a certificate.
"""

from __future__ import annotations

import base64
import io
import re
import secrets
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from syllabus.accounts.actor import Actor
from syllabus.analytics import events as analytics_events
from syllabus.analytics.record import record_event
from syllabus.kit.db import utcnow
from syllabus.kit.logging import get_logger
from syllabus.kit.pagination import Page, PageParams
from syllabus.kit.runtime import Runtime, get_runtime
from syllabus.kit.storage import StorageNotFound
from syllabus.learning import repository as repo
from syllabus.learning import tasks
from syllabus.learning.errors import CertificateNotFound, CertificateRevoked
from syllabus.learning.models import Certificate
from syllabus.learning.schemas import CertificateOut
from syllabus.notifications.service import Notice, notify

log = get_logger("syllabus.certificates")

CODE_BYTES = 10  # 80 random bits: 16 base32 characters
_CODE = re.compile(r"[A-Z2-7]{16,32}")
# A Unicode font for names in any script; the core Helvetica (Latin-1) when none is found.
FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/share/fonts/TTF"),
    Path("/Library/Fonts"),
)


def new_code() -> str:
    return base64.b32encode(secrets.token_bytes(CODE_BYTES)).decode("ascii").rstrip("=")


def normalize_code(code: str) -> str | None:
    """The code as stored (upper case, no spaces or dashes), or None if it cannot be one."""
    cleaned = re.sub(r"[\s-]", "", code).upper()
    return cleaned if _CODE.fullmatch(cleaned) else None


def storage_key(code: str) -> str:
    return f"certificates/{code}.pdf"


def verify_url(rt: Runtime, code: str) -> str:
    return f"{rt.settings.base_url.rstrip('/')}/certificates/{code}"


def certificate_out(rt: Runtime, certificate: Certificate) -> CertificateOut:
    return CertificateOut(
        code=certificate.code,
        student_name=certificate.student_name,
        course_title=certificate.course_title,
        instructor_name=certificate.instructor_name,
        course_id=certificate.course_id,
        issued_at=certificate.issued_at,
        pdf_url=(
            f"/api/v1/certificates/{certificate.code}.pdf"
            if certificate.pdf_key and certificate.revoked_at is None
            else None
        ),
        verify_url=verify_url(rt, certificate.code),
        status="revoked" if certificate.revoked_at else "valid",
        revoked_at=certificate.revoked_at,
    )


# --- issuing (jobs) ------------------------------------------------------------------------


def issue_for_enrollment(session: Session, rt: Runtime, enrollment_id: str) -> Certificate | None:
    """The job behind course completion: issue if the enrollment is active and complete."""
    enrollment = repo.enrollment_by_id(session, enrollment_id)
    if enrollment is None or enrollment.status != "active" or enrollment.completed_at is None:
        return None
    return issue_certificate(
        session, rt, user_id=enrollment.user_id, course_id=enrollment.course_id
    )


def issue_certificate(
    session: Session, rt: Runtime, *, user_id: str, course_id: str
) -> Certificate | None:
    """One certificate per user and course: an existing one is returned as it is.

    None when the course gives no certificate. Queues the PDF rendering in
    the same transaction.
    """
    existing = repo.certificate_of(session, user_id, course_id)
    if existing is not None:
        return existing
    course = repo.course_by_id(session, course_id)
    user = repo.user_by_id(session, user_id)
    if course is None or user is None or not course.has_certificate:
        return None
    instructor_name = repo.user_name(session, course.instructor_id)
    for _ in range(3):
        certificate = Certificate(
            code=new_code(),
            user_id=user.id,
            course_id=course.id,
            student_name=user.name,
            course_title=course.title,
            instructor_name=instructor_name,
            issued_at=utcnow(),
        )
        try:
            with session.begin_nested():
                session.add(certificate)
        except IntegrityError:
            # A concurrent job issued it first, or (2^-80) the code was taken: try again.
            existing = repo.certificate_of(session, user_id, course_id)
            if existing is not None:
                return existing
            continue
        tasks.queue_render(session, certificate.id)
        record_event(
            session,
            analytics_events.CERTIFICATE_ISSUED,
            user_id=user.id,
            course_id=course.id,
            object_id=certificate.code,
        )
        path = f"/certificates/{certificate.code}"
        notify(
            session,
            user.id,
            Notice(
                kind="certificate_issued",
                title=f"Your certificate for {course.title} is ready",
                body="Congratulations on completing the course!",
                url=path,
                email_template="certificate_issued",
                email_context={
                    "course_title": course.title,
                    "link": f"{rt.settings.base_url.rstrip('/')}{path}",
                },
            ),
            key=f"certificate:{certificate.id}",
        )
        log.info("certificate.issued", code=certificate.code, course_id=course.id)
        return certificate
    raise RuntimeError("could not issue a certificate")


def render_certificate(session: Session, rt: Runtime, certificate_id: str) -> Certificate | None:
    """Render and store the PDF unless it is stored already."""
    certificate = session.get(Certificate, certificate_id)
    if certificate is None:
        return None
    if certificate.pdf_key and rt.storage.exists(certificate.pdf_key):
        return certificate
    data = render_pdf(certificate, verify_url(rt, certificate.code))
    key = storage_key(certificate.code)
    rt.storage.save_bytes(key, data, content_type="application/pdf")
    certificate.pdf_key = key
    session.flush()
    return certificate


# --- reading -------------------------------------------------------------------------------


def my_certificates(session: Session, rt: Runtime, actor: Actor) -> list[CertificateOut]:
    """The actor's certificates, newest first."""
    return [certificate_out(rt, c) for c in repo.certificates_of_user(session, actor.id)]


def certificates_page(
    session: Session, rt: Runtime, actor: Actor, page: PageParams
) -> Page[CertificateOut]:
    """GET /me/certificates: `my_certificates` a page at a time."""
    found = repo.certificates_of_user(session, actor.id, offset=page.offset, limit=page.limit)
    total = repo.count_certificates(session, actor.id)
    return Page.build([certificate_out(rt, c) for c in found], total, page)


def verify(session: Session, code: str, rt: Runtime | None = None) -> CertificateOut:
    """Public verification by code (case-insensitive); 404 `certificate_not_found`."""
    certificate = by_code(session, code)
    return certificate_out(rt or get_runtime(), certificate)


def open_pdf(session: Session, rt: Runtime, code: str) -> tuple[BinaryIO, str]:
    """The stored PDF and a download name; 404 while it is not rendered yet."""
    certificate = by_code(session, code)
    if certificate.revoked_at is not None:
        raise CertificateRevoked("This certificate was revoked; it can no longer be downloaded.")
    if not certificate.pdf_key:
        raise CertificateNotFound("The certificate's PDF is being prepared; try again shortly.")
    try:
        stream = rt.storage.open(certificate.pdf_key)
    except StorageNotFound:
        raise CertificateNotFound("The certificate's PDF is missing.") from None
    return stream, f"certificate-{certificate.code}.pdf"


def by_code(session: Session, code: str) -> Certificate:
    normalized = normalize_code(code)
    certificate = repo.certificate_by_code(session, normalized) if normalized else None
    if certificate is None:
        raise CertificateNotFound("No certificate has this code.")
    return certificate


# --- the PDF -------------------------------------------------------------------------------


def qr_png(url: str) -> bytes:
    import segno

    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=8, border=2)
    return buffer.getvalue()


def _find_fonts() -> tuple[Path, Path] | None:
    for folder in FONT_DIRS:
        regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            return regular, bold
    return None


def _latin1(text: str) -> str:
    """Text the core fonts can draw: accents kept where Latin-1 has them, others decomposed."""
    out = []
    for char in text:
        try:
            char.encode("latin-1")
            out.append(char)
        except UnicodeEncodeError:
            base = unicodedata.normalize("NFKD", char).encode("latin-1", "ignore").decode()
            out.append(base or "?")
    return "".join(out)


def render_pdf(certificate: Certificate, url: str, *, compress: bool = True) -> bytes:
    """A landscape A4 certificate: the name large, course, instructor, date, code and QR code."""
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos

    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_compression(compress)
    pdf.set_auto_page_break(False)
    pdf.set_margins(25, 20, 25)
    fonts = _find_fonts()
    family = "helvetica"
    clean: Callable[[str], str] = _latin1
    if fonts is not None:
        pdf.add_font("DejaVu", "", str(fonts[0]))
        pdf.add_font("DejaVu", "B", str(fonts[1]))
        family, clean = "DejaVu", str
    pdf.set_title(clean(f"Certificate of completion: {certificate.course_title}"))
    pdf.set_author(clean(certificate.student_name))
    pdf.set_subject(clean(f"{certificate.student_name} completed {certificate.course_title}"))
    pdf.set_creator("Syllabus")
    pdf.set_creation_date(certificate.issued_at)
    pdf.add_page()

    width, height = pdf.w, pdf.h
    pdf.set_draw_color(31, 58, 95)
    pdf.set_line_width(1.6)
    pdf.rect(10, 10, width - 20, height - 20)
    pdf.set_line_width(0.4)
    pdf.rect(14, 14, width - 28, height - 28)

    usable = width - 50

    def line(
        text: str, size: float, *, bold: bool = False, gap: float = 4, rgb: int = 40, lines: int = 1
    ) -> None:
        text = clean(text)
        pdf.set_font(family, "B" if bold else "", size)
        # Long names and titles shrink (to half size) before they wrap.
        floor = size * 0.5
        while size > floor and pdf.get_string_width(text) > usable * lines:
            size -= 1
            pdf.set_font_size(size)
        pdf.set_text_color(rgb, rgb, rgb)
        pdf.multi_cell(0, size * 0.45, text, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(gap)

    pdf.set_y(30)
    line("CERTIFICATE OF COMPLETION", 28, bold=True, gap=8, rgb=31)
    line("This certifies that", 14, rgb=90)
    line(certificate.student_name, 38, bold=True, gap=6, rgb=20)
    line("has successfully completed", 14, rgb=90)
    line(certificate.course_title, 22, bold=True, gap=5, rgb=31, lines=2)
    line(f"taught by {certificate.instructor_name}", 14, gap=3, rgb=60)
    line(f"on {certificate.issued_at:%d %B %Y}", 14, rgb=60)

    qr_size = 34.0
    qr_x, qr_y = width - 25 - qr_size, height - 22 - qr_size
    pdf.image(io.BytesIO(qr_png(url)), x=qr_x, y=qr_y, w=qr_size, h=qr_size)
    pdf.set_font(family, "", 10)
    pdf.set_text_color(70, 70, 70)
    pdf.set_xy(25, height - 40)
    pdf.cell(0, 6, f"Certificate no. {certificate.code}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.cell(0, 6, f"Verify at {url}", link=url, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())
