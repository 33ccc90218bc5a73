"""Coupons: created by a course's owner (that course) or an admin (any course, or site-wide),
and reserved by checkouts.

`redemption_count` counts live reservations and only moves through
conditional UPDATEs: a reservation succeeds only while the coupon is active
and below `max_redemptions`, so 50 buyers racing for the last use end with
one winner. A buyer holds at most one redemption per coupon (unique row).
A failed or expired order gives its reservation back.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import get_args

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from syllabus.accounts.actor import Actor
from syllabus.admin import audit
from syllabus.catalog import authoring
from syllabus.catalog.models import Course
from syllabus.catalog.schemas import Money
from syllabus.commerce.errors import (
    CouponAlreadyUsed,
    CouponCodeTaken,
    CouponExhausted,
    CouponNotFound,
)
from syllabus.commerce.models import Coupon, CouponRedemption, Order
from syllabus.commerce.pricing import SITE_SCOPE
from syllabus.commerce.schemas import CouponIn, CouponOut, CouponPatch, SiteCouponIn
from syllabus.kit.db import new_id, utcnow
from syllabus.kit.errors import Forbidden, InvalidInput, NotFound
from syllabus.kit.runtime import Runtime

CURRENCIES: tuple[str, ...] = get_args(Money.model_fields["currency"].annotation)


class CouponMissing(NotFound):
    """A coupon id the actor may not manage (or that does not exist)."""

    code = "coupon_not_found"
    title = "Coupon not found"


# --- shapes --------------------------------------------------------------------------------


def coupon_out(coupon: Coupon) -> CouponOut:
    amount_off = None
    if coupon.amount_off is not None:
        amount_off = Money.model_validate(
            {"amount": coupon.amount_off, "currency": coupon.currency}
        )
    return CouponOut(
        id=coupon.id,
        code=coupon.code,
        course_id=coupon.course_id,
        percent_off=coupon.percent_off,
        amount_off=amount_off,
        expires_at=coupon.expires_at,
        max_redemptions=coupon.max_redemptions,
        redemptions=coupon.redemption_count,
        active=coupon.active,
        created_at=coupon.created_at,
    )


def _as_utc(moment: datetime | None) -> datetime | None:
    """Aware UTC; a naive time from a client is read as UTC."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _future(moment: datetime | None) -> datetime | None:
    moment = _as_utc(moment)
    if moment is not None and moment <= utcnow():
        raise InvalidInput(
            "expires_at must be in the future.",
            errors=[{"loc": ["body", "expires_at"], "msg": "must be in the future"}],
        )
    return moment


def _insert(session: Session, coupon: Coupon) -> Coupon:
    """Store a new coupon; its code already used in the same scope: 409 `coupon_code_taken`."""
    taken = session.scalar(
        select(Coupon.id).where(Coupon.scope_key == coupon.scope_key, Coupon.code == coupon.code)
    )
    if taken is not None:
        raise CouponCodeTaken(f"The code {coupon.code} is already in use here.")
    try:
        # A savepoint: a concurrent insert of the same code is a 409, not a 500.
        with session.begin_nested():
            session.add(coupon)
            session.flush()
    except IntegrityError:
        raise CouponCodeTaken(f"The code {coupon.code} is already in use here.") from None
    return coupon


# --- course coupons ----------------------------------------------------------------------------


def create_course_coupon(
    session: Session, rt: Runtime, actor: Actor, course_key: str, body: CouponIn
) -> CouponOut:
    """A coupon for one course, by its owner or an admin; amount_off is in the course's currency.

    Someone else's course: 404, or 403 when it is published (as authoring).
    """
    course = authoring.owned_course(session, actor, course_key)
    coupon = Coupon(
        code=body.code.upper(),
        scope_key=course.id,
        course_id=course.id,
        created_by=actor.id,
        percent_off=body.percent_off,
        amount_off=body.amount_off,
        currency=course.currency if body.amount_off is not None else None,
        expires_at=_future(body.expires_at),
        max_redemptions=body.max_redemptions,
        redemption_count=0,
        active=True,
        created_at=utcnow(),
    )
    return coupon_out(_insert(session, coupon))


def list_course_coupons(session: Session, actor: Actor, course_key: str) -> list[CouponOut]:
    """The course's coupons, newest first (owner or admin)."""
    course = authoring.owned_course(session, actor, course_key)
    coupons = session.scalars(
        select(Coupon)
        .where(Coupon.course_id == course.id)
        .order_by(Coupon.created_at.desc(), Coupon.id)
    )
    return [coupon_out(coupon) for coupon in coupons]


def update_coupon(session: Session, actor: Actor, coupon_id: str, body: CouponPatch) -> CouponOut:
    """Deactivate/reactivate, change the expiry or the limit (null clears either).

    Course coupons: the course's owner or an admin; site-wide: admins. Others: 404.
    """
    coupon = session.get(Coupon, coupon_id, with_for_update=True, populate_existing=True)
    if coupon is None or not _may_manage(session, actor, coupon):
        raise CouponMissing("No such coupon.")
    before = _audit_view(coupon)
    fields = body.model_fields_set
    if "active" in fields and body.active is not None:
        coupon.active = body.active
    if "expires_at" in fields:
        coupon.expires_at = _future(body.expires_at)
    if "max_redemptions" in fields:
        coupon.max_redemptions = body.max_redemptions
    session.flush()
    if actor.is_admin:
        audit.record(
            session,
            actor_id=actor.id,
            action="coupon.update",
            target_type="coupon",
            target_id=coupon.id,
            before=before,
            after=_audit_view(coupon),
        )
    return coupon_out(coupon)


