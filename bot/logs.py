"""Logging: plain text or one JSON object per line (``LOG_FORMAT``), never a secret or personal contact.

Every line goes through :class:`Redactor`: the bot token (also inside a Bot API URL), ``RATING_SECRET``,
``WEBHOOK_SECRET``, ``METRICS_TOKEN``, the database and Redis passwords, anything shaped like a bot
token, phone numbers and e-mail addresses are replaced before the line is written.

JSON lines carry ``time``, ``level``, ``logger``, ``message``, and ``update_id`` / ``member_id`` while an
update is handled (set by :mod:`bot.inbox` and the context middleware through the context variables
below), plus ``exception`` with the traceback.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
from collections.abc import Iterable
from datetime import UTC, datetime

UPDATE_ID: contextvars.ContextVar[int | None] = contextvars.ContextVar("log_update_id", default=None)
MEMBER_ID: contextvars.ContextVar[int | None] = contextvars.ContextVar("log_member_id", default=None)

TOKEN_SHAPE = re.compile(r"(?<!\d)\d{5,20}:[A-Za-z0-9_-]{30,60}")
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
# +7 912 345-67-89, +44 (20) 7946 0958, 8 (912) 345-67-89, 89123456789; not dates, times or ids
PHONE = re.compile(r"(?<![\w+])(?:\+\d{1,3}[\s-]?\(?\d{1,4}\)?(?:[\s-]?\d){6,10}"
                   r"|8[\s-]?\(?\d{3}\)?[\s-]?\d{3}[\s-]?\d{2}[\s-]?\d{2})(?!\w)")
REDACTED = "[redacted]"


class Redactor:
    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self.secrets = sorted({s for s in secrets if s and len(s) >= 6}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        text = TOKEN_SHAPE.sub(REDACTED, text)
        text = EMAIL.sub("[email]", text)
        return PHONE.sub("[phone]", text)


class TextFormatter(logging.Formatter):
    def __init__(self, redact: Redactor) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")
        self.redact = redact

    def format(self, record: logging.LogRecord) -> str:
        return self.redact(super().format(record))


class JsonFormatter(logging.Formatter):
    def __init__(self, redact: Redactor) -> None:
        super().__init__()
        self.redact = redact

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": self.redact(record.getMessage()),
        }
        update_id, member_id = UPDATE_ID.get(), MEMBER_ID.get()
        if update_id is not None:
            out["update_id"] = update_id
        if member_id is not None:
            out["member_id"] = member_id
        if record.exc_info:
            out["exception"] = self.redact(self.formatException(record.exc_info))
        return json.dumps(out, ensure_ascii=False)


def secrets_of(settings: object) -> list[str]:
    """The values no log line may contain: tokens, secrets, passwords in the URLs."""
    from urllib.parse import urlsplit

    found = []
    for name in ("bot_token", "rating_secret", "webhook_secret", "metrics_token"):
        value = getattr(settings, name, None)
        if value is not None:
            found.append(value.get_secret_value())
    for name in ("database_url", "redis_url"):
        url = getattr(settings, name, "") or ""
        try:
            password = urlsplit(url).password
        except ValueError:
            password = None
        if password:
            found.append(password)
    return found


def setup_logging(fmt: str = "text", secrets: Iterable[str] = (), level: int = logging.INFO) -> None:
    """Root logging to stderr in ``fmt`` (text or json), every line redacted."""
    redact = Redactor(secrets)
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter(redact) if fmt == "json" else TextFormatter(redact))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
