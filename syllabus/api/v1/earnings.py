"""Refunds, instructor earnings and payouts API.

A refund request answers 202 with the pending refund: the provider is
asked by a job, and the order shows the outcome.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Body, Query

from syllabus.api.deps import (
    CurrentActor,
    CurrentRuntime,
    DbSession,
    Pagination,
    RequireAdmin,
    RequireInstructor,
)
from syllabus.api.errors import problems
from syllabus.commerce import earnings, payouts, refunds
from syllabus.commerce.schemas import (
    AdminRefundIn,
    EarningsOut,
    MarkPaidIn,
    PayoutBatchIn,
    PayoutBatchOut,
    PayoutOut,
    RefundOut,
    RefundRequestIn,
)
from syllabus.kit.pagination import Page

router = APIRouter(tags=["commerce"])
admin_router = APIRouter(prefix="/admin", tags=["admin"])

PayoutStatus = Literal["pending", "paid", "cancelled"]


# --- refunds ---------------------------------------------------------------------------------


@router.post(
    "/orders/{order_id}/refund-request",
    status_code=202,
    response_model=RefundOut,
    responses=problems(s404="order_not_found", s409="refund_window_closed or refund_not_allowed"),
)
def request_refund(
    order_id: str, body: RefundRequestIn, db: DbSession, rt: CurrentRuntime, actor: CurrentActor
) -> RefundOut:
    """The buyer asks for a refund of the order (or of `course_ids`) within the refund window."""
    return refunds.request_refund(db, rt, actor, order_id, body)


@admin_router.post(
    "/orders/{order_id}/refund",
    status_code=202,
    response_model=RefundOut,
    responses=problems(s403="not_admin", s404="order_not_found", s409="refund_not_allowed"),
)
def admin_refund(
    order_id: str, body: AdminRefundIn, db: DbSession, rt: CurrentRuntime, admin: RequireAdmin
) -> RefundOut:
    """Refund through the provider: whole courses (access revoked) or a partial `amount`."""
    return refunds.admin_refund(db, rt, admin, order_id, body)


# --- earnings and payouts ----------------------------------------------------------------------


@router.get(
    "/instructor/earnings", response_model=EarningsOut, responses=problems(s403="not_instructor")
)
def instructor_earnings(
    db: DbSession,
    actor: RequireInstructor,
    page: Pagination,
    period: Literal["28d", "12m", "all"] = "28d",
    instructor_id: Annotated[
        str | None, Query(max_length=64, description="Admins only: another instructor")
    ] = None,
) -> EarningsOut:
    """Balances per currency, a point per day (28d) or month (12m, all), and the ledger."""
    return earnings.instructor_earnings(
        db, actor, period=period, page=page, instructor_id=instructor_id
    )


@router.get(
    "/instructor/payouts",
    response_model=Page[PayoutOut],
    responses=problems(s403="not_instructor"),
)
def instructor_payouts(
    db: DbSession, actor: RequireInstructor, page: Pagination
) -> Page[PayoutOut]:
    """My payouts, newest first."""
    return payouts.instructor_payouts(db, actor, page)


@admin_router.post(
    "/payouts",
    status_code=201,
    response_model=PayoutBatchOut,
    responses=problems(s403="not_admin", s409="nothing_to_pay"),
)
def create_payout_batch(
    db: DbSession,
    rt: CurrentRuntime,
    admin: RequireAdmin,
    body: Annotated[PayoutBatchIn | None, Body()] = None,
) -> PayoutBatchOut:
    """One payout per instructor and currency owed money whose refund window has passed."""
    return payouts.create_batch(db, rt, admin, body or PayoutBatchIn())


@admin_router.get("/payouts", response_model=Page[PayoutOut], responses=problems(s403="not_admin"))
def list_payouts(
    db: DbSession, admin: RequireAdmin, page: Pagination, status: PayoutStatus | None = None
) -> Page[PayoutOut]:
    """Every payout, newest first, optionally of one status."""
    return payouts.list_payouts(db, admin, page, status=status)


@admin_router.post(
    "/payouts/{payout_id}/mark-paid",
    response_model=PayoutOut,
    responses=problems(s403="not_admin", s404="payout_not_found", s409="payout_not_pending"),
)
def mark_payout_paid(
    payout_id: str, body: MarkPaidIn, db: DbSession, rt: CurrentRuntime, admin: RequireAdmin
) -> PayoutOut:
    """The money was sent: record its reference; the instructor is emailed."""
    return payouts.mark_paid(db, rt, admin, payout_id, body)
