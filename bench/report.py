"""Rendering result rows: one console table, bench/results/latest.md and latest.json."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.harness import Row

RESULTS_DIR = Path(__file__).resolve().parent / "results"
COLUMNS = (
    "scenario",
    "backend",
    "figure",
    "ours",
    "reference",
    "ratio/value",
    "target",
    "result",
    "note",
)


def verdict(passed: bool | None) -> str:
    if passed is None:
        return "not measured"
    return "pass" if passed else "FAIL"


def format_value(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:,.2f}" if abs(value) < 1000 else f"{value:,.0f}"


def cells(row: Row) -> list[str]:
    return [
        row.scenario,
        row.backend,
        row.figure,
        row.ours,
        row.reference,
        format_value(row.value),
        row.target,
        verdict(row.passed),
        row.note,
    ]


def summary_line(rows: Sequence[Row]) -> str:
    passed = sum(1 for r in rows if r.passed is True)
    failed = sum(1 for r in rows if r.passed is False)
    missing = sum(1 for r in rows if r.passed is None)
    return f"{passed} passed, {failed} failed, {missing} not measured"


def render_table(rows: Sequence[Row], *, note_width: int = 60) -> str:
    """Fixed-width text table for the terminal (long notes are cut; latest.md has them whole)."""
    body = []
    for row in rows:
        line = cells(row)
        if len(line[-1]) > note_width:
            line[-1] = line[-1][: note_width - 1] + "…"
        body.append([" ".join(c.split()) for c in line])
    header = [c.upper() for c in COLUMNS]
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(COLUMNS))]

    def fmt(line: list[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([fmt(header), rule, *(fmt(r) for r in body), "", summary_line(rows)])


def _md_cell(text: str) -> str:
    return " ".join(text.replace("|", "\\|").split()) or " "


def render_markdown(
    rows: Sequence[Row], *, machine: Sequence[tuple[str, str]], command: str
) -> str:
    lines = ["# Benchmark results", "", "## Machine and run", ""]
    lines += [f"- **{key}**: {_md_cell(value)}" for key, value in machine]
    lines += ["", "Command:", "", "```", command, "```", "", "## Results", ""]
    lines.append("| " + " | ".join(COLUMNS) + " |")
    lines.append("|" + "|".join("---" for _ in COLUMNS) + "|")
    lines += ["| " + " | ".join(_md_cell(c) for c in cells(row)) + " |" for row in rows]
    lines += ["", summary_line(rows), ""]
    return "\n".join(lines)


def write_results(
    rows: Sequence[Row],
    *,
    machine: Sequence[tuple[str, str]],
    command: str,
    meta: dict[str, Any],
    directory: Path = RESULTS_DIR,
) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    md_path = directory / "latest.md"
    md_path.write_text(render_markdown(rows, machine=machine, command=command))
    payload = {
        "machine": dict(machine),
        "command": command,
        "meta": meta,
        "rows": [row.to_json() for row in rows],
    }
    (directory / "latest.json").write_text(json.dumps(payload, indent=2, ensure_ascii=False))
    return md_path
