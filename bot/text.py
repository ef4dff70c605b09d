"""Text limits in one place: lengths as Telegram counts them, cutting and splitting HTML safely.

Telegram counts a message's length after parsing its HTML: tags are not counted, an entity such as
``&amp;`` is one character, and every character counts in UTF-16 code units (an emoji outside the
Basic Multilingual Plane counts 2). Its limits (text 4096, caption 1024, callback answer 200) apply to
that length. A cut in the middle of a tag or an entity, or an unclosed tag, makes Telegram refuse the
whole message, so everything here cuts between tokens and closes (and re-opens) the tags it cuts through.

Only this module strips tags or measures visible length; handlers, middlewares and the scheduler call it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass

TEXT_LIMIT = 4096  # a message's text
CAPTION_LIMIT = 1024  # a photo's caption
ANSWER_LIMIT = 200  # a callback query answer (plain text)
# a poll (sendPoll), counted as Telegram counts: UTF-16 units of the text as shown
POLL_QUESTION_LIMIT = 300  # the question, 1-300 characters
POLL_OPTION_LIMIT = 100  # an answer option, 1-100 characters
POLL_EXPLANATION_LIMIT = 200  # a quiz's explanation, 0-200 characters...
POLL_EXPLANATION_LINE_FEEDS = 2  # ...with at most 2 line feeds
TEXT_BUDGET = 3800  # a message's list lines, leaving room for a heading and a usage hint within 4096

_TAG = re.compile(r"<[^>]*>")
_TOKEN = re.compile(r"<[^>]*>|&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);|.", re.S)
_TAG_NAME = re.compile(r"<\s*(/?)\s*([A-Za-z][A-Za-z0-9-]*)")


def utf16_len(plain_text: str) -> int:
    """Length of a plain text in UTF-16 code units (what Telegram counts)."""
    return len(plain_text.encode("utf-16-le")) // 2


def plain(html_text: str) -> str:
    """The text a reader sees: tags dropped, entities unescaped (for alerts, logs and the console)."""
    return html.unescape(_TAG.sub("", html_text))


def visible_len(html_text: str) -> int:
    """Length of an HTML text as Telegram counts it: UTF-16 units after dropping tags and entities."""
    return utf16_len(plain(html_text))


def truncate(text: str, limit: int) -> str:
    """A plain text (a button, a name) of at most ``limit`` UTF-16 units, ending in "…" when cut."""
    if utf16_len(text) <= limit:
        return text
    out, size = [], 0
    for ch in text:
        n = utf16_len(ch)
        if size + n > limit - 1:
            break
        out.append(ch)
        size += n
    return "".join(out) + "…"


def plain_fit(html_text: str, limit: int = ANSWER_LIMIT) -> str:
    """An HTML message as a plain text within ``limit`` (a callback answer or an alert)."""
    return truncate(plain(html_text), limit)


@dataclass(frozen=True, slots=True)
class _Token:
    raw: str
    units: int  # visible UTF-16 units; 0 for a tag
    name: str = ""  # tag name, for tags
    closing: bool = False


def _tokens(html_text: str) -> list[_Token]:
    out = []
    for m in _TOKEN.finditer(html_text):
        raw = m.group(0)
        if raw.startswith("<") and len(raw) > 1:
            tag = _TAG_NAME.match(raw)
            out.append(_Token(raw, 0, tag.group(2).lower() if tag else "", bool(tag and tag.group(1))))
        else:
            out.append(_Token(raw, utf16_len(html.unescape(raw))))
    return out


def _close(stack: list[_Token]) -> str:
    return "".join(f"</{t.name}>" for t in reversed(stack) if t.name)


def _reopen(stack: list[_Token]) -> str:
    return "".join(t.raw for t in stack)


def split_html(html_text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """``html_text`` as messages of at most ``limit`` visible units each, split at a line break when
    there is one, never inside a tag or an entity; tags open at a split are closed and re-opened."""
    if visible_len(html_text) <= limit:
        return [html_text]
    chunks: list[str] = []
    stack: list[_Token] = []  # open tags
    cur: list[str] = []  # raw pieces of the current chunk (starting with the re-opened tags)
    units = 0
    brk: tuple[int, list[_Token], int] | None = None  # last "\n" in cur: index, open tags, units before

    def emit(pieces: list[str], open_tags: list[_Token], size: int) -> None:
        if size > 0:
            chunks.append("".join(pieces) + _close(open_tags))

    for tok in _tokens(html_text):
        while tok.units and units + tok.units > limit:
            if brk is not None and brk[2] > 0:
                at, open_tags, before = brk
                emit(cur[:at], open_tags, before)
                cur = [_reopen(open_tags), *cur[at + 1:]]
                units -= before + 1
            else:
                emit(cur, stack, units)
                cur, units = [_reopen(stack)], 0
            brk = None
        cur.append(tok.raw)
        units += tok.units
        if not tok.units and tok.name:
            if tok.closing:
                for i in range(len(stack) - 1, -1, -1):
                    if stack[i].name == tok.name:
                        del stack[i]
                        break
            else:
                stack.append(tok)
        elif tok.raw == "\n":
            brk = (len(cur) - 1, list(stack), units - 1)
    emit(cur, stack, units)
    return chunks


def split_lines(lines: list[str], limit: int = TEXT_LIMIT) -> list[str]:
    """Lines of HTML as messages within ``limit``: whole lines where they fit, long ones split safely."""
    return split_html("\n".join(lines), limit)


def cut(html_text: str, limit: int = TEXT_LIMIT) -> str:
    """``html_text`` within ``limit`` visible units, ending in "…" when cut; its markup stays valid."""
    if visible_len(html_text) <= limit:
        return html_text
    return split_html(html_text, limit - 1)[0] + "…"


def fit(lines: list[str], more: Callable[[int], str], budget: int = TEXT_BUDGET) -> list[str]:
    """The first ``lines`` that fit into ``budget`` visible units, then ``more(n)`` for the ``n`` left out."""
    size = 0
    for i, line in enumerate(lines):
        size += visible_len(line) + 1
        if size > budget:
            return [*lines[:i], more(len(lines) - i)]
    return lines


NAMES_BUDGET = 1500  # a list of names inside one message (projects in an invite), leaving room for the rest


def fit_names(names: list[str], more: Callable[[int], str], budget: int = NAMES_BUDGET, sep: str = ", ") -> str:
    """Plain ``names`` joined by ``sep`` within ``budget`` UTF-16 units, then ``more(n)`` for the ``n`` left
    out (the result is plain text: a translator argument)."""
    size = 0
    for i, name in enumerate(names):
        size += utf16_len(name) + (utf16_len(sep) if i else 0)
        if size > budget:
            return sep.join([*names[:i], more(len(names) - i)])
    return sep.join(names)
