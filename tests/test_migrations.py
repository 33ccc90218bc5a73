"""Migrations: one head, `upgrade head` works from empty, and models agree with them."""

from __future__ import annotations

from alembic.script import ScriptDirectory

from syllabus.kit.migrate import alembic_config, check


def test_single_head() -> None:
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    assert len(heads) == 1, f"several heads: {heads}"


def test_models_match_migrations(database, base_settings) -> None:
    # `database` has run `upgrade head` on an empty database of this engine.
    check(base_settings.resolved_database_url)
