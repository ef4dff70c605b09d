"""Telegram Mini App ``initData``: signing and checking (pure).

The Bot API documentation ("Validating data received via the Mini App"): the data-check-string is every
field except ``hash`` as ``key=value``, sorted by key, joined by ``\\n``; the secret key is
``HMAC_SHA256(key="WebAppData", msg=bot_token)``; the data is genuine when
``hex(HMAC_SHA256(key=secret_key, msg=data_check_string)) == hash``. Data older than ``max_age`` (an hour)
is refused too, so a leaked URL stops working.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

__all__ = ["MAX_AGE", "InitDataError", "WebAppUser", "check", "sign"]

#: initData older than this (seconds) is refused
MAX_AGE = 3600
#: a clock a little ahead of ours must not refuse fresh data
FUTURE_SKEW = 60


class InitDataError(ValueError):
    """initData is missing, malformed, forged or expired; ``str(err)`` says which (never data)."""


@dataclass(frozen=True, slots=True)
class WebAppUser:
    id: int
    first_name: str
    language_code: str | None
    auth_date: int


def _secret(bot_token: str) -> bytes:
    return hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()


def _data_check_string(fields: dict[str, str]) -> str:
    return "\n".join(f"{k}={fields[k]}" for k in sorted(fields) if k != "hash")


def sign(fields: dict[str, str], bot_token: str) -> str:
    """``fields`` (``user`` as JSON text, ``auth_date``, ...) as a signed initData query string, as Telegram
    builds it; the sandbox's web chat opens the Mini App with it."""
    digest = hmac.new(_secret(bot_token), _data_check_string(fields).encode(), hashlib.sha256).hexdigest()
    return urlencode({**fields, "hash": digest})


def check(init_data: str | None, bot_token: str, now: float, *, max_age: int = MAX_AGE) -> WebAppUser:
    """The Telegram user of genuine, fresh ``init_data``; :class:`InitDataError` otherwise."""
    if not init_data:
        raise InitDataError("missing")
    try:
        pairs = parse_qsl(init_data, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        raise InitDataError("malformed") from None
    fields = dict(pairs)
    if len(fields) != len(pairs):
        raise InitDataError("malformed")  # a repeated key: which one was signed?
    given = fields.get("hash", "")
    expected = hmac.new(_secret(bot_token), _data_check_string(fields).encode(), hashlib.sha256).hexdigest()
    if not given or not hmac.compare_digest(given, expected):
        raise InitDataError("bad signature")
    try:
        auth_date = int(fields["auth_date"])
        user = json.loads(fields["user"])
        user_id = int(user["id"])
    except (KeyError, ValueError, TypeError):
        raise InitDataError("malformed") from None
    if now - auth_date > max_age:
        raise InitDataError("expired")
    if auth_date - now > FUTURE_SKEW:
        raise InitDataError("from the future")
    if not 0 < user_id < 2**53:
        raise InitDataError("malformed")
    return WebAppUser(user_id, str(user.get("first_name", "")), user.get("language_code"), auth_date)
