"""Helpful votes on reviews and the owner's reply: who may, exact counts, the notification."""

from __future__ import annotations

from functools import partial
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from syllabus.community import review_votes
from syllabus.community.models import Review, ReviewVote
from syllabus.kit.mail import read_outbox
from syllabus.kit.outbox import OutboxMessage
from syllabus.kit.runtime import Runtime
from syllabus.notifications.models import Notification
from tests.catalog.factories import actor_of, make_course, make_enrollment, signed_in
from tests.community.test_reviews_api import XSS, enrolled_student, post_review
from tests.factories import make_user
from tests.support.races import all_at_once, or_refusal

API = "/api/v1"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def helpful_count(db: Session, review_id: str) -> tuple[int, int]:
    """The review's counter and the vote rows behind it."""
    db.expire_all()
    count = db.scalar(select(Review.helpful_count).where(Review.id == review_id))
    rows = db.scalar(
        select(func.count()).select_from(ReviewVote).where(ReviewVote.review_id == review_id)
    )
    return int(count or 0), int(rows or 0)


# ------------------------------------------------------------------ votes


def test_a_vote_counts_once_and_can_be_taken_back(client: TestClient, db: Session) -> None:
    owner = make_user(db, role="instructor")
    course = make_course(db, owner)
    _, author = enrolled_student(client, db, course)
    review = post_review(client, course, author, 4, "Useful")
    _, reader = signed_in(client, db, "student")  # any signed-in user may vote
    _, other = signed_in(client, db, "student")
    url = f"{API}/reviews/{review['id']}/helpful"
    edited_at = db.get(Review, review["id"]).updated_at  # type: ignore[union-attr]

    first = client.post(url, headers=reader)
    assert first.status_code == 201, first.text
    assert first.json() == {"review_id": review["id"], "helpful": True, "helpful_count": 1}
    again = client.post(url, headers=reader)
    assert (again.status_code, again.json()["helpful_count"]) == (200, 1)
    assert client.post(url, headers=other).json()["helpful_count"] == 2
    assert helpful_count(db, review["id"]) == (2, 2)

    assert client.delete(url, headers=reader).status_code == 204
    assert client.delete(url, headers=reader).status_code == 204  # nothing left to take back
    assert helpful_count(db, review["id"]) == (1, 1)
    assert client.post(url, headers=reader).status_code == 201
    assert helpful_count(db, review["id"]) == (2, 2)

    listed = client.get(f"{API}/courses/{course.id}/reviews").json()["items"]
    assert listed[0]["helpful_count"] == 2
    # A vote is not an edit of the review.
    assert db.get(Review, review["id"]).updated_at == edited_at  # type: ignore[union-attr]


def test_who_may_vote(client: TestClient, db: Session) -> None:
    owner, owner_headers = signed_in(client, db, "instructor")
    course = make_course(db, owner)
    _, author = enrolled_student(client, db, course)
    _, admin = signed_in(client, db, "admin")
    _, reader = signed_in(client, db, "student")
    review = post_review(client, course, author, 2)
    url = f"{API}/reviews/{review['id']}/helpful"

    assert client.post(url).status_code == 401
    assert client.delete(url).status_code == 401
    own = client.post(url, headers=author)
    assert (own.status_code, own.json()["code"]) == (403, "own_review")
    unknown = client.post(f"{API}/reviews/nope/helpful", headers=reader)
    assert (unknown.status_code, unknown.json()["code"]) == (404, "review_not_found")
    assert client.delete(f"{API}/reviews/nope/helpful", headers=reader).status_code == 404
    assert client.post(url, headers=owner_headers).status_code == 201  # the instructor may

    client.post(f"{API}/admin/reviews/{review['id']}/hide", json={"reason": "spam"}, headers=admin)
    hidden = client.post(url, headers=reader)
    assert (hidden.status_code, hidden.json()["code"]) == (404, "review_not_found")
    assert client.delete(url, headers=owner_headers).status_code == 404
    assert helpful_count(db, review["id"]) == (1, 1)


def test_reviews_of_unpublished_courses_take_no_votes(client: TestClient, db: Session) -> None:
    owner = make_user(db, role="instructor")
    course = make_course(db, owner)
    _, author = enrolled_student(client, db, course)
    review = post_review(client, course, author, 5)
    course.status = "unpublished"
    db.commit()
    _, reader = signed_in(client, db, "student")
    refused = client.post(f"{API}/reviews/{review['id']}/helpful", headers=reader)
    assert (refused.status_code, refused.json()["code"]) == (404, "review_not_found")


