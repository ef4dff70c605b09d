"""Every text exists in Russian and English, parses, and every command has a description."""

from __future__ import annotations

from fluent.syntax import FluentParser, ast

from bot.commands import COMMANDS
from bot.i18n import LOCALES_DIR, Catalog, pick_language


def test_locale_files_parse_without_junk() -> None:
    parser = FluentParser()
    for path in LOCALES_DIR.rglob("*.ftl"):
        resource = parser.parse(path.read_text(encoding="utf-8"))
        junk = [e for e in resource.body if isinstance(e, ast.Junk)]
        assert not junk, f"{path}: {junk[0].content[:200]}"


def test_same_keys_in_every_language() -> None:
    catalog = Catalog()
    ru, en = catalog.keys["ru"], catalog.keys["en"]
    assert ru, "no Russian texts loaded"
    assert sorted(ru - en) == [], "missing in English"
    assert sorted(en - ru) == [], "missing in Russian"


def test_same_files_in_every_language() -> None:
    names = {lang: sorted(p.name for p in (LOCALES_DIR / lang).glob("*.ftl")) for lang in ("ru", "en")}
    assert names["ru"] == names["en"]


def test_every_command_described() -> None:
    catalog = Catalog()
    for cmd in COMMANDS:
        for lang in catalog.languages:
            text = catalog.format(lang, cmd.key)
            assert 1 <= len(text) <= 256


def test_arguments_are_escaped() -> None:
    catalog = Catalog()
    assert "&lt;b&gt;Ann &amp; Co" in catalog.format("en", "start-known", name="<b>Ann & Co")


def test_language_choice() -> None:
    assert pick_language("en", "ru", "ru") == "en"
    assert pick_language(None, "en-US", "ru") == "en"
    assert pick_language(None, "de", "ru") == "ru"
    assert pick_language(None, None, "en") == "en"


def test_no_key_defined_twice() -> None:
    """A key in two files silently overrides the other; each text lives in one place."""
    parser = FluentParser()
    for lang in ("ru", "en"):
        seen: dict[str, str] = {}
        for path in sorted((LOCALES_DIR / lang).glob("*.ftl")):
            for entry in parser.parse(path.read_text(encoding="utf-8")).body:
                if isinstance(entry, ast.Message):
                    assert entry.id.name not in seen, f"{lang}: {entry.id.name} in {seen.get(entry.id.name)} and {path.name}"
                    seen[entry.id.name] = path.name


def test_month_names() -> None:
    from datetime import date

    from bot.i18n import month_name

    catalog = Catalog()
    assert month_name(catalog.translator("ru"), date(2026, 11, 1)) == "ноябрь 2026"
    assert month_name(catalog.translator("en"), date(2027, 1, 1)) == "January 2027"
