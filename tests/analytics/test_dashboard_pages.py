"""The admin dashboard page, its CSV download and the instructor's dashboard: who may see
them, what they show, and a fixed number of SQL statements however much data there is."""

from __future__ import annotations

import csv
import io
import json
import re

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from syllabus.analytics.models import AnalyticsEvent
from syllabus.analytics.tasks import rollup_now
from syllabus.kit.runtime import Runtime
from tests.catalog.factories import make_course, make_enrollment
from tests.catalog_public.seed import count_statements
from tests.commerce.orders_factory import make_paid_order
from tests.factories import make_user
from tests.learning.helpers import lessons_of
from tests.web.test_account_pages import csrf_of, web_login


def _chart_data(html: str) -> dict[str, dict[str, object]]:
    blocks = re.findall(
        r'<script type="application/json" id="chart-data-(\w+)">(.*?)</script>', html
    )
    return {name: json.loads(body) for name, body in blocks}


def test_the_admin_dashboard_shows_cards_charts_and_a_table(
    client: TestClient, db: Session, runtime: Runtime
) -> None:
    teacher = make_user(db, role="instructor")
    course = make_course(db, teacher, price=1999)
    make_paid_order(db, runtime, make_user(db), [course])
    rollup_now()
    admin = make_user(db, role="admin")
    web_login(client, admin.email)
    page = client.get("/admin")
    assert page.status_code == 200
    for label in ("Users", "Instructors", "Published courses", "Active enrollments", "Revenue",
                  "Refunds", "Courses awaiting review", "Download CSV"):  # fmt: skip
        assert label in page.text
    charts = _chart_data(page.text)
    assert set(charts) == {"users", "orders", "revenue", "enrollments"}
    assert all(len(chart["values"]) == 28 for chart in charts.values())  # type: ignore[arg-type]
    assert charts["revenue"]["values"][-1] == 19.99  # type: ignore[index]
    assert charts["orders"]["values"][-1] == 1  # type: ignore[index]
    assert page.text.count('<th scope="row"><time') == 28
    monthly = client.get("/admin?period=12m")
    assert monthly.text.count('<th scope="row"><time') == 12


def test_the_csv_download_holds_the_same_numbers(
    client: TestClient, db: Session, runtime: Runtime
) -> None:
    teacher = make_user(db, role="instructor")
    course = make_course(db, teacher, price=1999)
    make_paid_order(db, runtime, make_user(db), [course])
    rollup_now()
    admin = make_user(db, role="admin")
    web_login(client, admin.email)
    download = client.get("/admin/analytics.csv?period=12m")
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    assert "attachment" in download.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(download.text)))
    assert rows[0] == ["date", "users", "orders", "revenue_USD_minor", "enrollments"]
    assert len(rows) == 13
    assert rows[-1][2:] == ["1", "1999", "1"]


def test_only_admins_see_the_admin_dashboard(client: TestClient, db: Session) -> None:
    assert client.get("/admin", follow_redirects=False).status_code in (302, 303, 401)
    for role in ("student", "instructor"):
        client.cookies.clear()
        user = make_user(db, role=role)
        web_login(client, user.email)
        assert client.get("/admin").status_code == 403
        assert client.get("/admin/analytics.csv").status_code == 403


def test_the_admin_dashboard_is_a_fixed_number_of_statements(
    client: TestClient, db: Session, runtime: Runtime
) -> None:
    admin = make_user(db, role="admin")
    web_login(client, admin.email)
    client.get("/admin")
    with count_statements(runtime.db.engine) as empty:
        assert client.get("/admin").status_code == 200
    teacher = make_user(db, role="instructor")
    courses = [make_course(db, teacher, price=100 * (n + 1)) for n in range(4)]
    for course in courses:
        make_paid_order(db, runtime, make_user(db), [course])
    rollup_now()
    with count_statements(runtime.db.engine) as busy:
        assert client.get("/admin?period=12m").status_code == 200
    # The test database's savepoints aside: session lookup, KPI counts (one statement),
    # money totals, the four series (one statement), the header's two badges.
    assert _selects(empty.statements) == _selects(busy.statements) == 6


def _selects(statements: list[str]) -> int:
    return sum(1 for statement in statements if statement.lstrip().upper().startswith("SELECT"))


def test_the_instructor_dashboard_page(client: TestClient, db: Session, runtime: Runtime) -> None:
    teacher = make_user(db, role="instructor")
    course = make_course(db, teacher, price=2500, title="Painting light")
    make_paid_order(db, runtime, make_user(db), [course])
    rollup_now()
    web_login(client, teacher.email)
    page = client.get("/studio/dashboard")
    assert page.status_code == 200
    assert "Painting light" in page.text
    assert "Pending, in refund window (USD)" in page.text
    assert "How far students get: Painting light" in page.text
    charts = _chart_data(page.text)
    assert charts["revenue"]["values"][-1] == 25.0  # type: ignore[index]
    assert charts["enrollments"]["values"][-1] == 1  # type: ignore[index]
    client.cookies.clear()
    student = make_user(db)
    web_login(client, student.email)
    assert client.get("/studio/dashboard").status_code == 403


def test_the_lesson_player_posts_its_batches_with_the_page_cookie(
    client: TestClient, db: Session
) -> None:
    teacher = make_user(db, role="instructor")
    course = make_course(db, teacher, price=0)
    student = make_user(db)
    web_login(client, student.email)
    make_enrollment(db, student, course)
    lesson = lessons_of(db, course)[0]
    token = csrf_of(client.get("/my/learning"))
    batch = {"events": [{"lesson_id": lesson.id, "kind": "play", "position_seconds": 3}]}
    refused = client.post("/learn/player-events", json=batch)
    assert refused.status_code == 403
    sent = client.post("/learn/player-events", json=batch, headers={"X-CSRF-Token": token})
    assert sent.status_code == 200
    assert sent.json() == {"recorded": 1}
    stored = db.scalar(
        select(func.count())
        .select_from(AnalyticsEvent)
        .where(AnalyticsEvent.name == "video_played")
    )
    assert stored == 1
