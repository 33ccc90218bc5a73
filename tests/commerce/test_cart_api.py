"""The cart: adding, removing, what it refuses, and the quote of what it holds."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from syllabus.commerce import cart
from syllabus.commerce.models import CartItem
from syllabus.kit.db import utcnow
from tests.catalog.factories import make_course, make_enrollment, signed_in
from tests.commerce.factories import API, quote_via_api
from tests.factories import make_user


def items_of(db: Session, user_id: str) -> list[str]:
    db.expire_all()
    return cart.cart_course_ids(db, user_id)


def test_add_view_and_remove(client: TestClient, db: Session) -> None:
    teacher = make_user(db, role="instructor", name="Ada Lovelace")
    python = make_course(db, teacher, title="Python from zero", price=1999)
    sql = make_course(db, teacher, title="SQL in practice", price=2999)
    buyer, headers = signed_in(client, db, "student")

    assert client.put(f"{API}/cart/items/{python.slug}", headers=headers).status_code == 204
    assert client.put(f"{API}/cart/items/{sql.id}", headers=headers).status_code == 204
    again = client.put(f"{API}/cart/items/{python.id}", headers=headers)
    assert again.status_code == 204, "adding twice is fine"
    assert items_of(db, buyer.id) == [python.id, sql.id], "oldest first, once each"

    response = client.get(f"{API}/cart", headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert [line["course_id"] for line in body["lines"]] == [python.id, sql.id]
    first = body["lines"][0]
    assert first["title"] == "Python from zero"
    assert first["slug"] == python.slug
    assert first["instructor_name"] == "Ada Lovelace"
    assert first["price"] == {"amount": 1999, "currency": "USD"}
    assert first["discount"] == {"amount": 0, "currency": "USD"}
    assert first["total"] == {"amount": 1999, "currency": "USD"}
    assert first["coupon_applied"] is False
    assert body["totals"] == [{"currency": "USD", "subtotal": 4998, "discount": 0, "total": 4998}]
    assert body["coupon"] is None
    assert body["providers"] == ["sandbox"]

    assert client.delete(f"{API}/cart/items/{python.slug}", headers=headers).status_code == 204
    assert client.delete(f"{API}/cart/items/{python.id}", headers=headers).status_code == 204
    assert client.delete(f"{API}/cart/items/no-such-course", headers=headers).status_code == 204
    assert items_of(db, buyer.id) == [sql.id]
    left = client.get(f"{API}/cart", headers=headers).json()
    assert [line["course_id"] for line in left["lines"]] == [sql.id]
    assert left["totals"][0]["total"] == 2999


def test_empty_cart_and_sign_in_required(client: TestClient, db: Session) -> None:
    teacher = make_user(db, role="instructor")
    course = make_course(db, teacher)
    _, headers = signed_in(client, db, "student")
    empty = client.get(f"{API}/cart", headers=headers)
    assert empty.status_code == 200
    assert empty.json() == {"lines": [], "totals": [], "coupon": None, "providers": []}
    assert client.get(f"{API}/cart").status_code == 401
    assert client.put(f"{API}/cart/items/{course.id}").status_code == 401
    assert client.delete(f"{API}/cart/items/{course.id}").status_code == 401
    assert client.post(f"{API}/cart/quote", json={"course_ids": [course.id]}).status_code == 401


def test_carts_are_per_user(client: TestClient, db: Session) -> None:
    teacher = make_user(db, role="instructor")
    course = make_course(db, teacher)
    first, first_headers = signed_in(client, db, "student")
    second, second_headers = signed_in(client, db, "student")
    assert client.put(f"{API}/cart/items/{course.id}", headers=first_headers).status_code == 204
    assert client.get(f"{API}/cart", headers=second_headers).json()["lines"] == []
    assert client.delete(f"{API}/cart/items/{course.id}", headers=second_headers).status_code == 204
    assert items_of(db, first.id) == [course.id], "someone else's removal leaves my cart alone"
    assert items_of(db, second.id) == []


def test_what_cannot_go_in_the_cart(client: TestClient, db: Session) -> None:
    teacher, teacher_headers = signed_in(client, db, "instructor")
    published = make_course(db, teacher)
    draft = make_course(db, teacher, status="draft")
    unpublished = make_course(db, teacher, status="unpublished")
    owned = make_course(db, teacher)
    student, headers = signed_in(client, db, "student")
    make_enrollment(db, student, owned, source="purchase")

    for key in ("no-such-course", draft.id, unpublished.slug):
        response = client.put(f"{API}/cart/items/{key}", headers=headers)
        assert response.status_code == 404, key
        assert response.json()["code"] == "course_not_found"
    own = client.put(f"{API}/cart/items/{published.id}", headers=teacher_headers)
    assert (own.status_code, own.json()["code"]) == (409, "course_not_purchasable")
    enrolled = client.put(f"{API}/cart/items/{owned.slug}", headers=headers)
    assert (enrolled.status_code, enrolled.json()["code"]) == (409, "already_enrolled")
    assert enrolled.headers["content-type"].startswith("application/problem+json")
    # The owner of a draft does not see it as for sale either.
    mine = client.put(f"{API}/cart/items/{draft.id}", headers=teacher_headers)
    assert (mine.status_code, mine.json()["code"]) == (404, "course_not_found")
    assert items_of(db, student.id) == []
    assert items_of(db, teacher.id) == []


def test_a_revoked_enrollment_can_be_bought_again(client: TestClient, db: Session) -> None:
    teacher = make_user(db, role="instructor")
    course = make_course(db, teacher)
    student, headers = signed_in(client, db, "student")
    make_enrollment(db, student, course, source="purchase", status="revoked")
    assert client.put(f"{API}/cart/items/{course.id}", headers=headers).status_code == 204
    assert items_of(db, student.id) == [course.id]


def test_stale_items_are_left_out_of_the_cart_quote(client: TestClient, db: Session) -> None:
    teacher = make_user(db, role="instructor")
    keep, withdrawn, bought = (make_course(db, teacher) for _ in range(3))
    student, headers = signed_in(client, db, "student")
    for course in (keep, withdrawn, bought):
        assert client.put(f"{API}/cart/items/{course.id}", headers=headers).status_code == 204
    withdrawn.status = "unpublished"
    db.commit()
    make_enrollment(db, student, bought, source="admin")

    body = client.get(f"{API}/cart", headers=headers).json()
    assert [line["course_id"] for line in body["lines"]] == [keep.id]
    assert body["totals"] == [{"currency": "USD", "subtotal": 1999, "discount": 0, "total": 1999}]
    quote = quote_via_api(client, headers, [keep.id, withdrawn.id])
    assert (quote.status_code, quote.json()["code"]) == (404, "course_not_found")


def test_the_cart_holds_at_most_fifty_courses(client: TestClient, db: Session) -> None:
    teacher = make_user(db, role="instructor")
    courses = [make_course(db, teacher, lessons=0) for _ in range(cart.MAX_ITEMS + 1)]
    student, headers = signed_in(client, db, "student")
    start = utcnow() - timedelta(hours=1)
    for i, course in enumerate(courses[: cart.MAX_ITEMS]):
        db.add(
            CartItem(user_id=student.id, course_id=course.id, added_at=start + timedelta(seconds=i))
        )
    db.commit()
    full = client.put(f"{API}/cart/items/{courses[-1].id}", headers=headers)
    assert (full.status_code, full.json()["code"]) == (409, "cart_full")
    held = client.put(f"{API}/cart/items/{courses[0].id}", headers=headers)
    assert held.status_code == 204, "re-adding one already there is still fine"
    count = db.scalar(select(func.count()).where(CartItem.user_id == student.id))
    assert count == cart.MAX_ITEMS


def test_clearing_bought_courses(client: TestClient, db: Session) -> None:
    teacher = make_user(db, role="instructor")
    first, second, third = (make_course(db, teacher) for _ in range(3))
    student, headers = signed_in(client, db, "student")
    for course in (first, second, third):
        assert client.put(f"{API}/cart/items/{course.id}", headers=headers).status_code == 204
    cart.clear_courses(db, student.id, [first.id, third.id])
    cart.clear_courses(db, student.id, [])
    db.commit()
    assert items_of(db, student.id) == [second.id]
    assert cart.cart_count(db, student.id) == 1


def test_quote_of_a_mixed_currency_cart(client: TestClient, db: Session) -> None:
    teacher = make_user(db, role="instructor")
    dollars = make_course(db, teacher, price=1999, currency="USD")
    more_dollars = make_course(db, teacher, price=500, currency="USD")
    rupees = make_course(db, teacher, price=49900, currency="INR")
    free = make_course(db, teacher, price=0)
    _, headers = signed_in(client, db, "student")
    response = quote_via_api(client, headers, [rupees.id, dollars.slug, free.id, more_dollars.id])
    assert response.status_code == 200, response.text
    body = response.json()
    assert [line["course_id"] for line in body["lines"]] == [
        rupees.id,
        dollars.id,
        free.id,
        more_dollars.id,
    ]
    assert body["totals"] == [
        {"currency": "INR", "subtotal": 49900, "discount": 0, "total": 49900},
        {"currency": "USD", "subtotal": 2499, "discount": 0, "total": 2499},
    ]
    assert body["providers"] == ["sandbox"]


def test_quote_of_free_courses_needs_no_provider(client: TestClient, db: Session) -> None:
    teacher = make_user(db, role="instructor")
    free = make_course(db, teacher, price=0)
    _, headers = signed_in(client, db, "student")
    body = quote_via_api(client, headers, [free.id]).json()
    assert body["totals"] == [{"currency": "USD", "subtotal": 0, "discount": 0, "total": 0}]
    assert body["providers"] == []


def test_quote_input_is_checked(client: TestClient, db: Session) -> None:
    teacher = make_user(db, role="instructor")
    course = make_course(db, teacher)
    _, headers = signed_in(client, db, "student")
    for payload in (
        {"course_ids": []},
        {"course_ids": [course.id, course.id]},
        {"course_ids": [course.id], "coupon": "no spaces allowed"},
        {"course_ids": [course.id], "gift": True},
    ):
        response = client.post(f"{API}/cart/quote", json=payload, headers=headers)
        assert response.status_code == 422, payload
