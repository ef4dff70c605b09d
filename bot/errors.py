"""Errors a user can fix: carry a translation key and its arguments.

Services raise :class:`UserError`; a middleware turns it into a reply (or a
callback alert) in the user's language, so handlers stay thin.
"""

from __future__ import annotations


class UserError(Exception):
    def __init__(self, key: str, **args: object) -> None:
        super().__init__(key)
        self.key = key
        self.args_ = args


class NotAllowed(UserError):
    def __init__(self) -> None:
        super().__init__("error-not-allowed")
