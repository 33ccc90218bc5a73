"""Coupons: who may create and change them, and what they take off a quote."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from syllabus.admin.audit import AuditEntry
from syllabus.commerce.models import Coupon
from syllabus.kit.db import utcnow
from tests.catalog.factories import make_course, signed_in
from tests.commerce.factories import API, checkout_via_api, make_coupon, quote_via_api
from tests.factories import make_user


def quote(client: TestClient, headers: dict[str, str], ids: list[str], code: str) -> Any:
    response = quote_via_api(client, headers, ids, code)
    assert response.status_code == 200, response.text
    return response.json()


def refusal(client: TestClient, headers: dict[str, str], ids: list[str], code: str) -> str:
    response = quote_via_api(client, headers, ids, code)
    assert response.status_code == 409, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == 409
    return str(body["code"])


def in_future(days: int = 30) -> str:
    return (utcnow() + timedelta(days=days)).isoformat()


# --- course coupons: creating, listing, changing ----------------------------------------------


def test_owner_creates_and_lists_course_coupons(client: TestClient, db: Session) -> None:
    teacher, headers = signed_in(client, db, "instructor")
    course = make_course(db, teacher, price=4999, currency="EUR")
    percent = client.post(
        f"{API}/courses/{course.slug}/coupons",
        json={"code": "launch-20", "percent_off": 20, "max_redemptions": 100},
        headers=headers,
    )
    assert percent.status_code == 201, percent.text
    body = percent.json()
    assert body["id"]
    assert body["code"] == "LAUNCH-20", "codes are stored upper-case"
    assert (body["course_id"], body["percent_off"], body["amount_off"]) == (course.id, 20, None)
    assert (body["max_redemptions"], body["redemptions"], body["active"]) == (100, 0, True)
    assert body["expires_at"] is None
    assert body["created_at"]

    expires = in_future(14)
    amount = client.post(
        f"{API}/courses/{course.id}/coupons",
        json={"code": "TENOFF", "amount_off": 1000, "expires_at": expires},
        headers=headers,
    )
    assert amount.status_code == 201, amount.text
    assert amount.json()["amount_off"] == {"amount": 1000, "currency": "EUR"}, "course's currency"
    assert amount.json()["expires_at"].startswith(expires[:19])

    listed = client.get(f"{API}/courses/{course.id}/coupons", headers=headers)
    assert listed.status_code == 200
    assert [c["code"] for c in listed.json()] == ["TENOFF", "LAUNCH-20"], "newest first"
    stored = db.scalars(select(Coupon).where(Coupon.course_id == course.id)).all()
    assert {(c.code, c.created_by) for c in stored} == {
        ("LAUNCH-20", teacher.id),
        ("TENOFF", teacher.id),
    }


def test_coupon_codes_are_unique_per_course(client: TestClient, db: Session) -> None:
    teacher, headers = signed_in(client, db, "instructor")
    first, second = make_course(db, teacher), make_course(db, teacher)
    _, admin_headers = signed_in(client, db, "admin")
    payload = {"code": "SPRING", "percent_off": 15}
    url = f"{API}/courses/{first.id}/coupons"
    assert client.post(url, json=payload, headers=headers).status_code == 201
    taken = client.post(url, json={**payload, "code": "spring"}, headers=headers)
    assert (taken.status_code, taken.json()["code"]) == (409, "coupon_code_taken")
    other = client.post(f"{API}/courses/{second.id}/coupons", json=payload, headers=headers)
    assert other.status_code == 201, "the same code on another course is fine"
    site = client.post(f"{API}/admin/coupons", json=payload, headers=admin_headers)
    assert site.status_code == 201, "and site-wide"


def test_coupon_input_is_checked(client: TestClient, db: Session) -> None:
    teacher, headers = signed_in(client, db, "instructor")
    course = make_course(db, teacher)
    url = f"{API}/courses/{course.id}/coupons"
    for payload in (
        {"code": "BOTH", "percent_off": 10, "amount_off": 100},
        {"code": "NONE"},
        {"code": "TOOMUCH", "percent_off": 101},
        {"code": "ZERO", "amount_off": 0},
        {"code": "x", "percent_off": 10},
        {"code": "HAS SPACE", "percent_off": 10},
        {"code": "EXTRA", "percent_off": 10, "currency": "USD"},
        {
            "code": "PAST",
            "percent_off": 10,
            "expires_at": (utcnow() - timedelta(days=1)).isoformat(),
        },
    ):
        response = client.post(url, json=payload, headers=headers)
        assert response.status_code == 422, payload
    assert db.scalars(select(Coupon).where(Coupon.course_id == course.id)).all() == []


def test_only_the_owner_or_an_admin_manages_course_coupons(client: TestClient, db: Session) -> None:
    teacher = make_user(db, role="instructor")
    published = make_course(db, teacher)
    draft = make_course(db, teacher, status="draft")
    _, rival_headers = signed_in(client, db, "instructor")
    _, student_headers = signed_in(client, db, "student")
    admin, admin_headers = signed_in(client, db, "admin")
    payload = {"code": "FRIENDS", "percent_off": 50}

    for headers in (rival_headers, student_headers):
        on_published = client.post(
            f"{API}/courses/{published.id}/coupons", json=payload, headers=headers
        )
        assert (on_published.status_code, on_published.json()["code"]) == (403, "not_course_owner")
        listing = client.get(f"{API}/courses/{published.id}/coupons", headers=headers)
        assert listing.status_code == 403
        on_draft = client.post(f"{API}/courses/{draft.id}/coupons", json=payload, headers=headers)
        assert (on_draft.status_code, on_draft.json()["code"]) == (404, "course_not_found")
        assert client.get(f"{API}/courses/{draft.id}/coupons", headers=headers).status_code == 404
    missing = client.post(f"{API}/courses/nope/coupons", json=payload, headers=admin_headers)
    assert missing.status_code == 404
    assert client.post(f"{API}/courses/{published.id}/coupons", json=payload).status_code == 401
    assert db.scalars(select(Coupon)).all() == []

    by_admin = client.post(
        f"{API}/courses/{draft.slug}/coupons", json=payload, headers=admin_headers
    )
    assert by_admin.status_code == 201, by_admin.text
    stored = db.get(Coupon, by_admin.json()["id"])
    assert stored is not None
    assert stored.created_by == admin.id
    listed = client.get(f"{API}/courses/{draft.id}/coupons", headers=admin_headers).json()
    assert [c["code"] for c in listed] == ["FRIENDS"]


def test_deactivating_a_coupon(client: TestClient, db: Session) -> None:
    teacher, headers = signed_in(client, db, "instructor")
    course = make_course(db, teacher)
    coupon = make_coupon(db, course, code="WELCOME", percent_off=25)
    _, rival_headers = signed_in(client, db, "instructor")
    _, buyer_headers = signed_in(client, db, "student")
    url = f"{API}/coupons/{coupon.id}"
    assert quote(client, buyer_headers, [course.id], "WELCOME")["totals"][0]["discount"] == 500

    stranger = client.patch(url, json={"active": False}, headers=rival_headers)
    assert (stranger.status_code, stranger.json()["code"]) == (404, "coupon_not_found")
    assert client.patch(f"{API}/coupons/nope", json={}, headers=headers).status_code == 404
    off = client.patch(url, json={"active": False}, headers=headers)
    assert off.status_code == 200, off.text
    assert off.json()["active"] is False
    assert refusal(client, buyer_headers, [course.id], "WELCOME") == "coupon_not_found"

    on = client.patch(
        url, json={"active": True, "max_redemptions": 5, "expires_at": in_future()}, headers=headers
    )
    assert on.status_code == 200
    assert (on.json()["active"], on.json()["max_redemptions"]) == (True, 5)
    assert on.json()["expires_at"] is not None
    cleared = client.patch(url, json={"expires_at": None, "max_redemptions": None}, headers=headers)
    assert (cleared.json()["expires_at"], cleared.json()["max_redemptions"]) == (None, None)
    assert cleared.json()["active"] is True, "fields left out stay as they were"
    assert quote(client, buyer_headers, [course.id], "welcome")["coupon"] == "WELCOME"


# --- site-wide coupons -------------------------------------------------------------------------


def test_admins_create_site_wide_coupons(client: TestClient, db: Session) -> None:
    admin, headers = signed_in(client, db, "admin")
    percent = client.post(
        f"{API}/admin/coupons", json={"code": "BLACKFRIDAY", "percent_off": 40}, headers=headers
    )
    assert percent.status_code == 201, percent.text
    assert (percent.json()["course_id"], percent.json()["percent_off"]) == (None, 40)
    amount = client.post(
        f"{API}/admin/coupons",
        json={"code": "FIVEBUCKS", "amount_off": 500, "currency": "USD", "max_redemptions": 1000},
        headers=headers,
    )
    assert amount.status_code == 201, amount.text
    assert amount.json()["amount_off"] == {"amount": 500, "currency": "USD"}
    listed = client.get(f"{API}/admin/coupons", headers=headers)
    assert listed.status_code == 200
    assert [c["code"] for c in listed.json()] == ["FIVEBUCKS", "BLACKFRIDAY"]
    again = client.post(
        f"{API}/admin/coupons", json={"code": "blackfriday", "percent_off": 10}, headers=headers
    )
    assert (again.status_code, again.json()["code"]) == (409, "coupon_code_taken")
    audited = db.scalars(select(AuditEntry).where(AuditEntry.action == "coupon.create")).all()
    assert {entry.actor_id for entry in audited} == {admin.id}
    assert len(audited) == 2

    switched_off = client.patch(
        f"{API}/coupons/{percent.json()['id']}", json={"active": False}, headers=headers
    )
    assert switched_off.status_code == 200
    assert switched_off.json()["active"] is False


def test_site_wide_coupon_input_is_checked(client: TestClient, db: Session) -> None:
    _, headers = signed_in(client, db, "admin")
    for payload in (
        {"code": "NOCURRENCY", "amount_off": 500},
        {"code": "PERCENTCUR", "percent_off": 10, "currency": "USD"},
        {"code": "ODDCUR", "amount_off": 500, "currency": "CHF"},
        {"code": "LOWER", "amount_off": 500, "currency": "usd"},
    ):
        response = client.post(f"{API}/admin/coupons", json=payload, headers=headers)
        assert response.status_code == 422, payload
    assert client.get(f"{API}/admin/coupons", headers=headers).json() == []


def test_site_wide_coupons_are_for_admins_only(client: TestClient, db: Session) -> None:
    _, teacher_headers = signed_in(client, db, "instructor")
    _, student_headers = signed_in(client, db, "student")
    site = make_coupon(db, None, code="STAFFPICK")
    payload = {"code": "MINE", "percent_off": 90}
    for headers in (teacher_headers, student_headers):
        created = client.post(f"{API}/admin/coupons", json=payload, headers=headers)
        assert (created.status_code, created.json()["code"]) == (403, "not_admin")
        assert client.get(f"{API}/admin/coupons", headers=headers).status_code == 403
        patched = client.patch(f"{API}/coupons/{site.id}", json={"active": False}, headers=headers)
        assert patched.status_code == 404
    assert client.get(f"{API}/admin/coupons").status_code == 401
    assert db.scalar(select(Coupon.active).where(Coupon.id == site.id)) is True


# --- what a coupon takes off --------------------------------------------------------------------


def test_percent_off_one_course_rounds_half_up(client: TestClient, db: Session) -> None:
    teacher = make_user(db, role="instructor")
    course = make_course(db, teacher, price=1990)
    other = make_course(db, teacher, price=1999)
    make_coupon(db, course, code="QUARTER", percent_off=25)
    _, headers = signed_in(client, db, "student")
    body = quote(client, headers, [course.id, other.id], "QUARTER")
    first, second = body["lines"]
    # 1990 * 25% = 497.5, rounded half up to 498.
    assert first["discount"] == {"amount": 498, "currency": "USD"}
    assert first["total"] == {"amount": 1492, "currency": "USD"}
    assert first["coupon_applied"] is True
    assert second["discount"]["amount"] == 0, "a course coupon leaves other courses alone"
    assert second["coupon_applied"] is False
    assert body["totals"] == [{"currency": "USD", "subtotal": 3989, "discount": 498, "total": 3491}]
    assert body["coupon"] == "QUARTER"


def test_amount_off_one_course_is_capped_at_its_price(client: TestClient, db: Session) -> None:
    teacher = make_user(db, role="instructor")
    cheap = make_course(db, teacher, price=1999)
    dear = make_course(db, teacher, price=9999)
    make_coupon(db, cheap, code="BIGCUT", amount_off=5000)
    make_coupon(db, dear, code="FIVEOFF", amount_off=500)
    _, headers = signed_in(client, db, "student")
    capped = quote(client, headers, [cheap.id], "BIGCUT")
    assert capped["lines"][0]["discount"]["amount"] == 1999
    assert capped["totals"][0]["total"] == 0
    assert capped["providers"] == [], "nothing to pay"
    plain = quote(client, headers, [cheap.id, dear.id], "FIVEOFF")
    assert [line["discount"]["amount"] for line in plain["lines"]] == [0, 500]
    assert plain["totals"][0] == {
        "currency": "USD",
        "subtotal": 11998,
        "discount": 500,
        "total": 11498,
    }


def test_site_wide_percent_off_every_line(client: TestClient, db: Session) -> None:
    teacher = make_user(db, role="instructor")
    usd = make_course(db, teacher, price=1999)
    inr = make_course(db, teacher, price=49900, currency="INR")
    free = make_course(db, teacher, price=0)
    make_coupon(db, None, code="TWENTY", percent_off=20)
    _, headers = signed_in(client, db, "student")
    body = quote(client, headers, [usd.id, inr.id, free.id], "TWENTY")
    assert [line["discount"]["amount"] for line in body["lines"]] == [400, 9980, 0]
    assert [line["coupon_applied"] for line in body["lines"]] == [True, True, False]
    assert body["totals"] == [
        {"currency": "USD", "subtotal": 1999, "discount": 400, "total": 1599},
        {"currency": "INR", "subtotal": 49900, "discount": 9980, "total": 39920},
    ]


def test_site_wide_amount_off_is_spread_once_over_its_currency(
    client: TestClient, db: Session
) -> None:
    teacher = make_user(db, role="instructor")
    small = make_course(db, teacher, price=1999)
    large = make_course(db, teacher, price=2999)
    euros = make_course(db, teacher, price=3900, currency="EUR")
    make_coupon(db, None, code="TENBUCKS", amount_off=1000, currency="USD")
    make_coupon(db, None, code="HUGE", amount_off=100_000, currency="USD")
    _, headers = signed_in(client, db, "student")
    body = quote(client, headers, [small.id, euros.id, large.id], "TENBUCKS")
    # 1000 split by price 1999 : 2999 -> 399.96 and 600.04 -> 400 and 600 exactly.
    assert [line["discount"]["amount"] for line in body["lines"]] == [400, 0, 600]
    assert body["totals"] == [
        {"currency": "USD", "subtotal": 4998, "discount": 1000, "total": 3998},
        {"currency": "EUR", "subtotal": 3900, "discount": 0, "total": 3900},
    ]
    capped = quote(client, headers, [small.id, large.id], "HUGE")
    assert [line["total"]["amount"] for line in capped["lines"]] == [0, 0]
    assert capped["totals"][0] == {
        "currency": "USD",
        "subtotal": 4998,
        "discount": 4998,
        "total": 0,
    }


def test_a_course_coupon_wins_over_a_site_wide_one_of_the_same_code(
    client: TestClient, db: Session
) -> None:
    teacher = make_user(db, role="instructor")
    mine = make_course(db, teacher, price=2000)
    other = make_course(db, teacher, price=3000)
    old = make_course(db, teacher, price=4000)
    make_coupon(db, mine, code="SPRING", percent_off=50)
    make_coupon(db, old, code="SPRING", percent_off=90, expires_at=utcnow() - timedelta(days=1))
    make_coupon(db, None, code="SPRING", percent_off=10)
    _, headers = signed_in(client, db, "student")
    both = quote(client, headers, [other.id, mine.id], "SPRING")
    assert [line["discount"]["amount"] for line in both["lines"]] == [0, 1000]
    alone = quote(client, headers, [other.id], "SPRING")
    assert alone["lines"][0]["discount"]["amount"] == 300, "the site-wide one applies"
    expired_own = quote(client, headers, [old.id], "SPRING")
    assert expired_own["lines"][0]["discount"]["amount"] == 400, "the usable one is taken"


# --- every refusal ------------------------------------------------------------------------------


def test_every_coupon_refusal(client: TestClient, db: Session) -> None:
    teacher = make_user(db, role="instructor")
    course = make_course(db, teacher, price=2500)
    elsewhere = make_course(db, teacher, price=2500)
    free = make_course(db, teacher, price=0)
    make_coupon(db, course, code="GONE", expires_at=utcnow() - timedelta(seconds=1))
    make_coupon(db, course, code="USEDUP", max_redemptions=3, redemption_count=3)
    make_coupon(db, course, code="ONCE")
    make_coupon(db, course, code="PAUSED", active=False)
    make_coupon(db, elsewhere, code="OTHERCOURSE")
    make_coupon(db, free, code="FREEBIE", percent_off=50)
    make_coupon(db, None, code="EUROS", amount_off=500, currency="EUR")
    _, headers = signed_in(client, db, "student")
    ids = [course.id]

    assert refusal(client, headers, ids, "NOSUCHCODE") == "coupon_not_found"
    assert refusal(client, headers, ids, "PAUSED") == "coupon_not_found"
    assert refusal(client, headers, ids, "GONE") == "coupon_expired"
    assert refusal(client, headers, ids, "USEDUP") == "coupon_exhausted"
    assert refusal(client, headers, ids, "OTHERCOURSE") == "coupon_not_applicable"
    assert refusal(client, headers, [free.id], "FREEBIE") == "coupon_not_applicable"
    assert refusal(client, headers, ids, "EUROS") == "coupon_not_applicable"

    order = checkout_via_api(client, headers, ids, coupon="ONCE")
    assert order["status"] == "pending"
    assert refusal(client, headers, [course.id, elsewhere.id], "ONCE") == "coupon_already_used"
    _, someone_else = signed_in(client, db, "student")
    assert quote(client, someone_else, ids, "ONCE")["coupon"] == "ONCE", "one per user"


def test_a_coupon_still_valid_until_its_expiry(client: TestClient, db: Session) -> None:
    teacher = make_user(db, role="instructor")
    course = make_course(db, teacher, price=1000)
    make_coupon(db, course, code="LASTCALL", expires_at=utcnow() + timedelta(minutes=5))
    _, headers = signed_in(client, db, "student")
    assert quote(client, headers, [course.id], "LASTCALL")["totals"][0]["total"] == 900
