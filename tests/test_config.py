"""Settings refuse what is only safe on a laptop when SYLLABUS_ENV=production."""

from __future__ import annotations

import subprocess
import sys

import pytest

from syllabus.config import DEV_SECRET_KEY, ConfigError, Settings

STRONG = "k" * 48


def test_development_defaults_are_embedded(tmp_path) -> None:
    settings = Settings(data_dir=tmp_path)
    assert settings.uses_sqlite
    assert settings.resolved_database_url.endswith("syllabus.db")
    assert settings.storage_backend == "local"
    assert settings.mail_backend == "file"
    settings.check_production()  # no-op outside production


def test_production_refuses_default_secret() -> None:
    settings = Settings(env="production", database_url="postgresql://db/syllabus")
    with pytest.raises(ConfigError, match="SYLLABUS_SECRET_KEY"):
        settings.check_production()


def test_production_refuses_sqlite_unless_allowed() -> None:
    with pytest.raises(ConfigError, match="SQLite"):
        Settings(env="production", secret_key=STRONG).check_production()
    Settings(
        env="production",
        secret_key=STRONG,
        allow_sqlite_in_production=True,
        sandbox_payments_enabled=False,
    ).check_production()


def test_production_accepts_real_settings() -> None:
    settings = Settings(
        env="production",
        secret_key=STRONG,
        database_url="postgres://u:p@db/s",
        sandbox_payments_enabled=False,
    )
    settings.check_production()
    assert settings.resolved_database_url.startswith("postgresql+psycopg://")


def test_production_refuses_the_sandbox_gateway_with_its_public_secret() -> None:
    real = {"env": "production", "secret_key": STRONG, "database_url": "postgres://u:p@db/s"}
    with pytest.raises(ConfigError, match="SYLLABUS_SANDBOX_PAYMENTS_ENABLED"):
        Settings(**real).check_production()
    # A deliberately kept sandbox (a demo site) needs its own secret.
    Settings(**real, sandbox_webhook_secret="s" * 32).check_production()


def test_short_secret_is_malformed() -> None:
    with pytest.raises(ValueError, match="secret_key"):
        Settings(secret_key="short")


def test_cors_origins_accept_a_comma_list(monkeypatch) -> None:
    monkeypatch.setenv("SYLLABUS_CORS_ORIGINS", "https://a.example, https://b.example")
    assert Settings().cors_origins == ["https://a.example", "https://b.example"]


def test_cli_refuses_to_serve_with_a_clear_message(tmp_path) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "SYLLABUS_ENV": "production",
        "SYLLABUS_SECRET_KEY": DEV_SECRET_KEY,
        "SYLLABUS_DATA_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "-m", "syllabus", "serve"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "Refusing to start in production" in result.stderr
    assert "SYLLABUS_SECRET_KEY" in result.stderr
