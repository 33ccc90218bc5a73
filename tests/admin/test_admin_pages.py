"""The admin console's pages through the browser's transport (cookies, CSRF, forms,
redirects): users, one user's page with role, ban and application forms, the audit log,
every course with moderation, a student's preview, and an order's payment events."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from syllabus.accounts.models import InstructorApplication, User
from syllabus.catalog.models import Course, Lesson
from syllabus.kit.runtime import Runtime
from tests.admin.world import API, audit_entries
from tests.catalog.factories import make_course, make_enrollment
from tests.commerce.orders_factory import make_paid_order
from tests.factories import bearer, login, make_user
from tests.web.test_commerce_pages import post, signed_in_as


def test_users_page_searches_and_filters(client: TestClient, db: Session) -> None:
    signed_in_as(client, db, role="admin", name="Root Admin")
    make_user(db, name="Grace Hopper", email="grace@navy.example")
    make_user(db, name="Alan Turing", role="instructor")
    applicant = make_user(db, name="Ann Applicant")
    db.add(InstructorApplication(user_id=applicant.id, pitch="p" * 30, topics=[]))
    db.commit()

    page = client.get("/admin/users").text
    assert "Grace Hopper" in page
    assert "Alan Turing" in page
    assert "Instructor applications waiting" in page
    assert f'href="/admin/users/{applicant.id}#application"' in page
    found = client.get("/admin/users?q=navy").text
    assert "Grace Hopper" in found
    assert "Alan Turing" not in found
    assert 'value="navy"' in found
    teachers = client.get("/admin/users?role=instructor").text
    assert "Alan Turing" in teachers
    assert "Grace Hopper" not in teachers
    assert 'value="instructor" selected' in teachers
    assert "No users found" in client.get("/admin/users?q=nobody-like-this").text


def test_user_page_bans_with_a_reason_and_ends_sessions(client: TestClient, db: Session) -> None:
    admin = signed_in_as(client, db, role="admin")
    user = make_user(db, name="Mallory")
    tokens = login(client, user.email)
    page = client.get(f"/admin/users/{user.id}").text
    assert "Mallory" in page
    assert 'data-count="sessions">1<' in page
    assert f'action="/admin/users/{user.id}/ban"' in page

    blank = post(client, f"/admin/users/{user.id}/ban", {"reason": " "})
    assert blank.status_code == 422
    assert "Write why the user is banned" in blank.text

    done = post(client, f"/admin/users/{user.id}/ban", {"reason": "Fake reviews"})
    assert (done.status_code, done.headers["location"]) == (303, f"/admin/users/{user.id}")
    after = client.get(done.headers["location"]).text
    assert "every session was logged out" in after
    assert "Fake reviews" in after
    assert 'data-count="sessions">0<' in after
    assert client.get(f"{API}/users/me", headers=bearer(tokens)).status_code == 401
    [entry] = audit_entries(db, action="user.banned", target_id=user.id)
    assert entry.actor_id == admin.id

    unbanned = post(client, f"/admin/users/{user.id}/unban")
    assert unbanned.status_code == 303
    db.expire_all()
    assert db.get(User, user.id).status == "active"  # type: ignore[union-attr]


def test_user_page_changes_the_role_and_approves_an_application(
    client: TestClient, db: Session
) -> None:
    admin = signed_in_as(client, db, role="admin")
    user = make_user(db, name="Will Teach")
    db.add(InstructorApplication(user_id=user.id, pitch="I teach welding to adults.", topics=[]))
    db.commit()
    page = client.get(f"/admin/users/{user.id}").text
    assert "I teach welding to adults." in page

    approved = post(client, f"/admin/users/{user.id}/application", {"decision": "approve"})
    assert approved.status_code == 303
    assert "they can teach now" in client.get(approved.headers["location"]).text
    db.expire_all()
    assert db.get(User, user.id).role == "instructor"  # type: ignore[union-attr]

    demoted = post(client, f"/admin/users/{user.id}/role", {"role": "student"})
    assert demoted.status_code == 303
    db.expire_all()
    assert db.get(User, user.id).role == "student"  # type: ignore[union-attr]

    own = client.get(f"/admin/users/{admin.id}").text
    assert "You cannot change your own role" in own
    assert "You cannot ban yourself" in own
    assert client.get(f"/admin/users/{'0' * 36}").status_code == 404


def test_audit_log_page_shows_before_and_after(client: TestClient, db: Session) -> None:
    admin = signed_in_as(client, db, role="admin", name="Audrey Admin")
    user = make_user(db, name="Changed Person")
    post(client, f"/admin/users/{user.id}/role", {"role": "instructor"})
    post(client, f"/admin/users/{user.id}/ban", {"reason": "Chargebacks"})

    page = client.get("/admin/audit-log").text
    assert page.count('class="panel audit-entry"') == 2
    assert "Audrey Admin" in page
    assert "<del>student</del>" in page
    assert "<ins>instructor</ins>" in page
    assert "Reason: Chargebacks" in page
    only = client.get("/admin/audit-log?action=user.role_changed").text
    assert only.count('class="panel audit-entry"') == 1
    by_target = client.get(f"/admin/audit-log?target_id={user.id}&who={admin.id}").text
    assert by_target.count('class="panel audit-entry"') == 2
    assert "No entries" in client.get("/admin/audit-log?target_type=coupon").text


def test_courses_preview_unpublish_and_delete(client: TestClient, db: Session) -> None:
    signed_in_as(client, db, role="admin")
    teacher = make_user(db, role="instructor", name="Pat Teacher")
    live = make_course(db, teacher, title="Live and kicking")
    draft = make_course(db, teacher, status="draft", title="Secret draft")
    taken = make_course(db, teacher, title="Has students")
    make_enrollment(db, make_user(db), taken)
    first_lesson = db.query(Lesson).filter(Lesson.course_id == draft.id).first()
    assert first_lesson is not None
    first_lesson.is_preview = True
    db.commit()

    listing = client.get("/admin/courses").text
    assert all(c.title in listing for c in (live, draft, taken))
    drafts = client.get("/admin/courses?status=draft").text
    assert "Secret draft" in drafts
    assert "Live and kicking" not in drafts

    review = client.get(f"/admin/reviews/{draft.id}").text
    assert f'href="/admin/reviews/{draft.id}/preview"' in review
    preview = client.get(f"/admin/reviews/{draft.id}/preview").text
    assert 'data-preview="student"' in preview
    assert "Secret draft" in preview
    assert "Lesson 2" in preview
    assert "Free preview" in preview
    assert "Lesson 2 of" not in preview, "a locked lesson's text stays hidden"
    article = preview.split('data-preview="student"', 1)[1].split("</article>", 1)[0]
    assert "<form" not in article, "the preview is read-only"

    unpublished = post(client, f"/admin/reviews/{live.id}/unpublish")
    assert unpublished.status_code == 303
    assert client.get(f"{API}/courses/{live.slug}").status_code == 404

    draft_id, taken_id = draft.id, taken.id
    unconfirmed = post(client, f"/admin/reviews/{draft.id}/delete", {"confirm": "yes"})
    assert unconfirmed.status_code == 422
    assert 'id="field-confirm-error">Type &#34;delete&#34; to confirm.' in unconfirmed.text
    deleted = post(client, f"/admin/reviews/{draft.id}/delete", {"confirm": "delete"})
    assert (deleted.status_code, deleted.headers["location"]) == (303, "/admin/courses")
    db.expire_all()
    assert db.get(Course, draft_id) is None
    archived = post(client, f"/admin/reviews/{taken_id}/delete", {"confirm": "DELETE"})
    assert archived.status_code == 303
    assert "archived instead" in client.get(archived.headers["location"]).text
    db.expire_all()
    assert db.get(Course, taken_id).status == "archived"  # type: ignore[union-attr]
    assert [e.action for e in audit_entries(db, target_type="course")] == [
        "course.unpublished",
        "course.deleted",
        "course.archived",
    ]


def test_order_page_shows_payment_events_and_refunds_part(
    client: TestClient, db: Session, runtime: Runtime
) -> None:
    signed_in_as(client, db, role="admin")
    course = make_course(db, make_user(db, role="instructor"), price=4000)
    order = make_paid_order(db, runtime, make_user(db), [course])
    page = client.get(f"/admin/orders/{order.id}").text
    assert "Payment events" in page
    assert f"sbx_pay_{order.id}" in page
    refund = post(
        client,
        f"/admin/orders/{order.id}/refund",
        {"mode": "amount", "amount": "15", "reason": "Goodwill for a broken video"},
    )
    assert refund.status_code == 303
    [entry] = audit_entries(db, action="order.refund", target_id=order.id)
    assert entry.after is not None
    assert entry.after["amount"] == 1500
