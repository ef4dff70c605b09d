"""The manager's dashboard as a Telegram Mini App (``/dashboard`` opens it with a ``web_app`` button).

* ``initdata``: the signature check of Telegram's ``initData`` (pure; unit-tested).
* ``api``: :func:`add_routes` puts the page (``/dashboard/``, static files only, no data) and its JSON API
  (``/dashboard/api/overview``, answered only with a valid ``initData``) on an aiohttp application.
"""
