"""Finding the tariff line for words, ranked by relevance.

An index held in each process (rebuilt when the tariff's token changes), the same on every
database: each line is a document of its own text, the text of its heading and the texts of the
rows between (its parents: "Loại khác" means nothing without "Ô tô..." above it), in Vietnamese
and English. Words are folded (with or without diacritics: "o to" = "ô tô"), English plurals
reduced ("cars" = "car"), and pairs of neighbouring words are terms too: Vietnamese writes one
word as several syllables ("ô tô", "thanh long", "cà phê"), so the pair is what carries the
meaning. When the query is typed with its diacritics, the accented words count as well (so "tơ",
silk, is not "tô").

Relevance is BM25 (the Okapi ranking of full-text engines) over weighted term frequencies: a
word in the line's own text counts 1, in its heading 0.8, in the rows between 0.5. Lines whose
heading text itself matches (the goods the query names, not a part "for cars") rank first; the
heading's score is BM25 over the headings' own texts. Chapter 98 (national codes for special
rates) is not searched by words: goods are declared under their chapter 1–97 code.
"""

from __future__ import annotations

import functools
import re
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import numpy as np
from scipy import sparse

from .normalise import fold_text
from .snapshot import HsLineData, Tariff

OWN, HEADING, BETWEEN = 1.0, 0.8, 0.5
HEADING_BONUS = 0.6  # weight of the heading-text BM25 added to the line's
# A soft AND: the score is multiplied by the share of the query's weight (rare words weigh
# more) the line's texts have, to this power.
COVERAGE_POWER = 1.5
BIGRAM_WEIGHT = 1.0  # a pair of neighbouring words in the query, on top of the words
ACCENT_WEIGHT = 0.6  # an accented word matched as typed, on top of its folded match
HEAD_WEIGHT = 1.3  # a word before the description's first comma
FIRST_WORDS_WEIGHT = 1.6  # one of its first two words
# A line none of whose texts has any of the words naming the goods (the description's first two
# words, or the last word before its first comma: "Nho xanh...", "Canned beer, 330 ml") is
# probably about something else the description mentions: its score is multiplied by this.
HEAD_MISS = 0.5
K1, B = 1.2, 0.6
MAX_QUERY_TERMS = 40
EXCLUDED_CHAPTERS = frozenset({"98"})
# Words after "for"/"cho" ("Loại dùng cho ô tô con", "of a kind used for laptops") say what the
# goods are used with, not what they are; a text starting "Of"/"Của" names what they are part
# of. Such words count this much.
QUALIFIER_WEIGHT = 0.35
_QUALIFIER_AFTER = frozenset({"for", "cho"})
_QUALIFIER_START = frozenset({"of", "của"})

# Vietnamese words that name a kind of thing and take the next word to say which ("quả nho",
# "máy tính", "hạt nhựa"), folded.
_CLASSIFIERS = frozenset(
    {
        "qua",
        "hat",
        "ca",
        "xe",
        "may",
        "bot",
        "dau",
        "nuoc",
        "banh",
        "keo",
        "thit",
        "go",
        "vai",
        "soi",
        "tam",
        "bo",
        "cay",
        "con",
        "thiet",
        "hang",
        "do",
        "sua",
        "la",
        "bong",
        "ong",
        "day",
        "cap",
        "tui",
        "hop",
        "thung",
        "chai",
        "lon",
        "goi",
        "bao",
        "cao",
        "phan",
        "den",
        "tu",
        "ban",
        "ghe",
        "giay",
        "ao",
        "quan",
        "mu",
        "but",
        "thuoc",
        "chat",
        "hoa",
        "dong",
        "thep",
        "nhom",
        "kinh",
        "gach",
        "lop",
        "ruou",
        "bia",
        "tom",
        "muc",
        "rau",
    }
)
_SPLIT = re.compile(r"[^\w]+", re.UNICODE)
_HYPHEN = re.compile(r"(?<=\w)-(?=\w)")
_POSSESSIVE = re.compile(r"(?<=\w)['’]s\b")
# What traders add that says nothing about which goods: "hàng mới 100%", "brand new".
_BOILERPLATE = re.compile(
    r"(hàng\s+)?mới\s*100\s*%|100\s*%\s*(mới|new)|brand[\s-]*new|nguyên\s+chiếc",
    re.IGNORECASE,
)
# American spellings of the words the tariff writes the British way.
_SPELLING = {
    "tire": "tyre",
    "color": "colour",
    "aluminum": "aluminium",
    "fiber": "fibre",
    "liter": "litre",
    "center": "centre",
    "gray": "grey",
    "jewelry": "jewellery",
}
_SEGMENTS = re.compile(r"[,;:()\[\]]")


