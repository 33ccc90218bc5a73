"""Payments API: provider webhooks, Razorpay and PayPal returns, orders for buyers and admins.

The webhook route hands the body over exactly as it arrived (the
signature covers those bytes): an async dependency reads it, and the
route itself is sync so its database work runs in the threadpool.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, StringConstraints

from syllabus.api.deps import (
    CurrentActor,
    CurrentRuntime,
    DbSession,
    Pagination,
    RequestClient,
    RequireAdmin,
)
from syllabus.api.errors import problems
from syllabus.commerce import orders, payments, webhooks
from syllabus.commerce.schemas import Id, OrderOut, RazorpayVerifyIn, WebhookAck
from syllabus.kit.pagination import Page

router = APIRouter(tags=["commerce"])
admin_router = APIRouter(prefix="/admin", tags=["admin"])

OrderStatus = Literal["pending", "paid", "failed", "expired", "refunded", "partially_refunded"]


async def _raw_body(request: Request) -> bytes:
    return await request.body()


RawBody = Annotated[bytes, Depends(_raw_body)]


class PayPalCaptureIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    order_id: Id
    paypal_order_id: Annotated[str, StringConstraints(min_length=1, max_length=100)]


@router.post(
    "/webhooks/{provider}",
    response_model=WebhookAck,
    responses=problems(s400="invalid_signature", s404="provider_not_found", s429="rate_limited"),
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "The provider's event, signed over these exact bytes.",
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    },
)
def webhook(
    provider: str,
    body: RawBody,
    request: Request,
    db: DbSession,
    rt: CurrentRuntime,
    client: RequestClient,
) -> WebhookAck:
    """Verified on the raw body, stored once per provider event id, processed by a job."""
    return webhooks.receive(db, rt, provider, request.headers, body, client_ip=client.ip)


@router.post(
    "/payments/razorpay/verify",
    response_model=OrderOut,
    responses=problems(s400="invalid_signature", s404="order_not_found"),
)
def razorpay_verify(
    body: RazorpayVerifyIn, db: DbSession, rt: CurrentRuntime, actor: CurrentActor
) -> OrderOut:
    """The Razorpay checkout handler's result; a valid signature marks the order paid."""
    return payments.verify_razorpay(db, rt, actor, body)


@router.post(
    "/payments/paypal/capture",
    response_model=OrderOut,
    responses=problems(s404="order_not_found", s409="order_not_payable", s502="provider_error"),
)
def paypal_capture(
    body: PayPalCaptureIn, db: DbSession, rt: CurrentRuntime, actor: CurrentActor
) -> OrderOut:
    """Capture the PayPal order the buyer approved and apply the result."""
    return payments.capture_paypal(db, rt, actor, body.order_id, body.paypal_order_id)


@router.get("/orders", response_model=Page[OrderOut])
def my_orders(
    db: DbSession, actor: CurrentActor, page: Pagination, status: OrderStatus | None = None
) -> Page[OrderOut]:
    """My orders, newest first."""
    return orders.list_orders(db, actor, page, status=status)


@router.get(
    "/orders/{order_id}", response_model=OrderOut, responses=problems(s404="order_not_found")
)
def get_order(order_id: str, db: DbSession, actor: CurrentActor) -> OrderOut:
    """One order with its refunds and history (the buyer's own, or any for an admin)."""
    return orders.get_order(db, actor, order_id)


@admin_router.get("/orders", response_model=Page[OrderOut])
def admin_orders(
    db: DbSession, admin: RequireAdmin, page: Pagination, status: OrderStatus | None = None
) -> Page[OrderOut]:
    """Everyone's orders, newest first, optionally of one status."""
    return orders.list_orders(db, admin, page, status=status, everyone=True)
