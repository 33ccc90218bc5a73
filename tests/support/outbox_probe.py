"""An outbox handler whose runs can be counted: it appends one line to a file per run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from syllabus.kit import outbox

RECORD = "test.record"


@outbox.handler(RECORD)
def _record(_session: Session, payload: dict[str, Any]) -> None:
    with open(payload["file"], "a", encoding="utf-8") as fh:
        fh.write(payload["text"] + "\n")


def recorded_lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []
