"""Commerce request and response shapes (API.md, Commerce)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from syllabus.catalog.schemas import Money

Id = Annotated[str, StringConstraints(min_length=1, max_length=64)]
CouponCode = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z0-9_-]{3,40}$"),
]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=500)]
ProviderName = Literal["sandbox", "stripe", "razorpay", "paypal"]
CourseIds = Annotated[list[Id], Field(min_length=1, max_length=50)]


def money(amount: int, currency: str) -> Money:
    """A Money for a response (the amount was validated when it was stored)."""
    return Money.model_validate({"amount": amount, "currency": currency})


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CartIn(StrictModel):
    course_ids: CourseIds
    coupon: CouponCode | None = None

    @model_validator(mode="after")
    def _unique(self) -> CartIn:
        if len(set(self.course_ids)) != len(self.course_ids):
            raise ValueError("course_ids lists a course twice")
        return self


class CheckoutIn(CartIn):
    provider: ProviderName = "sandbox"


class QuoteLine(BaseModel):
    course_id: str
    slug: str
    title: str
    instructor_name: str
    price: Money
    discount: Money
    total: Money
    coupon_applied: bool


class QuoteTotal(BaseModel):
    currency: str
    subtotal: int
    discount: int
    total: int


class QuoteOut(BaseModel):
    lines: list[QuoteLine]
    totals: list[QuoteTotal]
    coupon: str | None
    # Providers the buyer may choose (none needed when every total is 0).
    providers: list[str]


class CheckoutOut(BaseModel):
    order_id: str
    status: str
    provider: str
    redirect_url: str | None = None
    client_payload: dict[str, object] | None = None


class OrderLineOut(BaseModel):
    id: str
    course_id: str
    course_title: str
    price: Money
    list_price: Money
    discount: Money
    refunded: Money
    enrolled: bool


class OrderEventOut(BaseModel):
    subject_type: str
    from_status: str | None
    to_status: str
    cause: str
    at: datetime


class RefundOut(BaseModel):
    id: str
    order_id: str
    status: str
    amount: Money
    reason: str
    line_ids: list[str]
    created_at: datetime
    completed_at: datetime | None
    failure: str | None


class OrderOut(BaseModel):
    id: str
    status: str
    provider: str
    user_id: str
    subtotal: Money
    discount: Money
    total: Money
    refunded: Money
    coupon: str | None
    lines: list[OrderLineOut]
    created_at: datetime
    paid_at: datetime | None
    flag_reason: str | None
    # Until when the buyer may ask for a refund (None: not paid, or nothing refundable).
    refundable_until: datetime | None
    refunds: list[RefundOut] = Field(default_factory=list)
    history: list[OrderEventOut] = Field(default_factory=list)


class RefundRequestIn(StrictModel):
    reason: Reason
    # Only these courses of the order; all not yet refunded ones when absent.
    course_ids: Annotated[list[Id], Field(min_length=1, max_length=50)] | None = None


class AdminRefundIn(RefundRequestIn):
    # A goodwill partial refund by amount (minor units, the order's currency).
    amount: Annotated[int, Field(gt=0, le=100_000_000)] | None = None

    @model_validator(mode="after")
    def _amount_or_courses(self) -> AdminRefundIn:
        if self.amount is not None and self.course_ids is not None:
            raise ValueError("give an amount or course_ids, not both")
        return self


class RazorpayVerifyIn(StrictModel):
    order_id: Id
    razorpay_order_id: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    razorpay_payment_id: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    razorpay_signature: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class WebhookAck(BaseModel):
    received: bool
    duplicate: bool


class CouponIn(StrictModel):
    code: CouponCode
    percent_off: Annotated[int, Field(ge=1, le=100)] | None = None
    amount_off: Annotated[int, Field(gt=0, le=100_000_000)] | None = None
    expires_at: datetime | None = None
    max_redemptions: Annotated[int, Field(ge=1, le=1_000_000)] | None = None

    @model_validator(mode="after")
    def _one_discount(self) -> CouponIn:
        if (self.percent_off is None) == (self.amount_off is None):
            raise ValueError("give exactly one of percent_off or amount_off")
        return self


class SiteCouponIn(CouponIn):
    # Required with amount_off: the currency it is in.
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")] | None = None


class CouponPatch(StrictModel):
    active: bool | None = None
    expires_at: datetime | None = None
    max_redemptions: Annotated[int, Field(ge=1, le=1_000_000)] | None = None


class CouponOut(BaseModel):
    id: str
    code: str
    course_id: str | None
    percent_off: int | None
    amount_off: Money | None
    expires_at: datetime | None
    max_redemptions: int | None
    redemptions: int
    active: bool
    created_at: datetime


class SignedMoney(BaseModel):
    """Money in a ledger: a refund's reversal is negative, which `Money` refuses."""

    amount: int
    currency: str


class EarningEntryOut(BaseModel):
    id: str
    kind: str
    course_id: str
    course_title: str
    order_line_id: str
    gross: SignedMoney
    instructor: SignedMoney
    platform: SignedMoney
    share_percent: int
    available_at: datetime
    payout_id: str | None
    created_at: datetime


class EarningTotals(BaseModel):
    currency: str
    gross: int
    instructor: int
    platform: int
    # Instructor share still inside the refund window.
    pending: int
    # Payable now and not yet in a payout.
    available: int
    # In a payout that is not marked paid yet.
    in_payout: int = 0
    paid_out: int


class EarningPoint(BaseModel):
    date: str
    currency: str
    amount: int


class EarningsOut(BaseModel):
    period: str
    totals: list[EarningTotals]
    points: list[EarningPoint]
    entries: list[EarningEntryOut]
    entries_total: int
    page: int
    page_size: int


class PayoutOut(BaseModel):
    id: str
    batch_id: str
    instructor_id: str
    instructor_name: str
    amount: Money
    entry_count: int
    status: str
    reference: str | None
    created_at: datetime
    paid_at: datetime | None


class PayoutBatchIn(StrictModel):
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None = None


class PayoutBatchOut(BaseModel):
    id: str
    created_at: datetime
    cutoff_at: datetime
    note: str | None
    payouts: list[PayoutOut]


class MarkPaidIn(StrictModel):
    reference: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)
    ]
