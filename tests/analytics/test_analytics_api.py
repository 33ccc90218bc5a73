"""The analytics API: admin-only KPIs and series (403 for everyone else), the instructor's
dashboard and lesson drop-off, and the event log as xAPI statements."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from syllabus.analytics.tasks import rollup_now
from syllabus.kit.runtime import Runtime
from tests.catalog.factories import make_course, signed_in
from tests.commerce.orders_factory import make_paid_order
from tests.factories import make_user
from tests.learning.helpers import lessons_of

API = "/api/v1"
ADMIN_PATHS = (
    "/admin/analytics/summary",
    "/admin/analytics/users?period=28d",
    "/admin/analytics/orders?period=12m",
    "/admin/analytics/revenue?period=28d",
    "/admin/analytics/enrollments?period=12m",
    "/admin/analytics/xapi",
)


def test_every_admin_analytics_route_refuses_non_admins(client: TestClient, db: Session) -> None:
    _, student = signed_in(client, db, role="student")
    _, teacher = signed_in(client, db, role="instructor")
    _, admin = signed_in(client, db, role="admin")
    for path in ADMIN_PATHS:
        assert client.get(API + path).status_code == 401, path
        for headers in (student, teacher):
            refused = client.get(API + path, headers=headers)
            assert refused.status_code == 403, path
            assert refused.json()["code"] == "not_admin"
        assert client.get(API + path, headers=admin).status_code == 200, path


def test_unknown_metrics_and_periods_are_422(client: TestClient, db: Session) -> None:
    _, admin = signed_in(client, db, role="admin")
    for path in ("/admin/analytics/clicks?period=28d", "/admin/analytics/users?period=7d",
                 "/admin/analytics/users"):  # fmt: skip
        assert client.get(API + path, headers=admin).status_code == 422, path


def test_series_have_exactly_28_or_12_points(client: TestClient, db: Session) -> None:
    _, admin = signed_in(client, db, role="admin")
    daily = client.get(f"{API}/admin/analytics/users?period=28d", headers=admin).json()
    monthly = client.get(f"{API}/admin/analytics/users?period=12m", headers=admin).json()
    assert (daily["metric"], daily["period"], len(daily["points"])) == ("users", "28d", 28)
    assert (monthly["period"], len(monthly["points"])) == ("12m", 12)
    dates = [p["date"] for p in daily["points"]]
    assert dates == sorted(dates)
    assert monthly["points"][-1]["date"].endswith("-01")


def test_sales_show_in_the_admin_numbers_after_the_rollup(
    client: TestClient, db: Session, runtime: Runtime
) -> None:
    teacher = make_user(db, role="instructor")
    course = make_course(db, teacher, price=2500)
    make_paid_order(db, runtime, make_user(db), [course])
    make_paid_order(db, runtime, make_user(db), [course])
    rollup_now()
    _, admin = signed_in(client, db, role="admin")
    revenue = client.get(f"{API}/admin/analytics/revenue?period=28d", headers=admin).json()
    assert revenue["currency"] == "USD"
    assert revenue["points"][-1]["value"] == 5000
    assert sum(p["value"] for p in revenue["points"]) == 5000
    orders = client.get(f"{API}/admin/analytics/orders?period=12m", headers=admin).json()
    assert orders["points"][-1]["value"] == 2
    enrollments = client.get(f"{API}/admin/analytics/enrollments?period=28d", headers=admin)
    assert enrollments.json()["points"][-1]["value"] == 2
    summary = client.get(f"{API}/admin/analytics/summary", headers=admin).json()
    assert summary["revenue"] == [{"amount": 5000, "currency": "USD"}]
    assert summary["enrollments"] >= 2
    assert summary["courses"] >= 1
    assert {"users", "instructors", "pending_reviews", "refunds"} <= set(summary)


def test_instructor_dashboard_and_dropoff(
    client: TestClient, db: Session, runtime: Runtime
) -> None:
    teacher, teacher_headers = signed_in(client, db, role="instructor")
    course = make_course(db, teacher, price=0, lessons=3)
    lessons = lessons_of(db, course)
    # Three students start, two reach the second lesson, one finishes everything.
    for reached in (1, 2, 3):
        _, headers = signed_in(client, db, role="student")
        assert client.post(f"{API}/courses/{course.id}/enroll", headers=headers).status_code == 201
        for lesson in lessons[:reached]:
            done = client.put(
                f"{API}/lessons/{lesson.id}/progress", json={"completed": True}, headers=headers
            )
            assert done.status_code == 200
    rollup_now()
    board = client.get(f"{API}/instructor/dashboard?period=28d", headers=teacher_headers)
    assert board.status_code == 200, board.text
    body = board.json()
    assert len(body["enrollments"]["points"]) == 28
    assert body["enrollments"]["points"][-1]["value"] == 3
    [stats] = body["courses"]
    assert (stats["enrollments"], stats["completed"], stats["completion_percent"]) == (3, 1, 33)
    assert len(client.get(f"{API}/instructor/dashboard?period=12m",
                          headers=teacher_headers).json()["revenue"]["points"]) == 12  # fmt: skip

    drop = client.get(f"{API}/instructor/courses/{course.slug}/dropoff", headers=teacher_headers)
    assert drop.status_code == 200, drop.text
    assert [(row["started"], row["completed"], row["percent_of_first"])
            for row in drop.json()["lessons"]] == [(3, 3, 100), (2, 2, 66), (1, 1, 33)]  # fmt: skip

    _, other_teacher = signed_in(client, db, role="instructor")
    assert (
        client.get(f"{API}/instructor/courses/{course.id}/dropoff", headers=other_teacher)
    ).status_code in (403, 404)
    _, student = signed_in(client, db, role="student")
    assert client.get(f"{API}/instructor/dashboard", headers=student).status_code == 403


def test_events_export_as_xapi_statements_page_by_page(
    client: TestClient, db: Session, runtime: Runtime
) -> None:
    teacher = make_user(db, role="instructor")
    course = make_course(db, teacher, price=0)
    student, headers = signed_in(client, db, role="student")
    assert client.post(f"{API}/courses/{course.id}/enroll", headers=headers).status_code == 201
    lesson = lessons_of(db, course)[0]
    client.put(f"{API}/lessons/{lesson.id}/progress", json={"completed": True}, headers=headers)
    _, admin = signed_in(client, db, role="admin")
    first = client.get(f"{API}/admin/analytics/xapi?limit=2", headers=admin).json()
    assert len(first["statements"]) == 2
    assert first["more"]
    registered = first["statements"][0]
    assert registered["verb"]["id"] == "http://adlnet.gov/expapi/verbs/registered"
    assert registered["actor"]["account"]["name"] == student.id
    assert registered["object"]["id"].endswith(f"/courses/{course.id}")
    rest = client.get(first["more"], headers=admin).json()
    verbs = [s["verb"]["display"]["en-US"] for s in first["statements"] + rest["statements"]]
    # Started and completed share their instant: their order between them is not fixed.
    assert verbs[0] == "registered"
    assert sorted(verbs[1:]) == ["attempted", "completed"]
    assert rest["more"] == ""
    [completed] = [
        s
        for s in first["statements"] + rest["statements"]
        if s["verb"]["display"]["en-US"] == "completed"
    ]
    assert completed["result"] == {"completion": True}
    assert completed["context"]["contextActivities"]["parent"][0]["id"].endswith(course.id)
    bad = client.get(f"{API}/admin/analytics/xapi?cursor=nonsense", headers=admin)
    assert bad.status_code == 422
