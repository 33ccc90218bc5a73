"""The pure logic of bench scenarios 4, 7, 8 and 9: plans, audits, the progress Lua script."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import subprocess
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import create_engine, text

from bench.harness import WrkResult
from bench.scenarios import _storm_audit as storm_audit
from bench.scenarios._journey import (
    JourneyPlan,
    JourneyResult,
    Sample,
    _User,
    check_step,
    percentile,
    think_times,
)
from bench.scenarios._sql_count import counting, is_query
from bench.scenarios._webhook_storm import (
    PendingOrder,
    build_events,
    delivery_order,
    pick_purchases,
)
from bench.scenarios.s04_course_detail_growth import best_p50, p50_ratio_row
from bench.scenarios.s07_progress_writes import audit, read_acks, writable_lessons
from bench.scenarios.s09_student_journey import p99_without_login
from bench.wrk import LUA_DIR
from syllabus.commerce.providers.sandbox import SandboxProvider, sign
from tests.bench.fakes import FakeContext


def wrk_result(p50_ms: float, *, non_2xx: int = 0) -> WrkResult:
    return WrkResult(
        requests=100,
        seconds=1.0,
        rps=100.0,
        p50_ms=p50_ms,
        p95_ms=p50_ms,
        p99_ms=p50_ms,
        non_2xx_3xx=non_2xx,
        socket_errors=0,
        statuses={200: 100 - non_2xx, 500: non_2xx} if non_2xx else {200: 100},
    )


# --- scenario 4 ---------------------------------------------------------------------


def test_p50_ratio_row_compares_medians_and_fails_on_errors() -> None:
    ctx = FakeContext(courses=200)
    labels = ("500 lessons", "20 lessons")
    good = p50_ratio_row(
        ctx,
        scenario="4",
        ours=wrk_result(3.0),
        reference=wrk_result(2.5),
        maximum=1.5,
        labels=labels,
    )
    assert good.value == 1.2
    assert good.passed is True
    assert "500 lessons" in good.ours

    slow = p50_ratio_row(
        ctx,
        scenario="4",
        ours=wrk_result(4.0),
        reference=wrk_result(2.0),
        maximum=1.5,
        labels=labels,
    )
    assert slow.value == 2.0
    assert slow.passed is False

    broken = p50_ratio_row(
        ctx,
        scenario="4",
        ours=wrk_result(2.0, non_2xx=3),
        reference=wrk_result(2.0),
        maximum=1.5,
        labels=labels,
    )
    assert broken.passed is False
    assert "500 lessons: 3 non-2xx" in broken.note


def test_best_p50_keeps_the_fastest_run_and_every_failure() -> None:
    best = best_p50([wrk_result(3.0), wrk_result(2.0, non_2xx=2), wrk_result(2.5)])
    assert best.p50_ms == 2.0
    assert best.non_2xx_3xx == 2
    assert best.statuses == {200: 298, 500: 2}


def test_statement_counting_skips_transaction_control() -> None:
    assert is_query("SELECT 1")
    assert is_query("  insert into t values (1)")
    assert not is_query("BEGIN IMMEDIATE")
    assert not is_query("commit")
    engine = create_engine("sqlite://")
    with counting([engine, engine]) as statements, engine.connect() as conn:
        conn.execute(text("SELECT 1"))
        conn.execute(text("SELECT 2"))
    assert statements == ["SELECT 1", "SELECT 2"]  # one listener even when listed twice
    with engine.connect() as conn:
        conn.execute(text("SELECT 3"))
    assert len(statements) == 2  # nothing counted after the block


# --- scenario 7 ---------------------------------------------------------------------


def test_writable_lessons_keep_order_and_leave_out_quizzes() -> None:
    curriculum: list[dict[str, object]] = [
        {"lessons": [{"id": "a", "kind": "video"}, {"id": "q", "kind": "quiz"}]},
        {"lessons": [{"id": "b", "kind": "text"}]},
    ]
    assert writable_lessons(curriculum, ["quiz"]) == ["a", "b"]


def test_audit_counts_answered_writes_missing_from_the_database(tmp_path: Path) -> None:
    (tmp_path / "acked-0-0.txt").write_text("e1 l1\ne1 l2\n")
    (tmp_path / "acked-0-1.txt").write_text("e2 l1\n\n")
    (tmp_path / "tokens.txt").write_text("ignored\n")
    acked = read_acks(tmp_path)
    assert acked == {("e1", "l1"), ("e1", "l2"), ("e2", "l1")}

    clean = audit(acked, acked | {("e2", "l9")}, {"e1": (2, 2), "e2": (2, 2)})
    assert (clean.lost, clean.missing, clean.unacknowledged) == (0, 0, 1)

    lost = audit(acked, {("e1", "l1"), ("e2", "l1")}, {"e1": (2, 1), "e2": (1, 1)})
    assert lost.missing == 1  # e1 l2 answered but not stored
    assert lost.counter_errors == 1  # e1 counts 2 completed lessons, has 1 row
    assert lost.lost == 2


class _ProgressEcho(BaseHTTPRequestHandler):
    """Answers a progress PUT like the API: the enrollment (per token) and the lesson."""

    protocol_version = "HTTP/1.1"
    seen: list[tuple[str, str]] = []
    lock = threading.Lock()

    def log_message(self, *args: Any) -> None:
        pass

    def do_PUT(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        match = re.fullmatch(r"/api/v1/lessons/([^/]+)/progress", self.path)
        assert match is not None
        token = self.headers["Authorization"].removeprefix("Bearer ")
        with self.lock:
            self.seen.append((token, match.group(1)))
        body = orjson.dumps(
            {
                "enrollment_id": f"enr-{token}",
                "last_lesson_id": match.group(1),
                "lessons": [{"lesson_id": match.group(1), "completed": True}],
            }
        )
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # wrk drops connections at the end of its run


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed")
def test_progress_script_writes_each_pair_once_and_records_answers(tmp_path: Path) -> None:
    server = _QuietServer(("127.0.0.1", 0), _ProgressEcho)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _ProgressEcho.seen = []
    tokens, lessons = ["t0", "t1", "t2"], ["l0", "l1", "l2", "l3"]
    (tmp_path / "tokens.txt").write_text("\n".join(tokens) + "\n")
    (tmp_path / "lessons.txt").write_text("\n".join(lessons) + "\n")
    try:
        proc = subprocess.run(
            [
                str(shutil.which("wrk")),
                "-t2",
                "-c4",
                "-d1s",
                "-s",
                str(LUA_DIR / "progress_writes.lua"),
                f"http://127.0.0.1:{server.server_port}/",
                "--",
                str(tmp_path / "tokens.txt"),
                str(tmp_path / "lessons.txt"),
                str(tmp_path),
                "0",
                "2",
            ],
            capture_output=True,
            text=True,
            timeout=30,
            env={"BENCH_LUA_DIR": str(LUA_DIR), "PATH": "/usr/bin:/bin"},
            check=True,
        )
    finally:
        server.shutdown()
        server.server_close()
    report = json.loads(
        next(line for line in proc.stdout.splitlines() if line.startswith("BENCH_JSON "))[11:]
    )
    seen = _ProgressEcho.seen
    assert len(seen) == len(set(seen)), "a pair was written twice"
    assert set(seen) <= {(t, lesson) for t in tokens for lesson in lessons}
    # All 12 pairs are handed out well within the second; a thread stops at its end,
    # which may cut its other connection's last request before the server reads it.
    assert len(seen) >= 10
    acked = read_acks(tmp_path)
    assert acked <= {(f"enr-{t}", lesson) for t, lesson in seen}
    assert report["acked"] == len(acked) == report["statuses"]["200"]
    assert report["next_k"] >= 12


# --- scenario 8 ---------------------------------------------------------------------


def test_purchases_skip_owned_courses_and_respect_the_limits() -> None:
    buyers = ["b1", "b2", "b3"]
    courses = ["c1", "c2", "c3", "c4"]
    taken = {"b1": {"c1", "c2"}}
    picked = pick_purchases(buyers, courses, taken, count=5, per_buyer=2)
    assert len(picked) == 5
    assert len(set(picked)) == 5
    assert all(course not in taken.get(buyer, set()) for buyer, course in picked)
    assert max(Counter(buyer for buyer, _ in picked).values()) == 2
    assert picked == pick_purchases(buyers, courses, taken, count=5, per_buyer=2)
    assert pick_purchases(buyers, [], taken, count=5, per_buyer=2) == []


def _orders(count: int) -> list[PendingOrder]:
    return [PendingOrder(f"o{n}", f"u{n}", f"c{n % 7}", 1999, "USD") for n in range(count)]


def test_storm_events_are_real_signed_sandbox_events() -> None:
    events = build_events(_orders(50), 0.1, seed=8)
    assert sum(not event.pays for event in events) == 5
    assert len({event.event_id for event in events}) == 50
    provider = SandboxProvider(webhook_secret="a-secret-of-16-chars", base_url="http://x")
    for event in events:
        headers = {"X-Sandbox-Signature": sign(event.body, "a-secret-of-16-chars")}
        parsed = provider.parse_event(provider.verify_webhook(headers, event.body))
        assert parsed.order_id == event.order.id
        assert parsed.event_id == event.event_id
        assert parsed.kind == event.kind
        assert parsed.amount == 1999
    assert [e.pays for e in events] == [e.pays for e in build_events(_orders(50), 0.1, seed=8)]


def test_every_event_is_delivered_three_times_in_a_shuffled_order() -> None:
    order = delivery_order(100, 3, seed=8)
    assert Counter(order) == Counter(dict.fromkeys(range(100), 3))
    assert order != sorted(order)
    assert order == delivery_order(100, 3, seed=8)


def test_one_application_of_each_event_is_judged_right() -> None:
    for pays in (True, False):
        assert storm_audit.judge(storm_audit.expected_facts(pays), pays) == (0, [])


def test_effects_applied_twice_are_counted_as_duplicates() -> None:
    facts = storm_audit.expected_facts(True)
    facts.payments["succeeded"] += 1
    facts.history[("order", "paid")] += 1
    facts.receipts = 2
    duplicated, problems = storm_audit.judge(facts, True)
    assert duplicated == 3
    assert problems == ["payments", "history", "receipts"]


def test_a_missing_effect_makes_the_order_wrong_without_a_duplicate() -> None:
    facts = storm_audit.expected_facts(True)
    facts.status = "pending"
    facts.enrollments = 0
    assert storm_audit.judge(facts, True) == (0, ["status", "enrollments"])


def test_verdict_checks_enrollment_counters_against_their_rows() -> None:
    events = build_events(_orders(20), 0.1, seed=8)
    facts = {e.order.id: storm_audit.expected_facts(e.pays) for e in events}
    paid = Counter(e.order.course_id for e in events if e.pays)
    exact = {course: (n, n) for course, n in paid.items()}
    found = storm_audit.verdict(events, facts, exact)
    assert (found.wrong_orders, found.duplicated, found.count_drift) == (0, 0, 0)

    course = next(iter(exact))
    counted_twice = {**exact, course: (exact[course][0] + 1, exact[course][1])}
    found = storm_audit.verdict(events, facts, counted_twice)
    assert (found.duplicated, found.count_drift) == (1, 1)

    facts[events[0].order.id] = storm_audit.OrderFacts()
    assert storm_audit.verdict(events, facts, exact).wrong_orders == 1


# --- scenario 9 ---------------------------------------------------------------------


def test_percentile_is_nearest_rank() -> None:
    values = [float(n) for n in range(1, 101)]
    assert percentile(values, 50) == 50.0
    assert percentile(values, 99) == 99.0
    assert percentile([5.0, 1.0, 3.0], 99) == 5.0
    assert percentile([], 99) == 0.0


def test_think_times_are_seeded_and_in_range() -> None:
    pauses = think_times(2026, 7, 15, 0.5, 1.5)
    assert len(pauses) == 15
    assert all(0.5 <= p <= 1.5 for p in pauses)
    assert pauses == think_times(2026, 7, 15, 0.5, 1.5)
    assert pauses != think_times(2026, 8, 15, 0.5, 1.5)


def test_journey_answers_are_checked_for_status_and_content() -> None:
    plan = JourneyPlan(
        base_url="http://x", course_slug="bench-small", lesson_ids=("l1",), password="p"
    )
    assert check_step("login", 200, {"access_token": "t"}, plan, "l1") == ""
    assert check_step("login", 429, {"detail": "slow down"}, plan, "l1") == "login answered 429"
    assert check_step("catalog", 200, {"items": []}, plan, "l1") != ""
    assert check_step("course", 200, {"slug": "bench-small", "curriculum": [{}]}, plan, "l1") == ""
    assert check_step("course", 200, {"slug": "other", "curriculum": [{}]}, plan, "l1") != ""
    assert check_step("lesson", 200, {"slug": "bench-small", "sections": [{}]}, plan, "l1") == ""
    progress = {"lessons": [{"lesson_id": "l1"}]}
    assert check_step("progress", 200, progress, plan, "l1") == ""
    assert check_step("progress", 200, progress, plan, "l2") != ""
    assert check_step("progress", 200, {"no": "lessons"}, plan, "l1") != ""


def test_steps_after_a_failed_login_are_errors_without_a_latency() -> None:
    plan = JourneyPlan(
        base_url="http://x", course_slug="bench-small", lesson_ids=("l1",), password="p"
    )
    walker = _User(plan, 1, "student1@bench.example", client=None)  # type: ignore[arg-type]
    skipped = asyncio.run(walker.step("lesson", 10, "l1"))
    assert not skipped.sent
    assert skipped.error == "lesson not tried: not signed in"
    result = JourneyResult(samples=[Sample(1, "catalog", 12.0), skipped])
    assert result.latencies() == [12.0]
    assert [s.step for s in result.errors] == ["lesson"]


def test_the_journey_ratio_without_sign_in_leaves_the_login_step_out() -> None:
    crowd = JourneyResult(
        samples=[Sample(1, "login", 5000.0), Sample(1, "catalog", 40.0), Sample(2, "lesson", 60.0)]
    )
    single = JourneyResult(samples=[Sample(1, "login", 300.0), Sample(1, "course", 20.0)])
    assert p99_without_login(crowd, single) == "p99 60.00 ms ÷ 20.00 ms = 3.00"
    assert p99_without_login(crowd, JourneyResult()) == "not measured"
