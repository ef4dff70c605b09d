"""Settings read from the environment and `.env`.

Built in :func:`bot.__main__.main` (never at import time) so that a missing token
is reported as one clear line instead of a traceback.
"""

from __future__ import annotations

import re
from datetime import time as dt_time
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

HHMM_RE = re.compile(r"^(\d{1,2}):(\d{2})$", re.ASCII)
TOKEN_RE = re.compile(r"^\d{3,20}:[A-Za-z0-9_-]{30,60}$")
SUPPORTED_LANGUAGES = ("ru", "en")
SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{16,256}$")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    bot_token: SecretStr
    database_url: str = "sqlite+aiosqlite:///data/teamdesk.db"
    telegram_api_url: str = "https://api.telegram.org"
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    timezone: str = "Europe/Moscow"
    default_language: str = "ru"
    invite_ttl_hours: int = Field(default=168, ge=1, le=24 * 90)
    holiday_country: str = "RU"
    # reporting: a revision must be done within this many *working hours*: clock hours that fall on
    # working days (Mon-Fri minus public holidays of HOLIDAY_COUNTRY) in the author's time zone;
    # e.g. 24 means a revision received Friday 15:00 is due Monday 15:00
    revision_deadline_hours: int = Field(default=24, ge=1, le=24 * 30)
    # the client cabinet: a unit waiting this many working hours for a client decision reminds the client once,
    # and at twice that tells the project's managers
    client_approval_hours: int = Field(default=24, ge=1, le=24 * 30)
    # leads: a hand-off to sales nobody took within this many working hours tells the sales department's
    # managers, once; moving a lead to the stage with key LEAD_HANDOFF_STAGE hands it over; phones typed without
    # a country code are read in LEAD_PHONE_REGION
    handoff_sla_hours: int = Field(default=2, ge=1, le=24 * 30)
    lead_handoff_stage: str = Field(default="application", min_length=1, max_length=32)
    lead_phone_region: str = Field(default="RU", pattern=r"^[A-Z]{2}$")
    quality_rise_share: float = Field(default=0.5, ge=0, le=10)  # +50% revisions per unit → flagged
    quality_min_units: int = Field(default=5, ge=1, le=1000)  # ...on at least this many units
    edit_window_hours: int = Field(default=24, ge=0, le=24 * 30)  # authors edit/delete their units this long
    undo_minutes: int = Field(default=10, ge=0, le=24 * 60)  # a unit's state change can be undone this long
    title_max: int = Field(default=300, ge=10, le=300)  # longest unit title (the column holds 300)
    redis_url: str = ""
    # half-filled forms (conversation state, e.g. an anonymous rating draft) are forgotten after this long
    form_ttl_hours: int = Field(default=24, ge=1, le=24 * 7)
    # peer ratings: aggregate-mode threshold, HMAC secret for rater pseudonyms, leaderboard minimum
    rating_threshold_k: int = Field(default=3, ge=1, le=100)
    rating_secret: SecretStr | None = None
    rating_top_min: int = Field(default=3, ge=1, le=1000)

    # --- scheduler: digests, lag warnings, reminders (docs/scheduler.md) ---
    scheduler_enabled: bool = True
    digest_grace_hours: int = Field(default=6, ge=0, le=48)
    daily_digest_time: str = "09:00"
    digest_prepare_minutes: int = Field(default=30, ge=0, le=720)
    lag_warning_days: float = Field(default=2.0, gt=0, le=31)
    lag_check_minutes: int = Field(default=15, ge=1, le=1440)
    remind_at: str = "18:00"
    notify_hours: str = "09:00-21:00"
    rating_reminder_days: int = Field(default=3, ge=1, le=28)
    # courses: a learner without progress for this many working days gets one nudge
    course_nudge_days: int = Field(default=3, ge=1, le=60)
    # --- tasks (docs/tasks.md) ---
    task_overdue_hours: int = Field(default=4, ge=1, le=24 * 14)  # overdue reminder; twice that: the manager
    task_agenda_time: str = "09:00"  # the morning agenda, member's zone, working days
    chart_workers: int = Field(default=2, ge=1, le=32)
    chart_mode: str = "process"
    send_rate: float = Field(default=30.0, gt=0, le=1000)
    send_chat_interval: float = Field(default=1.0, ge=0, le=60)
    send_concurrency: int = Field(default=8, ge=1, le=100)
    # --- SMM accounts (docs/smm.md) ---
    smm_drop_share: float = Field(default=0.3, gt=0, le=1)  # a fall of more than 30% week over week is flagged
    smm_form_at: str = "10:00"  # the weekly figures form, reminders and the manager's note (member's zone)

    # --- the web server: the dashboard Mini App, the sandbox (docs/sandbox.md) ---
    # the public HTTPS address of the bot's web server (a reverse proxy in front of it); /dashboard needs it
    web_base_url: str = ""
    # sandbox mode (python -m bot sandbox, or no BOT_TOKEN): the web chat's address and the sandbox database
    sandbox_host: str = "127.0.0.1"
    sandbox_port: int = Field(default=8080, ge=0, le=65535)
    sandbox_database_url: str = "sqlite+aiosqlite:///data/sandbox.db"

    # --- running as a service (docs/deploy.md) ---
    webhook_url: str = ""  # empty: long polling
    webhook_secret: SecretStr | None = None  # required with WEBHOOK_URL: Telegram's X-Telegram-Bot-Api-Secret-Token
    webhook_max_connections: int = Field(default=40, ge=1, le=100)
    web_host: str = "127.0.0.1"
    web_port: int = Field(default=8080, ge=0, le=65535)  # 0: no web server (polling only)
    metrics_token: SecretStr | None = None  # /metrics needs "Authorization: Bearer <token>"; unset: loopback only
    leader_lease_seconds: int = Field(default=30, ge=2, le=600)
    shutdown_seconds: float = Field(default=10.0, ge=0, le=300)
    log_format: str = "text"

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr) -> SecretStr:
        if not TOKEN_RE.match(value.get_secret_value().strip()):
            raise ValueError("does not look like a token from @BotFather (123456:ABC...)")
        return SecretStr(value.get_secret_value().strip())

    @field_validator("webhook_secret", "metrics_token")
    @classmethod
    def _service_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        secret = value.get_secret_value().strip()
        if not SECRET_RE.fullmatch(secret):
            raise ValueError("must be 16-256 characters A-Z, a-z, 0-9, _ or - (e.g. `openssl rand -hex 32`)")
        return SecretStr(secret)

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url(cls, value: str) -> str:
        value = value.strip()
        if value and not value.startswith(("https://", "http://")):
            raise ValueError("must be the public https:// address Telegram posts updates to")
        return value

    @field_validator("log_format")
    @classmethod
    def _log_format(cls, value: str) -> str:
        value = value.strip().lower()
        if value not in ("text", "json"):
            raise ValueError("must be text or json")
        return value

    @model_validator(mode="after")
    def _webhook_needs_secret(self) -> Settings:
        if self.webhook_url and self.webhook_secret is None:
            raise ValueError("WEBHOOK_SECRET is required when WEBHOOK_URL is set")
        if self.webhook_url and self.web_port == 0:
            raise ValueError("WEB_PORT must not be 0 when WEBHOOK_URL is set")
        return self

    @property
    def webhook_path(self) -> str:
        """The path the web server takes webhook updates on: the path of WEBHOOK_URL (default /webhook)."""
        from urllib.parse import urlsplit

        return urlsplit(self.webhook_url).path or "/webhook"

    @field_validator("rating_secret")
    @classmethod
    def _rating_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        if len(value.get_secret_value().strip().encode()) < 16:
            raise ValueError("must be at least 16 characters (e.g. `openssl rand -hex 32`)")
        return SecretStr(value.get_secret_value().strip())

    def rating_key(self) -> bytes:
        """The HMAC secret for rater pseudonyms: RATING_SECRET, else derived from the bot token.

        Deriving from the token means nothing extra to configure, but rotating the token then changes
        every rater key (a rater could rate again for the current period); set RATING_SECRET to avoid it.
        """
        if self.rating_secret is not None:
            return self.rating_secret.get_secret_value().encode()
        import hashlib
        import hmac

        return hmac.new(self.bot_token.get_secret_value().encode(), b"teamdesk:rating-secret:v1",
                        hashlib.sha256).digest()

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _parse_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p for p in re.split(r"[,\s]+", value.strip()) if p]
            try:
                return frozenset(int(p) for p in parts)
            except ValueError as exc:
                raise ValueError("must be Telegram user ids separated by commas") from exc
        if isinstance(value, int):
            return frozenset({value})
        return value

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (use an IANA name like Europe/Moscow)") from exc
        return value

    @field_validator("daily_digest_time", "remind_at", "smm_form_at", "task_agenda_time")
    @classmethod
    def _hhmm(cls, value: str) -> str:
        parse_hhmm(value)
        return value.strip()

    @field_validator("notify_hours")
    @classmethod
    def _window(cls, value: str) -> str:
        start, sep, end = value.strip().partition("-")
        if not sep or parse_hhmm(start) >= parse_hhmm(end):
            raise ValueError("must be a day-time window like 09:00-21:00")
        return value.strip()

    @field_validator("chart_mode")
    @classmethod
    def _chart_mode(cls, value: str) -> str:
        value = value.strip().lower()
        if value not in ("process", "thread"):
            raise ValueError("must be process or thread")
        return value

    @property
    def notify_window(self) -> tuple[dt_time, dt_time]:
        start, _, end = self.notify_hours.partition("-")
        return parse_hhmm(start), parse_hhmm(end)

    @field_validator("default_language")
    @classmethod
    def _lang(cls, value: str) -> str:
        value = value.strip().lower()
        if value not in SUPPORTED_LANGUAGES:
            raise ValueError(f"must be one of {', '.join(SUPPORTED_LANGUAGES)}")
        return value

    @field_validator("telegram_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @field_validator("web_base_url")
    @classmethod
    def _web_base_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must start with https:// (or http:// in the sandbox)")
        return value

    def ensure_data_dir(self) -> None:
        """Create the folder of a file-based SQLite database."""
        prefix = "sqlite+aiosqlite:///"
        if self.database_url.startswith(prefix):
            path = self.database_url[len(prefix):]
            if path and path != ":memory:":
                Path(path).expanduser().parent.mkdir(parents=True, exist_ok=True)


def parse_hhmm(value: str) -> dt_time:
    """``"09:00"`` → ``time(9, 0)``; ValueError on anything else."""
    match = HHMM_RE.fullmatch(value.strip())
    if not match:
        raise ValueError(f"{value!r} is not a time like 09:00")
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        raise ValueError(f"{value!r} is not a time like 09:00")
    return dt_time(hour, minute)


def format_settings_error(exc: Exception) -> str:
    """One line naming the failing setting(s), for the console."""
    from pydantic import ValidationError

    if isinstance(exc, ValidationError):
        parts = []
        for err in exc.errors():
            name = str(err["loc"][0]).upper() if err.get("loc") else "settings"
            msg = "is missing" if err["type"] == "missing" else err["msg"].removeprefix("Value error, ")
            parts.append(f"{name} {msg}")
        return "teamdesk: configuration error: " + "; ".join(parts)
    return f"teamdesk: configuration error: {exc}"
