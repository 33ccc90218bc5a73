"""A small marketplace for admin tests: people of every role, courses in every state, a paid
order, and one object for each admin action (an application, a certificate, a review, a failed
email, a pending payout). Rows go in straight through the ORM, as the other factories do."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from syllabus.accounts.models import InstructorApplication, User
from syllabus.admin.audit import AuditEntry
from syllabus.catalog.models import Course
from syllabus.commerce.models import Earning, Order, Payout, PayoutBatch
from syllabus.community.models import Review
from syllabus.kit.db import utcnow
from syllabus.kit.outbox import OutboxMessage
from syllabus.kit.runtime import Runtime
from syllabus.learning.certificates import new_code
from syllabus.learning.models import Certificate
from tests.catalog.factories import make_course
from tests.commerce.orders_factory import make_paid_order
from tests.factories import bearer, login, make_user

API = "/api/v1"


@dataclass
class World:
    admin: User
    student: User
    instructor: User
    target: User
    banned: User
    applicant: User
    application: InstructorApplication
    in_review: Course
    second_in_review: Course
    draft: Course
    published: Course
    order: Order
    certificate: Certificate
    revoked_certificate: Certificate
    review: Review
    failed_message: OutboxMessage
    payout: Payout
    headers: dict[str, dict[str, str]]


def make_world(client: TestClient, db: Session, runtime: Runtime) -> World:
    admin = make_user(db, role="admin", name="Ada Admin")
    student = make_user(db, name="Sam Student")
    instructor = make_user(db, role="instructor", name="Ida Instructor")
    target = make_user(db, name="Tom Target")
    banned = make_user(db, name="Bo Banned", status="banned")
    applicant = make_user(db, name="Alice Applicant")
    application = InstructorApplication(
        user_id=applicant.id, pitch="I have taught chemistry for ten years.", topics=["chemistry"]
    )
    db.add(application)
    in_review = make_course(db, instructor, status="in_review", title="Waiting course")
    second_in_review = make_course(db, instructor, status="in_review", title="Second waiting")
    draft = make_course(db, instructor, status="draft", title="Rough draft")
    published = make_course(db, instructor, title="Live course")
    order = make_paid_order(db, runtime, student, [published])
    # The sale's earnings are old enough to be paid out.
    for entry in db.scalars(select(Earning).where(Earning.instructor_id == instructor.id)):
        entry.available_at -= timedelta(days=90)
    now = utcnow()
    certificate = Certificate(
        code=new_code(),
        user_id=student.id,
        course_id=published.id,
        student_name=student.name,
        course_title=published.title,
        instructor_name=instructor.name,
        issued_at=now,
    )
    revoked_certificate = Certificate(
        code=new_code(),
        user_id=target.id,
        course_id=published.id,
        student_name=target.name,
        course_title=published.title,
        instructor_name=instructor.name,
        issued_at=now,
        revoked_at=now,
        revoked_reason="Shared account",
    )
    review = Review(course_id=published.id, user_id=student.id, rating=1, body="Spam spam spam")
    failed_message = OutboxMessage(
        task="send_mail", payload={}, attempts=5, last_error="SMTP down", failed_at=now
    )
    batch = PayoutBatch(created_by=admin.id, cutoff_at=now, note="Earlier batch")
    db.add_all([certificate, revoked_certificate, review, failed_message, batch])
    db.flush()
    payout = Payout(
        batch_id=batch.id, instructor_id=instructor.id, currency="USD", amount=1000, entry_count=1
    )
    db.add(payout)
    db.commit()
    headers = {
        "admin": bearer(login(client, admin.email)),
        "student": bearer(login(client, student.email)),
        "instructor": bearer(login(client, instructor.email)),
    }
    return World(
        admin=admin,
        student=student,
        instructor=instructor,
        target=target,
        banned=banned,
        applicant=applicant,
        application=application,
        in_review=in_review,
        second_in_review=second_in_review,
        draft=draft,
        published=published,
        order=order,
        certificate=certificate,
        revoked_certificate=revoked_certificate,
        review=review,
        failed_message=failed_message,
        payout=payout,
        headers=headers,
    )


def audit_entries(db: Session, **where: Any) -> list[AuditEntry]:
    """Audit entries matching the column values, oldest first."""
    db.expire_all()
    statement = select(AuditEntry).order_by(AuditEntry.created_at, AuditEntry.id)
    for name, value in where.items():
        statement = statement.where(getattr(AuditEntry, name) == value)
    return list(db.scalars(statement))
