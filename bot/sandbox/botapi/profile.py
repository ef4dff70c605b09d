"""The bot itself: ``getMe``, its commands per scope and language, its descriptions and the chat menu
button."""

from __future__ import annotations

import json
from typing import Any


class ProfileMixin:
    """The bot's own settings. A part of :class:`BotAPIEmulator` (its state is set in
    ``BotAPIEmulator.__init__``)."""

    def get_commands(self, scope: dict | None = None, language_code: str = "") -> list[dict] | None:
        """Commands stored by setMyCommands for this scope (default scope when None) and language."""
        return self.commands.get((self._scope_key(scope), language_code or ""))

    def _bot_user(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    @staticmethod
    def _scope_key(scope: dict | None) -> str:
        return json.dumps(scope or {"type": "default"}, sort_keys=True)

    async def _api_getme(self, params: dict, files: dict) -> dict:
        return {
            **self._bot_user(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    async def _api_setmycommands(self, params: dict, files: dict) -> bool:
        key = (self._scope_key(params.get("scope")), params.get("language_code", ""))
        self.commands[key] = params["commands"]
        return True

    async def _api_getmycommands(self, params: dict, files: dict) -> list[dict]:
        return self.commands.get((self._scope_key(params.get("scope")), params.get("language_code", "")), [])

    async def _api_deletemycommands(self, params: dict, files: dict) -> bool:
        self.commands.pop((self._scope_key(params.get("scope")), params.get("language_code", "")), None)
        return True

    async def _api_setmydescription(self, params: dict, files: dict) -> bool:
        self.descriptions[params.get("language_code", "")] = params.get("description", "")
        return True

    async def _api_setmyshortdescription(self, params: dict, files: dict) -> bool:
        self.short_descriptions[params.get("language_code", "")] = params.get("short_description", "")
        return True

    async def _api_getmydescription(self, params: dict, files: dict) -> dict:
        return {"description": self.descriptions.get(params.get("language_code", ""), "")}

    async def _api_getmyshortdescription(self, params: dict, files: dict) -> dict:
        return {"short_description": self.short_descriptions.get(params.get("language_code", ""), "")}

    async def _api_setchatmenubutton(self, params: dict, files: dict) -> bool:
        chat_id = params.get("chat_id")
        if chat_id is not None:
            chat_id = self._resolve_chat(chat_id)
        self.menu_buttons[chat_id] = params.get("menu_button") or {"type": "default"}
        return True

    async def _api_getchatmenubutton(self, params: dict, files: dict) -> dict:
        chat_id = params.get("chat_id")
        return self.menu_buttons.get(chat_id, self.menu_buttons.get(None, {"type": "default"}))
