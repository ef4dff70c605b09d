"""Validation of Bot API calls against the machine-readable official specification.

The spec is ``api.json`` (PaulSonOfLars/telegram-bot-api-spec format, Bot API 10.1) vendored as
``bot/sandbox/api.json.gz``, or the file named by ``$TELEGRAM_API_SPEC``.

:meth:`ApiSpec.validate_call` decodes a request the way the Bot API does (form fields are
strings; objects and arrays are JSON-encoded; files are multipart parts referenced by
``attach://<name>``), checks every parameter against the declared types recursively,
and enforces the limits stated in the descriptions ("1-4096 characters after entities
parsing", "1-64 bytes", "must include 2-10 items", "At most 100 ...") plus a few rules
that are only written in prose (inline keyboard buttons, bot command syntax).
Any problem raises :class:`ApiError` with ``violation=True``.
"""

from __future__ import annotations

import gzip
import json
import os
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from bot.sandbox.tghtml import HtmlParseError, parse_html, utf16_len

__all__ = ["ApiError", "ApiSpec", "UploadedFile", "ValidatedCall", "default_spec_path", "load_spec"]

_PRIMITIVES = {"Integer", "String", "Boolean", "Float", "InputFile"}
_INT_RE = re.compile(r"-?[0-9]+")
_FLOAT_RE = re.compile(r"-?[0-9]+(\.[0-9]*)?([eE][-+]?[0-9]+)?")
_RANGE_RE = re.compile(r"(\d+)-(\d+) (characters|bytes)")
_ITEMS_RE = re.compile(r"(?:must include (\d+)-(\d+) items|up to (\d+) items|[Aa]t most (\d+) [\w ]*?can be)")
_MUST_BE_RE = re.compile(r"must be (?:\*)?([a-z_]+)(?:\*)?\s*$")
_BUTTON_NON_ACTION = {"text", "icon_custom_emoji_id", "style"}
_BOT_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")


