"""Strict emulation of Telegram's HTML parse mode.

``parse_html(text)`` returns ``(plain_text, entities)`` exactly as a Telegram client would
show the message, or raises :class:`HtmlParseError` whose message mirrors the one the
Bot API puts after ``"Bad Request: can't parse entities: "``.

Rules (from https://core.telegram.org/bots/api#html-style and TDLib's parser):

* supported tags: b, strong, i, em, u, ins, s, strike, del, span class="tg-spoiler",
  tg-spoiler, a href=..., tg-emoji emoji-id=..., code, pre (optionally wrapping
  ``<code class="language-x">``), blockquote [expandable], tg-time unix=... [format=...];
* only ``&lt; &gt; &amp; &quot;`` and numeric ``&#NN; &#xNN;`` entities are recognised;
* anything else (a bare ``<`` or ``&``, an unknown tag, an unclosed or mis-nested tag)
  is an error.  Real Telegram silently keeps an unknown ``&``; the emulator is stricter
  on purpose because the documentation requires escaping it.

Entity offsets and lengths are measured in UTF-16 code units, as in the Bot API.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["HtmlParseError", "parse_html", "utf16_len"]

_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_SIMPLE_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
}
_ALL_TAGS = {*_SIMPLE_TAGS, "span", "a", "tg-emoji", "code", "pre", "blockquote", "tg-time"}
_NAME_CHARS = re.compile(r"[a-zA-Z0-9-]*")
_ATTR_NAME = re.compile(r"[a-zA-Z0-9_-]+")


class HtmlParseError(ValueError):
    """The text is not valid Telegram HTML; ``str(err)`` is Telegram-style."""


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units (how Telegram counts characters)."""
    return len(text.encode("utf-16-le")) // 2


@dataclass
class _Open:
    name: str
    attrs: dict[str, str]
    start: int  # utf-16 offset in output
    byte_offset: int
    entity: dict | None = None
    children: list[dict] = field(default_factory=list)


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def _decode_entity(text: str, i: int) -> tuple[str, int] | None:
    """Decode an HTML entity starting at ``text[i] == '&'``; return (char, next index)."""
    end = text.find(";", i + 1, i + 12)
    if end == -1:
        return None
    body = text[i + 1 : end]
    if body in _NAMED_ENTITIES:
        return _NAMED_ENTITIES[body], end + 1
    code: int | None = None
    if re.fullmatch(r"#[0-9]{1,7}", body):
        code = int(body[1:])
    elif re.fullmatch(r"#[xX][0-9a-fA-F]{1,6}", body):
        code = int(body[2:], 16)
    if code is None or code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code), end + 1


def _decode_attr_value(text: str, value: str, base: int) -> str:
    out = []
    i = 0
    while i < len(value):
        if value[i] == "&":
            decoded = _decode_entity(value, i)
            if decoded is None:
                raise HtmlParseError(
                    f'Character "&" at byte offset {_byte_offset(text, base + i)} must be escaped as "&amp;"'
                )
            out.append(decoded[0])
            i = decoded[1]
        else:
            out.append(value[i])
            i += 1
    return "".join(out)


def _parse_attrs(text: str, i: int, tag: str, tag_offset: int) -> tuple[dict[str, str], int]:
    """Parse attributes from ``text[i:]`` up to and including ``>``."""
    attrs: dict[str, str] = {}
    n = len(text)
    while True:
        while i < n and text[i] in " \t\r\n":
            i += 1
        if i >= n:
            raise HtmlParseError(f'Unclosed start tag "{tag}" at byte offset {tag_offset}')
        if text[i] == ">":
            return attrs, i + 1
        m = _ATTR_NAME.match(text, i)
        if not m:
            raise HtmlParseError(
                f"Expected equal sign in declaration of an attribute of the tag at byte offset {tag_offset}"
            )
        name = m.group(0).lower()
        i = m.end()
        while i < n and text[i] in " \t\r\n":
            i += 1
        if i < n and text[i] == "=":
            i += 1
            while i < n and text[i] in " \t\r\n":
                i += 1
            if i >= n:
                raise HtmlParseError(f'Unclosed start tag "{tag}" at byte offset {tag_offset}')
            if text[i] in "\"'":
                quote = text[i]
                end = text.find(quote, i + 1)
                if end == -1:
                    raise HtmlParseError(
                        f"Unclosed end of attribute value of the tag at byte offset {tag_offset}"
                    )
                value = _decode_attr_value(text, text[i + 1 : end], i + 1)
                i = end + 1
            else:
                m2 = re.compile(r"[^\s>\"'=<`]+").match(text, i)
                if not m2:
                    raise HtmlParseError(
                        f"Unexpected end of attribute value of the tag at byte offset {tag_offset}"
                    )
                value = _decode_attr_value(text, m2.group(0), i)
                i = m2.end()
        else:
            value = ""
        attrs[name] = value


