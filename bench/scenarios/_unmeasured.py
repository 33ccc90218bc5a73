"""Rows for figures a scenario could not measure, or measured as wrong."""

from __future__ import annotations

from bench.harness import Context, Row


def problem_row(
    ctx: Context,
    *,
    scenario: str,
    figure: str,
    target: str,
    note: str,
    passed: bool | None = None,
    ours: str = "—",
) -> Row:
    """A row without a figure: `passed=None` when not measured, False when wrong."""
    return Row(
        scenario=scenario,
        backend=ctx.backend,
        figure=figure,
        ours=ours,
        reference="—",
        value=None,
        target=target,
        passed=passed,
        note=note,
    )


def error_text(exc: BaseException) -> str:
    """One line naming the error, short enough for the table's note."""
    text = " ".join(str(exc).split())
    if len(text) > 300:
        text = text[:297] + "..."
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
