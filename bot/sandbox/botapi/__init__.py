"""The strict Bot API server for one bot (see ``bot/sandbox/__init__.py`` and ``docs/sandbox.md``).

:class:`BotAPIEmulator` is made of one part per concern, a module each:

* ``emulator``: the class, its state and the test API (users, ``fail_next``, what was sent, ``wait_idle``);
* ``http``: the aiohttp app, the routes, reading a call, the token, the dispatch to ``_api_<method>``;
* ``updates``: the update queue and ``getUpdates``; ``webhook``: ``setWebhook`` and the delivery loop;
* ``messages``: sending, copying, editing, deleting messages; ``files``: uploads, photos, documents,
  albums, ``getFile``; ``polls``: polls, quizzes and votes; ``callbacks``: callback and inline query answers;
* ``chats``: private chats, blocked users, channels, the flood limits (``TokenBucket``);
* ``profile``: the bot itself (``getMe``, commands, descriptions, the menu button).

A handler of a Bot API method is a method ``_api_<method name in lower case>(params, files)`` of any part;
``http`` finds it by name after the call was validated against the specification.
"""

from bot.sandbox.botapi.chats import TokenBucket
from bot.sandbox.botapi.emulator import BotAPIEmulator

__all__ = ["BotAPIEmulator", "TokenBucket"]
