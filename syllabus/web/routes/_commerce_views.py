"""What the cart, order, earnings and admin money pages share: amounts as people read them,
status labels, form helpers, and the header's cart count.

Amounts reach the templates as integer minor units with their currency;
`money_text` turns them into "$19.99" (through `money_label`), and unlike a
price tag it shows a zero as "$0.00" and a reversal as "-$5.00", which a
ledger needs.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from jinja2 import pass_context
from jinja2.runtime import Context
from pydantic import TypeAdapter, ValidationError
from sqlalchemy import func, select
from sqlalchemy.engine import Connection
from starlette.datastructures import FormData
from starlette.requests import HTTPConnection

from syllabus.commerce.models import CartItem
from syllabus.commerce.schemas import CouponCode
from syllabus.kit.money import exponent
from syllabus.web.header_counts import header_count
from syllabus.web.routes._money import CURRENCY_SYMBOLS, money_label
from syllabus.web.templating import templates

COMMERCE = "pages/commerce/"

ORDER_STATUS_LABELS = {
    "pending": ("Awaiting payment", "warning"),
    "paid": ("Paid", "success"),
    "failed": ("Payment failed", "danger"),
    "expired": ("Expired", "neutral"),
    "refunded": ("Refunded", "neutral"),
    "partially_refunded": ("Partly refunded", "accent"),
}
REFUND_STATUS_LABELS = {
    "pending": ("Refund in progress", "warning"),
    "succeeded": ("Refunded", "success"),
    "failed": ("Refund failed", "danger"),
}
PAYOUT_STATUS_LABELS = {
    "pending": ("To pay", "warning"),
    "paid": ("Paid", "success"),
    "cancelled": ("Cancelled", "neutral"),
}
PROVIDER_LABELS = {
    "sandbox": ("Sandbox", "Test payments: a practice checkout page, no real money moves."),
    "stripe": ("Card", "Pay by card on Stripe's secure checkout page."),
    "razorpay": ("Razorpay", "UPI, cards, netbanking and wallets through Razorpay."),
    "paypal": ("PayPal", "Pay with your PayPal account or a card through PayPal."),
    "free": ("Free", "No payment needed."),
}

_coupon_code = TypeAdapter(CouponCode)


# ------------------------------------------------------------------ amounts


def money_text(amount: int, currency: str) -> str:
    """An amount of a ledger or a receipt: "$19.99", "$0.00", "-$5.00"."""
    if amount < 0:
        return "-" + money_text(-amount, currency)
    if amount == 0:
        digits = exponent(currency)
        symbol = CURRENCY_SYMBOLS.get(currency, currency + " ")
        return f"{symbol}{Decimal(0):.{digits}f}"
    return money_label(amount, currency)


def _money_filter(value: Any, currency: str | None = None) -> str:
    """`{{ order.total | money_text }}` (any amount + currency pair) or
    `{{ amount | money_text(currency) }}`."""
    if isinstance(value, int) and currency:
        return money_text(value, currency)
    amount = getattr(value, "amount", None)
    code = getattr(value, "currency", None)
    if isinstance(amount, int) and isinstance(code, str):
        return money_text(amount, code)
    return ""


def when(value: datetime | None) -> str:
    """A moment as "21 Nov 2025, 14:05 UTC"; an empty string for None."""
    if value is None:
        return ""
    moment = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return f"{moment:%d %b %Y, %H:%M} UTC"


def day(value: datetime | None) -> str:
    """A date as "21 Nov 2025"; an empty string for None."""
    if value is None:
        return ""
    moment = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return f"{moment:%d %b %Y}"


def status_label(kind: str, status: str) -> tuple[str, str]:
    """(label, badge colour) of an order, refund or payout status."""
    table = {"order": ORDER_STATUS_LABELS, "refund": REFUND_STATUS_LABELS}.get(
        kind, PAYOUT_STATUS_LABELS
    )
    return table.get(status, (status.replace("_", " ").capitalize(), "neutral"))


def short_id(value: str) -> str:
    """The first block of an id, as receipts and tables show it ("#3f2a9c1d")."""
    return value.split("-", 1)[0][:8].upper()


# -------------------------------------------------------------------- forms


def form_list(form: FormData, name: str) -> list[str]:
    """Every non-empty text value of a repeated field (checkboxes, hidden ids)."""
    return [value.strip() for value in form.getlist(name) if isinstance(value, str) and value]


def normalise_coupon(text: str) -> tuple[str | None, str | None]:
    """(the code as stored, None) or (None, why it cannot be a code)."""
    try:
        return _coupon_code.validate_python(text), None
    except ValidationError:
        return None, "Enter a coupon code: 3 to 40 letters, digits, - or _."


def is_coupon_error(code: str) -> bool:
    return code.startswith("coupon_")


# ------------------------------------------------------- header cart count


def cart_count(connection: HTTPConnection) -> int:
    """How many courses the signed-in visitor has in the cart (the header's badge).

    A page that already knows the number sets `request.state.cart_count` first.
    """
    return header_count(connection, "cart_count", _count_cart)


def _count_cart(conn: Connection, user_id: str) -> int:
    count = conn.scalar(
        select(func.count()).select_from(CartItem).where(CartItem.user_id == user_id)
    )
    return int(count or 0)


def in_cart_of(conn: Connection, user_id: str, course_id: str) -> bool:
    """Whether the course is in the user's cart (the course page's button says so)."""
    found = conn.scalar(
        select(CartItem.course_id).where(
            CartItem.user_id == user_id, CartItem.course_id == course_id
        )
    )
    return found is not None


@pass_context
def _cart_count_global(context: Context) -> int:
    request = context.get("request")
    return cart_count(request) if isinstance(request, HTTPConnection) else 0


templates.env.globals.update(
    cart_count=_cart_count_global,
    money_text=money_text,
    status_label=status_label,
    provider_labels=PROVIDER_LABELS,
)
templates.env.filters.update(money_text=_money_filter, when=when, day=day, short_id=short_id)


__all__ = [
    "COMMERCE",
    "PROVIDER_LABELS",
    "cart_count",
    "day",
    "form_list",
    "in_cart_of",
    "is_coupon_error",
    "money_text",
    "normalise_coupon",
    "short_id",
    "status_label",
    "when",
]
