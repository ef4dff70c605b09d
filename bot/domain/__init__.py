"""Pure domain rules of teamdesk: working days, pace against plan, quality signals.

Nothing in this package performs I/O, touches the database or imports aiogram;
every function is deterministic given its arguments (``public_holidays`` only
reads the bundled ``holidays`` tables and caches the result).
"""
