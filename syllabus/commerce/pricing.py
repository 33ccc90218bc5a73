"""What a set of courses costs a buyer, with or without a coupon.

One function prices a cart for both the quote and the checkout, so the
buyer is charged exactly what they were shown. Rules:

- Only published courses can be bought, never one's own, never one the
  buyer is already enrolled in (the same refusals as adding to the cart).
- A percent coupon takes `(price * percent + 50) // 100` off each line it
  covers (half up, per line). An amount coupon of one course takes at most
  that course's price. A site-wide amount coupon applies once per order:
  spread over the lines in its currency in proportion to their prices,
  never more than their subtotal.
- Totals are per currency; a cart mixing currencies can be quoted but not
  checked out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from syllabus.accounts.actor import Actor
from syllabus.accounts.models import User
from syllabus.catalog.errors import CourseNotFound
from syllabus.catalog.models import Course
from syllabus.commerce.errors import (
    CouponAlreadyUsed,
    CouponExhausted,
    CouponExpired,
    CouponNotApplicable,
    CouponNotFound,
    CourseNotPurchasable,
)
from syllabus.commerce.models import Coupon, CouponRedemption
from syllabus.commerce.schemas import QuoteLine, QuoteOut, QuoteTotal, money
from syllabus.kit.db import utcnow
from syllabus.kit.errors import AppError
from syllabus.kit.money import allocate
from syllabus.kit.runtime import Runtime
from syllabus.learning.errors import AlreadyEnrolled
from syllabus.learning.models import Enrollment

# `coupons.scope_key` of a coupon that covers every course.
SITE_SCOPE = "site"
PURCHASABLE_STATUSES = ("published",)


@dataclass(frozen=True)
class CartCourse:
    """The facts of a course that pricing and the order snapshot need."""

    id: str
    slug: str
    title: str
    instructor_id: str
    instructor_name: str
    price: int
    currency: str


@dataclass(frozen=True)
class PricedLine:
    course: CartCourse
    discount: int
    # The coupon covers this line (its discount may still round to 0).
    coupon_applied: bool
    # The discount comes from the course instructor's own coupon.
    instructor_coupon: bool

    @property
    def amount(self) -> int:
        return self.course.price - self.discount


@dataclass(frozen=True)
class PricedCart:
    lines: list[PricedLine]
    coupon: Coupon | None

    @property
    def currencies(self) -> list[str]:
        """The currencies of the lines, in the order they first appear."""
        return list(dict.fromkeys(line.course.currency for line in self.lines))

    def totals(self) -> list[QuoteTotal]:
        out = []
        for currency in self.currencies:
            lines = [line for line in self.lines if line.course.currency == currency]
            subtotal = sum(line.course.price for line in lines)
            discount = sum(line.discount for line in lines)
            out.append(
                QuoteTotal(
                    currency=currency,
                    subtotal=subtotal,
                    discount=discount,
                    total=subtotal - discount,
                )
            )
        return out


# --- courses -------------------------------------------------------------------------------


def _course_rows(session: Session, keys: Sequence[str]) -> dict[str, CartCourse]:
    """Courses whose id or slug is among `keys`, by both id and slug (one statement)."""
    rows = session.execute(
        select(
            Course.id,
            Course.slug,
            Course.title,
            Course.status,
            Course.instructor_id,
            Course.price_amount,
            Course.currency,
            User.name.label("instructor_name"),
        )
        .join(User, User.id == Course.instructor_id)
        .where(
            or_(Course.id.in_(keys), Course.slug.in_(keys)),
            Course.status.in_(PURCHASABLE_STATUSES),
        )
    ).all()
    found: dict[str, CartCourse] = {}
    for row in rows:
        course = CartCourse(
            id=row.id,
            slug=row.slug,
            title=row.title,
            instructor_id=row.instructor_id,
            instructor_name=row.instructor_name,
            price=row.price_amount,
            currency=row.currency,
        )
        found[row.id] = found[row.slug] = course
    return found


def _enrolled_in(session: Session, user_id: str, course_ids: Sequence[str]) -> set[str]:
    if not course_ids:
        return set()
    return set(
        session.scalars(
            select(Enrollment.course_id).where(
                Enrollment.user_id == user_id,
                Enrollment.course_id.in_(course_ids),
                Enrollment.status == "active",
            )
        )
    )


def purchasable_courses(
    session: Session, actor: Actor, course_keys: Sequence[str], *, skip_unavailable: bool = False
) -> list[CartCourse]:
    """The courses (ids or slugs) in the order given, once each, if `actor` may buy them.

    Unknown or unpublished: 404 `course_not_found`; the actor's own course:
    409 `course_not_purchasable`; already enrolled: 409 `already_enrolled`.
    With `skip_unavailable` those are left out instead (a stored cart that
    went stale).
    """
    found = _course_rows(session, course_keys)
    enrolled = _enrolled_in(session, actor.id, list({c.id for c in found.values()}))
    courses: dict[str, CartCourse] = {}
    for key in course_keys:
        course = found.get(key)
        refusal: AppError | None = None
        if course is None:
            refusal = CourseNotFound(f"No course {key!r} is for sale.")
        elif course.instructor_id == actor.id:
            refusal = CourseNotPurchasable("You cannot buy your own course.")
        elif course.id in enrolled:
            refusal = AlreadyEnrolled(f"You are already enrolled in {course.title!r}.")
        if refusal is not None and not skip_unavailable:
            raise refusal
        if refusal is None and course is not None:
            courses.setdefault(course.id, course)
    return list(courses.values())


# --- coupons -------------------------------------------------------------------------------


def _covered(coupon: Coupon, course: CartCourse) -> bool:
    """Whether the coupon takes something off this course."""
    if course.price <= 0:
        return False
    if coupon.course_id is not None and coupon.course_id != course.id:
        return False
    return coupon.amount_off is None or coupon.currency == course.currency


def _check_usable(session: Session, coupon: Coupon, user_id: str, now: datetime) -> None:
    if coupon.expires_at is not None and coupon.expires_at <= now:
        raise CouponExpired(f"Coupon {coupon.code} has expired.")
    used = session.scalar(
        select(CouponRedemption.id).where(
            CouponRedemption.coupon_id == coupon.id, CouponRedemption.user_id == user_id
        )
    )
    if used is not None:  # said before "used up": the buyer's own use may be the last one
        raise CouponAlreadyUsed(f"You have already used coupon {coupon.code}.")
    limit = coupon.max_redemptions
    if limit is not None and coupon.redemption_count >= limit:
        raise CouponExhausted(f"Coupon {coupon.code} has been used up.")


def find_coupon(
    session: Session, code: str, courses: Sequence[CartCourse], user_id: str, now: datetime
) -> Coupon:
    """The usable coupon `code` for these courses, or the 409 that says why there is none.

    A code may exist for several courses and site-wide: a coupon of a
    course in the cart wins (in cart order), then the site-wide one; the
    first usable one is taken, else the first candidate's refusal is raised.
    Inactive coupons are treated as unknown.
    """
    code = code.strip().upper()
    course_ids = [course.id for course in courses]
    candidates = list(
        session.scalars(
            select(Coupon).where(
                Coupon.code == code,
                Coupon.active.is_(True),
                or_(Coupon.course_id.in_(course_ids), Coupon.scope_key == SITE_SCOPE),
            )
        )
    )
    rank = {course_id: i for i, course_id in enumerate(course_ids)}
    candidates.sort(key=lambda c: rank.get(c.course_id or "", len(rank)))
    refusals: list[AppError] = []
    for coupon in candidates:
        try:
            if not any(_covered(coupon, course) for course in courses):
                raise CouponNotApplicable(f"Coupon {code} does not apply to these courses.")
            _check_usable(session, coupon, user_id, now)
        except AppError as refusal:
            refusals.append(refusal)
            continue
        return coupon
    if refusals:
        raise refusals[0]
    elsewhere = session.scalar(
        select(Coupon.id).where(Coupon.code == code, Coupon.active.is_(True)).limit(1)
    )
    if elsewhere is not None:
        raise CouponNotApplicable(f"Coupon {code} does not apply to these courses.")
    raise CouponNotFound(f"There is no coupon {code}.")


def apply_coupon(courses: Sequence[CartCourse], coupon: Coupon | None) -> list[PricedLine]:
    """Each course with its discount under `coupon` (see the module's rules)."""
    discounts = [0] * len(courses)
    covered = [coupon is not None and _covered(coupon, course) for course in courses]
    if coupon is not None and coupon.percent_off is not None:
        percent = coupon.percent_off
        for i, course in enumerate(courses):
            if covered[i]:
                discounts[i] = (course.price * percent + 50) // 100
    elif coupon is not None and coupon.amount_off is not None:
        indexes = [i for i in range(len(courses)) if covered[i]]
        if coupon.course_id is not None:
            for i in indexes:
                discounts[i] = min(coupon.amount_off, courses[i].price)
        else:
            prices = [courses[i].price for i in indexes]
            shares = allocate(min(coupon.amount_off, sum(prices)), prices)
            for i, share in zip(indexes, shares, strict=True):
                discounts[i] = share
    own = coupon is not None and coupon.course_id is not None
    return [
        PricedLine(
            course=course,
            discount=discounts[i],
            coupon_applied=covered[i],
            instructor_coupon=(
                own
                and covered[i]
                and coupon is not None
                and coupon.created_by == course.instructor_id
            ),
        )
        for i, course in enumerate(courses)
    ]


# --- the price of a cart ---------------------------------------------------------------------


def price_cart(
    session: Session,
    actor: Actor,
    course_keys: Sequence[str],
    coupon_code: str | None,
    *,
    skip_unavailable: bool = False,
) -> PricedCart:
    """Validated courses with their discounts; raises the course or coupon refusal."""
    courses = purchasable_courses(session, actor, course_keys, skip_unavailable=skip_unavailable)
    coupon = None
    if coupon_code:
        coupon = find_coupon(session, coupon_code, courses, actor.id, utcnow())
    return PricedCart(lines=apply_coupon(courses, coupon), coupon=coupon)


def quote_out(rt: Runtime, priced: PricedCart) -> QuoteOut:
    totals = priced.totals()
    return QuoteOut(
        lines=[
            QuoteLine(
                course_id=line.course.id,
                slug=line.course.slug,
                title=line.course.title,
                instructor_name=line.course.instructor_name,
                price=money(line.course.price, line.course.currency),
                discount=money(line.discount, line.course.currency),
                total=money(line.amount, line.course.currency),
                coupon_applied=line.coupon_applied,
            )
            for line in priced.lines
        ],
        totals=totals,
        coupon=priced.coupon.code if priced.coupon is not None else None,
        providers=(list(rt.settings.payment_providers) if any(t.total > 0 for t in totals) else []),
    )


def quote(
    session: Session, rt: Runtime, actor: Actor, course_ids: list[str], coupon: str | None
) -> QuoteOut:
    """POST /cart/quote: prices, discounts and totals per currency, or the refusal."""
    return quote_out(rt, price_cart(session, actor, course_ids, coupon))