def test_the_helpful_sort_follows_the_votes(client: TestClient, db: Session) -> None:
    owner = make_user(db, role="instructor")
    course = make_course(db, owner)
    reviews = [
        post_review(client, course, enrolled_student(client, db, course)[1], 5, f"review {n}")
        for n in range(3)
    ]
    voters = [signed_in(client, db, "student")[1] for _ in range(2)]
    for headers in voters:
        client.post(f"{API}/reviews/{reviews[1]['id']}/helpful", headers=headers)
    client.post(f"{API}/reviews/{reviews[0]['id']}/helpful", headers=voters[0])

    listed = client.get(f"{API}/courses/{course.slug}/reviews", params={"sort": "helpful"}).json()
    assert [(item["body"], item["helpful_count"]) for item in listed["items"]] == [
        ("review 1", 2),
        ("review 0", 1),
        ("review 2", 0),
    ]


def test_simultaneous_votes_keep_the_count_exact(committed_runtime: Runtime) -> None:
    rt = committed_runtime
    with rt.db.session_scope() as session:
        owner = make_user(session, role="instructor")
        course = make_course(session, owner)
        author = make_user(session)
        make_enrollment(session, author, course)
        review = Review(course_id=course.id, user_id=author.id, rating=4, body="Good")
        session.add(review)
        session.flush()
        review_id = review.id
        voters = [actor_of(make_user(session)) for _ in range(3)]
    # The first voter votes twice at once, the others once each.
    racers = [voters[0], voters[0], voters[1], voters[2]]

    def vote(actor: Any) -> Any:
        with rt.db.session_scope() as session:
            return review_votes.vote_helpful(session, rt, actor, review_id)[1]

    outcomes = all_at_once([or_refusal(partial(vote, actor)) for actor in racers])

    assert sorted(outcomes, key=str) == [False, True, True, True], outcomes
    with rt.db.session_scope() as session:
        assert helpful_count(session, review_id) == (3, 3)


# ------------------------------------------------------------------ reply


def test_a_reply_notifies_the_review_author_once_per_text(
    client: TestClient, db: Session, runtime: Runtime, run_jobs: Any
) -> None:
    owner, owner_headers = signed_in(client, db, "instructor")
    course = make_course(db, owner, title="Rust for <b>everyone</b>")
    author, author_headers = enrolled_student(client, db, course)
    review = post_review(client, course, author_headers, 3, "Too fast")
    url = f"{API}/reviews/{review['id']}/reply"

    assert client.post(url, json={"body": XSS}, headers=owner_headers).status_code == 201
    assert client.post(url, json={"body": XSS}, headers=owner_headers).status_code == 201
    told = db.scalars(select(Notification).where(Notification.user_id == author.id)).all()
    assert len(told) == 1, "the same reply sent twice tells once"
    notice = told[0]
    assert notice.kind == "review_replied"
    assert notice.url == f"/courses/{course.slug}#reviews"
    assert owner.name in notice.title
    assert XSS in notice.body
    mails = db.scalars(
        select(OutboxMessage).where(
            OutboxMessage.task == "mail.send", OutboxMessage.key.like("review_reply:%")
        )
    ).all()
    assert [m.payload["to"] for m in mails] == [author.email]

    client.post(url, json={"body": "Slower videos are up now."}, headers=owner_headers)
    db.expire_all()
    told = db.scalars(select(Notification).where(Notification.user_id == author.id)).all()
    assert len(told) == 2, "a changed reply tells again"

    while run_jobs():
        pass
    sent = [m for m in read_outbox(runtime.settings.mail_dir) if m["To"] == author.email]
    assert len(sent) == 2
    html_part = sent[0].get_body(preferencelist=("html",))
    assert html_part is not None
    html = html_part.get_content()
    assert XSS not in html
    assert ESCAPED in html
    assert "&lt;b&gt;everyone&lt;/b&gt;" in html
    assert f"/courses/{course.slug}#reviews" in html
    text = sent[1].get_body(preferencelist=("plain",))
    assert text is not None
    assert "Slower videos are up now." in text.get_content()


def test_a_refused_reply_tells_nobody(client: TestClient, db: Session) -> None:
    owner = make_user(db, role="instructor")
    course = make_course(db, owner)
    _, author = enrolled_student(client, db, course)
    review = post_review(client, course, author, 5)
    _, stranger = signed_in(client, db, "instructor")
    refused = client.post(
        f"{API}/reviews/{review['id']}/reply", json={"body": "Hi"}, headers=stranger
    )
    assert (refused.status_code, refused.json()["code"]) == (403, "not_course_owner")
    replied = select(func.count()).where(Notification.kind == "review_replied")
    assert db.scalar(replied) == 0
