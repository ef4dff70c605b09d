"""Counts before a noun use Fluent plural categories in both languages (Russian one/few/many)."""

from __future__ import annotations

import re

import pytest
from fluent.syntax import FluentParser, ast
from fluent.syntax.visitor import Visitor

from bot.i18n import LOCALES_DIR, Catalog

NS = (1, 2, 5, 21)

# (key, the count's argument, other arguments, the expected noun per n in NS) per language
CASES: dict[str, list[tuple[str, str, dict[str, object], tuple[str, str, str, str]]]] = {
    "ru": [
        ("plan-paste-saved", "members", {"values": 5}, ("1 сотрудника", "2 сотрудников", "5 сотрудников", "21 сотрудника")),
        ("plan-paste-saved", "values", {"members": 5}, ("1 значение", "2 значения", "5 значений", "21 значение")),
        ("me-pace-behind", "days", {"expected": 3, "units": 5}, ("1 день", "2 дня", "5 дней", "21 день")),
        ("me-pace-ahead", "units", {"expected": 3, "days": 5}, ("1 единица", "2 единицы", "5 единиц", "21 единица")),
        ("team-line", "lag", {"i": 1, "name": "A", "done": 1, "plan": 2, "percent": 50, "rate": 0},
         ("1 день", "2 дня", "5 дней", "21 день")),
        ("digest-behind-line", "days", {"name": "A", "per_day": 2}, ("1 день", "2 дня", "5 дней", "21 день")),
        ("lag-member", "days", {"done": 1, "plan": 9, "per_day": 2}, ("1 день", "2 дня", "5 дней", "21 день")),
        ("lag-manager", "days", {"name": "A", "done": 1, "plan": 9, "per_day": 2},
         ("1 день", "2 дня", "5 дней", "21 день")),
        ("revision-overdue-writer", "hours", {"title": "T"}, ("1 час", "2 часа", "5 часов", "21 час")),
        ("revision-overdue-manager", "hours", {"title": "T", "name": "A"}, ("1 час", "2 часа", "5 часов", "21 час")),
        ("unit-edit-window", "hours", {}, ("1 часа", "2 часов", "5 часов", "21 часа")),
        ("invite-created", "hours", {"role": "r", "department": "d", "link": "l"},
         ("1 час", "2 часа", "5 часов", "21 час")),
        ("error-too-long", "limit", {}, ("1 символа", "2 символов", "5 символов", "21 символа")),
        ("report-title-too-long", "length", {"limit": 9}, ("1 символ", "2 символа", "5 символов", "21 символ")),
        ("rating-ask-comment", "letters", {"score": 3, "name": "A"}, ("1 буква", "2 буквы", "5 букв", "21 буква")),
        ("rating-comment-too-short", "letters", {}, ("1 буквой", "2 буквами", "5 буквами", "21 буквой")),
        ("rating-more-comments", "count", {}, ("1 комментарий", "2 комментария", "5 комментариев", "21 комментарий")),
        ("rating-hidden", "k", {}, ("1 человека", "2 разных человек", "5 разных человек", "21 человека")),
        ("rating-top-title", "min", {"month": "м"}, ("1 оценки", "2 оценок", "5 оценок", "21 оценки")),
    ],
    "en": [
        ("plan-paste-saved", "members", {"values": 5}, ("1 member,", "2 members", "5 members", "21 members")),
        ("plan-paste-saved", "values", {"members": 5}, ("1 value.", "2 values", "5 values", "21 values")),
        ("me-pace-behind", "days", {"expected": 3, "units": 5}, ("1 day)", "2 days", "5 days", "21 days")),
        ("me-pace-ahead", "units", {"expected": 3, "days": 5}, ("1 unit ", "2 units", "5 units", "21 units")),
        ("team-line", "lag", {"i": 1, "name": "A", "done": 1, "plan": 2, "percent": 50, "rate": 0},
         ("1 day,", "2 days", "5 days", "21 days")),
        ("digest-behind-line", "days", {"name": "A", "per_day": 2}, ("1 day ", "2 days", "5 days", "21 days")),
        ("digest-rating-line", "count", {"name": "A", "average": "4.00"}, ("1 rating)", "2 ratings", "5 ratings",
                                                                             "21 ratings")),
        ("revision-overdue-manager", "hours", {"title": "T", "name": "A"}, ("1 hour.", "2 hours", "5 hours",
                                                                            "21 hours")),
        ("invite-created", "hours", {"role": "r", "department": "d", "link": "l"},
         ("1 hour ", "2 hours", "5 hours", "21 hours")),
        ("error-too-long", "limit", {}, ("1 character.", "2 characters", "5 characters", "21 characters")),
        ("rating-ask-comment", "letters", {"score": 3, "name": "A"}, ("1 letter.", "2 letters", "5 letters",
                                                                      "21 letters")),
        ("rating-export-caption", "count", {"month": "m"}, ("1 row.", "2 rows", "5 rows", "21 rows")),
        ("rating-more-comments", "count", {}, ("1 more comment", "2 more comments", "5 more comments",
                                               "21 more comments")),
    ],
}


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_counts_take_the_right_noun_form(lang: str) -> None:
    catalog = Catalog()
    for key, arg, others, forms in CASES[lang]:
        for n, form in zip(NS, forms, strict=True):
            text = catalog.format(lang, key, **{arg: n}, **others)
            assert form in text, (lang, key, n, text)


class _Variables(Visitor):
    def __init__(self) -> None:
        self.names: set[str] = set()

    def visit_VariableReference(self, node: ast.VariableReference) -> None:
        self.names.add(node.id.name)


# an English noun right after a count that never changes form (units of measure do: "1 h" is not used)
_EN_PLURAL_AFTER_ONE = re.compile(
    r"\b1 (members|people|persons|days|hours|characters|letters|units|ratings|rows|values|comments|lines|projects"
    r"|raters|revisions|streams|departments|forms|minutes|months|weeks)\b")


def test_no_english_message_says_one_with_a_plural_noun() -> None:
    """Every English message rendered with every argument = 1: no "1 members" anywhere."""
    catalog = Catalog()
    parser = FluentParser()
    for path in sorted((LOCALES_DIR / "en").glob("*.ftl")):
        for entry in parser.parse(path.read_text(encoding="utf-8")).body:
            if not isinstance(entry, ast.Message) or entry.value is None:
                continue
            visitor = _Variables()
            visitor.visit(entry)
            text = catalog.format("en", entry.id.name, **dict.fromkeys(visitor.names, 1))
            assert not _EN_PLURAL_AFTER_ONE.search(text), (entry.id.name, text)
