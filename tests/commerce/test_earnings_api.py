"""Instructor earnings: the 70/30 split, the instructor-coupon share, pending versus available,
points over 28 days and 12 months, and who may see what."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from syllabus.accounts.models import User
from syllabus.commerce.models import Earning, Order, OrderLine
from syllabus.kit.db import utcnow
from syllabus.kit.runtime import Runtime
from tests.catalog.factories import make_course, signed_in
from tests.commerce.factories import make_coupon
from tests.commerce.orders_factory import API, make_paid_order
from tests.factories import bearer, login, make_user

RunJobs = Callable[[], int]


def earnings_of(
    client: TestClient, headers: dict[str, str], query: str = "", status: int = 200
) -> dict[str, Any]:
    response = client.get(f"{API}/instructor/earnings{query}", headers=headers)
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


def sold_days_ago(db: Session, order: Order, days: int) -> None:
    """Move a paid order and its ledger entries back in time, as if sold `days` days ago."""
    db.expire_all()
    stored = db.get(Order, order.id)
    assert stored is not None
    assert stored.paid_at is not None
    stored.paid_at -= timedelta(days=days)
    lines = select(OrderLine.id).where(OrderLine.order_id == order.id)
    for entry in db.scalars(select(Earning).where(Earning.order_line_id.in_(lines))):
        entry.created_at -= timedelta(days=days)
        entry.available_at -= timedelta(days=days)
    db.commit()


def teacher(client: TestClient, db: Session) -> tuple[User, dict[str, str]]:
    return signed_in(client, db, "instructor")


def test_a_sale_splits_70_30(client: TestClient, db: Session, runtime: Runtime) -> None:
    instructor, headers = teacher(client, db)
    course = make_course(db, instructor, title="Type hints in depth", price=1999)
    buyer = make_user(db)
    order = make_paid_order(db, runtime, buyer, [course])

    body = earnings_of(client, headers)
    assert body["period"] == "28d"
    assert body["totals"] == [
        {
            "currency": "USD",
            "gross": 1999,
            "instructor": 1399,
            "platform": 600,
            "pending": 1399,
            "available": 0,
            "in_payout": 0,
            "paid_out": 0,
        }
    ]
    (entry,) = body["entries"]
    assert (entry["kind"], entry["course_id"], entry["course_title"]) == (
        "sale",
        course.id,
        "Type hints in depth",
    )
    assert entry["gross"] == {"amount": 1999, "currency": "USD"}
    assert entry["instructor"] == {"amount": 1399, "currency": "USD"}
    assert entry["platform"] == {"amount": 600, "currency": "USD"}
    assert entry["share_percent"] == 70
    assert entry["payout_id"] is None
    assert order.paid_at is not None
    available_at = order.paid_at.astimezone(UTC) + timedelta(days=30)
    assert entry["available_at"].startswith(available_at.strftime("%Y-%m-%dT%H:%M:%S"))
    assert (body["entries_total"], body["page"], body["page_size"]) == (1, 1, 20)


def test_the_instructors_own_coupon_earns_97_percent(
    client: TestClient, db: Session, runtime: Runtime
) -> None:
    instructor, headers = teacher(client, db)
    own = make_course(db, instructor, title="Own coupon", price=2000)
    site = make_course(db, instructor, title="Site coupon", price=2000)
    own_coupon = make_coupon(db, own, percent_off=10)
    site_coupon = make_coupon(db, None, percent_off=10)
    make_paid_order(db, runtime, make_user(db), [own], coupon=own_coupon)
    make_paid_order(db, runtime, make_user(db), [site], coupon=site_coupon)

    entries = {e["course_title"]: e for e in earnings_of(client, headers)["entries"]}
    assert entries["Own coupon"]["gross"]["amount"] == 1800
    assert entries["Own coupon"]["share_percent"] == 97
    assert entries["Own coupon"]["instructor"]["amount"] == 1746
    assert entries["Own coupon"]["platform"]["amount"] == 54
    assert entries["Site coupon"]["share_percent"] == 70
    assert entries["Site coupon"]["instructor"]["amount"] == 1260
    assert entries["Site coupon"]["platform"]["amount"] == 540
    (usd,) = earnings_of(client, headers)["totals"]
    assert (usd["gross"], usd["instructor"], usd["platform"]) == (3600, 3006, 594)


def test_earnings_become_available_after_the_refund_window(
    client: TestClient, db: Session, runtime: Runtime
) -> None:
    instructor, headers = teacher(client, db)
    old = make_course(db, instructor, price=1999)
    new = make_course(db, instructor, price=2500)
    settled = make_paid_order(db, runtime, make_user(db), [old])
    make_paid_order(db, runtime, make_user(db), [new])
    sold_days_ago(db, settled, 31)

    (usd,) = earnings_of(client, headers)["totals"]
    assert (usd["available"], usd["pending"], usd["instructor"]) == (1399, 1750, 3149)
    sold_days_ago(db, settled, -2)  # 29 days ago: back inside the window
    (usd,) = earnings_of(client, headers)["totals"]
    assert (usd["available"], usd["pending"]) == (0, 3149)


def test_points_over_28_days_and_12_months(
    client: TestClient, db: Session, runtime: Runtime
) -> None:
    instructor, headers = teacher(client, db)
    courses = [make_course(db, instructor, price=price) for price in (1000, 2000, 3000, 4000)]
    today = make_paid_order(db, runtime, make_user(db), [courses[0]])
    three_days = make_paid_order(db, runtime, make_user(db), [courses[1]])
    same_day = make_paid_order(db, runtime, make_user(db), [courses[2]])
    seventy_days = make_paid_order(db, runtime, make_user(db), [courses[3]])
    sold_days_ago(db, three_days, 3)
    sold_days_ago(db, same_day, 3)
    sold_days_ago(db, seventy_days, 70)
    assert today.paid_at is not None
    now = utcnow()

    body = earnings_of(client, headers, "?period=28d")
    points = body["points"]
    assert len(points) == 28
    assert {p["currency"] for p in points} == {"USD"}
    expected_days = [(now - timedelta(days=back)).date().isoformat() for back in range(27, -1, -1)]
    assert [p["date"] for p in points] == expected_days, "consecutive days, oldest first"
    by_day = {p["date"]: p["amount"] for p in points}
    assert by_day[expected_days[-1]] == 700  # 70% of 1000 today
    assert by_day[expected_days[-4]] == 1400 + 2100  # two sales three days ago
    assert sum(by_day.values()) == 700 + 3500, "the 70-day-old sale is outside 28 days"
    assert list(by_day.values()).count(0) == 26
    assert body["entries_total"] == 3

    monthly = earnings_of(client, headers, "?period=12m")
    months = [p["date"] for p in monthly["points"]]
    assert len(months) == 12
    assert months == sorted(months), "oldest first"
    assert months[-1] == now.strftime("%Y-%m")
    assert sum(p["amount"] for p in monthly["points"]) == 700 + 3500 + 2800
    assert monthly["entries_total"] == 4
    seventy = (now - timedelta(days=70)).strftime("%Y-%m")
    assert {p["date"]: p["amount"] for p in monthly["points"]}[seventy] == 2800

    everything = earnings_of(client, headers, "?period=all")
    assert everything["points"][-1]["date"] == now.strftime("%Y-%m")
    assert everything["points"][0]["date"] == seventy
    assert everything["entries_total"] == 4
    assert earnings_of(client, headers, "?period=week", status=422)["code"]

    page = earnings_of(client, headers, "?period=12m&page=1&page_size=2")
    amounts = [e["instructor"]["amount"] for e in page["entries"]]
    assert amounts == [700, 2100], "newest first"
    last = earnings_of(client, headers, "?period=12m&page=2&page_size=2")["entries"]
    assert [e["instructor"]["amount"] for e in last] == [1400, 2800]


def test_each_instructor_sees_only_their_own(
    client: TestClient, db: Session, runtime: Runtime
) -> None:
    ada, ada_headers = teacher(client, db)
    bob, bob_headers = teacher(client, db)
    make_course(db, bob, price=5000, currency="EUR")
    course = make_course(db, ada, price=1999)
    make_paid_order(db, runtime, make_user(db), [course])

    bobs = earnings_of(client, bob_headers)
    assert (bobs["totals"], bobs["entries"], bobs["entries_total"]) == ([], [], 0)
    assert len(bobs["points"]) == 28
    assert {(p["currency"], p["amount"]) for p in bobs["points"]} == {("EUR", 0)}
    assert len(earnings_of(client, ada_headers)["entries"]) == 1
    peek = earnings_of(client, bob_headers, f"?instructor_id={ada.id}", status=403)
    assert peek["code"] == "not_admin"

    admin = make_user(db, role="admin")
    admin_headers = bearer(login(client, admin.email))
    adas = earnings_of(client, admin_headers, f"?instructor_id={ada.id}")
    assert adas["totals"][0]["instructor"] == 1399

    _, student = signed_in(client, db, "student")
    refused = earnings_of(client, student, status=403)
    assert refused["code"] == "not_instructor"
    assert client.get(f"{API}/instructor/earnings").status_code == 401