@functools.lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """English plural to singular, the only inflection goods descriptions need ('boxes' → 'box',
    'berries' → 'berry', 'cars' → 'car'), and American spellings to the tariff's British ones
    ('fertilizer' → 'fertiliser', 'tires' → 'tyre'). Folded Vietnamese syllables never end in
    s nor hold a z."""
    if len(word) > 4 and word.endswith("ies"):
        word = word[:-3] + "y"
    elif len(word) > 4 and word.endswith(("ches", "shes", "sses", "xes")):
        word = word[:-2]
    elif len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    if "iz" in word:
        word = word.replace("iz", "is")
    return _SPELLING.get(word, word)


@functools.lru_cache(maxsize=100_000)
def _words(text: str) -> tuple[str, ...]:
    return tuple(stem(w) for w in fold_text(_POSSESSIVE.sub("", text)).split())


def words(text: str) -> list[str]:
    """Folded, stemmed words of a text."""
    return list(_words(text or ""))


def has_diacritics(text: str) -> bool:
    return any(not ch.isascii() and ch.isalpha() for ch in text)


def _segment_terms(segment: str, accents: bool, qualify: bool) -> list[tuple[str, float]]:
    text = _POSSESSIVE.sub("", unicodedata.normalize("NFC", segment.lower()))
    # A hyphenated word is read both ways: "side-cars" as "sidecars", "phi-lê" as "phi lê".
    extra = [_HYPHEN.sub("", w) for w in text.split() if _HYPHEN.search(w)]
    raw = [w for w in _SPLIT.split(text) if w]
    out: list[tuple[str, float]] = []
    weight = 1.0
    if qualify and raw and raw[0] in _QUALIFIER_START:
        weight = QUALIFIER_WEIGHT
    previous = ""
    for w in raw:
        folded = fold_text(w)
        for part in folded.split():  # "x-quang" folds to two words
            term = stem(part)
            out.append((term, weight))
            if previous:
                out.append((f"{previous}_{term}", weight))
            previous = term
        if accents:  # the word as written: "nho" (grapes) is not "nhỏ" (small)
            out.append((f"~{w}", weight))
        if qualify and w in _QUALIFIER_AFTER:
            weight = QUALIFIER_WEIGHT
    for w in extra:
        for part in fold_text(w).split():
            out.append((stem(part), 1.0))
    return out


@functools.lru_cache(maxsize=100_000)
def _text_terms(text: str, accents: bool, qualify: bool) -> tuple[tuple[str, float], ...]:
    summed: dict[str, float] = {}
    for segment in _SEGMENTS.split(text):  # a pair of words does not straddle a comma
        for term, weight in _segment_terms(segment, accents, qualify):
            summed[term] = summed.get(term, 0.0) + weight
    return tuple(summed.items())


def terms(text: str, *, accents: bool = True, qualify: bool = False) -> dict[str, float]:
    """The index terms of a text with their weights: words, neighbouring pairs ("o_to"), and
    accented words ("~ô") when `accents`. `qualify`: words after "for"/"cho" count less."""
    return dict(_text_terms(text or "", accents, qualify))


@dataclass(frozen=True, slots=True)
class Hit:
    code: str
    score: float
    matched: tuple[str, ...]  # the query's words found in the line's texts


