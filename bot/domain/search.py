"""Knowledge base search, pure: words → stems (Russian and English Snowball stemmers), an article's term
weights for the portable token index (``kb_terms``), and the ranking of the articles a query matched.

No database-specific full-text search: the index is a plain table of (term, article, weight) rows that
SQLite and PostgreSQL query alike (``term IN (...)``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

TERM_MAX = 64  # the column's length; longer words are cut (they are never typed whole anyway)
QUERY_TERMS_MAX = 12  # the first words of a query that count
TITLE_WEIGHT = 5  # a word in the title counts as this many in the body
WEIGHT_MAX = 1000
_WORD = re.compile(r"[0-9a-zа-яё]+", re.IGNORECASE)
_CYRILLIC = re.compile(r"[а-яё]")
_STOP = frozenset({
    "и", "в", "во", "на", "с", "со", "по", "к", "ко", "о", "об", "от", "до", "за", "из", "у", "не", "а", "но",
    "или", "что", "как", "для", "это", "то", "же", "ли", "бы",
    "a", "an", "the", "of", "to", "in", "on", "and", "or", "for", "is", "are", "be", "by", "with", "at", "it",
})


@lru_cache(maxsize=2)
def _stemmer(lang: str):  # type: ignore[no-untyped-def]
    # imported by the first search or article, not at the bot's start: the package loads the stemmers of
    # all its ~30 languages (~3 MiB; docs/performance.md, "Memory")
    import snowballstemmer

    return snowballstemmer.stemmer(lang)


@lru_cache(maxsize=8192)  # ~275 bytes an entry: 2.2 MiB at most (65,536 could hold 17 MiB for the process's life)
def stem(word: str) -> str:
    """One lower-case word's stem: Russian for Cyrillic words, English for the rest; ё is е."""
    word = word.lower().replace("ё", "е")
    lang = "russian" if _CYRILLIC.search(word) else "english"
    return _stemmer(lang).stemWord(word)[:TERM_MAX]


def words(text: str) -> list[str]:
    """The words of a text, lower-case; a hyphenated word («контент-план») is its parts."""
    return [w.lower() for w in _WORD.findall(text)]


def terms_of(text: str) -> list[str]:
    """The stems of a text's words, stop words and one-letter words left out, in order (repeats kept)."""
    return [stem(w) for w in words(text) if len(w) > 1 and w not in _STOP]


def query_terms(query: str) -> list[str]:
    """The distinct stems of a query, in the order typed (at most QUERY_TERMS_MAX)."""
    out: list[str] = []
    for t in terms_of(query):
        if t not in out:
            out.append(t)
    return out[:QUERY_TERMS_MAX]


def article_terms(title: str, body: str) -> dict[str, int]:
    """term → weight of one article for the index: each occurrence in the body counts 1, in the title
    TITLE_WEIGHT (so a title match outranks a passing mention)."""
    out: dict[str, int] = {}
    for t in terms_of(title):
        out[t] = out.get(t, 0) + TITLE_WEIGHT
    for t in terms_of(body):
        out[t] = out.get(t, 0) + 1
    return {t: min(w, WEIGHT_MAX) for t, w in out.items()}


@dataclass(frozen=True, slots=True)
class Hit:
    article_id: int
    matched: int  # how many of the query's terms the article has
    score: float


def rank(query: Iterable[str], postings: Mapping[int, Mapping[str, int]], total_articles: int,
         doc_freq: Mapping[str, int] | None = None, limit: int = 10) -> list[Hit]:
    """The best ``limit`` articles for the query terms.

    ``postings``: article id → {term: weight} for the query terms each article has. Articles that have
    more of the query's terms come first; among equals, the higher sum of ``(1 + log weight) * idf``
    (rare terms count more, repeats count less and less); ties by the newer (higher) id.
    ``doc_freq`` (term → articles having it) defaults to counting ``postings``."""
    query = list(dict.fromkeys(query))
    if doc_freq is None:
        counts: dict[str, int] = {}
        for terms in postings.values():
            for t in terms:
                counts[t] = counts.get(t, 0) + 1
        doc_freq = counts
    n = max(total_articles, 1)
    idf = {t: math.log(1 + n / max(doc_freq.get(t, 0), 1)) for t in query}
    hits = []
    for article_id, terms in postings.items():
        have = [t for t in query if terms.get(t, 0) > 0]
        if not have:
            continue
        score = sum((1 + math.log(terms[t])) * idf[t] for t in have)
        hits.append(Hit(article_id, len(have), score))
    hits.sort(key=lambda h: (-h.matched, -h.score, -h.article_id))
    return hits[:limit]
