"""Buying pages: the cart with its coupon field and quote, checkout, the sandbox's hosted
payment page, the Razorpay page, the PayPal return, my orders, a receipt and its refund form.

Everything works with plain forms (post/redirect/get with a one-time
flash); only Razorpay needs its own script. A refused coupon or checkout
re-renders the cart with the reason next to the field and nothing
changed. Orders are the buyer's (an admin may read any); anyone else
gets a 404, as from the API.

A payment is confirmed by the provider's webhook, processed by a job, so
the receipt of a pending order the buyer just paid reloads itself until
the order is paid or failed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any, Literal
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from syllabus.accounts.actor import Actor
from syllabus.catalog.models import Course
from syllabus.commerce.errors import OrderNotFound
from syllabus.commerce.models import Order
from syllabus.commerce.schemas import CheckoutIn, OrderOut, QuoteOut, RazorpayVerifyIn
from syllabus.commerce.schemas import RefundRequestIn as RefundRequestBody
from syllabus.kit.db import utcnow
from syllabus.kit.errors import AppError
from syllabus.kit.middleware import CSP_EXTRA_STATE
from syllabus.kit.pagination import Page
from syllabus.kit.runtime import get_runtime
from syllabus.web.deps import (
    FORM_ERROR,
    CsrfChecked,
    OptionalWebActor,
    WebActor,
    WebDb,
    WebForm,
    flash,
    login_url,
    safe_next,
    validate_form,
)
from syllabus.web.pages import render_page, see_other, undo_refused
from syllabus.web.routes._commerce_views import (
    COMMERCE,
    form_list,
    is_coupon_error,
    normalise_coupon,
)
from syllabus.web.routes._studio_common import PageQuery, form_text

router = APIRouter(include_in_schema=False)

OrderId = Annotated[str, Path(min_length=1, max_length=64)]
CouponQuery = Annotated[str | None, Query(max_length=60)]
# The pending receipt reloads itself this often (seconds) after the buyer paid.
RECEIPT_REFRESH_SECONDS = 3
# Razorpay's checkout.js and the frames it opens; allowed on the Razorpay page only.
RAZORPAY_CSP = {
    "script-src": "https://checkout.razorpay.com",
    "frame-src": "https://api.razorpay.com https://checkout.razorpay.com",
    "connect-src": "https://api.razorpay.com https://lumberjack.razorpay.com",
}
# Refusals of "add to cart" shown as a message on the course page (any other 409: cart_refused).
CART_REFUSALS = {"course_not_purchasable": "cart_not_purchasable"}


def _order_url(order_id: str, **query: str) -> str:
    url = f"/orders/{quote(order_id)}"
    return f"{url}?{urlencode(query)}" if query else url


def _cart_url(coupon: str | None = None) -> str:
    return "/cart?" + urlencode({"coupon": coupon}) if coupon else "/cart"


# --------------------------------------------------------------------- cart


@dataclass
class CartGroup:
    """The lines of one currency and their totals: one checkout form each."""

    currency: str
    subtotal: int
    discount: int
    total: int
    lines: list[Any]

    @property
    def course_ids(self) -> list[str]:
        return [line.course_id for line in self.lines]


@dataclass
class CartView:
    groups: list[CartGroup] = field(default_factory=list)
    unavailable: list[dict[str, str]] = field(default_factory=list)
    coupon: str | None = None
    coupon_error: str | None = None
    providers: list[str] = field(default_factory=list)
    count: int = 0


def _unavailable_items(db: Session, problems: dict[str, str]) -> list[dict[str, str]]:
    """Courses the cart holds but cannot be bought now, with the reason (one query)."""
    rows = db.execute(
        select(Course.id, Course.title, Course.slug).where(Course.id.in_(problems))
    ).all()
    titles = {row.id: (row.title, row.slug) for row in rows}
    return [
        {
            "course_id": course_id,
            "title": titles.get(course_id, ("A course that was removed", ""))[0],
            "slug": titles.get(course_id, ("", ""))[1],
            "reason": reason,
        }
        for course_id, reason in problems.items()
    ]


def _price(db: Session, actor: Actor, course_ids: list[str], coupon: str | None) -> QuoteOut:
    from syllabus.commerce import pricing

    return pricing.quote(db, get_runtime(), actor, course_ids, coupon)


def _quote_what_can_be_bought(
    db: Session, actor: Actor, course_ids: list[str]
) -> tuple[QuoteOut | None, dict[str, str]]:
    """The quote without a coupon; courses that became unavailable are set aside."""
    try:
        return _price(db, actor, course_ids, None), {}
    except AppError:
        pass
    problems: dict[str, str] = {}
    kept: list[str] = []
    for course_id in course_ids:
        try:
            _price(db, actor, [course_id], None)
        except AppError as exc:
            problems[course_id] = exc.message
        else:
            kept.append(course_id)
    return (_price(db, actor, kept, None) if kept else None), problems


def _cart_view(request: Request, db: Session, actor: Actor, coupon: str | None) -> CartView:
    from syllabus.commerce import cart

    course_ids = cart.cart_course_ids(db, actor.id)
    request.state.cart_count = len(course_ids)
    view = CartView(count=len(course_ids))
    if not course_ids:
        return view
    quote_out, problems = _quote_what_can_be_bought(db, actor, course_ids)
    view.unavailable = _unavailable_items(db, problems) if problems else []
    if quote_out is None:
        return view
    if coupon:
        try:
            quote_out = _price(db, actor, [line.course_id for line in quote_out.lines], coupon)
        except AppError as exc:
            if not is_coupon_error(exc.code):
                raise
            view.coupon_error = exc.message
    view.coupon = quote_out.coupon
    view.providers = list(quote_out.providers)
    for total in quote_out.totals:
        lines = [line for line in quote_out.lines if line.price.currency == total.currency]
        view.groups.append(
            CartGroup(total.currency, total.subtotal, total.discount, total.total, lines)
        )
    return view


def _cart_page(
    request: Request,
    db: Session,
    actor: Actor,
    coupon: str | None,
    *,
    errors: dict[str, str] | None = None,
    typed_coupon: str | None = None,
    provider: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    view = _cart_view(request, db, actor, coupon)
    shown = dict(errors or {})
    if view.coupon_error and "coupon" not in shown:
        shown["coupon"] = view.coupon_error
    context = {
        "cart": view,
        "errors": shown,
        "values": {
            "coupon": typed_coupon if typed_coupon is not None else (coupon or ""),
            "provider": provider or (view.providers[0] if view.providers else ""),
        },
    }
    return render_page(request, COMMERCE + "cart.html", context, status_code)


@router.get("/cart", response_class=HTMLResponse)
def cart_page(request: Request, db: WebDb, actor: WebActor, coupon: CouponQuery = None) -> Response:
    code, problem = normalise_coupon(coupon) if coupon else (None, None)
    errors = {"coupon": problem} if problem else None
    return _cart_page(request, db, actor, code, errors=errors, typed_coupon=coupon)


@router.post("/cart/add", dependencies=[CsrfChecked])
def add_to_cart(request: Request, form: WebForm, db: WebDb, actor: OptionalWebActor) -> Response:
    """Add to cart (then back to the course page) or buy now (then on to the cart)."""
    from syllabus.commerce import cart

    course_key = form_text(form, "course_id").strip()
    back = safe_next(form_text(form, "next")) or f"/courses/{quote(course_key)}"
    if actor is None:
        return see_other(login_url(back))
    try:
        cart.add_to_cart(db, get_runtime(), actor, course_key)
    except AppError as exc:
        if exc.code == "already_enrolled":
            undo_refused(db, exc)
            flash(request, "already_owned")
            return see_other(f"/learn/{quote(course_key)}")
        if exc.status != 409:
            raise
        undo_refused(db, exc)
        flash(request, CART_REFUSALS.get(exc.code, "cart_refused"))
        return see_other(back)
    if form_text(form, "then") == "checkout":
        return see_other("/cart")
    flash(request, "added_to_cart")
    return see_other(back)


@router.post("/cart/remove", dependencies=[CsrfChecked])
def remove_from_cart(request: Request, form: WebForm, db: WebDb, actor: WebActor) -> Response:
    from syllabus.commerce import cart

    cart.remove_from_cart(db, actor, form_text(form, "course_id").strip())
    coupon, _problem = normalise_coupon(form_text(form, "coupon"))
    flash(request, "removed_from_cart")
    return see_other(_cart_url(coupon))


@router.post("/cart/coupon", dependencies=[CsrfChecked])
def apply_coupon(request: Request, form: WebForm, db: WebDb, actor: WebActor) -> Response:
    """Check the code against the cart: applied (kept in the cart's URL) or refused in place."""
    typed = form_text(form, "coupon")
    code, problem = normalise_coupon(typed)
    if code is None:
        errors = {"coupon": problem or "Enter a coupon code."}
        return _cart_page(
            request, db, actor, None, errors=errors, typed_coupon=typed, status_code=422
        )
    view = _cart_view(request, db, actor, code)
    if view.coupon_error:
        errors = {"coupon": view.coupon_error}
        return _cart_page(
            request, db, actor, None, errors=errors, typed_coupon=typed, status_code=409
        )
    flash(request, "coupon_applied")
    return see_other(_cart_url(code))


# ----------------------------------------------------------------- checkout


def _local(url: str) -> str | None:
    """The path of a URL on this site (the sandbox's page), else None."""
    base = get_runtime().settings.base_url.rstrip("/")
    if url.startswith(base + "/"):
        return safe_next(url[len(base) :])
    return safe_next(url) if url.startswith("/") else None


def _checkout_field(exc_code: str) -> str:
    if is_coupon_error(exc_code):
        return "coupon"
    if exc_code == "provider_not_enabled":
        return "provider"
    return FORM_ERROR


@router.post("/checkout", dependencies=[CsrfChecked])
def checkout(request: Request, form: WebForm, db: WebDb, actor: WebActor) -> Response:
    from syllabus.commerce import checkout as checkout_service

    coupon_text = form_text(form, "coupon")
    coupon, _problem = normalise_coupon(coupon_text) if coupon_text else (None, None)
    provider = form_text(form, "provider")
    data: dict[str, Any] = {"course_ids": form_list(form, "course_id"), "coupon": coupon}
    if provider:
        data["provider"] = provider
    body, problems = validate_form(CheckoutIn, data)
    if body is None:
        errors = {
            ("provider" if name == "provider" else FORM_ERROR): (
                "Choose how to pay." if name == "provider" else "Your cart changed; try again."
            )
            for name in problems
        }
        return _cart_page(request, db, actor, coupon, errors=errors, status_code=422)
    try:
        out = checkout_service.checkout(db, get_runtime(), actor, body)
    except AppError as exc:
        undo_refused(db, exc)
        errors = {_checkout_field(exc.code): exc.message}
        return _cart_page(
            request, db, actor, None if is_coupon_error(exc.code) else coupon,
            errors=errors, typed_coupon=coupon_text, provider=provider, status_code=exc.status,
        )  # fmt: skip
    if out.status == "paid":
        flash(request, "order_paid")
        return see_other(_order_url(out.order_id))
    if out.provider == "razorpay":
        return see_other(f"/pay/razorpay/{quote(out.order_id)}")
    if out.redirect_url:
        local = _local(out.redirect_url)
        if local:
            return see_other(local)
        # A 303 to another site after a form post would break the page's
        # `form-action 'self'`; a page with a link (followed by script) does not.
        response = render_page(
            request,
            COMMERCE + "redirect.html",
            {"url": out.redirect_url, "provider": out.provider, "order_id": out.order_id},
        )
        response.headers["Cache-Control"] = "no-store"
        return response
    return see_other(_order_url(out.order_id))


# ----------------------------------------------------------- payment pages


def _own_order(db: Session, actor: Actor, order_id: str) -> Order:
    """The buyer's own order row (an admin may read orders, not pay them); 404 otherwise."""
    order = db.get(Order, order_id)
    if order is None or order.user_id != actor.id:
        raise OrderNotFound("No such order.")
    return order


def _get_order(db: Session, actor: Actor, order_id: str) -> OrderOut:
    from syllabus.commerce import orders

    return orders.get_order(db, actor, order_id)


@router.get("/pay/sandbox/{order_id}", response_class=HTMLResponse)
def sandbox_page(request: Request, order_id: OrderId, db: WebDb, actor: WebActor) -> Response:
    """The sandbox's hosted checkout: what is being paid, and Pay or Decline."""
    row = _own_order(db, actor, order_id)
    if row.provider != "sandbox":
        raise OrderNotFound("No such order.")
    if row.status != "pending":
        return see_other(_order_url(order_id))
    order = _get_order(db, actor, order_id)
    return render_page(request, COMMERCE + "sandbox.html", {"order": order})


@router.post("/pay/sandbox/{order_id}", dependencies=[CsrfChecked])
def sandbox_decide(
    request: Request, order_id: OrderId, form: WebForm, db: WebDb, actor: WebActor
) -> Response:
    from syllabus.commerce import sandbox_gateway

    choice = form_text(form, "decision")
    if choice not in ("pay", "decline"):
        return see_other(f"/pay/sandbox/{quote(order_id)}")
    decision: Literal["pay", "decline"] = "pay" if choice == "pay" else "decline"
    try:
        sandbox_gateway.decide(db, get_runtime(), actor, order_id, decision)
    except AppError as exc:
        if exc.code != "order_not_payable":
            raise
        undo_refused(db, exc)
        flash(request, "order_not_payable")
        return see_other(_order_url(order_id))
    flash(request, "payment_processing" if decision == "pay" else "payment_declined")
    return see_other(_order_url(order_id, **{"return": "1"}))


def razorpay_options(actor: Actor, order: Order) -> dict[str, Any]:
    """What Razorpay's checkout.js is opened with (no secret: the key id is public)."""
    settings = get_runtime().settings
    return {
        "key": settings.razorpay_key_id,
        "order_id": order.provider_ref,
        "amount": order.total_amount,
        "currency": order.currency,
        "name": "Syllabus",
        "description": f"Order {order.id}",
        "prefill": {"email": actor.email, "name": actor.name},
        "notes": {"order_id": order.id},
    }


@router.get("/pay/razorpay/{order_id}", response_class=HTMLResponse)
def razorpay_page(request: Request, order_id: OrderId, db: WebDb, actor: WebActor) -> Response:
    """Opens Razorpay's checkout; its result is posted back here to be verified."""
    row = _own_order(db, actor, order_id)
    if row.provider != "razorpay":
        raise OrderNotFound("No such order.")
    if row.status != "pending":
        return see_other(_order_url(order_id))
    order = _get_order(db, actor, order_id)
    setattr(request.state, CSP_EXTRA_STATE, RAZORPAY_CSP)
    context = {"order": order, "options": razorpay_options(actor, row)}
    response = render_page(request, COMMERCE + "razorpay.html", context)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/payments/razorpay/verify", dependencies=[CsrfChecked])
def razorpay_verify(request: Request, form: WebForm, db: WebDb, actor: WebActor) -> Response:
    from syllabus.commerce import payments

    names = ("order_id", "razorpay_order_id", "razorpay_payment_id", "razorpay_signature")
    data = {name: form_text(form, name) for name in names}
    order_id = data["order_id"]
    body, _errors = validate_form(RazorpayVerifyIn, data)
    if body is None:
        if not order_id:
            raise OrderNotFound("No such order.")
        flash(request, "payment_not_verified")
        return see_other(_order_url(order_id))
    try:
        out = payments.verify_razorpay(db, get_runtime(), actor, body)
    except AppError as exc:
        if exc.code != "invalid_signature":
            raise
        undo_refused(db, exc)
        flash(request, "payment_not_verified")
        return see_other(_order_url(order_id))
    flash(request, "order_paid" if out.status == "paid" else "payment_processing")
    return see_other(_order_url(out.id, **{"return": "1"}))


def _paypal_order_id(db: Session, actor: Actor, token: str) -> str:
    found = db.scalar(
        select(Order.id).where(
            Order.provider == "paypal", Order.provider_ref == token, Order.user_id == actor.id
        )
    )
    if found is None:
        raise OrderNotFound("No such order.")
    return found


@router.get("/checkout/paypal/return")
def paypal_return(
    request: Request,
    db: WebDb,
    actor: WebActor,
    token: Annotated[str, Query(min_length=1, max_length=100)],
    order_id: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    """The buyer approved on PayPal: capture the payment, then show the order."""
    from syllabus.commerce import payments

    order_id = order_id or _paypal_order_id(db, actor, token)
    try:
        out = payments.capture_paypal(db, get_runtime(), actor, order_id, token)
    except AppError as exc:
        if exc.status == 404:
            raise
        undo_refused(db, exc)
        flash(request, "payment_not_verified")
        return see_other(_order_url(order_id))
    outcome = {"paid": "order_paid", "failed": "payment_declined"}.get(out.status)
    flash(request, outcome or "payment_processing")
    return see_other(_order_url(order_id, **{"return": "1"}))


# ------------------------------------------------------------------- orders


@router.get("/orders", response_class=HTMLResponse)
def my_orders(request: Request, db: WebDb, actor: WebActor, params: PageQuery) -> Response:
    from syllabus.commerce import orders

    page: Page[OrderOut] = orders.list_orders(db, actor, params)
    return render_page(request, COMMERCE + "orders.html", {"page": page})


def refundable_lines(order: OrderOut) -> list[Any]:
    """Lines the buyer may still ask a refund for: paid for, not refunded, not in a refund."""
    held = {line_id for r in order.refunds if r.status == "pending" for line_id in r.line_ids}
    return [
        line
        for line in order.lines
        if line.price.amount > 0 and line.refunded.amount == 0 and line.id not in held
    ]


def _receipt_context(actor: Actor, order: OrderOut, **extra: Any) -> dict[str, Any]:
    now = utcnow()
    is_buyer = order.user_id == actor.id
    lines = refundable_lines(order)
    window_open = order.refundable_until is not None and now < order.refundable_until
    can_refund = (
        is_buyer and window_open and bool(lines) and order.status in ("paid", "partially_refunded")
    )
    context: dict[str, Any] = {
        "order": order,
        "is_buyer": is_buyer,
        "show_history": actor.is_admin,
        "refund_lines": lines if can_refund else [],
        "can_refund": can_refund,
        "values": {"reason": "", "course_ids": [line.course_id for line in lines]},
    }
    context.update(extra)
    return context


@router.get("/orders/{order_id}", response_class=HTMLResponse)
def receipt(
    request: Request,
    order_id: OrderId,
    db: WebDb,
    actor: WebActor,
    token: Annotated[str | None, Query(max_length=100)] = None,
    returned: Annotated[str | None, Query(alias="return", max_length=8)] = None,
) -> Response:
    order = _get_order(db, actor, order_id)
    if token and order.provider == "paypal" and order.status == "pending":
        # PayPal sends the buyer back here with its order id as `token`.
        query = urlencode({"order_id": order.id, "token": token})
        return see_other(f"/checkout/paypal/return?{query}")
    refresh = bool(returned) and order.status == "pending"
    context = _receipt_context(
        actor, order, refresh_seconds=RECEIPT_REFRESH_SECONDS if refresh else None
    )
    return render_page(request, COMMERCE + "receipt.html", context)


@router.post("/orders/{order_id}/refund", dependencies=[CsrfChecked])
def request_refund(
    request: Request, order_id: OrderId, form: WebForm, db: WebDb, actor: WebActor
) -> Response:
    from syllabus.commerce import refunds

    reason = form_text(form, "reason")
    course_ids = form_list(form, "course_id")
    values = {"reason": reason, "course_ids": course_ids}
    body, errors = validate_form(
        RefundRequestBody, {"reason": reason, "course_ids": course_ids or None}
    )
    if not course_ids:
        errors["course_ids"] = "Choose at least one course to refund."
        body = None
    if "reason" in errors:
        errors["reason"] = "Tell us in a few words why you want a refund (at least 3 characters)."
    status = 422
    if body is not None:
        try:
            refunds.request_refund(db, get_runtime(), actor, order_id, body)
        except AppError as exc:
            if exc.status == 404:
                raise
            undo_refused(db, exc)
            errors = {FORM_ERROR: exc.message}
            status = exc.status
        else:
            flash(request, "refund_requested")
            return see_other(_order_url(order_id))
    order = _get_order(db, actor, order_id)
    context = _receipt_context(actor, order, errors=errors, values=values)
    return render_page(request, COMMERCE + "receipt.html", context, status)


__all__ = ["razorpay_options", "refundable_lines", "router"]