def parse_html(text: str) -> tuple[str, list[dict]]:
    """Parse Telegram HTML; return (plain text, list of MessageEntity dicts)."""
    out: list[str] = []
    out_len = 0  # utf-16 length of the output so far
    stack: list[_Open] = []
    entities: list[dict] = []
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c == "&":
            decoded = _decode_entity(text, i)
            if decoded is None:
                raise HtmlParseError(
                    f'Character "&" at byte offset {_byte_offset(text, i)} must be escaped as "&amp;"'
                )
            out.append(decoded[0])
            out_len += utf16_len(decoded[0])
            i = decoded[1]
            continue
        if c != "<":
            out.append(c)
            out_len += 2 if ord(c) > 0xFFFF else 1
            i += 1
            continue
        tag_offset = _byte_offset(text, i)
        if i + 1 < n and text[i + 1] == "/":
            m = _NAME_CHARS.match(text, i + 2)
            name = m.group(0).lower()
            j = m.end()
            while j < n and text[j] in " \t\r\n":
                j += 1
            if j >= n or text[j] != ">":
                raise HtmlParseError(f"Unclosed end tag at byte offset {tag_offset}")
            if not stack:
                raise HtmlParseError(f'Unexpected end tag "{name}" at byte offset {tag_offset}')
            top = stack[-1]
            if name != top.name:
                raise HtmlParseError(
                    f'Unmatched end tag at byte offset {tag_offset}, expected "</{top.name}>", '
                    f'found "</{name}>"'
                )
            stack.pop()
            _close(top, out_len, entities, stack)
            i = j + 1
            continue
        m = _NAME_CHARS.match(text, i + 1)
        name = m.group(0).lower()
        if not name:
            raise HtmlParseError(
                f'Character "<" at byte offset {tag_offset} must be escaped as "&lt;" '
                "(it does not start a tag)"
            )
        if name not in _ALL_TAGS:
            raise HtmlParseError(f'Unsupported start tag "{name}" at byte offset {tag_offset}')
        attrs, i = _parse_attrs(text, m.end(), name, tag_offset)
        _check_start_tag(name, attrs, tag_offset, stack)
        stack.append(_Open(name=name, attrs=attrs, start=out_len, byte_offset=tag_offset))
    if stack:
        raise HtmlParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _check_start_tag(name: str, attrs: dict[str, str], offset: int, stack: list[_Open]) -> None:
    if name == "a":
        href = attrs.get("href", "").strip()
        if not href:
            raise HtmlParseError(f'Tag "a" at byte offset {offset} must have a non-empty "href" attribute')
    elif name == "span":
        if attrs.get("class") != "tg-spoiler":
            raise HtmlParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {offset}')
    elif name == "tg-emoji":
        if not re.fullmatch(r"[0-9]+", attrs.get("emoji-id", "")):
            raise HtmlParseError(f'Tag "tg-emoji" at byte offset {offset} must have a numeric "emoji-id"')
    elif name == "tg-time":
        if not re.fullmatch(r"-?[0-9]+", attrs.get("unix", "")):
            raise HtmlParseError(f'Tag "tg-time" at byte offset {offset} must have an integer "unix"')
    elif name == "blockquote":
        if any(o.name == "blockquote" for o in stack):
            raise HtmlParseError(f"Nested blockquote tags at byte offset {offset} are not allowed")


def _close(tag: _Open, end: int, entities: list[dict], stack: list[_Open]) -> None:
    length = end - tag.start
    name = tag.name
    entity: dict | None
    if name in _SIMPLE_TAGS:
        entity = {"type": _SIMPLE_TAGS[name]}
    elif name == "span":
        entity = {"type": "spoiler"}
    elif name == "a":
        entity = {"type": "text_link", "url": tag.attrs["href"].strip()}
    elif name == "tg-emoji":
        entity = {"type": "custom_emoji", "custom_emoji_id": tag.attrs["emoji-id"]}
    elif name == "tg-time":
        entity = {"type": "date_time", "unix_time": int(tag.attrs["unix"])}
        if tag.attrs.get("format"):
            entity["date_time_format"] = tag.attrs["format"]
    elif name == "blockquote":
        entity = {"type": "expandable_blockquote" if "expandable" in tag.attrs else "blockquote"}
    elif name == "code":
        lang = tag.attrs.get("class", "")
        parent = stack[-1] if stack else None
        if parent is not None and parent.name == "pre" and lang.startswith("language-"):
            # <pre><code class="language-x">: the pre entity gets the language
            parent.attrs["_language"] = lang[len("language-") :]
            if parent.start == tag.start:
                entity = None
            else:
                entity = {"type": "code"}
        else:
            entity = {"type": "code"}
    elif name == "pre":
        entity = {"type": "pre"}
        if tag.attrs.get("_language"):
            entity["language"] = tag.attrs["_language"]
    else:  # pragma: no cover - guarded by _ALL_TAGS
        entity = None
    if entity is None or length <= 0:
        return
    entity["offset"] = tag.start
    entity["length"] = length
    entities.append(entity)
