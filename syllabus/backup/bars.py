"""Terminal progress for `syllabus backup` and `syllabus restore`: one bar per phase."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack

import typer


class PhaseBars:
    """Implements `archive.Progress` with typer's progress bars, as the other commands do."""

    def __init__(self, stack: ExitStack) -> None:
        self.stack = stack
        self.update: Callable[[int], None] = lambda _done: None

    def phase(self, label: str, total: int) -> None:
        self.stack.close()  # the previous bar ends its line
        bar = typer.progressbar(length=max(total, 1), label=label, show_pos=total > 1)
        self.update = self.stack.enter_context(bar).update

    def advance(self, done: int) -> None:
        self.update(done)
