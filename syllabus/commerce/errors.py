"""Commerce refusals with the stable codes of API.md."""

from __future__ import annotations

from syllabus.kit.errors import AppError, Conflict, InvalidInput, NotFound


class OrderNotFound(NotFound):
    code = "order_not_found"
    title = "Order not found"


class CouponNotFound(Conflict):
    """An unknown code in a quote or checkout: 409 like every other coupon refusal."""

    code = "coupon_not_found"
    title = "Unknown coupon"


class CouponExpired(Conflict):
    code = "coupon_expired"
    title = "Coupon expired"


class CouponExhausted(Conflict):
    code = "coupon_exhausted"
    title = "Coupon used up"


class CouponAlreadyUsed(Conflict):
    code = "coupon_already_used"
    title = "Coupon already used"


class CouponNotApplicable(Conflict):
    code = "coupon_not_applicable"
    title = "Coupon does not apply"


class CouponCodeTaken(Conflict):
    code = "coupon_code_taken"
    title = "Coupon code taken"


class CourseNotPurchasable(Conflict):
    code = "course_not_purchasable"
    title = "Course cannot be bought"


class MixedCurrencies(Conflict):
    code = "mixed_currencies"
    title = "One currency per order"


class ProviderNotEnabled(InvalidInput):
    code = "provider_not_enabled"
    title = "Payment provider not available"


class InvalidSignature(AppError):
    code = "invalid_signature"
    status = 400
    title = "Invalid signature"


class ProviderError(AppError):
    """The provider refused or could not be reached; nothing was changed here."""

    code = "provider_error"
    status = 502
    title = "Payment provider error"


class OrderNotPayable(Conflict):
    code = "order_not_payable"
    title = "Order cannot be paid"


class RefundNotAllowed(Conflict):
    code = "refund_not_allowed"
    title = "Refund not allowed"


class RefundWindowClosed(Conflict):
    code = "refund_window_closed"
    title = "Refund window closed"


class PayoutNotFound(NotFound):
    code = "payout_not_found"
    title = "Payout not found"


class NothingToPay(Conflict):
    code = "nothing_to_pay"
    title = "Nothing to pay out"
