"""Learning API: enrollments, lesson progress, quiz attempts, certificates.

`{course}` is a course id or slug. The certificate reads are public.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from fastapi import APIRouter, Response
from fastapi.responses import StreamingResponse

from syllabus.api.deps import (
    CurrentActor,
    CurrentRuntime,
    DbSession,
    Pagination,
    ReadDbSession,
    RequireAdmin,
)
from syllabus.api.errors import problems
from syllabus.kit.pagination import Page
from syllabus.learning import (
    certificate_revocation,
    certificates,
    enrollment,
    progress,
    quiz_attempts,
)
from syllabus.learning.schemas import (
    AdminEnrollIn,
    AttemptIn,
    AttemptOut,
    AttemptResult,
    CertificateOut,
    EnrollmentOut,
    ProgressIn,
    ProgressOut,
    RevokeCertificateIn,
)

router = APIRouter(tags=["learning"])
admin_router = APIRouter(prefix="/admin", tags=["admin"])

CHUNK = 64 * 1024


# --- enrollments ---------------------------------------------------------------------------


@router.post(
    "/courses/{course}/enroll",
    status_code=201,
    response_model=EnrollmentOut,
    responses=problems(s402="payment_required", s404="course_not_found", s409="already_enrolled"),
)
def enroll(course: str, db: DbSession, rt: CurrentRuntime, actor: CurrentActor) -> EnrollmentOut:
    """Free course: 201 with the enrollment. Paid: 402 `payment_required` (use checkout)."""
    return enrollment.enrollment_out(db, enrollment.enroll_free(db, rt, actor, course))


@router.get("/me/enrollments", response_model=Page[EnrollmentOut])
def my_enrollments(
    db: ReadDbSession, rt: CurrentRuntime, actor: CurrentActor, page: Pagination
) -> Page[EnrollmentOut]:
    """My active enrollments with progress, most recently studied first."""
    return enrollment.enrollments_page(db, rt, actor, page)


@admin_router.post("/enrollments", status_code=201, response_model=EnrollmentOut)
def admin_enroll(
    body: AdminEnrollIn, response: Response, db: DbSession, rt: CurrentRuntime, admin: RequireAdmin
) -> EnrollmentOut:
    """Enroll a user by hand: 201 when granted (or re-activated), 200 when already enrolled."""
    grant = enrollment.admin_enroll(db, rt, admin, user_id=body.user_id, course_key=body.course_id)
    if not grant.changed:
        response.status_code = 200
    return enrollment.enrollment_out(db, grant.enrollment)


# --- progress ------------------------------------------------------------------------------


@router.put(
    "/lessons/{lesson_id}/progress",
    response_model=ProgressOut,
    responses=problems(s403="not_enrolled", s404="lesson_not_found", s409="lesson_locked"),
)
def record_progress(
    lesson_id: str, body: ProgressIn, rt: CurrentRuntime, actor: CurrentActor
) -> ProgressOut:
    """Idempotent; the furthest position wins; drip-locked lesson: 409 `lesson_locked`."""
    # The unit of work commits here, in the thread that did the work, not in a
    # dependency's teardown that needs another worker thread: under many concurrent
    # writers those threads are all waiting for the write lock this one holds.
    with rt.db.session_scope() as session:
        return progress.record_progress(
            session,
            rt,
            actor,
            lesson_id,
            position_seconds=body.position_seconds,
            completed=body.completed,
        )


@router.get("/courses/{course}/progress", response_model=ProgressOut)
def course_progress(
    course: str, db: ReadDbSession, rt: CurrentRuntime, actor: CurrentActor
) -> ProgressOut:
    return progress.course_progress(db, rt, actor, course)


# --- quizzes -------------------------------------------------------------------------------


@router.post(
    "/quizzes/{lesson_id}/attempts",
    status_code=201,
    response_model=AttemptResult,
    responses=problems(
        s403="not_enrolled", s404="quiz_not_found", s409="max_attempts_reached or lesson_locked"
    ),
)
def submit_attempt(
    lesson_id: str, body: AttemptIn, db: DbSession, rt: CurrentRuntime, actor: CurrentActor
) -> AttemptResult:
    """Graded at once: score, pass, per-question correctness with answers and explanations."""
    return quiz_attempts.submit_attempt(db, rt, actor, lesson_id, body.answers)


@router.get("/quizzes/{lesson_id}/attempts", response_model=list[AttemptOut])
def list_attempts(lesson_id: str, db: DbSession, actor: CurrentActor) -> list[AttemptOut]:
    return quiz_attempts.attempts_for(db, actor, lesson_id)


# --- certificates --------------------------------------------------------------------------


@router.get("/me/certificates", response_model=Page[CertificateOut])
def my_certificates(
    db: DbSession, rt: CurrentRuntime, actor: CurrentActor, page: Pagination
) -> Page[CertificateOut]:
    """Certificates I earned, newest first."""
    return certificates.certificates_page(db, rt, actor, page)


# Declared before /certificates/{code} so "{code}.pdf" is not taken for a code.
@router.get(
    "/certificates/{code}.pdf",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"application/pdf": {}}, "description": "The certificate PDF"},
        **problems(s404="certificate_not_found", s409="certificate_revoked"),
    },
)
def certificate_pdf(code: str, db: DbSession, rt: CurrentRuntime) -> StreamingResponse:
    stream, filename = certificates.open_pdf(db, rt, code)
    return StreamingResponse(
        _chunks(stream),
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{filename}"',
            "Cache-Control": "public, max-age=3600",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.get(
    "/certificates/{code}",
    response_model=CertificateOut,
    responses=problems(s404="certificate_not_found"),
)
def verify_certificate(code: str, db: DbSession, rt: CurrentRuntime) -> CertificateOut:
    """Public verification: who earned it, for which course, when."""
    return certificates.verify(db, code, rt)


@admin_router.post(
    "/certificates/{code}/revoke",
    response_model=CertificateOut,
    responses=problems(s403="not_admin", s404="certificate_not_found", s409="certificate_revoked"),
)
def revoke_certificate(
    code: str, body: RevokeCertificateIn, db: DbSession, rt: CurrentRuntime, actor: CurrentActor
) -> CertificateOut:
    """Withdraw a certificate: verification then says "revoked"; the PDF is no longer served."""
    return certificates.certificate_out(
        rt, certificate_revocation.revoke_certificate(db, actor, code, body.reason)
    )


@admin_router.post(
    "/certificates/{code}/restore",
    response_model=CertificateOut,
    responses=problems(
        s403="not_admin", s404="certificate_not_found", s409="certificate_not_revoked"
    ),
)
def restore_certificate(
    code: str, db: DbSession, rt: CurrentRuntime, actor: CurrentActor
) -> CertificateOut:
    """Undo a revocation."""
    return certificates.certificate_out(
        rt, certificate_revocation.restore_certificate(db, actor, code)
    )


def _chunks(stream: BinaryIO) -> Iterator[bytes]:
    try:
        while chunk := stream.read(CHUNK):
            yield chunk
    finally:
        stream.close()


# One router for the app to include; the admin route keeps its /admin prefix.
router.include_router(admin_router)
