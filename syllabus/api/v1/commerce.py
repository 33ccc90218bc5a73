"""Commerce API: the cart, quotes, checkout and coupons.

`{course}` is a course id or slug. Coupon refusals are 409 with their
code (`coupon_not_found`, `coupon_expired`, `coupon_exhausted`,
`coupon_already_used`, `coupon_not_applicable`).
"""

from __future__ import annotations

from fastapi import APIRouter, Response

from syllabus.api.deps import CurrentActor, CurrentRuntime, DbSession, RequireAdmin
from syllabus.api.errors import problems
from syllabus.commerce import cart, checkout, coupons, pricing
from syllabus.commerce.schemas import (
    CartIn,
    CheckoutIn,
    CheckoutOut,
    CouponIn,
    CouponOut,
    CouponPatch,
    QuoteOut,
    SiteCouponIn,
)

router = APIRouter(tags=["commerce"])
admin_router = APIRouter(prefix="/admin", tags=["admin"])

COUPON_REFUSALS = (
    "coupon_not_found, coupon_expired, coupon_exhausted, coupon_already_used, "
    "coupon_not_applicable, course_not_purchasable or already_enrolled"
)


# --- cart --------------------------------------------------------------------------------------


@router.get("/cart", response_model=QuoteOut)
def view_cart(db: DbSession, rt: CurrentRuntime, actor: CurrentActor) -> QuoteOut:
    """My stored cart, priced (no coupon); courses no longer for sale are left out."""
    return cart.view_cart(db, rt, actor)


@router.put(
    "/cart/items/{course}",
    status_code=204,
    responses=problems(
        s404="course_not_found", s409="course_not_purchasable, already_enrolled or cart_full"
    ),
)
def add_to_cart(course: str, db: DbSession, rt: CurrentRuntime, actor: CurrentActor) -> Response:
    """Put a course in my cart; already there: 204 all the same."""
    cart.add_to_cart(db, rt, actor, course)
    return Response(status_code=204)


@router.delete("/cart/items/{course}", status_code=204)
def remove_from_cart(course: str, db: DbSession, actor: CurrentActor) -> Response:
    """Take a course out of my cart; not there: 204 all the same."""
    cart.remove_from_cart(db, actor, course)
    return Response(status_code=204)


@router.post(
    "/cart/quote",
    response_model=QuoteOut,
    responses=problems(s404="course_not_found", s409=COUPON_REFUSALS),
)
def quote(body: CartIn, db: DbSession, rt: CurrentRuntime, actor: CurrentActor) -> QuoteOut:
    """Prices, discounts and totals per currency for these courses and coupon."""
    return pricing.quote(db, rt, actor, body.course_ids, body.coupon)


@router.post(
    "/checkout",
    status_code=201,
    response_model=CheckoutOut,
    responses=problems(
        s404="course_not_found",
        s409=f"mixed_currencies, {COUPON_REFUSALS}",
        s422="provider_not_enabled",
        s502="provider_error",
    ),
)
def start_checkout(
    body: CheckoutIn, db: DbSession, rt: CurrentRuntime, actor: CurrentActor
) -> CheckoutOut:
    """A pending order and where to pay it; a zero total is paid (and enrolled) at once."""
    return checkout.checkout(db, rt, actor, body)


# --- coupons -----------------------------------------------------------------------------------


@router.post(
    "/courses/{course}/coupons",
    status_code=201,
    response_model=CouponOut,
    responses=problems(s403="not_course_owner", s404="course_not_found", s409="coupon_code_taken"),
)
def create_course_coupon(
    course: str, body: CouponIn, db: DbSession, rt: CurrentRuntime, actor: CurrentActor
) -> CouponOut:
    """A coupon for this course (its owner or an admin)."""
    return coupons.create_course_coupon(db, rt, actor, course, body)


@router.get(
    "/courses/{course}/coupons",
    response_model=list[CouponOut],
    responses=problems(s403="not_course_owner", s404="course_not_found"),
)
def list_course_coupons(course: str, db: DbSession, actor: CurrentActor) -> list[CouponOut]:
    return coupons.list_course_coupons(db, actor, course)


@router.patch(
    "/coupons/{coupon_id}",
    response_model=CouponOut,
    responses=problems(s404="coupon_not_found"),
)
def update_coupon(
    coupon_id: str, body: CouponPatch, db: DbSession, actor: CurrentActor
) -> CouponOut:
    """Deactivate, reactivate, or change the expiry or the limit."""
    return coupons.update_coupon(db, actor, coupon_id, body)


@admin_router.post(
    "/coupons",
    status_code=201,
    response_model=CouponOut,
    responses=problems(s403="not_admin", s409="coupon_code_taken"),
)
def create_site_coupon(
    body: SiteCouponIn, db: DbSession, rt: CurrentRuntime, admin: RequireAdmin
) -> CouponOut:
    """A coupon for every course."""
    return coupons.create_site_coupon(db, rt, admin, body)


@admin_router.get("/coupons", response_model=list[CouponOut], responses=problems(s403="not_admin"))
def list_site_coupons(db: DbSession, admin: RequireAdmin) -> list[CouponOut]:
    return coupons.list_site_coupons(db, admin)
