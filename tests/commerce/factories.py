"""Commerce test data and the API calls a purchase starts with.

    coupon = make_coupon(db, course, percent_off=20)            # by the course's instructor
    site = make_coupon(db, None, amount_off=500, currency="USD")  # site-wide, by an admin
    buyer, headers = signed_in(client, db, "student")
    order = checkout_via_api(client, headers, [course.id], coupon=coupon.code)

Helpers that write commit (inside the test's rolled-back transaction), so
the API sees the rows at once.
"""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from syllabus.accounts.models import User
from syllabus.catalog.models import Course
from syllabus.commerce.models import CommerceEvent, Coupon, Order, OrderLine
from syllabus.kit.db import utcnow
from tests.factories import make_user

API = "/api/v1"
_counter = itertools.count(1)


def make_coupon(
    db: Session,
    course: Course | None,
    *,
    creator: User | str | None = None,
    code: str | None = None,
    percent_off: int | None = None,
    amount_off: int | None = None,
    currency: str | None = None,
    expires_at: datetime | None = None,
    max_redemptions: int | None = None,
    redemption_count: int = 0,
    active: bool = True,
) -> Coupon:
    """A coupon of `course` (None: site-wide), 10% off unless an amount is given.

    The creator defaults to the course's instructor (site-wide: a new admin);
    an amount off a course takes the course's currency unless one is given.
    """
    if percent_off is None and amount_off is None:
        percent_off = 10
    if creator is None:
        creator_id = course.instructor_id if course else make_user(db, role="admin").id
    else:
        creator_id = creator if isinstance(creator, str) else creator.id
    if amount_off is not None and currency is None and course is not None:
        currency = course.currency
    coupon = Coupon(
        code=(code or f"SAVE{next(_counter)}").upper(),
        scope_key=course.id if course else "site",
        course_id=course.id if course else None,
        created_by=creator_id,
        percent_off=percent_off,
        amount_off=amount_off,
        currency=currency,
        expires_at=expires_at,
        max_redemptions=max_redemptions,
        redemption_count=redemption_count,
        active=active,
        created_at=utcnow(),
    )
    db.add(coupon)
    db.commit()
    return coupon


def quote_via_api(
    client: TestClient,
    headers: dict[str, str],
    course_ids: list[str],
    coupon: str | None = None,
) -> Any:
    """POST /cart/quote; returns the response (status unchecked)."""
    body: dict[str, Any] = {"course_ids": course_ids}
    if coupon is not None:
        body["coupon"] = coupon
    return client.post(f"{API}/cart/quote", json=body, headers=headers)


def start_checkout(
    client: TestClient,
    headers: dict[str, str],
    course_ids: list[str],
    *,
    coupon: str | None = None,
    provider: str = "sandbox",
) -> Any:
    """POST /checkout; returns the response (status unchecked)."""
    body: dict[str, Any] = {"course_ids": course_ids, "provider": provider}
    if coupon is not None:
        body["coupon"] = coupon
    return client.post(f"{API}/checkout", json=body, headers=headers)


def checkout_via_api(
    client: TestClient,
    headers: dict[str, str],
    course_ids: list[str],
    *,
    coupon: str | None = None,
    provider: str = "sandbox",
) -> dict[str, Any]:
    """A successful checkout's body: {order_id, status, provider, redirect_url, ...}."""
    response = start_checkout(client, headers, course_ids, coupon=coupon, provider=provider)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def order_in_db(db: Session, order_id: str) -> Order:
    """The order as stored now (fresh from the database)."""
    db.expire_all()
    order = db.get(Order, order_id)
    assert order is not None, f"order {order_id} was stored"
    return order


def lines_of(db: Session, order_id: str) -> list[OrderLine]:
    """The order's lines as stored now, in a stable order (by list price, then title)."""
    db.expire_all()
    return list(
        db.scalars(
            select(OrderLine)
            .where(OrderLine.order_id == order_id)
            .order_by(OrderLine.list_amount, OrderLine.course_title)
        )
    )


def history_of(db: Session, order_id: str) -> list[tuple[str | None, str, str]]:
    """(from, to, cause) of every recorded change of the order, oldest first."""
    return [
        (event.from_status, event.to_status, event.cause)
        for event in db.scalars(
            select(CommerceEvent)
            .where(CommerceEvent.order_id == order_id)
            .order_by(CommerceEvent.at, CommerceEvent.id)
        )
    ]