class SearchIndex:
    """BM25 over the tariff's lines (see the module's docstring)."""

    def __init__(self, lines: Iterable[HsLineData], *, day: date | None = None) -> None:
        self.vocabulary: dict[str, int] = {}
        vocab = self.vocabulary
        doc: tuple[list[int], list[int], list[float]] = ([], [], [])
        head: tuple[list[int], list[int], list[float]] = ([], [], [])
        codes: list[str] = []
        folded: list[frozenset[str]] = []
        parts: dict[tuple[str, str, float], tuple[list[int], list[float]]] = {}

        def part(vi: str, en: str, weight: float) -> tuple[list[int], list[float]]:
            key = (vi, en, weight)
            found = parts.get(key)
            if found is None:
                summed: dict[str, float] = {}
                for text, accents in ((vi, True), (en, False)):
                    for t, w in _text_terms(text, accents, True):
                        summed[t] = summed.get(t, 0.0) + w
                ids = [vocab.setdefault(t, len(vocab)) for t in summed]
                found = parts[key] = (ids, [w * weight for w in summed.values()])
            return found

        def add(into: tuple[list[int], list[int], list[float]], i: int, piece: tuple) -> None:
            ids, vals = piece
            into[0].extend([i] * len(ids))
            into[1].extend(ids)
            into[2].extend(vals)

        for line in sorted(lines, key=lambda ln: ln.code):
            if line.code[:2] in EXCLUDED_CHAPTERS:
                continue
            if day is not None and not line.in_force_on(day):
                continue
            i = len(codes)
            heading_vi, _sep, between_vi = line.context_vi.partition(" › ")
            heading_en, _sep, between_en = line.context_en.partition(" › ")
            if not line.context_vi:  # a heading that is a line itself
                heading_vi, heading_en = line.description_vi, line.description_en
            add(doc, i, part(line.description_vi, line.description_en, OWN))
            if line.context_vi:
                add(doc, i, part(heading_vi, heading_en, HEADING))
            if between_vi or between_en:
                add(doc, i, part(between_vi, between_en, BETWEEN))
            add(head, i, part(heading_vi, heading_en, 1.0))
            codes.append(line.code)
            folded.append(
                frozenset(
                    words(line.description_vi)
                    + words(line.description_en)
                    + words(line.context_vi)
                    + words(line.context_en)
                )
            )
        self.codes = codes
        self.code_index = {c: i for i, c in enumerate(codes)}
        shape = (len(codes), max(len(vocab), 1))
        self.matrix, self.idf = _bm25(*doc, shape)
        self.head_matrix, _head_idf = _bm25(*head, shape)
        self._folded = folded

    def folded_words(self, i: int) -> frozenset[str]:
        """The folded words of line `i`'s texts and its parents'."""
        return self._folded[i]

    def query_terms(self, query: str) -> dict[str, float]:
        """The query's terms with their weights (only terms the index knows). The goods are
        named first ("Bia lon...", "Canned beer, 330 ml"): the words before the first comma
        weigh more, the first two even more (Vietnamese puts the head noun first)."""
        query = _BOILERPLATE.sub(" ", query)
        accents = has_diacritics(query)
        head = _SEGMENTS.split(query, maxsplit=1)[0]
        in_head = terms(head, accents=accents)
        first = " ".join(_SPLIT.split(head.strip())[:2])
        in_first = terms(first, accents=accents)
        out: dict[str, float] = {}
        for t in terms(query, accents=accents):
            if t not in self.vocabulary:
                continue
            if t.startswith("~"):
                weight = ACCENT_WEIGHT
            elif "_" in t:
                weight = BIGRAM_WEIGHT
            else:
                weight = 1.0
            if t in in_first:
                weight *= FIRST_WORDS_WEIGHT
            elif t in in_head:
                weight *= HEAD_WEIGHT
            out[t] = weight
            if len(out) >= MAX_QUERY_TERMS:
                break
        return out

    def head_words(self, query: str) -> list[str]:
        """The folded words that name the goods (see `HEAD_MISS`), those the index knows.
        Vietnamese (typed with its diacritics) names them first: the first word, and the next
        one after a classifier ("quả nho", "máy tính"); otherwise (English, or Vietnamese
        typed bare) the first two words and the last one before the first comma."""
        head = _SEGMENTS.split(_BOILERPLATE.sub(" ", query), maxsplit=1)[0]
        found = words(head)
        if has_diacritics(head) and found:
            picked = found[:2] if found[0] in _CLASSIFIERS else found[:1]
        else:
            picked = found[:2] + found[-1:]
        return [w for w in dict.fromkeys(picked) if w in self.vocabulary]

    def scores(self, query: str) -> np.ndarray:
        """Every line's relevance to `query` (zeros when nothing matches)."""
        q = self.query_terms(query)
        n = len(self.codes)
        if not q or n == 0:
            return np.zeros(n, dtype=np.float32)
        cols = np.array([self.vocabulary[t] for t in q], dtype=np.int64)
        weights = np.array(list(q.values()), dtype=np.float32)
        sub = self.matrix[:, cols]
        total = sub @ weights + HEADING_BONUS * (self.head_matrix[:, cols] @ weights)
        # Words not in the index count in the query's weight too: they were not found.
        missing = sum(1.0 for w in words(_BOILERPLATE.sub(" ", query)) if w not in self.vocabulary)
        share = weights * self.idf[cols]
        found = (sub > 0).astype(np.float32) @ share
        coverage = found / (float(share.sum()) + missing * float(self.idf.max(initial=1.0)))
        result = np.asarray(total * coverage**COVERAGE_POWER, dtype=np.float32).ravel()
        head = self.head_words(query)
        if head:
            cols_head = np.array([self.vocabulary[w] for w in head], dtype=np.int64)
            hit = np.asarray((self.matrix[:, cols_head] > 0).sum(axis=1)).ravel() > 0
            result = np.where(hit, result, result * HEAD_MISS).astype(np.float32)
        return result

    def search(self, query: str, limit: int = 20) -> list[Hit]:
        scores = self.scores(query)
        return self.hits(query, scores, limit)

    def hits(self, query: str, scores: np.ndarray, limit: int) -> list[Hit]:
        positive = int((scores > 0).sum()) if scores.size else 0
        k = min(limit, positive)
        if k <= 0:
            return []
        top = np.argpartition(-scores, k - 1)[:k] if k < scores.size else np.arange(scores.size)
        top = top[np.lexsort((top, -scores[top]))][:k]  # ties in code order
        q_words = list(dict.fromkeys(words(query)))
        return [
            Hit(self.codes[i], float(scores[i]), tuple(w for w in q_words if w in self._folded[i]))
            for i in top
        ]


