"""Settings: every knob is a `SYLLABUS_*` environment variable with an embedded default.

The defaults run the whole system on one laptop (SQLite, in-process cache,
SQLite queue, local media folder, `.eml` outbox). Production engines are
chosen by setting their URLs; `SYLLABUS_ENV=production` refuses the
development secret and, unless explicitly allowed, SQLite.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# Public on purpose: production refuses to start with it.
DEV_SECRET_KEY = "dev-secret-change-me-in-production-0000000000000000"  # noqa: S105
DEV_SANDBOX_WEBHOOK_SECRET = "sandbox-webhook-secret-for-development"  # noqa: S105


MAX_DEFAULT_WEB_WORKERS = 2


def default_web_workers() -> int:
    """Web workers when unset: the CPUs this process may use, at most two."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, MAX_DEFAULT_WEB_WORKERS))


class ConfigError(RuntimeError):
    """The configuration cannot be used as given; the message says how to fix it."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SYLLABUS_", extra="ignore", env_file=None)

    # --- runtime -----------------------------------------------------------
    env: Literal["development", "test", "production"] = "development"
    secret_key: str = Field(DEV_SECRET_KEY, min_length=32)
    base_url: str = "http://127.0.0.1:8000"
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    # One per CPU, at most 2: a worker costs about 100 MiB idle, and `make run`
    # (web and jobs) stays under 300 MiB with two (docs: README, PERFORMANCE).
    web_workers: int = Field(default_factory=default_web_workers, ge=1, le=64)
    # Proxies whose X-Forwarded-For / -Proto `syllabus serve` believes (comma list, "*": any).
    forwarded_allow_ips: str = Field("127.0.0.1", min_length=1, max_length=1000)
    data_dir: Path = Path("./var")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_json: bool = False
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    max_body_bytes: int = Field(1024 * 1024, ge=1024)
    # Largest multipart or chunk request body; per-purpose caps are below.
    max_upload_bytes: int = Field(2 * 1024**3, ge=1024)

    # --- accounts and sessions --------------------------------------------------
    access_token_ttl_seconds: int = Field(900, ge=60, le=24 * 3600)
    refresh_token_ttl_days: int = Field(30, ge=1, le=365)
    # Extra signing keys by kid, so tokens signed with a retired key stay
    # valid until they expire; new tokens use `jwt_active_kid`.
    jwt_keys: dict[str, str] = Field(default_factory=dict)
    jwt_active_kid: str = "main"
    activation_code_ttl_minutes: int = Field(15, ge=1, le=24 * 60)
    password_reset_ttl_minutes: int = Field(60, ge=5, le=24 * 60)
    instructor_auto_approve: bool = False
    login_rate_per_ip: str = "20/minute"
    login_rate_per_account: str = "5/minute"
    register_rate_per_ip: str = "10/hour"
    # Webhook deliveries with a bad signature one address may send; genuine ones are never limited.
    webhook_invalid_rate_per_ip: str = Field("30/minute", min_length=3, max_length=40)
    oauth_google_client_id: str | None = None
    oauth_google_client_secret: str | None = None
    oauth_github_client_id: str | None = None
    oauth_github_client_secret: str | None = None
    oauth_oidc_name: str = "SSO"
    oauth_oidc_issuer: str | None = None
    oauth_oidc_client_id: str | None = None
    oauth_oidc_client_secret: str | None = None

    # --- database ----------------------------------------------------------
    database_url: str | None = None
    database_pool_size: int = Field(10, ge=1, le=200)
    allow_sqlite_in_production: bool = False

    # --- cache, rate limits and queue on Redis when set ---------------------
    redis_url: str | None = None
    cache_enabled: bool = True
    cache_ttl_seconds: int = Field(300, ge=1)
    cache_max_entries: int = Field(10_000, ge=10)

    # --- jobs ------------------------------------------------------------------
    jobs_in_process: bool = True
    job_workers: int = Field(2, ge=1, le=64)
    # Transcoding threads per process: each runs ffmpeg, which takes every core it gets.
    media_job_workers: int = Field(1, ge=1, le=16)
    # A committed outbox message not done after this long is handed to the queue again.
    outbox_redispatch_seconds: int = Field(300, ge=1)

    # --- analytics -------------------------------------------------------------
    # IANA zone whose calendar days and months the dashboards count in (storage stays UTC).
    timezone: str = Field("UTC", min_length=1, max_length=64)

    # --- learning --------------------------------------------------------------
    # A video lesson counts complete once this percent of it has been watched.
    video_complete_percent: int = Field(90, ge=1, le=100)

    # --- community and notifications ------------------------------------------
    # Read notifications older than this are deleted by a daily job.
    notification_retention_days: int = Field(30, ge=1, le=3650)
    # How often open pages ask for the unread count (the header badge).
    notification_poll_seconds: int = Field(15, ge=1, le=3600)
    # Recipients per job when an announcement or newsletter fans out.
    fanout_batch_size: int = Field(200, ge=1, le=5000)
    # Direct messages one user may send (limits syntax: "20/minute").
    message_rate_limit: str = Field("20/minute", min_length=3, max_length=40)
    # Failed email: first retry after this many seconds, doubling each time.
    mail_retry_base_seconds: int = Field(30, ge=1, le=3600)

    # --- media storage -------------------------------------------------------
    storage_backend: Literal["local", "s3"] = "local"
    s3_bucket: str | None = None
    s3_endpoint_url: str | None = None
    # Where browsers reach the bucket when that differs from s3_endpoint_url
    # (MinIO behind the site's own proxy): presigned URLs are signed for it.
    s3_public_endpoint_url: str | None = None
    s3_region: str = "us-east-1"
    s3_access_key_id: str | None = None
    s3_secret_access_key: str | None = None
    media_url_ttl_seconds: int = Field(900, ge=10, le=7 * 24 * 3600)

    # --- media uploads and video -------------------------------------------------
    # Per-purpose caps; pictures are capped at 5 MB (kit/images.py).
    max_video_bytes: int = Field(2 * 1024**3, ge=1024)
    max_attachment_bytes: int = Field(100 * 1024**2, ge=1024)
    # Resumable uploads: the largest chunk accepted, and how long an unfinished one lives.
    upload_chunk_bytes: int = Field(8 * 1024**2, ge=64 * 1024, le=64 * 1024**2)
    upload_expiry_hours: int = Field(24, ge=1, le=24 * 14)
    # An ffmpeg binary to use instead of PATH's or the imageio-ffmpeg wheel's.
    ffmpeg_path: str | None = None
    # HLS rendition heights; a source is never upscaled.
    hls_ladder: Annotated[list[int], NoDecode] = Field(default_factory=lambda: [360, 720, 1080])
    transcode_max_attempts: int = Field(3, ge=1, le=10)
    transcode_timeout_seconds: int = Field(3600, ge=30, le=24 * 3600)
    # Signed playback URLs live this long; the player renews them before they lapse.
    playback_url_ttl_seconds: int = Field(1800, ge=30, le=24 * 3600)

    # --- commerce --------------------------------------------------------------
    # Days after a sale in which the buyer may get a refund; earnings wait as long.
    refund_window_days: int = Field(30, ge=0, le=365)
    # Percent of each sale that goes to the instructor; the rest is the platform fee.
    instructor_share_percent: int = Field(70, ge=0, le=100)
    # Share when the sale came through the instructor's own coupon.
    instructor_coupon_share_percent: int = Field(97, ge=0, le=100)
    # A checkout not paid within this many minutes expires and frees its coupon.
    checkout_expiry_minutes: int = Field(60, ge=5, le=7 * 24 * 60)
    sandbox_payments_enabled: bool = True
    sandbox_webhook_secret: str = Field(DEV_SANDBOX_WEBHOOK_SECRET, min_length=16)
    stripe_secret_key: str | None = None
    stripe_publishable_key: str | None = None
    stripe_webhook_secret: str | None = None
    # Only for tests and proxies: where the Stripe SDK sends API calls.
    stripe_api_base: str | None = None
    razorpay_key_id: str | None = None
    razorpay_key_secret: str | None = None
    razorpay_webhook_secret: str | None = None
    razorpay_api_base: str | None = None
    paypal_client_id: str | None = None
    paypal_client_secret: str | None = None
    paypal_webhook_id: str | None = None
    paypal_api_base: str = "https://api-m.sandbox.paypal.com"

    # --- email -----------------------------------------------------------------
    mail_backend: Literal["file", "smtp"] = "file"
    mail_from: str = "Syllabus <no-reply@syllabus.local>"
    smtp_host: str = "localhost"
    smtp_port: int = Field(587, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = True
    smtp_ssl: bool = False
    smtp_timeout_seconds: float = Field(10.0, gt=0)

    # --- live lessons ------------------------------------------------------------
    # BigBlueButton's API (`bbb-conf --secret` prints both); Jitsi otherwise.
    bbb_url: str | None = None
    bbb_secret: SecretStr | None = None
    jitsi_url: str = "https://meet.jit.si"
    # With both set, Jitsi join links carry a signed JWT (HS256, prosody token auth).
    jitsi_app_id: str | None = None
    jitsi_key: SecretStr | None = None
    # JaaS: the key's id (`vpaas-magic-cookie-…/abc123`), sent as the JWT's `kid`.
    jitsi_key_id: str | None = Field(None, max_length=200)
    # Empty: "bbb" when SYLLABUS_BBB_URL is set, else "jitsi".
    live_provider: Literal["bbb", "jitsi"] | None = None

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [item.strip() for item in text.split(",") if item.strip()]
        return value

    @field_validator("hls_ladder", mode="before")
    @classmethod
    def _split_ladder(cls, value: object) -> object:
        if isinstance(value, str):
            return [int(item) for item in value.replace(" ", "").split(",") if item]
        return value

    @field_validator("hls_ladder")
    @classmethod
    def _ladder_heights(cls, value: list[int]) -> list[int]:
        if not value or any(not 144 <= height <= 2160 or height % 2 for height in value):
            raise ValueError("hls_ladder needs even heights between 144 and 2160")
        return sorted(set(value))

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"timezone {value!r} is not an IANA time zone name") from exc
        return value

    @model_validator(mode="after")
    def _jaas_key_has_its_id(self) -> Settings:
        key = self.jitsi_key.get_secret_value() if self.jitsi_key else ""
        if key.lstrip().startswith("-----BEGIN") and not self.jitsi_key_id:
            raise ValueError(
                "SYLLABUS_JITSI_KEY is a JaaS private key: set SYLLABUS_JITSI_KEY_ID to its key id"
            )
        return self

    @model_validator(mode="after")
    def _active_kid_exists(self) -> Settings:
        if self.jwt_active_kid not in self.signing_keys:
            raise ValueError(f"jwt_active_kid {self.jwt_active_kid!r} is not in jwt_keys")
        return self

    # --- derived -------------------------------------------------------------
    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            url = self.database_url
            # Plain postgres URLs mean psycopg 3, the driver we ship.
            for prefix in ("postgres://", "postgresql://"):
                if url.startswith(prefix):
                    return "postgresql+psycopg://" + url[len(prefix) :]
            return url
        return f"sqlite:///{(self.data_dir / 'syllabus.db').resolve()}"

    @property
    def uses_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")

    @property
    def signing_keys(self) -> dict[str, str]:
        """JWT keys by kid: "main" is the secret key, `jwt_keys` adds more."""
        return {"main": self.secret_key, **self.jwt_keys}

    @property
    def cookie_secure(self) -> bool:
        return self.is_production or self.base_url.startswith("https://")

    @property
    def payment_providers(self) -> list[str]:
        """Providers the checkout offers: sandbox when on, the others once their keys are set."""
        enabled = ["sandbox"] if self.sandbox_payments_enabled else []
        if self.stripe_secret_key and self.stripe_webhook_secret:
            enabled.append("stripe")
        if self.razorpay_key_id and self.razorpay_key_secret and self.razorpay_webhook_secret:
            enabled.append("razorpay")
        if self.paypal_client_id and self.paypal_client_secret and self.paypal_webhook_id:
            enabled.append("paypal")
        return enabled

    @property
    def resolved_live_provider(self) -> Literal["bbb", "jitsi"]:
        if self.live_provider is not None:
            return self.live_provider
        return "bbb" if self.bbb_url and self.bbb_secret else "jitsi"

    @property
    def media_dir(self) -> Path:
        return self.data_dir / "media"

    @property
    def mail_dir(self) -> Path:
        return self.data_dir / "mail"

    @property
    def queue_path(self) -> Path:
        return self.data_dir / "queue.db"

    def check_production(self) -> None:
        """Refuse settings that are only safe on a developer's laptop."""
        if not self.is_production:
            return
        problems = []
        if self.secret_key == DEV_SECRET_KEY:
            problems.append(
                "SYLLABUS_SECRET_KEY is the development default; set a random value "
                "of at least 32 characters (e.g. `python -c 'import secrets; "
                "print(secrets.token_urlsafe(48))'`)."
            )
        if self.uses_sqlite and not self.allow_sqlite_in_production:
            problems.append(
                "SYLLABUS_DATABASE_URL points at SQLite; use PostgreSQL in production "
                "or set SYLLABUS_ALLOW_SQLITE_IN_PRODUCTION=true for a single-machine install."
            )
        if self.sandbox_payments_enabled and self.sandbox_webhook_secret == (
            DEV_SANDBOX_WEBHOOK_SECRET
        ):
            problems.append(
                "The sandbox payment gateway is on with its development webhook secret; "
                "set SYLLABUS_SANDBOX_PAYMENTS_ENABLED=false "
                "(or a random SYLLABUS_SANDBOX_WEBHOOK_SECRET)."
            )
        if self.storage_backend == "s3" and not self.s3_bucket:
            problems.append("SYLLABUS_STORAGE_BACKEND=s3 needs SYLLABUS_S3_BUCKET.")
        if problems:
            raise ConfigError("Refusing to start in production:\n- " + "\n- ".join(problems))


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