def _may_manage(session: Session, actor: Actor, coupon: Coupon) -> bool:
    if actor.is_admin:
        return True
    if coupon.course_id is None:
        return False
    owner = session.scalar(select(Course.instructor_id).where(Course.id == coupon.course_id))
    return owner == actor.id


def _audit_view(coupon: Coupon) -> dict[str, object]:
    return {
        "code": coupon.code,
        "active": coupon.active,
        "expires_at": coupon.expires_at.isoformat() if coupon.expires_at else None,
        "max_redemptions": coupon.max_redemptions,
    }


# --- site-wide coupons -------------------------------------------------------------------------


def _require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise Forbidden("Only admins can manage site-wide coupons.", code="not_admin")


def create_site_coupon(
    session: Session, rt: Runtime, admin: Actor, body: SiteCouponIn
) -> CouponOut:
    """A coupon for every course (admins); amount_off needs its currency."""
    _require_admin(admin)
    if body.amount_off is not None and body.currency not in CURRENCIES:
        raise InvalidInput(
            "An amount off needs a currency.",
            errors=[{"loc": ["body", "currency"], "msg": f"one of {', '.join(CURRENCIES)}"}],
        )
    if body.percent_off is not None and body.currency is not None:
        raise InvalidInput(
            "A percent off takes no currency.",
            errors=[{"loc": ["body", "currency"], "msg": "only with amount_off"}],
        )
    coupon = _insert(
        session,
        Coupon(
            code=body.code.upper(),
            scope_key=SITE_SCOPE,
            course_id=None,
            created_by=admin.id,
            percent_off=body.percent_off,
            amount_off=body.amount_off,
            currency=body.currency,
            expires_at=_future(body.expires_at),
            max_redemptions=body.max_redemptions,
            redemption_count=0,
            active=True,
            created_at=utcnow(),
        ),
    )
    audit.record(
        session,
        actor_id=admin.id,
        action="coupon.create",
        target_type="coupon",
        target_id=coupon.id,
        after=_audit_view(coupon),
    )
    return coupon_out(coupon)


def list_site_coupons(session: Session, admin: Actor) -> list[CouponOut]:
    _require_admin(admin)
    coupons = session.scalars(
        select(Coupon)
        .where(Coupon.scope_key == SITE_SCOPE)
        .order_by(Coupon.created_at.desc(), Coupon.id)
    )
    return [coupon_out(coupon) for coupon in coupons]


# --- reservations ------------------------------------------------------------------------------


def reserve(session: Session, coupon: Coupon, *, user_id: str, order_id: str) -> None:
    """Take one use of `coupon` for the user's order, or raise and leave nothing behind.

    409 `coupon_exhausted` when no use is left, `coupon_not_found` when it was
    deactivated meanwhile, `coupon_already_used` when the user holds one already.
    On PostgreSQL the UPDATE locks the coupon row, so concurrent buyers
    queue and each re-checks the count the previous one committed.
    """
    taken = session.execute(
        update(Coupon)
        .where(
            Coupon.id == coupon.id,
            Coupon.active.is_(True),
            (Coupon.max_redemptions.is_(None)) | (Coupon.redemption_count < Coupon.max_redemptions),
        )
        .values(redemption_count=Coupon.redemption_count + 1)
        .returning(Coupon.redemption_count),
        execution_options={"synchronize_session": False},
    ).first()
    if taken is None:
        active = session.scalar(select(Coupon.active).where(Coupon.id == coupon.id))
        if not active:  # deactivated since it was looked up: as if unknown
            raise CouponNotFound(f"There is no coupon {coupon.code}.")
        raise CouponExhausted(f"Coupon {coupon.code} has been used up.")
    values = {
        "id": new_id(),
        "coupon_id": coupon.id,
        "user_id": user_id,
        "order_id": order_id,
        "created_at": utcnow(),
    }
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(CouponRedemption).values(values).on_conflict_do_nothing()
    if session.execute(statement.returning(CouponRedemption.id)).first() is None:
        _give_back(session, coupon.id)
        raise CouponAlreadyUsed(f"You have already used coupon {coupon.code}.")
    if coupon in session:
        session.expire(coupon, ["redemption_count"])


def release_for_order(session: Session, order: Order) -> None:
    """Give back the use the order held (it failed or expired); a second call does nothing."""
    if order.coupon_id is None:
        return
    released = session.execute(
        delete(CouponRedemption)
        .where(CouponRedemption.order_id == order.id, CouponRedemption.coupon_id == order.coupon_id)
        .returning(CouponRedemption.id),
        execution_options={"synchronize_session": False},
    ).first()
    if released is not None:
        _give_back(session, order.coupon_id)


def _give_back(session: Session, coupon_id: str) -> None:
    session.execute(
        update(Coupon)
        .where(Coupon.id == coupon_id, Coupon.redemption_count > 0)
        .values(redemption_count=Coupon.redemption_count - 1),
        execution_options={"synchronize_session": False},
    )
