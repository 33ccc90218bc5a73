"""Admin money pages: every order (filter by status) with a refund form, payout batches
(create, mark paid with the bank reference) and site-wide coupons.

Admins only (403 for anyone else, before any service is asked); every POST
is CSRF-checked. The services audit what an admin does.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from syllabus.accounts.actor import Actor
from syllabus.accounts.models import User
from syllabus.admin import moderation
from syllabus.catalog.schemas import CURRENCIES
from syllabus.commerce.models import ORDER_STATUSES, PAYOUT_STATUSES
from syllabus.commerce.schemas import (
    AdminRefundIn,
    MarkPaidIn,
    OrderOut,
    PayoutBatchIn,
    SiteCouponIn,
)
from syllabus.kit.errors import AppError, Forbidden
from syllabus.kit.pagination import PageParams
from syllabus.kit.runtime import get_runtime
from syllabus.web.deps import (
    FORM_ERROR,
    CsrfChecked,
    WebActor,
    WebDb,
    WebForm,
    flash,
    validate_form,
)
from syllabus.web.pages import render_page, see_other, undo_refused
from syllabus.web.routes._commerce_views import form_list
from syllabus.web.routes._money import parse_amount
from syllabus.web.routes._studio_common import ADMIN, PageQuery, form_text
from syllabus.web.routes.commerce import refundable_lines
from syllabus.web.routes.earnings import coupon_body

router = APIRouter(include_in_schema=False)

OrderId = Annotated[str, Path(min_length=1, max_length=64)]
PayoutId = Annotated[str, Path(min_length=1, max_length=64)]
StatusQuery = Annotated[str | None, Query(max_length=24)]


def require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise Forbidden("Only admins can manage orders, payouts and coupons.", code="not_admin")


def _buyers(db: Session, user_ids: set[str]) -> dict[str, dict[str, str]]:
    """Name and email of the page's buyers, in one query."""
    if not user_ids:
        return {}
    rows = db.execute(select(User.id, User.name, User.email).where(User.id.in_(user_ids))).all()
    return {row.id: {"name": row.name, "email": row.email} for row in rows}


# ------------------------------------------------------------------- orders


@router.get("/admin/orders", response_class=HTMLResponse)
def admin_orders(
    request: Request, db: WebDb, actor: WebActor, params: PageQuery, status: StatusQuery = None
) -> Response:
    from syllabus.commerce import orders

    require_admin(actor)
    chosen = status if status in ORDER_STATUSES else None
    page = orders.list_orders(db, actor, params, status=chosen, everyone=True)
    context = {
        "page": page,
        "status": chosen or "",
        "statuses": ORDER_STATUSES,
        "buyers": _buyers(db, {order.user_id for order in page.items}),
        "tab": "orders",
    }
    return render_page(request, ADMIN + "orders.html", context)


def _order_context(db: Session, actor: Actor, order_id: str, **extra: Any) -> dict[str, Any]:
    from syllabus.commerce import orders

    order: OrderOut = orders.get_order(db, actor, order_id)
    context: dict[str, Any] = {
        "order": order,
        "buyer": _buyers(db, {order.user_id}).get(order.user_id),
        "refund_lines": refundable_lines(order),
        "remaining": order.total.amount - order.refunded.amount,
        "can_refund": order.status in ("paid", "partially_refunded")
        and order.total.amount > order.refunded.amount,
        "values": {"mode": "lines", "reason": "", "amount": "", "course_ids": []},
        "payment_events": moderation.payment_events(db, actor, order.id),
        "tab": "orders",
    }
    context.update(extra)
    return context


@router.get("/admin/orders/{order_id}", response_class=HTMLResponse)
def admin_order(request: Request, order_id: OrderId, db: WebDb, actor: WebActor) -> Response:
    require_admin(actor)
    return render_page(request, ADMIN + "order.html", _order_context(db, actor, order_id))


@router.post("/admin/orders/{order_id}/refund", dependencies=[CsrfChecked])
def admin_refund(
    request: Request, order_id: OrderId, form: WebForm, db: WebDb, actor: WebActor
) -> Response:
    """Refund whole courses, or a goodwill amount of the order (no window limit)."""
    from syllabus.commerce import orders, refunds

    require_admin(actor)
    order = orders.get_order(db, actor, order_id)
    mode = "amount" if form_text(form, "mode") == "amount" else "lines"
    reason = form_text(form, "reason")
    course_ids = form_list(form, "course_id")
    amount_text = form_text(form, "amount")
    values = {"mode": mode, "reason": reason, "amount": amount_text, "course_ids": course_ids}
    errors: dict[str, str] = {}
    data: dict[str, Any] = {"reason": reason}
    if mode == "amount":
        try:
            data["amount"] = parse_amount(amount_text, order.total.currency)
        except ValueError as exc:
            errors["amount"] = str(exc)
        if data.get("amount") == 0:
            errors["amount"] = "Enter an amount above zero."
    elif course_ids:
        data["course_ids"] = course_ids
    else:
        errors["course_ids"] = "Choose the courses to refund."
    body, problems = validate_form(AdminRefundIn, data)
    for name, message in problems.items():
        errors.setdefault(name, message)
    if "reason" in errors:
        errors["reason"] = "Write the reason (at least 3 characters); the buyer sees it."
    status = 422
    if body is not None and not errors:
        try:
            refunds.admin_refund(db, get_runtime(), actor, order_id, body)
        except AppError as exc:
            if exc.status == 404:
                raise
            undo_refused(db, exc)
            errors = {FORM_ERROR: exc.message}
            status = exc.status
        else:
            flash(request, "refund_started")
            return see_other(f"/admin/orders/{order_id}")
    context = _order_context(db, actor, order_id, errors=errors, values=values)
    return render_page(request, ADMIN + "order.html", context, status)


