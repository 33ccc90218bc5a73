"""The bench harness's own logic: wrk output, report rendering, backend env, /proc parsing."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from bench import backend_run, machine, report, run
from bench.harness import Row, ratio, ratio_row
from bench.scenarios import s05_search, s06_playback, s10_idle_memory
from bench.wrk import WrkError, WrkResult, build_command, parse_output, run_wrk
from tests.bench.fakes import FakeContext

BENCH_LINE = (
    'BENCH_JSON {"requests": 3000, "duration_s": 2.0, "p50_ms": 4.5, "p90_ms": 7.0, '
    '"p95_ms": 9.25, "p99_ms": 12.0, "non_2xx_3xx": 3, "socket_errors": 1, '
    '"statuses": {"200": 2997, "503": 3}}'
)

WRK_TEXT = """Running 10s test @ http://127.0.0.1:8000/
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     5.12ms    1.20ms  30.00ms   90.00%
  Latency Distribution
     50%    4.80ms
     75%    5.50ms
     90%    6.90ms
     99%    1.20s
  35123 requests in 10.01s, 5.00MB read
  Socket errors: connect 0, read 2, write 0, timeout 5
  Non-2xx or 3xx responses: 17
Requests/sec:   3508.79
"""


def result(rps: float, *, non_2xx: int = 0, socket_errors: int = 0) -> WrkResult:
    return WrkResult(
        requests=int(rps * 10),
        seconds=10.0,
        rps=rps,
        p50_ms=1.0,
        p95_ms=2.0,
        p99_ms=3.0,
        non_2xx_3xx=non_2xx,
        socket_errors=socket_errors,
        statuses={200: int(rps * 10) - non_2xx, 500: non_2xx} if non_2xx else {200: 1},
        extra={},
    )


# --- wrk output ---------------------------------------------------------------------


def test_bench_json_line_fills_the_result_and_keeps_the_rest_as_extra() -> None:
    parsed = parse_output("Running 2s test\n" + BENCH_LINE + "\nRequests/sec: 1\n")
    assert parsed.requests == 3000
    assert parsed.rps == pytest.approx(1500.0)
    assert (parsed.p50_ms, parsed.p95_ms, parsed.p99_ms) == (4.5, 9.25, 12.0)
    assert parsed.statuses == {200: 2997, 503: 3}
    assert parsed.non_2xx_3xx == 3
    assert parsed.socket_errors == 1
    assert parsed.extra == {"p90_ms": 7.0}
    assert parsed.failed_requests == 4
    assert parsed.errors_note() == "3 non-2xx/3xx {503: 3}, 1 socket errors"


def test_a_scripts_own_bench_json_line_lands_in_extra() -> None:
    own = 'BENCH_JSON {"ok_writes": 120, "pairs": [1, 2]}'
    parsed = parse_output(BENCH_LINE + "\n" + own + "\n")
    assert parsed.extra["ok_writes"] == 120
    assert parsed.extra["pairs"] == [1, 2]
    assert parsed.requests == 3000


def test_plain_wrk_text_is_read_when_no_script_reported() -> None:
    parsed = parse_output(WRK_TEXT)
    assert parsed.requests == 35123
    assert parsed.seconds == pytest.approx(10.01)
    assert parsed.p50_ms == pytest.approx(4.8)
    assert parsed.p99_ms == pytest.approx(1200.0)
    assert parsed.socket_errors == 7
    assert parsed.non_2xx_3xx == 17
    assert parsed.statuses == {}


def test_unreadable_output_is_an_error() -> None:
    with pytest.raises(WrkError):
        parse_output("unable to connect to 127.0.0.1:1 Connection refused\n")


def test_a_clean_run_has_no_error_note() -> None:
    assert result(100.0).errors_note() == ""


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed")
def test_wrk_command_is_bounded_and_passes_headers_and_lua_args(tmp_path: Path) -> None:
    script = tmp_path / "x.lua"
    cmd = build_command(
        "http://127.0.0.1:9/a",
        threads=2,
        connections=1,
        duration=2.4,
        script=script,
        headers={"Authorization": "Bearer t"},
        lua_args=["/tmp/tokens"],
    )
    assert cmd[1:5] == ["-t1", "-c1", "-d2s", "--timeout=10s"]
    assert cmd[cmd.index("-H") + 1] == "Authorization: Bearer t"
    assert cmd[-3:] == ["http://127.0.0.1:9/a", "--", "/tmp/tokens"]


# --- rows and report ---------------------------------------------------------------------


def test_ratio_row_passes_on_target_and_fails_on_errors() -> None:
    ctx = FakeContext(hello_rps=1000.0)
    good = ratio_row(ctx, scenario="1 x", result=result(850.0), minimum=0.8)
    assert (good.value, good.passed, good.ours, good.reference) == (
        0.85,
        True,
        "850 rps",
        "1,000 rps",
    )
    slow = ratio_row(ctx, scenario="1 x", result=result(700.0), minimum=0.8)
    assert (slow.value, slow.passed) == (0.7, False)
    broken = ratio_row(ctx, scenario="1 x", result=result(900.0, non_2xx=5), minimum=0.8)
    assert broken.passed is False
    assert "5 non-2xx/3xx" in broken.note


def test_ratio_row_without_hello_is_not_measured() -> None:
    row = ratio_row(FakeContext(hello_rps=0.0), scenario="1 x", result=result(5.0), minimum=0.8)
    assert row.passed is None
    assert row.value is None
    assert "hello was not measured" in row.note


def test_ratio_rounds_to_two_decimals() -> None:
    assert ratio(1234.0, 3000.0) == 0.41
    assert ratio(1.0, 0.0) is None


def rows_of_every_kind() -> list[Row]:
    return [
        Row("1 catalog", "sqlite", "rps ÷ hello rps", "900 rps", "1,000 rps", 0.9, "≥ 0.8", True),
        Row(
            "2 catalog | raw",
            "sqlite",
            "rps ÷ hello rps",
            "1 rps",
            "1,000 rps",
            0.0,
            "≥ 0.3",
            False,
        ),
        Row("6 playback", "postgresql", "—", "—", "—", None, "—", None, "error: boom"),
    ]


def test_console_table_shows_every_verdict_and_a_summary() -> None:
    text = report.render_table(rows_of_every_kind())
    lines = text.splitlines()
    assert lines[0].split()[:3] == ["SCENARIO", "BACKEND", "FIGURE"]
    assert "pass" in lines[2]
    assert "0.90" in lines[2]
    assert "FAIL" in lines[3]
    assert "not measured" in lines[4]
    assert "error: boom" in lines[4]
    assert lines[-1] == "1 passed, 1 failed, 1 not measured"


def test_markdown_has_machine_command_and_escaped_table(tmp_path: Path) -> None:
    machine_lines = [("CPU", "Test CPU, 2 CPUs"), ("Catalog size N", "200 courses")]
    path = report.write_results(
        rows_of_every_kind(),
        machine=machine_lines,
        command="BENCH_COURSES=200 python -m bench.run",
        meta={"sqlite": {"hello_start_rps": 1.0}},
        directory=tmp_path,
    )
    text = path.read_text()
    assert text.startswith("# Benchmark results")
    assert text.index("**CPU**: Test CPU") < text.index("| scenario |")
    assert "BENCH_COURSES=200 python -m bench.run" in text
    assert "| 2 catalog \\| raw |" in text
    assert "| not measured |" in text
    saved = json.loads((tmp_path / "latest.json").read_text())
    assert [r["passed"] for r in saved["rows"]] == [True, False, None]
    assert saved["machine"]["CPU"] == "Test CPU, 2 CPUs"


def test_rows_round_trip_through_json() -> None:
    row = rows_of_every_kind()[0]
    assert Row.from_json(json.loads(json.dumps(row.to_json()))) == row


def test_hello_rows_are_rebased_on_the_mean_hello() -> None:
    rows = rows_of_every_kind()
    rows[0].value, rows[0].passed = 0.84, True  # 840 rps against a start hello of 1,000
    rows[1].value, rows[1].passed = 0.25, False  # just under its 0.3 target
    errored = Row("3 x", "sqlite", "rps ÷ hello rps", "", "", 0.9, "≥ 0.5", False, "5 non-2xx")
    rows.append(errored)
    backend_run.rescale_hello_rows(rows, start=1000.0, end=1200.0)
    assert (rows[0].value, rows[0].passed, rows[0].reference) == (0.76, False, "1,100 rps")
    assert (rows[1].value, rows[1].passed) == (0.23, False)
    assert rows[2].value is None
    assert errored.passed is False  # failed for errors, whatever the ratio
    assert "unsteady" not in rows[0].note


def test_an_unsteady_hello_is_noted_on_every_hello_row() -> None:
    rows = rows_of_every_kind()
    backend_run.rescale_hello_rows(rows, start=100.0, end=1900.0)
    assert rows[0].value == 0.09  # 0.9 x 100 / 1000
    assert rows[0].passed is False
    assert "hello unsteady: 100 rps at start, 1,900 rps at end" in rows[0].note
    assert "unsteady" not in rows[2].note


# --- backend environment ------------------------------------------------------------------


def test_sqlite_env_drops_database_redis_and_s3_and_fixes_bench_settings() -> None:
    base = {
        "PATH": "/bin",
        "SYLLABUS_DATABASE_URL": "postgresql://u:p@h/db",
        "SYLLABUS_REDIS_URL": "redis://h/1",
        "SYLLABUS_S3_BUCKET": "b",
        "SYLLABUS_LOG_LEVEL": "DEBUG",
    }
    env = backend_run.backend_env("sqlite", 200, base)
    assert "SYLLABUS_DATABASE_URL" not in env
    assert "SYLLABUS_REDIS_URL" not in env
    assert "SYLLABUS_S3_BUCKET" not in env
    assert env["PATH"] == "/bin"
    assert env["SYLLABUS_LOG_LEVEL"] == "WARNING"
    assert env["SYLLABUS_LOGIN_RATE_PER_IP"] == "1000000/minute"
    assert env["SYLLABUS_SANDBOX_WEBHOOK_SECRET"] == "bench-sandbox-webhook-secret-0123456789"
    assert env["SYLLABUS_DATA_DIR"].endswith(os.path.join("var", "bench", "sqlite-200"))
    assert backend_run.sqlalchemy_url(env).startswith("sqlite:///")


def test_postgresql_env_keeps_the_given_urls() -> None:
    base = {
        "SYLLABUS_DATABASE_URL": "postgresql://u@h:5/bench",
        "SYLLABUS_REDIS_URL": "redis://h/12",
    }
    env = backend_run.backend_env("postgresql", 1000, base)
    assert env["SYLLABUS_DATABASE_URL"] == "postgresql://u@h:5/bench"
    assert env["SYLLABUS_REDIS_URL"] == "redis://h/12"
    assert env["SYLLABUS_DATA_DIR"].endswith("postgresql-1000")
    assert backend_run.sqlalchemy_url(env) == "postgresql+psycopg://u@h:5/bench"


def test_postgresql_backend_needs_a_postgresql_url() -> None:
    with pytest.raises(ValueError, match="postgresql"):
        backend_run.backend_env("postgresql", 10, {"SYLLABUS_DATABASE_URL": "sqlite:///x"})


def test_sibling_dataset_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BENCH_DATASET_REDIS_URL", raising=False)
    sibling = backend_run.sibling_database_url("postgresql://u:p@h:5/bench_h2?sslmode=off", 1000)
    assert sibling == "postgresql://u:p@h:5/bench_h2_c1000?sslmode=off"
    assert (
        backend_run.sibling_redis_url("redis://127.0.0.1:56379/12") == "redis://127.0.0.1:56379/13"
    )
    assert backend_run.sibling_redis_url("redis://h:1") == "redis://h:1/1"
    assert backend_run.sibling_redis_url("redis://h:1/15") == "redis://h:1/0"
    monkeypatch.setenv("BENCH_DATASET_REDIS_URL", "redis://h:1/5")
    assert backend_run.sibling_redis_url("redis://h:1/12") == "redis://h:1/5"


def test_config_and_backends_from_the_environment() -> None:
    config = backend_run.BenchConfig.from_env(
        {"BENCH_COURSES": "200", "BENCH_DURATION": "3", "BENCH_SCENARIOS": "1, 05,10"}
    )
    assert (config.courses, config.duration, config.workers, config.connections) == (
        200,
        3.0,
        2,
        32,
    )
    assert config.scenarios == {1, 5, 10}
    assert run.default_backends({}) == ["sqlite"]
    assert run.default_backends({"SYLLABUS_DATABASE_URL": "postgresql://x/y"}) == [
        "sqlite",
        "postgresql",
    ]


def test_scenarios_are_found_in_number_order_and_filtered(tmp_path: Path) -> None:
    for name in ("s10_memory.py", "s02_b.py", "s01_a.py", "_helper.py", "__init__.py"):
        (tmp_path / name).write_text("")
    found = backend_run.discover_scenarios(None, tmp_path)
    assert [s.name for s in found] == ["s01_a", "s02_b", "s10_memory"]
    assert [s.label for s in backend_run.discover_scenarios({10}, tmp_path)] == ["10 memory"]


def test_passwords_are_hidden_in_the_reported_command() -> None:
    text = run.redact("SYLLABUS_DATABASE_URL=postgresql://user:s3cret@127.0.0.1/db x")
    assert "s3cret" not in text
    assert "postgresql://user:***@127.0.0.1/db" in text


# --- scenario logic without a server --------------------------------------------------------


def test_search_rotation_uses_real_facet_values() -> None:
    facets = {
        "level": [{"value": "beginner", "count": 50}, {"value": "expert", "count": 10}],
        "language": [{"value": "en", "count": 90}],
        "category": [{"slug": "dev", "count": 40}, {"slug": "art", "count": 0}],
        "price": [
            {"price_max": 2000, "count": 5},
            {"price_max": 5000, "count": 5},
            {"price_max": None, "count": 1},
        ],
        "rating": [{"rating_min": 4.5}, {"rating_min": 4.0}, {"rating_min": 3.5}],
    }
    pairs = s05_search.filter_pairs(facets)
    assert pairs == [
        {"level": "beginner", "price_max": "5000"},
        {"language": "en", "rating_min": "4.0"},
        {"category": "dev", "free": "false"},
    ]
    paths = s05_search.search_paths(("python", "excel"), pairs)
    assert len(paths) == 6
    assert paths[0] == "/api/v1/courses?q=python&level=beginner&price_max=5000"


def test_playback_uses_the_first_lesson_of_the_first_section() -> None:
    detail = {
        "curriculum": [
            {"position": 2, "lessons": [{"id": "late", "position": 1}]},
            {"position": 1, "lessons": [{"id": "b", "position": 2}, {"id": "a", "position": 1}]},
        ]
    }
    assert s06_playback.first_lesson(detail)["id"] == "a"


STATUS_SAMPLE = """Name:\tsyllabus
VmPeak:\t  400000 kB
VmRSS:\t  143360 kB
RssAnon:\t   90000 kB
"""

ROLLUP_SAMPLE = """55d0c0000000-7ffd5e1f6000 ---p 00000000 00:00 0                          [rollup]
Rss:              143360 kB
Pss:              102400 kB
Pss_Anon:          90000 kB
Pss_File:          12400 kB
"""


def test_rss_and_pss_are_read_from_proc_text() -> None:
    assert s10_idle_memory.rss_kib(STATUS_SAMPLE) == 143360
    assert s10_idle_memory.pss_kib(ROLLUP_SAMPLE) == 102400
    assert s10_idle_memory.pss_kib("Rss: 5 kB\n") == 0


def test_tree_memory_sums_processes_and_skips_vanished_ones(tmp_path: Path) -> None:
    for pid in (10, 11):
        (tmp_path / str(pid)).mkdir()
        (tmp_path / str(pid) / "status").write_text(STATUS_SAMPLE)
        (tmp_path / str(pid) / "smaps_rollup").write_text(ROLLUP_SAMPLE)
    memory = s10_idle_memory.tree_memory([10, 11, 12], proc=tmp_path)
    assert memory.processes == 2
    assert memory.pss_mib == pytest.approx(200.0)
    assert memory.rss_mib == pytest.approx(280.0)


def test_machine_facts_are_parsed_from_proc_text() -> None:
    assert machine.cpu_model("processor\t: 0\nmodel name\t: Test CPU @ 2GHz\n") == "Test CPU @ 2GHz"
    assert machine.memory_total("MemTotal:        8388608 kB\n") == "8.0 GiB"


# --- end to end ------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed")
def test_hello_under_wrk_reports_statuses_through_the_lua_script(tmp_path: Path) -> None:
    from bench.servers import hello_server

    server = hello_server(dict(os.environ), workers=1).start()
    try:
        measured = run_wrk(server.base_url + "/", connections=4, duration=1)
        missing = run_wrk(server.base_url + "/missing", connections=2, duration=1)
    finally:
        server.stop()
    assert not server.running()
    assert measured.requests > 0
    assert measured.statuses == {200: measured.requests}
    assert measured.failed_requests == 0
    assert 0 < measured.p50_ms <= measured.p95_ms <= measured.p99_ms
    assert missing.non_2xx_3xx == missing.requests > 0
    assert missing.statuses == {404: missing.requests}
    row = ratio_row(FakeContext(measured.rps), scenario="hello", result=measured, minimum=0.8)
    path = report.write_results([row], machine=[], command="test", meta={}, directory=tmp_path)
    assert "| pass |" in path.read_text()
