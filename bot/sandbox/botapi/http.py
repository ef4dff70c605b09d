"""The HTTP side of the emulator: the aiohttp app (start, stop), the routes (``/bot<token>/<method>``, file
downloads), reading a call's JSON or multipart body, the token check, and the dispatch of a call to its
``_api_<method>`` handler after the spec's validation (failures injected by ``fail_next`` first)."""

from __future__ import annotations

import mimetypes
import re
import time
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.sandbox.spec import ApiError, UploadedFile

if TYPE_CHECKING:
    from bot.sandbox.botapi.emulator import BotAPIEmulator


TOKEN_RE = re.compile(r"(\d+):[A-Za-z0-9_-]{30,}")
DEFAULT_TOKEN = "123456789:TEST-teamdesk-emulator-token-0123456789"


class HttpMixin:
    """The aiohttp server and the dispatch of every call (in-process through :meth:`api_call` too). A part of
    :class:`BotAPIEmulator` (its state is set in ``BotAPIEmulator.__init__``)."""

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def start(self) -> BotAPIEmulator:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._http_handler)
        self._runner = web.AppRunner(app, shutdown_timeout=1.0, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = getattr(site, "_server", None)
        if server is not None and server.sockets:
            self.port = server.sockets[0].getsockname()[1]
        self._stopping = False
        return self

    async def stop(self) -> None:
        self._stopping = True
        self._notify()
        await self._stop_webhook()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> BotAPIEmulator:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def _http_handler(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        m = re.fullmatch(r"/file/bot([^/]+)/(.+)", path)
        if m:
            return self._download(m.group(1), m.group(2))
        m = re.fullmatch(r"/bot([^/]+)/([A-Za-z0-9_]+)/?", path)
        if not m:
            return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)
        token, method = m.group(1), m.group(2)
        raw: dict[str, Any] = dict(request.query)
        files: dict[str, UploadedFile] = {}
        ctype = request.content_type
        if request.method == "POST" and request.can_read_body:
            if ctype == "application/json":
                try:
                    body = await request.json()
                except ValueError:
                    body = None
                if not isinstance(body, dict):
                    return web.json_response(
                        {"ok": False, "error_code": 400, "description": "Bad Request: invalid JSON body"},
                        status=400,
                    )
                raw.update(body)
            else:
                form = await request.post()
                for key, value in form.items():
                    if isinstance(value, web.FileField):
                        filename = value.filename or key
                        content_type = value.content_type or "application/octet-stream"
                        if content_type == "application/octet-stream":
                            # Telegram derives the MIME type from the file name
                            content_type = mimetypes.guess_type(filename)[0] or content_type
                        files[key] = UploadedFile(
                            field=key, filename=filename, content_type=content_type, data=value.file.read()
                        )
                    else:
                        raw[key] = value
        status, payload = await self._dispatch(token, method, raw, files)
        return web.json_response(payload, status=status)

    def _download(self, token: str, file_path: str) -> web.Response:
        if not self._token_ok(token):
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        for f in self.files.values():
            if f.file_path == file_path and f.raw_bytes is not None:
                return web.Response(
                    body=f.raw_bytes, content_type=f.content_type or "application/octet-stream"
                )
        return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)

    def _token_ok(self, token: str) -> bool:
        if self._accept_any_token:
            if not TOKEN_RE.fullmatch(token):
                return False
            # the first well-formed token used becomes the bot's token (getMe reports its id)
            self.token = token
            self.bot_id = int(token.split(":")[0])
            self._accept_any_token = False
            return True
        return token == self.token

    async def api_call(
        self, method: str, params: dict[str, Any] | None = None, files: dict[str, UploadedFile] | None = None
    ) -> dict[str, Any]:
        """Call the emulated API in-process (no HTTP); returns the JSON answer."""
        _, payload = await self._dispatch(None, method, dict(params or {}), files or {})
        return payload

    async def _dispatch(
        self, token: str | None, method: str, raw: dict[str, Any], files: dict[str, UploadedFile]
    ) -> tuple[int, dict[str, Any]]:
        if token is not None and not self._token_ok(token):
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        is_poll = method.lower() == "getupdates"
        record: dict[str, Any] = {"method": method, "params": raw, "ok": False, "time": time.time()}
        self.requests.append(record)
        if self.keep_requests is not None:
            for log in (self.requests, self.errors, self.violations):
                if len(log) > 2 * self.keep_requests:
                    del log[: len(log) - self.keep_requests]
        if not is_poll:
            self._inflight += 1
            self._last_activity = time.monotonic()
        try:
            call = self.spec.validate_call(method, raw, files)
            record["method"] = call.method
            record["params"] = call.params
            failures = self._failures.get(call.method.lower())
            if failures:
                raise failures.popleft()
            handler = getattr(self, f"_api_{call.method.lower()}", None)
            if handler is not None:
                result = await handler(call.params, files)
            elif call.returns == ["Boolean"]:
                result = True
            else:
                raise ApiError(
                    f"Bad Request: method not implemented in emulator: {call.method}", violation=True
                )
            record["ok"] = True
            return 200, {"ok": True, "result": result}
        except ApiError as e:
            entry = {"method": record["method"], "params": record["params"], "description": e.description}
            record["error"] = e.description
            self.errors.append({**entry, "error_code": e.error_code})
            if e.violation:
                self.violations.append(entry)
            return e.error_code, e.payload()
        finally:
            if not is_poll:
                self._inflight -= 1
            self._last_activity = time.monotonic()
            self._notify()
