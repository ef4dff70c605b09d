"""The sandbox: teamdesk without Telegram (``python -m bot sandbox``, or ``make run`` with no ``BOT_TOKEN``).

* ``botapi``, ``spec``, ``tghtml``, ``state``, ``users``: a strict Telegram Bot API server for one bot. Every
  call is validated against the official specification (``api.json.gz``); the end-to-end tests run the bot
  against the same server (``tests/emulator`` re-exports it), so the sandbox is as strict as the tests.
* ``webchat``: the web chat (pick a demo person, talk to the real bot as them) and its JSON/SSE API.
* ``run``: the sandbox process: the Bot API on 127.0.0.1, ``data/sandbox.db`` seeded with the demo
  organisation, the bot polling it with the scheduler on, and the web server.
"""