def _bm25(
    rows: list[int], cols: list[int], vals: list[float], shape: tuple[int, int]
) -> tuple[sparse.csc_matrix, np.ndarray]:
    """BM25 term scores: idf(t) x tf (k1 + 1) / (tf + k1 (1 - b + b len/avg len)), with tf the
    weighted count of the term in the document."""
    tf = sparse.coo_matrix(
        (np.asarray(vals, dtype=np.float64), (np.asarray(rows), np.asarray(cols))), shape=shape
    ).tocsr()
    tf.sum_duplicates()
    n = max(shape[0], 1)
    lengths = np.asarray(tf.sum(axis=1)).ravel()
    avg = float(lengths.mean()) if lengths.size else 1.0
    df = np.bincount(tf.indices, minlength=shape[1]).astype(np.float64)
    idf = np.log(1 + (n - df + 0.5) / (df + 0.5))
    norm = K1 * (1 - B + B * lengths / (avg or 1.0))
    row_of = np.repeat(np.arange(shape[0]), np.diff(tf.indptr))
    data = tf.data
    tf.data = idf[tf.indices] * data * (K1 + 1) / (data + norm[row_of])
    return tf.astype(np.float32).tocsc(), idf.astype(np.float32)


class _IndexCache:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._token: str | None = None
        self._index: SearchIndex | None = None

    def get(self) -> SearchIndex:
        from .models import TariffVersion

        token = TariffVersion.objects.filter(pk=1).values_list("token", flat=True).first()
        with self._lock:
            if self._index is None or token != self._token:
                tariff = Tariff.load(None, token=token)
                self._index = SearchIndex(tariff.lines.values())
                self._token = token
            return self._index

    def clear(self) -> None:
        with self._lock:
            self._index = None
            self._token = None


_cache = _IndexCache()


def search_index() -> SearchIndex:
    """This process's index of the current tariff (built on first use, ~1 s)."""
    return _cache.get()


def search_index_clear() -> None:
    _cache.clear()
