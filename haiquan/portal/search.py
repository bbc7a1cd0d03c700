"""Searching the FAQ bank the way Vietnamese users type: with or without diacritics, with small
typos, ranked by relevance, in the page's language and in Vietnamese.

On PostgreSQL: full-text search over `unaccent`ed text (question weighted above answer) plus
pg_trgm word similarity for typos and a phrase bonus; on other databases (SQLite in
development) the same idea in Python: folded tokens weighted by rarity, each matched exactly
or, when long enough, within a small edit distance (rapidfuzz), plus a phrase bonus.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Count, Max
from rapidfuzz import fuzz, process

from .choices import DEFAULT_CONTENT_LANGUAGE
from .conf import portal_setting
from .models import FaqTranslation
from .text import fold, tokens

MAX_QUERY_LENGTH = 200


@dataclass(frozen=True)
class Hit:
    faq_id: int
    score: float


def faq_search(query: str, *, language: str, limit: int | None = None) -> list[Hit]:
    """Published questions matching `query`, best first (one hit per question)."""
    query = " ".join((query or "").replace("\x00", " ").split())[:MAX_QUERY_LENGTH]
    if not fold(query).strip():
        return []
    limit = limit or int(portal_setting("PORTAL_SEARCH_LIMIT"))
    languages = sorted({language, DEFAULT_CONTENT_LANGUAGE})
    if connection.vendor == "postgresql":
        hits = _search_postgresql(query, languages)
    else:
        hits = _search_python(query, languages)
    best: dict[int, float] = {}
    for hit in hits:
        best[hit.faq_id] = max(best.get(hit.faq_id, 0.0), hit.score)
    ranked = sorted(best.items(), key=lambda kv: (-kv[1], kv[0]))
    return [Hit(faq_id, score) for faq_id, score in ranked[:limit]]


# --- PostgreSQL ------------------------------------------------------------------------------

_PG_SQL = """
WITH q AS (
    SELECT lower(unaccent(%(q)s)) AS uq, plainto_tsquery('simple', lower(unaccent(%(q)s))) AS tsq
), docs AS (
    SELECT t.faq_id,
           lower(unaccent(t.question)) AS uquestion,
           lower(unaccent(t.answer_text)) AS uanswer,
           setweight(to_tsvector('simple', lower(unaccent(t.question))), 'A')
             || setweight(to_tsvector('simple', lower(unaccent(t.answer_text))), 'B') AS doc
    FROM portal_faqtranslation t
    JOIN portal_faq f ON f.id = t.faq_id
    WHERE f.published AND t.language = ANY(%(languages)s)
)
SELECT docs.faq_id,
       4 * ts_rank(docs.doc, q.tsq, 1)
       + word_similarity(q.uq, docs.uquestion)
       + 0.5 * word_similarity(q.uq, docs.uanswer)
       + CASE WHEN strpos(docs.uquestion, q.uq) > 0 THEN 1.0
              WHEN strpos(docs.uanswer, q.uq) > 0 THEN 0.5 ELSE 0 END AS score
FROM docs, q
WHERE docs.doc @@ q.tsq
   OR word_similarity(q.uq, docs.uquestion) >= %(threshold)s
   OR word_similarity(q.uq, docs.uanswer) >= %(threshold)s
   OR strpos(docs.uquestion, q.uq) > 0
   OR strpos(docs.uanswer, q.uq) > 0
ORDER BY score DESC
LIMIT 200
"""

# Below this pg_trgm word similarity a question is not a typo-tolerant match.
PG_SIMILARITY_THRESHOLD = 0.5


def _search_postgresql(query: str, languages: list[str]) -> list[Hit]:
    with connection.cursor() as cursor:
        cursor.execute(
            _PG_SQL,
            {"q": query, "languages": languages, "threshold": PG_SIMILARITY_THRESHOLD},
        )
        return [Hit(int(faq_id), float(score)) for faq_id, score in cursor.fetchall()]


# --- Fallback (SQLite) -----------------------------------------------------------------------

# A word of at least this many letters may match a word that differs by a typo.
FUZZY_MIN_LENGTH = 4
FUZZY_MIN_RATIO = 75.0
# The share of the query's weight that must be found for a question to be a hit.
MIN_COVERAGE = 0.5


@dataclass
class _Doc:
    faq_id: int
    question: str
    answer: str
    question_tokens: set[str]
    answer_tokens: set[str]


# Folded documents per (languages, state of the bank): folding and cutting every answer into
# words on every query would cost more than the search itself. Any save of a question moves
# its `updated_at`, so a changed bank never hits an old entry.
_DOCS_CACHE: dict[tuple[Any, ...], list[_Doc]] = {}


def _docs(languages: list[str]) -> list[_Doc]:
    rows = FaqTranslation.objects.filter(faq__published=True, language__in=languages)
    state = rows.aggregate(n=Count("id"), changed=Max("faq__updated_at"), top=Max("id"))
    key = (tuple(languages), state["n"], state["changed"], state["top"])
    cached = _DOCS_CACHE.get(key)
    if cached is not None:
        return cached
    out = []
    for faq_id, question, answer in rows.values_list("faq_id", "question", "answer_text"):
        fq, fa = fold(question), fold(answer)
        out.append(_Doc(faq_id, fq, fa, set(tokens(fq)), set(tokens(fa))))
    if len(_DOCS_CACHE) > 16:
        _DOCS_CACHE.clear()
    _DOCS_CACHE[key] = out
    return out


def _match(token: str, words: set[str]) -> float:
    """1 for the word itself, less for a word one typo away, 0 otherwise."""
    if token in words:
        return 1.0
    if len(token) < FUZZY_MIN_LENGTH:
        return 0.0
    best = process.extractOne(token, words, scorer=fuzz.ratio, score_cutoff=FUZZY_MIN_RATIO)
    return 0.8 * best[1] / 100.0 if best else 0.0


def _search_python(query: str, languages: list[str]) -> list[Hit]:
    docs = _docs(languages)
    if not docs:
        return []
    folded = fold(query)
    q_tokens = list(dict.fromkeys(tokens(folded)))
    if not q_tokens:
        return []
    # Rare words weigh more than the words every answer uses ("thủ tục", "hải quan").
    n = len(docs)
    weight = {}
    for t in q_tokens:
        df = sum(1 for d in docs if t in d.question_tokens or t in d.answer_tokens)
        weight[t] = math.log(1 + n / (1 + df))
    total = sum(weight.values()) or 1.0
    hits = []
    for d in docs:
        found = 0.0
        in_question = 0.0
        for t in q_tokens:
            mq = _match(t, d.question_tokens)
            ma = _match(t, d.answer_tokens)
            found += weight[t] * max(mq, ma)
            in_question += weight[t] * mq
        coverage = found / total
        phrase = 0.0
        if folded in d.question:
            phrase = 1.0
        elif folded in d.answer:
            phrase = 0.5
        if coverage < MIN_COVERAGE and not phrase:
            continue
        similarity = fuzz.partial_ratio(folded, d.question) / 100.0
        score = 2 * coverage + in_question / total + phrase + 0.5 * similarity
        hits.append(Hit(d.faq_id, score))
    return hits