class ApiError(Exception):
    """An error response of the Bot API."""

    def __init__(
        self,
        description: str,
        error_code: int = 400,
        *,
        violation: bool = False,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(description)
        self.description = description
        self.error_code = error_code
        self.violation = violation
        self.retry_after = retry_after

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {"ok": False, "error_code": self.error_code, "description": self.description}
        if self.retry_after is not None:
            data["parameters"] = {"retry_after": self.retry_after}
        return data


def _bad(description: str) -> ApiError:
    return ApiError(f"Bad Request: {description}", 400, violation=True)


@dataclass
class UploadedFile:
    """A multipart file part of a request."""

    field: str
    filename: str
    content_type: str
    data: bytes

    def __repr__(self) -> str:
        return f"<UploadedFile {self.field} {self.filename!r} {self.content_type} {len(self.data)} bytes>"


@dataclass
class ValidatedCall:
    method: str  # canonical spelling from the spec, e.g. "sendMessage"
    params: dict[str, Any]  # decoded: ints, bools, dicts, lists, UploadedFile
    returns: list[str]


#: the official Bot API as JSON (PaulSonOfLars/telegram-bot-api-spec, MIT), vendored with the product so the
#: sandbox validates every call offline; ``$TELEGRAM_API_SPEC`` points to another version (plain or gzip JSON)
VENDORED_SPEC = Path(__file__).with_name("api.json.gz")


def default_spec_path() -> Path:
    env = os.environ.get("TELEGRAM_API_SPEC")
    return Path(env) if env else VENDORED_SPEC


_CACHE: dict[Path, ApiSpec] = {}


def load_spec(path: str | Path | None = None) -> ApiSpec:
    """Load (and cache) the spec."""
    p = Path(path) if path else default_spec_path()
    if p not in _CACHE:
        raw = p.read_bytes()
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
        _CACHE[p] = ApiSpec(json.loads(raw.decode("utf-8")))
    return _CACHE[p]


def formatted_text(text: str, parse_mode: str | None) -> tuple[str, list[dict]]:
    """Apply a parse mode; raise ApiError for bad markup or unsupported modes."""
    if parse_mode is None or parse_mode == "":
        return text, []
    mode = parse_mode.lower()
    if mode == "html":
        try:
            return parse_html(text)
        except HtmlParseError as e:
            raise _bad(f"can't parse entities: {e}") from None
    if mode in ("markdownv2", "markdown"):
        raise _bad(f"unsupported parse_mode {parse_mode!r} (the emulator implements only HTML)")
    raise _bad("unsupported parse_mode")


class ApiSpec:
    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.version = data.get("version")
        self.methods: dict[str, dict] = data["methods"]
        self.types: dict[str, dict] = data["types"]

    @cached_property
    def _methods_lower(self) -> dict[str, dict]:
        return {name.lower(): m for name, m in self.methods.items()}

    def method(self, name: str) -> dict | None:
        """Method definition, looked up case-insensitively like Telegram does."""
        return self._methods_lower.get(name.lower())

    # ------------------------------------------------------------------ decoding
    def validate_call(
        self, method_name: str, raw: dict[str, Any], files: dict[str, UploadedFile] | None = None
    ) -> ValidatedCall:
        mdef = self.method(method_name)
        if mdef is None:
            raise ApiError("Not Found", 404, violation=True)
        files = files or {}
        fields = {f["name"]: f for f in mdef.get("fields", [])}
        params: dict[str, Any] = {}
        for name, value in raw.items():
            fdef = fields.get(name)
            if fdef is None:
                raise _bad(f'unknown parameter "{name}" for method {mdef["name"]}')
            params[name] = self._decode_top(name, value, fdef["types"], files)
        # a file part sent directly under the parameter name (curl -F photo=@file)
        for name, upload in files.items():
            if name in fields and name not in params and "InputFile" in fields[name]["types"]:
                params[name] = upload
        self._check_object(mdef["name"], mdef.get("fields", []), params, "", files, top=True)
        return ValidatedCall(method=mdef["name"], params=params, returns=mdef.get("returns", []))

    def _decode_top(self, name: str, value: Any, types: list[str], files: dict[str, UploadedFile]) -> Any:
        if not isinstance(value, str):
            return value  # JSON body: already typed
        complex_types = [t for t in types if t not in _PRIMITIVES]
        if complex_types:
            try:
                parsed = json.loads(value)
            except ValueError:
                parsed = None
            if isinstance(parsed, dict | list):
                return parsed
        if "Integer" in types and _INT_RE.fullmatch(value.strip()):
            return int(value)
        if "Float" in types and _FLOAT_RE.fullmatch(value.strip()):
            return float(value)
        if "Boolean" in types:
            low = value.strip().lower()
            if low in ("true", "1"):
                return True
            if low in ("false", "0"):
                return False
        if "InputFile" in types and value.startswith("attach://"):
            key = value[len("attach://") :]
            if key not in files:
                raise _bad(f'file "{key}" referenced by parameter "{name}" was not uploaded')
            return files[key]
        if "String" in types:
            return value
        if complex_types:
            raise _bad(f'can\'t parse parameter "{name}": expected JSON-serialized {" or ".join(types)}')
        raise _bad(f'wrong type of parameter "{name}": expected {" or ".join(types)}, got {value!r}')

    # ---------------------------------------------------------------- validation
    def _check_value(self, value: Any, types: list[str], path: str, files: dict[str, UploadedFile]) -> None:
        """Raise ApiError unless ``value`` matches one of ``types``."""
        errors: list[tuple[int, ApiError]] = []
        array_types = [t[len("Array of ") :] for t in types if t.startswith("Array of ")]
        if array_types and isinstance(value, list):
            for idx, item in enumerate(value):
                self._check_value(item, array_types, f"{path}[{idx}]", files)
            return
        for t in types:
            if t.startswith("Array of "):
                continue
            try:
                self._check_single(value, t, path, files)
                return
            except ApiError as e:
                errors.append((self._match_score(value, t), e))
        if not errors:
            raise _bad(f'field "{path}" must be an Array of {" or ".join(array_types)}')
        errors.sort(key=lambda x: -x[0])
        if len(errors) > 1 and errors[0][0] == 0:
            raise _bad(f'field "{path}" has wrong type: expected {" or ".join(types)}')
        raise errors[0][1]

    def _match_score(self, value: Any, t: str) -> int:
        if not isinstance(value, dict):
            return 0
        tdef = self.types.get(t)
        if not tdef:
            return 0
        if tdef.get("subtypes"):
            return max((self._match_score(value, s) for s in tdef["subtypes"]), default=0)
        names = {f["name"] for f in tdef.get("fields", [])}
        score = len(names & set(value))
        disc = self._discriminator(t)
        if disc and value.get(disc[0]) == disc[1]:
            score += 100
        return score

    def _discriminator(self, t: str) -> tuple[str, str] | None:
        tdef = self.types.get(t) or {}
        if not tdef.get("subtype_of"):
            return None
        for f in tdef.get("fields", []):
            if f["name"] in ("type", "source", "status") and f["types"] == ["String"]:
                m = _MUST_BE_RE.search(f["description"].replace("“", "").replace("”", "").replace('"', ""))
                if m:
                    return f["name"], m.group(1)
        return None

    def _check_single(self, value: Any, t: str, path: str, files: dict[str, UploadedFile]) -> None:
        if t == "Integer":
            if isinstance(value, bool) or not isinstance(value, int):
                raise _bad(f'field "{path}" must be an Integer, got {value!r}')
        elif t == "Float":
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise _bad(f'field "{path}" must be a Float, got {value!r}')
        elif t == "Boolean":
            if not isinstance(value, bool):
                raise _bad(f'field "{path}" must be a Boolean, got {value!r}')
        elif t == "String":
            if not isinstance(value, str):
                raise _bad(f'field "{path}" must be a String, got {value!r}')
        elif t == "InputFile":
            if isinstance(value, UploadedFile):
                return
            if isinstance(value, str) and value.startswith("attach://"):
                if value[len("attach://") :] not in files:
                    raise _bad(f'file "{value}" referenced by "{path}" was not uploaded')
                return
            raise _bad(f'field "{path}" must be an InputFile')
        else:
            tdef = self.types.get(t)
            if tdef is None:
                raise _bad(f'field "{path}": unknown type {t}')
            if tdef.get("subtypes"):
                subs = tdef["subtypes"]
                self._check_value(value, subs, path, files)
                return
            if not isinstance(value, dict):
                raise _bad(f'field "{path}" must be a JSON object {t}, got {value!r}')
            disc = self._discriminator(t)
            if disc and value.get(disc[0]) != disc[1]:
                raise _bad(f'field "{path}" is not a {t}: "{disc[0]}" must be "{disc[1]}"')
            self._check_object(t, tdef.get("fields", []), value, path, files)

    def _check_object(
        self,
        owner: str,
        fdefs: list[dict],
        values: dict[str, Any],
        path: str,
        files: dict[str, UploadedFile],
        top: bool = False,
    ) -> None:
        prefix = f"{path}." if path else ""
        known = {f["name"]: f for f in fdefs}
        for name in values:
            if name not in known:
                raise _bad(f'unknown field "{prefix}{name}" in {owner}')
        for f in fdefs:
            name = f["name"]
            if name not in values:
                if f["required"]:
                    if top and name == "text":
                        raise _bad("message text is empty")
                    raise _bad(f'{"parameter" if top else "field"} "{prefix}{name}" is required in {owner}')
                continue
            value = values[name]
            self._check_value(value, f["types"], f"{prefix}{name}", files)
            self._check_limits(owner, f, value, values, f"{prefix}{name}")
        self._check_rules(owner, values, path)

    # -------------------------------------------------------------------- limits
    def _check_limits(self, owner: str, f: dict, value: Any, siblings: dict[str, Any], path: str) -> None:
        name = f["name"]
        desc = f["description"]
        if name.endswith("parse_mode") and isinstance(value, str):
            formatted_text("", value)  # validates the mode itself
        if isinstance(value, str):
            m = _RANGE_RE.search(desc)
            if m:
                lo, hi, unit = int(m.group(1)), int(m.group(2)), m.group(3)
                if unit == "bytes":
                    size = len(value.encode("utf-8"))
                elif "after entit" in desc:
                    mode = siblings.get(f"{name}_parse_mode")
                    if mode is None and name in ("text", "caption", "message_text"):
                        mode = siblings.get("parse_mode")
                    if mode is None and name == "text" and "entities" not in siblings:
                        mode = siblings.get("parse_mode")
                    plain, _ = formatted_text(value, mode)
                    size = utf16_len(plain)
                    if name in ("text", "message_text") and lo >= 1 and not plain.strip():
                        raise _bad("message text is empty")
                else:
                    size = utf16_len(value)
                if not lo <= size <= hi:
                    raise _bad(self._limit_message(owner, name, path, lo, hi, unit, size))
        elif isinstance(value, list):
            m = _ITEMS_RE.search(desc)
            if m:
                if m.group(1):
                    lo, hi = int(m.group(1)), int(m.group(2))
                else:
                    lo, hi = 0, int(m.group(3) or m.group(4))
                if not lo <= len(value) <= hi:
                    raise _bad(f'"{path}" must contain {lo}-{hi} items, got {len(value)}')

    @staticmethod
    def _limit_message(owner: str, name: str, path: str, lo: int, hi: int, unit: str, size: int) -> str:
        detail = f'"{path}" must be {lo}-{hi} {unit}, got {size}'
        if name in ("text", "message_text") and size > hi:
            return f"message is too long ({detail})"
        if name == "caption" and size > hi:
            return f"message caption is too long ({detail})"
        if name == "callback_data":
            return f"BUTTON_DATA_INVALID ({detail})"
        if owner == "BotCommand" and name == "command":
            return f"BOT_COMMAND_INVALID ({detail})"
        if owner == "BotCommand" and name == "description":
            return f"BOT_COMMAND_DESCRIPTION_INVALID ({detail})"
        return detail

    def _check_rules(self, owner: str, values: dict[str, Any], path: str) -> None:
        """Rules written only in prose in the documentation."""
        if owner == "InlineKeyboardButton":
            fdefs = self.types["InlineKeyboardButton"]["fields"]
            actions = [f["name"] for f in fdefs if f["name"] not in _BUTTON_NON_ACTION]
            used = [a for a in actions if a in values]
            if not values.get("text"):
                raise _bad(f'can\'t parse inline keyboard button: "{path}.text" is empty')
            if not used:
                raise _bad(
                    "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
                )
            if len(used) > 1:
                raise _bad(
                    f"can't parse inline keyboard button: exactly one of {', '.join(actions)} "
                    f"must be used, got {', '.join(used)}"
                )
            url = values.get("url")
            if isinstance(url, str) and not re.match(r"(https?|tg)://[^\s]+$", url):
                raise _bad(f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")
        elif owner == "InlineKeyboardMarkup":
            rows = values.get("inline_keyboard") or []
            total = sum(len(r) for r in rows if isinstance(r, list))
            if total > 100:
                raise _bad(f"BUTTONS_TOO_MUCH ({total} inline keyboard buttons, at most 100)")
        elif owner == "BotCommand":
            cmd = values.get("command")
            if isinstance(cmd, str) and not _BOT_COMMAND_RE.fullmatch(cmd):
                raise _bad(f"BOT_COMMAND_INVALID (command {cmd!r} must be 1-32 characters of a-z, 0-9 and _)")
        elif owner == "sendMediaGroup":
            media = values.get("media") or []
            kinds = {m.get("type") for m in media if isinstance(m, dict)}
            for exclusive in ("audio", "document"):
                if exclusive in kinds and len(kinds) > 1:
                    raise _bad(f"{exclusive} can't be mixed with other media types in a media group")
