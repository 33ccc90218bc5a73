"""Buying pages through the browser's transport (cookies, CSRF, forms, redirects): the course
page's buttons, the cart with its coupon field, checkout, the sandbox's Pay and Decline, the
receipt and its email, refund requests, studio coupons, instructor earnings and payouts, and
the admin orders, payouts and coupons pages with who may see them."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from syllabus.accounts.models import User
from syllabus.catalog.models import Course
from syllabus.commerce.models import Coupon, Earning, Order, Payout, Refund
from syllabus.kit.db import utcnow
from syllabus.kit.runtime import Runtime
from syllabus.learning.models import Enrollment
from tests.catalog.factories import make_course
from tests.commerce.factories import make_coupon
from tests.commerce.orders_factory import make_order, make_paid_order
from tests.factories import mails_to, make_user
from tests.support.queries import counted_statements
from tests.web.test_account_pages import web_login

RunJobs = Callable[[], int]


# ----------------------------------------------------------------- helpers


def post(client: TestClient, url: str, data: dict[str, Any] | None = None) -> Response:
    """POST as the page's form would: with the token already in the cookie jar."""
    token = client.cookies["syl_csrf"]
    return client.post(url, data={**(data or {}), "csrf_token": token}, follow_redirects=False)


def signed_in_as(client: TestClient, db: Session, role: str = "student", **kw: Any) -> User:
    user = make_user(db, role=role, **kw)
    web_login(client, user.email)
    return user


def field_error(html: str, field_id: str) -> str:
    match = re.search(rf'id="{field_id}-error">([^<]+)<', html)
    assert match, f"the page shows an error under #{field_id}"
    return match.group(1)


def order_id_of(location: str) -> str:
    match = re.search(r"/(?:orders|pay/sandbox)/([0-9a-f-]{36})", location)
    assert match, location
    return match.group(1)


def header_count(html: str) -> int:
    match = re.search(r"data-cart-count>(\d+)<", html)
    assert match, "the header shows the cart link with its count"
    return int(match.group(1))


@pytest.fixture
def instructor(db: Session) -> User:
    return make_user(db, role="instructor", name="Ada Lovelace")


@pytest.fixture
def course(db: Session, instructor: User) -> Course:
    return make_course(db, instructor, title="Analytical Engines", price=4999)


# ------------------------------------------------------------- course page


def test_course_page_offers_add_to_cart_and_buy_now(
    client: TestClient, db: Session, course: Course
) -> None:
    signed_out = client.get(f"/courses/{course.slug}").text
    assert "Buy now" in signed_out
    assert f'href="/login?next=%2Fcourses%2F{course.slug}"' in signed_out

    signed_in_as(client, db)
    page = client.get(f"/courses/{course.slug}").text
    assert 'action="/cart/add" method="post"' in page
    assert 'name="then" value="cart">Add to cart</button>' in page
    assert 'name="then" value="checkout">Buy now</button>' in page
    assert header_count(page) == 0

    added = post(
        client,
        "/cart/add",
        {"course_id": course.id, "next": f"/courses/{course.slug}", "then": "cart"},
    )
    assert added.status_code == 303
    assert added.headers["location"] == f"/courses/{course.slug}"
    again = client.get(f"/courses/{course.slug}").text
    assert "The course is in your cart." in again
    assert 'href="/cart">Go to cart</a>' in again
    assert header_count(again) == 1


def test_buy_now_goes_to_the_cart_and_owning_the_course_goes_to_it(
    client: TestClient, db: Session, course: Course
) -> None:
    student = signed_in_as(client, db)
    bought = post(client, "/cart/add", {"course_id": course.id, "then": "checkout"})
    assert bought.headers["location"] == "/cart"

    db.add(Enrollment(user_id=student.id, course_id=course.id, source="purchase"))
    db.commit()
    owned = post(client, "/cart/add", {"course_id": course.id, "then": "checkout"})
    assert owned.headers["location"] == f"/learn/{course.id}"


def test_signed_out_visitors_are_sent_to_sign_in(client: TestClient, course: Course) -> None:
    for url in ("/cart", "/orders", "/instructor/earnings", "/admin/orders"):
        response = client.get(url, follow_redirects=False)
        assert response.status_code == 303, url
        assert response.headers["location"].startswith("/login?next="), url


