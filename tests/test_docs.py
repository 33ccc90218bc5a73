"""The README stays true: it starts with the two commands and documents every setting."""

from __future__ import annotations

from pathlib import Path

from syllabus.config import Settings

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_readme_starts_with_the_two_commands() -> None:
    first_block = README.split("```", 2)[1]
    commands = [line.split("#")[0].strip() for line in first_block.splitlines()[1:] if line.strip()]
    assert commands == ["make run", "make test"]


def test_every_setting_is_in_the_configuration_table() -> None:
    missing = [
        f"SYLLABUS_{name.upper()}"
        for name in Settings.model_fields
        if f"`SYLLABUS_{name.upper()}`" not in README
    ]
    assert missing == [], f"settings missing from README: {missing}"
