"""Reviews on the course page: sorting and pages, the "Helpful" button, the owner's reply form."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from syllabus.accounts.models import User
from syllabus.catalog.models import Course
from syllabus.community.models import Review, ReviewVote
from syllabus.community.reviews import refresh_rating
from syllabus.kit.db import utcnow
from syllabus.kit.runtime import Runtime, get_runtime
from syllabus.notifications.models import Notification
from tests.catalog.factories import make_course, make_enrollment
from tests.catalog_public.seed import count_statements
from tests.community.test_reviews_api import XSS
from tests.factories import make_user
from tests.web.test_account_pages import csrf_of, web_login

ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
HTMX = {"HX-Request": "true"}


def seed_reviews(db: Session, course: Course, count: int) -> list[Review]:
    """`count` reviews, review 0 the oldest; ratings cycle 1..5, helpful counts vary."""
    now = utcnow()
    made = []
    for n in range(count):
        student = make_user(db, name=f"Student {n}")
        make_enrollment(db, student, course)
        review = Review(
            course_id=course.id,
            user_id=student.id,
            rating=n % 5 + 1,
            body=f"review {n}",
            helpful_count=(n * 7) % 11,
            created_at=now - timedelta(hours=count - n),
        )
        db.add(review)
        made.append(review)
    db.flush()
    refresh_rating(db, get_runtime(), course.id)  # as the review service keeps it
    db.commit()
    return made


def bodies(html: str) -> list[str]:
    return re.findall(r'<p class="review__body">(review \d+)</p>', html)


def sign_in(client: TestClient, user: User) -> None:
    client.cookies.clear()
    web_login(client, user.email)


# ------------------------------------------------------------ sort and pages


def test_the_reviews_page_sorts_and_pages(client: TestClient, db: Session) -> None:
    owner = make_user(db, role="instructor")
    course = make_course(db, owner)
    made = seed_reviews(db, course, 12)
    base = f"/courses/{course.slug}/reviews"

    landing = client.get(f"/courses/{course.slug}").text
    assert bodies(landing) == [f"review {n}" for n in range(11, 1, -1)]  # newest 10
    for sort in ("newest", "highest", "lowest", "helpful"):
        assert f'href="{base}?sort={sort}"' in landing
    assert f'href="{base}?sort=newest&amp;page=2"' in landing

    second = client.get(base, params={"sort": "newest", "page": 2})
    assert second.status_code == 200
    assert "<html" in second.text  # a whole page for a plain link
    assert bodies(second.text) == ["review 1", "review 0"]

    def order(sort: str) -> list[str]:
        ranked = sorted(
            made,
            key={
                "highest": lambda r: (-r.rating, -r.created_at.timestamp()),
                "lowest": lambda r: (r.rating, -r.created_at.timestamp()),
                "helpful": lambda r: (-r.helpful_count, -r.created_at.timestamp()),
            }[sort],
        )
        return [review.body for review in ranked]

    for sort in ("highest", "lowest", "helpful"):
        first = bodies(client.get(base, params={"sort": sort}).text)
        rest = bodies(client.get(base, params={"sort": sort, "page": 2}).text)
        assert first + rest == order(sort), sort

    fragment = client.get(base, params={"sort": "helpful", "page": 2}, headers=HTMX)
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    assert fragment.text.lstrip().startswith('<div class="reviews-list" id="reviews-list"')
    assert bodies(fragment.text) == order("helpful")[10:]

    assert client.get(base, params={"sort": "random"}).status_code == 422
    assert client.get(base, params={"page": 0}).status_code == 422
    beyond = client.get(base, params={"page": 9})
    assert beyond.status_code == 200
    assert "No more reviews." in beyond.text
    by_id = client.get(f"/courses/{course.id}/reviews", follow_redirects=False)
    assert by_id.status_code == 301
    assert by_id.headers["location"] == f"{base}?sort=newest&page=1"
    draft = make_course(db, owner, status="draft")
    assert client.get(f"/courses/{draft.slug}/reviews").status_code == 404


def test_a_warm_course_page_with_reviews_runs_no_sql_for_visitors(
    client: TestClient, db: Session, runtime: Runtime
) -> None:
    owner = make_user(db, role="instructor")
    course = make_course(db, owner)
    seed_reviews(db, course, 12)
    for url in (f"/courses/{course.slug}", f"/courses/{course.slug}/reviews?sort=helpful&page=2"):
        client.get(url)
        with count_statements(runtime.db.engine) as warm:
            assert client.get(url).status_code == 200
        assert warm.count == 0, warm.statements


def test_a_signed_in_course_page_does_not_query_per_review(
    client: TestClient, db: Session, runtime: Runtime
) -> None:
    owner = make_user(db, role="instructor")
    course = make_course(db, owner)
    reader = make_user(db)
    sign_in(client, reader)
    url = f"/courses/{course.slug}"

    def statements() -> int:
        client.get(url)
        with count_statements(runtime.db.engine) as counter:
            assert client.get(url).status_code == 200
        return counter.count

    seed_reviews(db, course, 2)
    few = statements()
    seed_reviews(db, course, 10)
    many = statements()
    assert few == many, f"{few} statements for 2 reviews, {many} for 12"


# ---------------------------------------------------------------- helpful


def test_the_helpful_button_works_with_and_without_htmx(client: TestClient, db: Session) -> None:
    owner = make_user(db, role="instructor")
    course = make_course(db, owner)
    (review,) = seed_reviews(db, course, 1)
    review.helpful_count = 0
    db.commit()
    url = f"/courses/{course.slug}"

    anonymous = client.get(url).text
    assert f'action="/reviews/{review.id}/helpful"' not in anonymous
    assert "Log in to vote" in anonymous

    reader = make_user(db)
    sign_in(client, reader)
    page = client.get(url)
    assert f'action="/reviews/{review.id}/helpful"' in page.text
    assert 'aria-pressed="false"' in page.text
    token = csrf_of(page)
    assert client.post(f"/reviews/{review.id}/helpful", data={"helpful": "1"}).status_code == 403

    voted = client.post(
        f"/reviews/{review.id}/helpful",
        data={"helpful": "1", "next": f"{url}#review-{review.id}", "csrf_token": token},
        follow_redirects=False,
    )
    assert voted.status_code == 303
    assert voted.headers["location"] == f"{url}#review-{review.id}"
    page = client.get(url).text
    assert 'aria-pressed="true"' in page
    assert "(1)" in page

    swapped = client.post(
        f"/reviews/{review.id}/helpful",
        data={"helpful": "0", "next": url, "csrf_token": token},
        headers=HTMX,
    )
    assert swapped.status_code == 200
    assert swapped.text.lstrip().startswith(
        f'<div class="review__helpful" id="helpful-{review.id}"'
    )
    assert 'aria-pressed="false"' in swapped.text
    assert "(0)" in swapped.text
    assert db.scalars(select(ReviewVote).where(ReviewVote.review_id == review.id)).all() == []

    outside = client.post(
        f"/reviews/{review.id}/helpful",
        data={"helpful": "1", "next": "https://evil.example/", "csrf_token": token},
        follow_redirects=False,
    )
    assert outside.headers["location"] == f"{url}#reviews"


def test_the_author_sees_a_count_not_a_button(client: TestClient, db: Session) -> None:
    owner = make_user(db, role="instructor")
    course = make_course(db, owner)
    author = make_user(db)
    make_enrollment(db, author, course)
    review = Review(course_id=course.id, user_id=author.id, rating=5, body="Mine", helpful_count=4)
    db.add(review)
    db.commit()
    sign_in(client, author)
    page = client.get(f"/courses/{course.slug}").text
    assert f'action="/reviews/{review.id}/helpful"' not in page
    assert "4 found this helpful" in page


# ------------------------------------------------------------------- reply


def test_only_the_owner_gets_the_reply_form(client: TestClient, db: Session) -> None:
    owner = make_user(db, role="instructor")
    course = make_course(db, owner)
    (review,) = seed_reviews(db, course, 1)
    form = f'action="/courses/{course.slug}/reviews/{review.id}/reply"'
    url = f"/courses/{course.slug}"

    assert form not in client.get(url).text
    for role in ("student", "instructor", "admin"):
        sign_in(client, make_user(db, role=role))
        assert form not in client.get(url).text, role
    # Another instructor posting anyway is refused.
    page = client.get(url)
    refused = client.post(
        f"/courses/{course.slug}/reviews/{review.id}/reply",
        data={"body": "Not mine", "csrf_token": csrf_of(page)},
        follow_redirects=False,
    )
    assert refused.status_code == 403
    db.expire_all()
    assert db.get(Review, review.id).reply is None  # type: ignore[union-attr]

    sign_in(client, owner)
    page = client.get(url)
    assert form in page.text
    assert "Reply publicly" in page.text


def test_the_owner_replies_and_edits_the_reply(client: TestClient, db: Session) -> None:
    owner = make_user(db, role="instructor", name="Olga Owner")
    course = make_course(db, owner)
    (review,) = seed_reviews(db, course, 1)
    sign_in(client, owner)
    url = f"/courses/{course.slug}"
    token = csrf_of(client.get(url))
    reply_url = f"/courses/{course.slug}/reviews/{review.id}/reply"

    posted = client.post(
        reply_url, data={"body": f"Thanks!\n{XSS}", "csrf_token": token}, follow_redirects=False
    )
    assert posted.status_code == 303
    assert posted.headers["location"] == f"{url}#reviews"
    page = client.get(url).text
    assert "Your reply is public on the course page." in page
    assert XSS not in page
    assert ESCAPED in page
    assert "Edit your reply" in page
    told = db.scalars(select(Notification).where(Notification.user_id == review.user_id)).one()
    assert (told.kind, told.url) == ("review_replied", f"{url}#reviews")
    assert "Olga Owner" in told.title

    blank = client.post(reply_url, data={"body": "   ", "csrf_token": token})
    assert "Your reply was not saved" in blank.text
    edited = client.post(
        reply_url, data={"body": "Thanks, fixed.", "csrf_token": token}, follow_redirects=False
    )
    assert edited.status_code == 303
    page = client.get(url).text
    assert "Thanks, fixed." in page
    assert ESCAPED not in page
    db.expire_all()
    assert db.get(Review, review.id).reply == "Thanks, fixed."  # type: ignore[union-attr]


def test_the_author_sees_the_reply_on_their_own_review(client: TestClient, db: Session) -> None:
    owner = make_user(db, role="instructor")
    course = make_course(db, owner)
    author = make_user(db)
    make_enrollment(db, author, course)
    db.add(Review(course_id=course.id, user_id=author.id, rating=4, body="Mine", reply=f"Hi {XSS}"))
    db.commit()
    sign_in(client, author)
    page = client.get(f"/courses/{course.slug}").text
    assert f"Hi {ESCAPED}" in page
    assert XSS not in page
