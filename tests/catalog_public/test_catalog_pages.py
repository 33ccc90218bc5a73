"""Catalog pages: home, catalog, category pages and the course landing page (SEO, privacy, XSS)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from syllabus.accounts.models import User
from syllabus.kit.runtime import Runtime
from syllabus.web.routes.catalog import clock, json_ld, money, total_duration
from tests.catalog_public.seed import (
    SECRET_BODY,
    SECRET_MEDIA,
    count_statements,
    enroll,
    seed_course,
    web_login,
)
from tests.factories import make_user

XSS = "<script>alert(1)</script>"
_LD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


def _meta(html: str, attr: str, name: str) -> str | None:
    match = re.search(rf'<meta {attr}="{re.escape(name)}" content="([^"]*)">', html)
    return match.group(1) if match else None


def _json_ld(html: str) -> dict[str, Any]:
    blocks = _LD.findall(html)
    assert len(blocks) == 1, "one JSON-LD block"
    data: dict[str, Any] = json.loads(blocks[0])
    return data


# ---------------------------------------------------------------- landing page


def test_landing_page_has_seo_metadata_and_course_json_ld(
    client: TestClient, db: Session, runtime: Runtime, instructor: User
) -> None:
    course = seed_course(
        db,
        instructor,
        title="Django for busy people",
        price=1999,
        list_price=4999,
        rating=(4.6, 120),
        category="web-development",
    )
    response = client.get(f"/courses/{course.slug}")
    assert response.status_code == 200
    html = response.text
    base = runtime.settings.base_url.rstrip("/")
    canonical = f"{base}/courses/{course.slug}"

    assert "<title>Django for busy people · Syllabus</title>" in html
    assert _meta(html, "name", "description") == f"Subtitle of course {course.slug.split('-')[1]}"
    assert f'<link rel="canonical" href="{canonical}">' in html
    assert _meta(html, "property", "og:title") == "Django for busy people"
    assert _meta(html, "property", "og:type") == "website"
    assert _meta(html, "property", "og:url") == canonical
    assert _meta(html, "property", "og:description")
    assert _meta(html, "property", "og:image") is None  # no thumbnail
    assert 'name="robots"' not in html

    data = _json_ld(html)
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "Course"
    assert data["name"] == "Django for busy people"
    assert data["description"]
    assert data["provider"] == {"@type": "Organization", "name": "Syllabus"}
    assert data["offers"]["price"] == "19.99"
    assert data["offers"]["priceCurrency"] == "USD"
    assert data["offers"]["category"] == "Paid"
    assert data["aggregateRating"]["ratingValue"] == 4.6
    assert data["aggregateRating"]["ratingCount"] == 120
    assert data["hasCourseInstance"][0]["courseMode"] == "online"

    # Hero, price card, outline.
    assert "Ada Lovelace" in html
    assert "$19.99" in html
    assert "$49.99" in html
    assert "60% off" in html
    assert "What you&#39;ll learn" in html or "What you'll learn" in html
    assert html.count('<details class="outline__section"') == 2
    assert "Preview" in html
    assert "Web Development" in html


def test_free_course_json_ld_and_price(client: TestClient, db: Session, instructor: User) -> None:
    course = seed_course(db, instructor, price=0)
    html = client.get(f"/courses/{course.slug}").text
    data = _json_ld(html)
    assert data["offers"]["price"] == "0"
    assert data["offers"]["category"] == "Free"
    assert "aggregateRating" not in data  # no ratings yet
    assert '<span class="price price--free">Free</span>' in html


@pytest.mark.parametrize("viewer", ["anonymous", "student"])
def test_landing_page_shows_no_private_lesson_content(
    client: TestClient, db: Session, instructor: User, viewer: str
) -> None:
    course = seed_course(db, instructor, sections=3, lessons=4)
    if viewer == "student":
        web_login(client, make_user(db))
    html = client.get(f"/courses/{course.slug}").text
    assert "Lesson 12" in html  # the outline is there...
    assert SECRET_BODY not in html  # ...but not what is inside the lessons
    assert SECRET_MEDIA not in html


def test_a_title_with_markup_is_escaped_everywhere(
    client: TestClient, db: Session, instructor: User
) -> None:
    course = seed_course(db, instructor, title=XSS, subtitle=XSS)
    pages = {
        "landing": client.get(f"/courses/{course.slug}").text,
        "catalog": client.get("/courses").text,
        "home": client.get("/").text,
    }
    for name, html in pages.items():
        assert XSS not in html, name
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, name
    landing = pages["landing"]
    # The JSON-LD holds the title as data and nothing can close its <script> early.
    block = _LD.search(landing)
    assert block is not None
    assert "</" not in block.group(1)
    assert "<" not in block.group(1)
    assert json.loads(block.group(1))["name"] == XSS


def test_json_ld_serializer_cannot_be_broken_out_of() -> None:
    text = str(json_ld({"a": "</script><script>x()</script>", "b": "<!-- & -->", "c": "\u2028"}))
    assert "<" not in text
    assert ">" not in text
    assert "&" not in text
    assert json.loads(text) == {
        "a": "</script><script>x()</script>",
        "b": "<!-- & -->",
        "c": "\u2028",
    }


def test_the_buy_button_fits_the_visitor(client: TestClient, db: Session, instructor: User) -> None:
    paid = seed_course(db, instructor, price=2999)
    free = seed_course(db, instructor, price=0)

    anonymous = client.get(f"/courses/{paid.slug}").text
    assert f'href="/login?next=%2Fcourses%2F{paid.slug}">Buy now</a>' in anonymous
    assert ">Enroll now</a>" in client.get(f"/courses/{free.slug}").text

    student = make_user(db)
    enroll(db, student, free)
    web_login(client, student)
    enrolled = client.get(f"/courses/{free.slug}").text
    assert f'href="/learn/{free.slug}">Go to course</a>' in enrolled
    not_enrolled = client.get(f"/courses/{paid.slug}").text
    assert 'action="/cart/add" method="post"' in not_enrolled
    assert f'name="course_id" value="{paid.id}"' in not_enrolled
    assert 'name="csrf_token"' in not_enrolled

    other = make_user(db)
    client.cookies.clear()
    web_login(client, other)
    assert f'action="/courses/{free.slug}/enroll" method="post"' in (
        client.get(f"/courses/{free.slug}").text
    )

    client.cookies.clear()
    web_login(client, instructor)
    owner = client.get(f"/courses/{paid.slug}").text
    assert f'href="/studio/courses/{paid.id}">Edit course</a>' in owner


def test_a_draft_landing_page_is_for_its_owner_only(
    client: TestClient, db: Session, instructor: User
) -> None:
    draft = seed_course(db, instructor, status="draft")
    assert client.get(f"/courses/{draft.slug}").status_code == 404
    web_login(client, make_user(db))
    assert client.get(f"/courses/{draft.slug}").status_code == 404
    client.cookies.clear()
    web_login(client, instructor)
    response = client.get(f"/courses/{draft.slug}")
    assert response.status_code == 200
    assert '<meta name="robots" content="noindex, nofollow">' in response.text
    assert "application/ld+json" not in response.text
    assert "This course is not in the catalog" in response.text


def test_the_landing_page_by_id_redirects_to_the_slug(
    client: TestClient, db: Session, instructor: User
) -> None:
    course = seed_course(db, instructor)
    response = client.get(f"/courses/{course.id}", follow_redirects=False)
    assert response.status_code == 301
    assert response.headers["location"] == f"/courses/{course.slug}"


def test_a_warm_landing_page_runs_no_sql_for_anonymous_visitors(
    client: TestClient, db: Session, runtime: Runtime, instructor: User
) -> None:
    course = seed_course(db, instructor, sections=5, lessons=10)
    client.get(f"/courses/{course.slug}")
    with count_statements(runtime.db.engine) as warm:
        assert client.get(f"/courses/{course.slug}").status_code == 200
    assert warm.count == 0, warm.statements


# ------------------------------------------------------------ list pages


def test_catalog_page_lists_filters_and_paginates(
    client: TestClient, db: Session, instructor: User
) -> None:
    for n in range(26):
        seed_course(db, instructor, title=f"Beginner course {n:02d}", sections=1, lessons=1)
    seed_course(db, instructor, title="The expert course", level="expert", sections=1, lessons=1)

    page_one = client.get("/courses").text
    assert "27 courses" in page_one
    assert page_one.count('class="card course-card"') == 24
    assert 'href="/courses?page=2"' in page_one
    assert '<form id="catalog" class="catalog" action="/courses" method="get"' in page_one

    page_two = client.get("/courses?page=2").text
    assert page_two.count('class="card course-card"') == 3

    # The form as a browser without JavaScript sends it: empty fields included.
    expert = client.get("/courses?category=&level=expert&price=&rating_min=&sort=popular").text
    assert "1 course<" in expert
    assert "The expert course" in expert
    assert "Beginner course" not in expert
    assert 'value="expert" checked' in expert

    free = client.get("/courses?price=free&level=bogus&sort=nope").text
    assert "0 courses" in free
    assert "No courses match" in free


def test_htmx_filter_requests_get_a_tidy_address(client: TestClient) -> None:
    response = client.get(
        "/courses?category=&level=beginner&price=&sort=popular", headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert response.headers["HX-Push-Url"] == "/courses?level=beginner"


def test_category_page_has_breadcrumb_chips_and_its_courses(
    client: TestClient, db: Session, instructor: User
) -> None:
    seed_course(db, instructor, title="Flask in a week", category="web-development")
    seed_course(db, instructor, title="Pandas deep dive", category="data-science")
    seed_course(db, instructor, title="Ledger basics", category="accounting")

    top = client.get("/categories/development")
    assert top.status_code == 200
    assert '<h1 class="catalog-header__title">Development courses</h1>' in top.text
    assert "Flask in a week" in top.text
    assert "Pandas deep dive" in top.text
    assert "Ledger basics" not in top.text
    assert 'href="/categories/web-development"' in top.text  # a subcategory chip

    child = client.get("/categories/web-development").text
    assert "Flask in a week" in child
    assert "Pandas deep dive" not in child
    assert 'href="/categories/development">Development</a>' in child  # breadcrumb
    assert 'aria-current="page">Web Development</a>' in child  # the current chip

    assert client.get("/categories/no-such-thing").status_code == 404


def test_home_page_shows_course_rows_and_categories(
    client: TestClient, db: Session, instructor: User
) -> None:
    seed_course(db, instructor, title="Featured one", featured=True)
    seed_course(db, instructor, title="Another one", rating=(4.9, 40))
    html = client.get("/").text
    assert "Featured courses" in html
    assert "Featured one" in html
    assert "Another one" in html
    assert "Browse by category" in html
    assert 'href="/categories/development"' in html
    assert "No courses yet" not in html


def test_home_page_without_courses_invites_instructors(client: TestClient) -> None:
    html = client.get("/").text
    assert "No courses yet" in html


# ------------------------------------------------------------------ filters


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        (1999, "USD", "$19.99"),
        (900, "EUR", "€9.00"),
        (49900, "INR", "₹499"),
        (49950, "INR", "₹499.50"),
        (2500, "JPY", "¥2,500"),
        (129900, "GBP", "£1,299.00"),
        (0, "USD", "Free"),
    ],
)
def test_money(amount: int, currency: str, expected: str) -> None:
    assert money(amount, currency) == expected
    assert money({"amount": amount, "currency": currency}) == expected


def test_durations() -> None:
    assert clock(75) == "1:15"
    assert clock(3725) == "1:02:05"
    assert total_duration(12300) == "3h 25m"
    assert total_duration(2700) == "45m"
    assert total_duration(7200) == "2h"