def test_the_header_counts_the_cart_with_one_query(
    client: TestClient, db: Session, runtime: Runtime, instructor: User, course: Course
) -> None:
    with counted_statements(runtime) as statements:
        client.get("/")
        assert not _cart_queries(statements), "no cart query for a visitor who is not signed in"
        signed_in_as(client, db)
        other = make_course(db, instructor, title="Difference Engines", price=2999)
        for item in (course, other):
            post(client, "/cart/add", {"course_id": item.id})
        statements.clear()
        home = client.get("/").text
    assert header_count(home) == 2
    cart_queries = _cart_queries(statements)
    assert len(cart_queries) == 1
    assert "count(" in cart_queries[0].lower()


def _cart_queries(statements: list[str]) -> list[str]:
    return [statement for statement in statements if "cart_items" in statement]


# ------------------------------------------------- cart, checkout, sandbox


def test_cart_checkout_sandbox_pay_and_receipt(
    client: TestClient, db: Session, runtime: Runtime, run_jobs: RunJobs, course: Course
) -> None:
    student = signed_in_as(client, db, name="Grace Student")
    post(client, "/cart/add", {"course_id": course.id, "then": "checkout"})

    cart = client.get("/cart")
    assert cart.status_code == 200
    assert "Analytical Engines" in cart.text
    assert "By Ada Lovelace" in cart.text
    assert "$49.99" in cart.text
    assert 'name="provider" value="sandbox"' in cart.text
    assert header_count(cart.text) == 1

    checkout = post(client, "/checkout", {"course_id": course.id, "provider": "sandbox"})
    assert checkout.status_code == 303
    assert checkout.headers["location"].startswith("/pay/sandbox/")
    order_id = order_id_of(checkout.headers["location"])

    pay_page = client.get(f"/pay/sandbox/{order_id}")
    assert pay_page.status_code == 200
    assert "Test mode" in pay_page.text
    assert "Pay $49.99" in pay_page.text
    assert 'value="decline"' in pay_page.text

    paid = post(client, f"/pay/sandbox/{order_id}", {"decision": "pay"})
    assert paid.status_code == 303
    assert paid.headers["location"] == f"/orders/{order_id}?return=1"
    waiting = client.get(paid.headers["location"]).text
    assert "Confirming your payment" in waiting
    assert '<meta http-equiv="refresh" content="3">' in waiting

    run_jobs()  # the signed webhook is processed, then the receipt email is sent
    receipt = client.get(f"/orders/{order_id}?return=1").text
    assert "Thank you for your order" in receipt
    assert "http-equiv" not in receipt
    assert ">Paid<" in receipt
    assert f'href="/learn/{course.id}"' in receipt
    assert header_count(receipt) == 0, "the bought course left the cart"
    player = client.get(f"/learn/{course.id}", follow_redirects=False)
    assert player.status_code == 303
    assert player.headers["location"].startswith(f"/learn/{course.slug}/lessons/")

    mail = mails_to(runtime, student.email)[-1]
    assert "Analytical Engines: 49.99 USD" in mail
    assert "Total: 49.99 USD" in mail
    assert f"/orders/{order_id}" in mail
    orders = client.get("/orders").text
    assert order_id.split("-")[0].upper() in orders
    assert "Analytical Engines" in orders


