"""bot/text.py: visible length as Telegram counts it, cutting and splitting HTML without breaking it."""

from __future__ import annotations

import html

import pytest

from bot import text as tx
from bot.sandbox.tghtml import parse_html


def test_visible_len_counts_utf16_after_tags_and_entities() -> None:
    assert tx.visible_len("<b>a&amp;b</b>") == 3
    assert tx.visible_len("😀") == 2  # outside the BMP: a surrogate pair
    assert tx.visible_len("é&#128512;&#x1F600;") == 5
    assert tx.visible_len('<a href="https://x.org/?a=1&amp;b=2">link</a>') == 4
    assert tx.visible_len("<b><i>ж</i></b>") == 1
    assert tx.plain("<b>Tom &amp; <i>Jerry</i></b> &lt;3") == "Tom & Jerry <3"


def test_truncate_counts_utf16_and_never_splits_a_character() -> None:
    assert tx.truncate("abc", 3) == "abc"
    assert tx.truncate("abcd", 3) == "ab…"
    cut = tx.truncate("😀" * 10, 5)
    assert cut == "😀😀…" and tx.utf16_len(cut) <= 5


def test_plain_fit_is_an_alert_within_200() -> None:
    alert = tx.plain_fit("<b>" + "&lt;" * 500 + "</b>")
    assert alert.startswith("<<<") and len(alert) == 200 and "&" not in alert


def _valid(chunk: str) -> str:
    """The chunk as Telegram would parse it (the emulator's parser raises on broken HTML)."""
    plain, _entities = parse_html(chunk)
    return plain


@pytest.mark.parametrize("limit", [5, 7, 64, 4096])
def test_split_long_escaped_text_never_cuts_an_entity_or_a_tag(limit: int) -> None:
    source = "<b>Title &amp; more</b>\n" + "<i>x&lt;y</i> 😀 " * 400 + "\n<b><u>" + "&amp;" * 500 + "</u></b>"
    chunks = tx.split_html(source, limit)
    assert all(tx.visible_len(c) <= limit for c in chunks)
    joined = "".join(_valid(c) for c in chunks)
    # nothing lost but the line breaks a split happened at
    assert joined.replace("\n", "") == tx.plain(source).replace("\n", "")


def test_split_prefers_line_breaks_and_keeps_nested_tags_balanced() -> None:
    lines = [f"<b>{i}</b> line &amp; text" for i in range(10)]
    chunks = tx.split_lines(lines, 40)
    assert all(tx.visible_len(c) <= 40 for c in chunks)
    assert "\n".join(chunks) == "\n".join(lines)  # split exactly at line breaks
    nested = "<b>bold <i>" + "ж" * 30 + "</i> end</b>"
    parts = tx.split_html(nested, 12)
    assert len(parts) > 1
    for part in parts:
        _valid(part)
        assert part.count("<b>") == part.count("</b>") and part.count("<i>") == part.count("</i>")
    assert "".join(tx.plain(p) for p in parts) == tx.plain(nested)


def test_short_text_is_one_chunk_and_cut_keeps_markup() -> None:
    assert tx.split_html("<b>hi</b>") == ["<b>hi</b>"]
    long = "<b>" + html.escape("<&>" * 2000) + "</b>"
    cut = tx.cut(long, 4096)
    assert cut.endswith("</b>…") and tx.visible_len(cut) == 4096
    _valid(cut)
    assert tx.cut("<b>ok</b>", 10) == "<b>ok</b>"


def test_fit_counts_visible_length() -> None:
    lines = ["&amp;" * 10] * 10  # 50 characters of HTML, 10 visible each
    assert tx.fit(lines, lambda n: f"+{n}", budget=55) == [*lines[:5], "+5"]
    assert tx.fit(lines[:2], lambda n: f"+{n}", budget=55) == lines[:2]


def test_fit_names_joins_what_fits_and_counts_the_rest() -> None:
    names = [f"«{'x' * 8}»" for _ in range(10)]  # 10 units each
    assert tx.fit_names(names, lambda n: f"+{n}", budget=34) == ", ".join([*names[:3], "+7"])
    assert tx.fit_names(names[:2], lambda n: f"+{n}", budget=34) == ", ".join(names[:2])
    assert tx.fit_names([], lambda n: f"+{n}") == ""