# ------------------------------------------------------------------ payouts


def _payouts_context(
    db: Session, actor: Actor, params: PageParams, status: str | None, **extra: Any
) -> dict[str, Any]:
    from syllabus.commerce import payouts

    chosen = status if status in PAYOUT_STATUSES else None
    context: dict[str, Any] = {
        "page": payouts.list_payouts(db, actor, params, status=chosen),
        "status": chosen or "",
        "statuses": PAYOUT_STATUSES,
        "values": {"note": ""},
        "tab": "payouts",
    }
    context.update(extra)
    return context


@router.get("/admin/payouts", response_class=HTMLResponse)
def admin_payouts(
    request: Request, db: WebDb, actor: WebActor, params: PageQuery, status: StatusQuery = None
) -> Response:
    require_admin(actor)
    context = _payouts_context(db, actor, params, status)
    return render_page(request, ADMIN + "payouts.html", context)


@router.post("/admin/payouts", dependencies=[CsrfChecked])
def create_payout_batch(request: Request, form: WebForm, db: WebDb, actor: WebActor) -> Response:
    from syllabus.commerce import payouts

    require_admin(actor)
    note = form_text(form, "note")
    body, errors = validate_form(PayoutBatchIn, {"note": note or None})
    status = 422
    if body is not None:
        try:
            batch = payouts.create_batch(db, get_runtime(), actor, body)
        except AppError as exc:
            undo_refused(db, exc)
            errors = {FORM_ERROR: exc.message}
            status = exc.status
        else:
            flash(request, "payout_batch_created" if batch.payouts else "nothing_to_pay")
            return see_other("/admin/payouts?status=pending")
    context = _payouts_context(db, actor, PageParams(), None, errors=errors, values={"note": note})
    return render_page(request, ADMIN + "payouts.html", context, status)


@router.post("/admin/payouts/{payout_id}/mark-paid", dependencies=[CsrfChecked])
def mark_payout_paid(
    request: Request, payout_id: PayoutId, form: WebForm, db: WebDb, actor: WebActor
) -> Response:
    from syllabus.commerce import payouts

    require_admin(actor)
    reference = form_text(form, "reference")
    body, _problems = validate_form(MarkPaidIn, {"reference": reference})
    errors: dict[str, str] = {}
    status = 422
    if body is None:
        errors[f"reference-{payout_id}"] = "Enter the bank or transfer reference."
    else:
        try:
            payouts.mark_paid(db, get_runtime(), actor, payout_id, body)
        except AppError as exc:
            if exc.status == 404:
                raise
            undo_refused(db, exc)
            errors[f"reference-{payout_id}"] = exc.message
            status = exc.status
        else:
            flash(request, "payout_marked_paid")
            return see_other("/admin/payouts")
    context = _payouts_context(
        db, actor, PageParams(), None, errors=errors, typed={payout_id: reference}
    )
    return render_page(request, ADMIN + "payouts.html", context, status)


# ------------------------------------------------------------------ coupons


def _coupons_context(db: Session, actor: Actor, **extra: Any) -> dict[str, Any]:
    from syllabus.commerce import coupons

    context: dict[str, Any] = {
        "coupons": coupons.list_site_coupons(db, actor),
        "currency_options": [(code, code) for code in CURRENCIES],
        "values": {"kind": "percent", "currency": "USD"},
        "tab": "coupons",
    }
    context.update(extra)
    return context


@router.get("/admin/coupons", response_class=HTMLResponse)
def admin_coupons(request: Request, db: WebDb, actor: WebActor) -> Response:
    require_admin(actor)
    return render_page(request, ADMIN + "coupons.html", _coupons_context(db, actor))


@router.post("/admin/coupons", dependencies=[CsrfChecked])
def create_site_coupon(request: Request, form: WebForm, db: WebDb, actor: WebActor) -> Response:
    from syllabus.commerce import coupons

    require_admin(actor)
    values, body, errors = coupon_body(form, SiteCouponIn, None)
    status = 422
    if isinstance(body, SiteCouponIn):
        try:
            coupons.create_site_coupon(db, get_runtime(), actor, body)
        except AppError as exc:
            undo_refused(db, exc)
            errors = {"code" if exc.code == "coupon_code_taken" else FORM_ERROR: exc.message}
            status = exc.status
        else:
            flash(request, "coupon_created")
            return see_other("/admin/coupons")
    context = _coupons_context(db, actor, values=values, errors=errors)
    return render_page(request, ADMIN + "coupons.html", context, status)


__all__ = ["require_admin", "router"]