def test_a_coupon_is_applied_or_refused_next_to_its_field(
    client: TestClient, db: Session, runtime: Runtime, run_jobs: RunJobs, course: Course
) -> None:
    coupon = make_coupon(db, course, code="ENGINE20", percent_off=20)
    make_coupon(db, course, code="OLDNEWS", expires_at=utcnow() - timedelta(days=1))
    student = signed_in_as(client, db)
    post(client, "/cart/add", {"course_id": course.id})

    refused = post(client, "/cart/coupon", {"coupon": "oldnews"})
    assert refused.status_code == 409
    assert "expired" in field_error(refused.text, "field-coupon").lower()
    assert 'value="oldnews"' in refused.text
    assert "Discount" not in refused.text
    assert "$49.99" in refused.text

    malformed = post(client, "/cart/coupon", {"coupon": "a!"})
    assert malformed.status_code == 422
    assert "3 to 40" in field_error(malformed.text, "field-coupon")

    unknown = client.get("/cart?coupon=NOPE123")
    assert unknown.status_code == 200
    assert field_error(unknown.text, "field-coupon")

    applied = post(client, "/cart/coupon", {"coupon": " engine20 "})
    assert applied.status_code == 303
    assert applied.headers["location"] == "/cart?coupon=ENGINE20"
    cart = client.get(applied.headers["location"]).text
    assert "Coupon applied" in cart
    assert "-$10.00" in cart
    assert "$39.99" in cart
    assert '<input type="hidden" name="coupon" value="ENGINE20">' in cart

    checkout = post(
        client, "/checkout", {"course_id": course.id, "coupon": "ENGINE20", "provider": "sandbox"}
    )
    order_id = order_id_of(checkout.headers["location"])
    post(client, f"/pay/sandbox/{order_id}", {"decision": "pay"})
    run_jobs()
    receipt = client.get(f"/orders/{order_id}").text
    assert "ENGINE20" in receipt
    assert "-$10.00" in receipt
    assert "$39.99" in receipt
    db.refresh(coupon)
    assert coupon.redemption_count == 1
    mail = mails_to(runtime, student.email)[-1]
    assert "Discount (ENGINE20): -10.00 USD" in mail
    assert "Total: 39.99 USD" in mail


def test_checkout_refusal_keeps_the_cart(
    client: TestClient, db: Session, course: Course, instructor: User
) -> None:
    rupees = make_course(db, instructor, title="Jacquard Looms", price=49900, currency="INR")
    signed_in_as(client, db)
    for item in (course, rupees):
        post(client, "/cart/add", {"course_id": item.id})
    cart = client.get("/cart").text
    assert "Your cart holds prices in" in cart
    assert cart.count('action="/checkout"') == 2, "one checkout per currency"

    mixed = post(client, "/checkout", {"course_id": [course.id, rupees.id], "provider": "sandbox"})
    assert mixed.status_code == 409
    assert "The checkout did not go through" in mixed.text
    assert db.scalar(select(Order.id)) is None
    assert header_count(mixed.text) == 2


def test_declining_on_the_sandbox_fails_the_order(
    client: TestClient, db: Session, run_jobs: RunJobs, course: Course
) -> None:
    student = signed_in_as(client, db)
    post(client, "/cart/add", {"course_id": course.id})
    order_id = order_id_of(post(client, "/checkout", {"course_id": course.id}).headers["location"])
    declined = post(client, f"/pay/sandbox/{order_id}", {"decision": "decline"})
    assert declined.status_code == 303
    run_jobs()
    receipt = client.get(f"/orders/{order_id}").text
    assert "Payment declined" in receipt
    assert 'href="/cart">Back to the cart' in receipt
    assert db.scalar(select(Enrollment).where(Enrollment.user_id == student.id)) is None
    # A settled order's payment page sends the buyer to the order.
    again = client.get(f"/pay/sandbox/{order_id}", follow_redirects=False)
    assert again.headers["location"] == f"/orders/{order_id}"


def test_orders_are_the_buyers_own(client: TestClient, db: Session, course: Course) -> None:
    buyer = make_user(db)
    order = make_order(db, buyer, [course])
    signed_in_as(client, db)
    assert client.get(f"/orders/{order.id}").status_code == 404
    assert client.get(f"/pay/sandbox/{order.id}").status_code == 404
    assert post(client, f"/pay/sandbox/{order.id}", {"decision": "pay"}).status_code == 404
    assert post(client, f"/orders/{order.id}/refund", {"reason": "x" * 10}).status_code == 404
    assert "No orders yet" in client.get("/orders").text


# ------------------------------------------------------------------ refunds


def test_refund_request_within_the_window(
    client: TestClient, db: Session, runtime: Runtime, course: Course
) -> None:
    student = signed_in_as(client, db)
    order = make_paid_order(db, runtime, student, [course])
    receipt = client.get(f"/orders/{order.id}").text
    assert "Ask for a refund" in receipt
    assert f'name="course_id" value="{course.id}" checked' in receipt

    missing = post(client, f"/orders/{order.id}/refund", {"course_id": course.id, "reason": ""})
    assert missing.status_code == 422
    assert "why you want a refund" in field_error(missing.text, "field-reason")
    assert db.scalar(select(Refund.id)) is None

    asked = post(
        client,
        f"/orders/{order.id}/refund",
        {"course_id": course.id, "reason": "The course covers less than I expected."},
    )
    assert asked.status_code == 303
    after = client.get(asked.headers["location"]).text
    assert "Your refund request was sent" in after
    assert "Refund in progress" in after
    assert "Ask for a refund" not in after, "the course is already in a refund"
    refund = db.scalar(select(Refund))
    assert refund is not None
    assert refund.amount == 4999


