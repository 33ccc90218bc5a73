"""Admin moves on courses and orders that the domain services do not cover on their own.

Unpublishing goes through the course workflow (which audits an admin acting
on someone else's course); an admin unpublishing a course they teach
themselves is audited here, so every admin console action leaves an entry.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from syllabus.accounts.actor import Actor
from syllabus.admin import audit
from syllabus.admin.schemas import MoneyOut, PaymentEventOut
from syllabus.admin.users import require_admin
from syllabus.catalog import workflow
from syllabus.catalog.models import Course
from syllabus.commerce.models import Order, Payment, ProviderEvent
from syllabus.kit.errors import NotFound
from syllabus.kit.runtime import Runtime

MAX_EVENTS = 100


def unpublish(session: Session, rt: Runtime, admin: Actor, course_key: str) -> Course:
    """Take a published course out of the catalog; enrolled students keep it."""
    require_admin(admin)
    course = workflow.unpublish(session, rt, admin, course_key)
    if course.instructor_id == admin.id:
        audit.record(
            session,
            actor_id=admin.id,
            action="course.unpublished",
            target_type="course",
            target_id=course.id,
            before={"status": "published"},
            after={"status": course.status},
        )
        session.flush()
    return course


def payment_events(session: Session, admin: Actor, order_id: str) -> list[PaymentEventOut]:
    """What the provider reported about the order (payments and webhooks), oldest first."""
    require_admin(admin)
    if session.get(Order, order_id) is None:
        raise NotFound("No such order.", code="order_not_found")
    events: list[PaymentEventOut] = []
    payments = session.scalars(
        select(Payment)
        .where(Payment.order_id == order_id)
        .order_by(Payment.created_at)
        .limit(MAX_EVENTS)
    )
    for payment in payments:
        events.append(
            PaymentEventOut(
                kind="payment",
                id=payment.id,
                provider=payment.provider,
                status=payment.status,
                reference=payment.provider_payment_id,
                amount=MoneyOut(amount=payment.amount, currency=payment.currency),
                detail=payment.detail,
                at=payment.created_at,
            )
        )
    deliveries = session.scalars(
        select(ProviderEvent)
        .where(ProviderEvent.order_id == order_id)
        .order_by(ProviderEvent.received_at)
        .limit(MAX_EVENTS)
    )
    for delivery in deliveries:
        events.append(
            PaymentEventOut(
                kind="webhook",
                id=delivery.id,
                provider=delivery.provider,
                status=delivery.outcome or "received",
                reference=f"{delivery.type} · {delivery.event_id}",
                detail=delivery.detail,
                at=delivery.received_at,
            )
        )
    events.sort(key=lambda event: event.at)
    return events
