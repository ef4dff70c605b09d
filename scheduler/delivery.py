"""Moved to :mod:`bot.sender` (one process-wide sender for handlers and jobs alike); re-exported here."""

from bot.sender import (  # noqa: F401
    CAPTION_LIMIT,
    MEDIA_GROUP_LIMIT,
    TEXT_LIMIT,
    FloodControl,
    Outcome,
    RateLimiter,
    Sender,
    _visible_len,
)
