"""Translation layer on Project Fluent.

Every ``.ftl`` file under ``bot/locales/<lang>/`` is loaded once. Messages are
trusted HTML; every *string* argument is HTML-escaped before it is placed, so a
user-supplied name such as ``<b>Ann & Co`` always shows as typed. Pass
:class:`Html` to place a fragment that is already safe HTML.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from fluent.runtime import FluentBundle
from fluent.syntax import FluentParser

from bot.config import SUPPORTED_LANGUAGES

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
_PARSER = FluentParser(with_spans=False)

class Html(str):
    """A string that is already safe HTML and must not be escaped again."""

    __slots__ = ()


def escape(value: object) -> str:
    return html.escape(str(value), quote=False)


class MissingTranslation(KeyError):
    pass


#: longer string arguments bypass Fluent's placeable limit (see :meth:`Catalog.format`)
LONG_ARG = 2000


class Catalog:
    """All bundles, one per language."""

    def __init__(self, locales_dir: Path = LOCALES_DIR, languages: Iterable[str] = SUPPORTED_LANGUAGES) -> None:
        self.locales_dir = locales_dir
        self.languages = tuple(languages)
        self._bundles: dict[str, FluentBundle] = {}
        self._keys: dict[str, set[str]] = {}
        # a message formatted without arguments is the same text every time: formatted once (button
        # labels, states, headings: most of the calls on a busy path such as a report's card)
        self._plain: dict[tuple[str, str], str] = {}
        self._translators: dict[str, Translator] = {}

    def bundle(self, lang: str) -> FluentBundle:
        """The bundle of ``lang`` (one of :attr:`languages`), built at its first use: a language nobody
        uses costs the process nothing (its messages' syntax trees and babel's locale data, ~2.5 MiB
        each; docs/performance.md, "Memory")."""
        bundle = self._bundles.get(lang)
        if bundle is None:
            bundle = FluentBundle([lang], use_isolating=False)
            keys: set[str] = set()
            for path in sorted((self.locales_dir / lang).glob("*.ftl")):
                # without source spans: the bundle keeps every message's syntax tree for the process's
                # life, and the spans (unused when formatting) were half of it
                resource = _PARSER.parse(path.read_text(encoding="utf-8"))
                for entry in resource.body:
                    ident = getattr(getattr(entry, "id", None), "name", None)
                    if ident and type(entry).__name__ == "Message":
                        keys.add(ident)
                bundle.add_resource(resource)
            self._keys[lang] = keys
            self._bundles[lang] = bundle
        return bundle

    @property
    def keys(self) -> dict[str, set[str]]:
        """Every message id, per language (loads every language)."""
        for lang in self.languages:
            self.bundle(lang)
        return self._keys

    def format(self, lang: str, key: str, **args: object) -> str:
        if not args:
            text = self._plain.get((lang, key))
            if text is None:
                text = self._plain[(lang, key)] = self._format(lang, key, {})
            return text
        return self._format(lang, key, args)

    def _format(self, lang: str, key: str, args: dict[str, object]) -> str:
        bundle = self.bundle(lang if lang in self.languages else self.languages[0])
        if not bundle.has_message(key):
            raise MissingTranslation(f"{lang}:{key}")
        message = bundle.get_message(key)
        if message.value is None:
            raise MissingTranslation(f"{lang}:{key} has no value")
        values = {k: _arg(v) for k, v in args.items()}
        # Fluent refuses a placeable over 2500 characters (fluent.runtime's MAX_PART_LENGTH), and an
        # escaped 1000-character comment full of "&" or "<" is longer: place a short token instead,
        # and the value after formatting
        long_values = {}
        for k, v in values.items():
            if isinstance(v, str) and len(v) > LONG_ARG:
                long_values[f"\x00{len(long_values)}\x00"] = v
                values[k] = f"\x00{len(long_values) - 1}\x00"
        text, errors = bundle.format_pattern(message.value, values)
        if errors:
            raise MissingTranslation(f"{lang}:{key}: {errors[0]}")
        for token, v in long_values.items():
            text = text.replace(token, v)
        return text

    def translator(self, lang: str) -> Translator:
        translator = self._translators.get(lang)
        if translator is None:
            translator = Translator(self, lang if lang in self.languages else self.languages[0])
            if lang in self.languages:
                self._translators[lang] = translator
        return translator


def _arg(value: object) -> object:
    if isinstance(value, Html):
        return str(value)
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float):
        return value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if value is None:
        return ""
    return escape(value)


class Translator:
    """Bound to one language: ``t("key", name=...)``."""

    def __init__(self, catalog: Catalog, lang: str) -> None:
        self.catalog = catalog
        self.lang = lang

    def __call__(self, key: str, **args: object) -> str:
        return self.catalog.format(self.lang, key, **args)


def month_name(t: Translator, month: date) -> str:
    """"ноябрь 2026" / "November 2026"."""
    return t("month-year", month=t(f"month-{month.month}"), year=str(month.year))


def member_language(member: object | None, default: str, telegram_language: str | None = None) -> str:
    """The one rule for a member's language, for replies and every proactive message alike: the
    member's ``/settings`` choice, else their Telegram ``language_code`` (``telegram_language`` if given,
    i.e. the current update's, else the one stored on the member) mapped to a supported language, else
    ``default`` (DEFAULT_LANGUAGE). ``member`` may be ``None`` (someone not registered)."""
    chosen = getattr(member, "language", None)
    stored = getattr(member, "telegram_language", None)
    return pick_language(chosen, telegram_language or stored, default)


def pick_language(member_language: str | None, telegram_language: str | None, default: str) -> str:
    """Member's setting, else Telegram's ``language_code``, else the default (use :func:`member_language`
    for a member)."""
    if member_language in SUPPORTED_LANGUAGES:
        return member_language  # type: ignore[return-value]
    if telegram_language:
        code = telegram_language.split("-")[0].lower()
        if code in SUPPORTED_LANGUAGES:
            return code
    return default