def test_no_refund_form_after_the_window(
    client: TestClient, db: Session, runtime: Runtime, course: Course
) -> None:
    student = signed_in_as(client, db)
    long_ago = utcnow() - timedelta(days=45)
    order = make_paid_order(db, runtime, student, [course], created_at=long_ago)
    db.execute(update(Order).where(Order.id == order.id).values(paid_at=long_ago))
    db.commit()
    assert "Ask for a refund" not in client.get(f"/orders/{order.id}").text
    late = post(
        client, f"/orders/{order.id}/refund", {"course_id": course.id, "reason": "Too late now."}
    )
    assert late.status_code == 409
    assert "The refund was not requested" in late.text


# ------------------------------------------------------------ studio coupons


def test_studio_coupons_create_list_and_deactivate(
    client: TestClient, db: Session, instructor: User, course: Course
) -> None:
    web_login(client, instructor.email)
    page = client.get(f"/studio/courses/{course.id}/coupons")
    assert page.status_code == 200
    assert 'aria-current="page">Coupons</a>' in page.text
    assert "No coupons yet" in page.text

    created = post(
        client,
        f"/studio/courses/{course.id}/coupons",
        {"code": "launch25", "kind": "percent", "value": "25", "max_redemptions": "100"},
    )
    assert created.status_code == 303
    listed = client.get(created.headers["location"]).text
    assert "LAUNCH25" in listed
    assert "25% off" in listed
    assert "0 / 100" in listed

    taken = post(
        client,
        f"/studio/courses/{course.id}/coupons",
        {"code": "LAUNCH25", "kind": "amount", "value": "5"},
    )
    assert taken.status_code == 409
    assert field_error(taken.text, "field-code")

    bad = post(
        client,
        f"/studio/courses/{course.id}/coupons",
        {"code": "HALF", "kind": "percent", "value": "150", "expires_on": "someday"},
    )
    assert bad.status_code == 422
    assert "1 to 100" in field_error(bad.text, "field-value")
    assert "2030-12-31" in field_error(bad.text, "field-expires-on")

    amount = post(
        client,
        f"/studio/courses/{course.id}/coupons",
        {"code": "FIVEOFF", "kind": "amount", "value": "5", "expires_on": "2031-01-31"},
    )
    assert amount.status_code == 303
    five = db.scalar(select(Coupon).where(Coupon.code == "FIVEOFF"))
    assert five is not None
    assert five.amount_off == 500
    assert five.currency == "USD"

    coupon = db.scalar(select(Coupon).where(Coupon.code == "LAUNCH25"))
    assert coupon is not None
    off = post(
        client,
        f"/coupons/{coupon.id}/active",
        {"active": "0", "next": f"/studio/courses/{course.id}/coupons"},
    )
    assert off.headers["location"] == f"/studio/courses/{course.id}/coupons"
    db.refresh(coupon)
    assert coupon.active is False
    assert "The coupon was deactivated" in client.get(off.headers["location"]).text


def test_studio_coupons_belong_to_the_course_owner(
    client: TestClient, db: Session, instructor: User
) -> None:
    draft = make_course(db, instructor, status="draft")
    coupon = make_coupon(db, draft, code="MINEONLY")
    signed_in_as(client, db, role="instructor")
    assert client.get(f"/studio/courses/{draft.id}/coupons").status_code == 404
    refused = post(client, f"/coupons/{coupon.id}/active", {"active": "0"})
    assert refused.status_code == 404
    db.refresh(coupon)
    assert coupon.active is True

    client.cookies.clear()
    signed_in_as(client, db, role="student")
    assert client.get(f"/studio/courses/{draft.id}/coupons").status_code == 403


# ----------------------------------------------------------------- earnings


