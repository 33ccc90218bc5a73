"""Demo sales: an order for every paid enrollment, its payment, history and the
instructor's earning, plus a few coupons, so the receipts, earnings and
admin pages have a history to show.

Drawn after every other planner (ids come from the shared dice), so the
rest of the demo stays as it was.
"""

from __future__ import annotations

from datetime import timedelta

from syllabus.demo.plan import Dice, Plan, PlannedCourse, Row
from syllabus.kit.money import split_share

# The defaults of SYLLABUS_INSTRUCTOR_SHARE_PERCENT and SYLLABUS_REFUND_WINDOW_DAYS.
INSTRUCTOR_SHARE_PERCENT = 70
REFUND_WINDOW = timedelta(days=30)
# Codes instructors hand out; the first paid course of each instructor gets one.
COUPON_CODES = ("LAUNCH20", "FRIENDS15", "STUDENT25")


def plan_sales(dice: Dice, plan: Plan, courses: list[PlannedCourse]) -> None:
    """Orders for the planned paid enrollments and a coupon per instructor."""
    by_id = {c.row["id"]: c for c in courses}
    for enrollment in plan.enrollments:
        course = by_id[enrollment["course_id"]]
        if enrollment["source"] == "purchase" and course.row["price_amount"] > 0:
            _sale(dice, plan, enrollment, course)
    _coupons(dice, plan, courses)


def _sale(dice: Dice, plan: Plan, enrollment: Row, course: PlannedCourse) -> None:
    paid_at = enrollment["created_at"]
    amount, currency = course.row["price_amount"], course.row["currency"]
    order_id, line_id = dice.new_id(), dice.new_id()
    plan.orders.append(
        {
            "id": order_id,
            "user_id": enrollment["user_id"],
            "status": "paid",
            "provider": "sandbox",
            "currency": currency,
            "subtotal_amount": amount,
            "discount_amount": 0,
            "total_amount": amount,
            "refunded_amount": 0,
            "provider_ref": f"sbx_{order_id}",
            "provider_payment_id": f"sbx_pay_{order_id}",
            "created_at": paid_at - timedelta(minutes=2),
            "updated_at": paid_at,
            "paid_at": paid_at,
            "expires_at": paid_at + timedelta(hours=1),
        }
    )
    plan.order_lines.append(
        {
            "id": line_id,
            "order_id": order_id,
            "course_id": course.row["id"],
            "instructor_id": course.instructor["id"],
            "course_title": course.row["title"],
            "list_amount": amount,
            "discount_amount": 0,
            "amount": amount,
            "refunded_amount": 0,
            "instructor_coupon": False,
            "granted_at": paid_at,
        }
    )
    plan.payments.append(
        {
            "id": dice.new_id(),
            "order_id": order_id,
            "provider": "sandbox",
            "provider_payment_id": f"sbx_pay_{order_id}",
            "status": "succeeded",
            "amount": amount,
            "currency": currency,
            "created_at": paid_at,
        }
    )
    for from_status, to_status, cause, at in (
        (None, "pending", "checkout", paid_at - timedelta(minutes=2)),
        ("pending", "paid", "webhook:sandbox:demo", paid_at),
    ):
        plan.commerce_events.append(
            {
                "id": dice.new_id(),
                "order_id": order_id,
                "subject_type": "order",
                "subject_id": order_id,
                "from_status": from_status,
                "to_status": to_status,
                "cause": cause,
                "at": at,
            }
        )
    instructor_amount, platform_amount = split_share(amount, INSTRUCTOR_SHARE_PERCENT)
    plan.earnings.append(
        {
            "id": dice.new_id(),
            "entry_key": f"sale:{line_id}",
            "kind": "sale",
            "instructor_id": course.instructor["id"],
            "order_line_id": line_id,
            "course_id": course.row["id"],
            "currency": currency,
            "gross_amount": amount,
            "instructor_amount": instructor_amount,
            "platform_amount": platform_amount,
            "share_percent": INSTRUCTOR_SHARE_PERCENT,
            "available_at": paid_at + REFUND_WINDOW,
            "created_at": paid_at,
        }
    )


def _coupons(dice: Dice, plan: Plan, courses: list[PlannedCourse]) -> None:
    seen: set[str] = set()
    for course in courses:
        instructor = course.instructor["id"]
        if instructor in seen or course.row["price_amount"] == 0:
            continue
        if course.row["status"] != "published":
            continue
        seen.add(instructor)
        code = COUPON_CODES[len(seen) % len(COUPON_CODES)]
        plan.coupons.append(
            {
                "id": dice.new_id(),
                "code": code,
                "scope_key": course.row["id"],
                "course_id": course.row["id"],
                "created_by": instructor,
                "percent_off": int(code[-2:]),
                "expires_at": dice.now + timedelta(days=60),
                "max_redemptions": 100,
                "redemption_count": 0,
                "active": True,
                "created_at": dice.now - timedelta(days=3),
            }
        )