def test_instructor_earnings_and_payouts(
    client: TestClient, db: Session, runtime: Runtime, instructor: User, course: Course
) -> None:
    make_paid_order(db, runtime, make_user(db), [course])
    web_login(client, instructor.email)
    page = client.get("/instructor/earnings")
    assert page.status_code == 200
    assert "$34.99" in page.text, "70% of $49.99, rounded down"
    assert "Analytical Engines" in page.text
    assert 'class="bar-chart__bar bar-h-100"' in page.text
    assert page.text.count('class="bar-chart__col"') == 28
    assert client.get("/instructor/earnings?period=12m").text.count('class="bar-chart__col"') == 12
    payouts = client.get("/instructor/payouts")
    assert payouts.status_code == 200
    assert "No payouts yet" in payouts.text

    client.cookies.clear()
    signed_in_as(client, db)
    assert client.get("/instructor/earnings").status_code == 403


# -------------------------------------------------------------------- admin


def test_admin_pages_are_for_admins_only(
    client: TestClient, db: Session, runtime: Runtime, course: Course
) -> None:
    student = signed_in_as(client, db)
    order = make_paid_order(db, runtime, student, [course])
    for url in ("/admin/orders", f"/admin/orders/{order.id}", "/admin/payouts", "/admin/coupons"):
        assert client.get(url).status_code == 403, url
    refund = post(client, f"/admin/orders/{order.id}/refund", {"reason": "Goodwill gesture"})
    assert refund.status_code == 403
    assert post(client, "/admin/payouts", {}).status_code == 403
    assert db.scalar(select(Refund.id)) is None


def test_admin_orders_filter_and_refund(
    client: TestClient, db: Session, runtime: Runtime, run_jobs: RunJobs, course: Course
) -> None:
    buyer = make_user(db, email="buyer@example.com", name="Bea Buyer")
    paid = make_paid_order(db, runtime, buyer, [course])
    make_order(db, buyer, [course], status="failed")
    signed_in_as(client, db, role="admin")

    everything = client.get("/admin/orders").text
    assert "buyer@example.com" in everything
    assert everything.count('href="/admin/orders/') == 2
    only_paid = client.get("/admin/orders?status=paid").text
    assert only_paid.count('href="/admin/orders/') == 1
    assert 'value="paid" selected' in only_paid

    page = client.get(f"/admin/orders/{paid.id}").text
    assert "Bea Buyer" in page
    assert "History" in page
    assert "webhook:sandbox" in page
    assert 'action="/admin/orders/' in page

    bad = post(
        client,
        f"/admin/orders/{paid.id}/refund",
        {"mode": "amount", "amount": "ten", "reason": "Goodwill for a broken video"},
    )
    assert bad.status_code == 422
    assert field_error(bad.text, "field-amount")

    done = post(
        client,
        f"/admin/orders/{paid.id}/refund",
        {"mode": "amount", "amount": "10", "reason": "Goodwill for a broken video"},
    )
    assert done.status_code == 303
    run_jobs()
    after = client.get(done.headers["location"]).text
    assert "The refund was started" in after
    assert "-$10.00" in after
    db.refresh(paid)
    assert paid.refunded_amount == 1000
    assert paid.status == "partially_refunded"
    assert "We refunded 10.00 USD" in mails_to(runtime, buyer.email)[-1]


def test_admin_payouts_create_and_mark_paid(
    client: TestClient,
    db: Session,
    runtime: Runtime,
    run_jobs: RunJobs,
    instructor: User,
    course: Course,
) -> None:
    make_paid_order(db, runtime, make_user(db), [course])
    db.execute(update(Earning).values(available_at=utcnow() - timedelta(days=1)))
    db.commit()
    signed_in_as(client, db, role="admin")
    assert "No payouts" in client.get("/admin/payouts").text

    created = post(client, "/admin/payouts", {"note": "November transfers"})
    assert created.status_code == 303
    listed = client.get(created.headers["location"]).text
    assert "Ada Lovelace" in listed
    assert "$34.99" in listed
    payout = db.scalar(select(Payout))
    assert payout is not None
    assert payout.status == "pending"

    nothing = post(client, "/admin/payouts", {})
    assert nothing.status_code == 409
    assert "No payouts were created" in nothing.text

    blank = post(client, f"/admin/payouts/{payout.id}/mark-paid", {"reference": " "})
    assert blank.status_code == 422
    assert "reference" in field_error(blank.text, f"reference-{payout.id}")

    marked = post(
        client, f"/admin/payouts/{payout.id}/mark-paid", {"reference": "SEPA-2025-11-0042"}
    )
    assert marked.status_code == 303
    db.refresh(payout)
    assert payout.status == "paid"
    assert payout.reference == "SEPA-2025-11-0042"
    run_jobs()
    assert "SEPA-2025-11-0042" in mails_to(runtime, instructor.email)[-1]
    assert "SEPA-2025-11-0042" in client.get("/admin/payouts").text


def test_admin_site_coupons(client: TestClient, db: Session) -> None:
    signed_in_as(client, db, role="admin")
    page = client.get("/admin/coupons")
    assert page.status_code == 200
    assert "No site-wide coupons yet" in page.text

    created = post(
        client,
        "/admin/coupons",
        {"code": "WELCOME5", "kind": "amount", "value": "5", "currency": "EUR"},
    )
    assert created.status_code == 303
    listed = client.get("/admin/coupons").text
    assert "WELCOME5" in listed
    assert "€5.00 off" in listed
    coupon = db.scalar(select(Coupon).where(Coupon.code == "WELCOME5"))
    assert coupon is not None
    assert coupon.course_id is None
    assert coupon.currency == "EUR"

    post(client, f"/coupons/{coupon.id}/active", {"active": "0", "next": "/admin/coupons"})
    db.refresh(coupon)
    assert coupon.active is False


# ------------------------------------------------------- provider pages, CSP


@pytest.fixture
def razorpay_on(runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    keys = {
        "razorpay_key_id": "rzp_test_1DP5mmOlF5G5ag",
        "razorpay_key_secret": "thisisasecretkeyfortests",
        "razorpay_webhook_secret": "webhooksecretfortests",
    }
    monkeypatch.setattr(runtime, "settings", runtime.settings.model_copy(update=keys))


def test_razorpay_page_allows_razorpay_only_there(
    client: TestClient, db: Session, course: Course, razorpay_on: None
) -> None:
    student = signed_in_as(client, db)
    order = make_order(
        db, student, [course], provider="razorpay", provider_ref="order_EKwxwAgItmmXdp"
    )
    page = client.get(f"/pay/razorpay/{order.id}")
    assert page.status_code == 200
    csp = page.headers["content-security-policy"]
    assert "script-src 'self' https://checkout.razorpay.com" in csp
    assert "frame-src 'self' https://api.razorpay.com" in csp
    assert '"order_id": "order_EKwxwAgItmmXdp"' in page.text
    assert '"key": "rzp_test_1DP5mmOlF5G5ag"' in page.text
    assert "thisisasecretkeyfortests" not in page.text
    assert 'action="/payments/razorpay/verify"' in page.text

    elsewhere = client.get("/cart").headers["content-security-policy"]
    assert "razorpay" not in elsewhere

    forged = post(
        client,
        "/payments/razorpay/verify",
        {
            "order_id": order.id,
            "razorpay_order_id": "order_EKwxwAgItmmXdp",
            "razorpay_payment_id": "pay_29QQoUBi66xm2f",
            "razorpay_signature": "0" * 64,
        },
    )
    assert forged.status_code == 303
    assert "We could not confirm that payment" in client.get(forged.headers["location"]).text
    db.refresh(order)
    assert order.status == "pending"


def test_paypal_return_to_the_order_page_goes_to_capture(
    client: TestClient, db: Session, course: Course
) -> None:
    student = signed_in_as(client, db)
    order = make_order(db, student, [course], provider="paypal", provider_ref="5O190127TN364715T")
    back = client.get(
        f"/orders/{order.id}?return=1&token=5O190127TN364715T&PayerID=QYR5Z8XDVJNXQ",
        follow_redirects=False,
    )
    assert back.status_code == 303
    assert back.headers["location"] == (
        f"/checkout/paypal/return?order_id={order.id}&token=5O190127TN364715T"
    )
    stranger = make_user(db)
    client.cookies.clear()
    web_login(client, stranger.email)
    assert client.get("/checkout/paypal/return?token=5O190127TN364715T").status_code == 404
