"""The classification assistant's model: from a goods description to the likeliest tariff lines.

Two kinds of evidence, combined per candidate line:

* the tariff's own texts: the ranked search (`search.SearchIndex`, BM25 over the line's text
  and its parents'), normalised by the best score for the query;
* the installation's history as finally classified: the past goods lines most similar to the
  description (cosine of TF-IDF vectors over the same folded words and word pairs), each voting
  for the code it ended under after officers' checks, corrections and rulings, weighted by its
  similarity (a corrected line counts more: an officer looked at it). Votes count for the
  8-digit line and, less, for its heading, so similar goods reach the right heading even when
  the exact line was never declared.

score = W_TEXT x text + W_CODE x code votes + W_HEADING x heading votes, and the confidence is
a softmax of the scores over the candidates (temperature `TEMPERATURE`), so it reads as the
probability that the line is the right one. The weights were set on the demo history's
earlier declarations (not the evaluation's; see BENCHMARKS.md).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse

from ..normalise import fold_text
from ..search import SearchIndex, terms, words

W_TEXT, W_CODE, W_HEADING = 1.0, 2.2, 0.8
TEMPERATURE = 4.0
TEXT_CANDIDATES = 40
NEIGHBOURS = 25
MIN_SIMILARITY = 0.35
CORRECTED_WEIGHT = 3.0
CHECKED_WEIGHT = 1.5
SUGGESTIONS = 5
STRENGTH_POWER = 3.0


@dataclass(frozen=True, slots=True)
class Example:
    """Past goods lines with one description (folded) that ended under one code."""

    text: str
    code: str
    declared_code: str  # the code first declared ("" when the same as `code`)
    count: int
    checked: int = 0  # of them, how many an officer checked (document check or inspection)
    corrected: int = 0  # of them, how many an officer's correction (or a ruling) classified


@dataclass(frozen=True, slots=True)
class Similar:
    description: str
    code: str
    declared_code: str
    count: int
    similarity: float


@dataclass
class Candidate:
    code: str
    text: float = 0.0
    code_votes: float = 0.0
    heading_votes: float = 0.0
    score: float = 0.0
    confidence: float = 0.0
    matched: tuple[str, ...] = ()
    similar: list[Similar] = field(default_factory=list)


def _vector_terms(text: str) -> dict[str, float]:
    return terms(text, accents=False)


class HistoryIndex:
    """TF-IDF vectors of the examples' descriptions, for nearest-neighbour votes."""

    def __init__(self, examples: Sequence[Example]) -> None:
        self.examples = list(examples)
        self.vocabulary: dict[str, int] = {}
        rows: list[int] = []
        cols: list[int] = []
        vals: list[float] = []
        for i, ex in enumerate(self.examples):
            for t, w in _vector_terms(ex.text).items():
                rows.append(i)
                cols.append(self.vocabulary.setdefault(t, len(self.vocabulary)))
                vals.append(w)
        n = max(len(self.examples), 1)
        shape = (n, max(len(self.vocabulary), 1))
        tf = sparse.csr_matrix(
            (np.asarray(vals, dtype=np.float64), (np.asarray(rows), np.asarray(cols))),
            shape=shape,
        )
        df = np.bincount(tf.indices, minlength=shape[1]).astype(np.float64)
        self.idf = np.log((1 + n) / (1 + df)) + 1.0
        tf.data = np.log1p(tf.data) * self.idf[tf.indices]
        norms = np.sqrt(np.asarray(tf.multiply(tf).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        self.matrix = sparse.csr_matrix(sparse.diags(1.0 / norms) @ tf, dtype=np.float32)
        self.weights = np.array(
            [
                (1.0 + math.log(ex.count))
                * (CORRECTED_WEIGHT if ex.corrected else CHECKED_WEIGHT if ex.checked else 1.0)
                for ex in self.examples
            ],
            dtype=np.float32,
        )

    def neighbours(self, text: str, k: int = NEIGHBOURS) -> list[tuple[int, float]]:
        if not self.examples:
            return []
        q = _vector_terms(text)
        idx = [self.vocabulary[t] for t in q if t in self.vocabulary]
        if not idx:
            return []
        vals = np.array([q[t] for t in q if t in self.vocabulary], dtype=np.float64)
        vals = np.log1p(vals) * self.idf[idx]
        norm = float(np.sqrt((vals**2).sum())) or 1.0
        sims = np.asarray(self.matrix[:, idx] @ (vals / norm).astype(np.float32)).ravel()
        k = min(k, int((sims > 0).sum()))
        if k <= 0:
            return []
        top = np.argpartition(-sims, k - 1)[:k]
        top = top[np.argsort(-sims[top], kind="stable")]
        return [(int(i), float(sims[i])) for i in top if sims[i] >= MIN_SIMILARITY]


class Assistant:
    """Suggests lines for descriptions, from the tariff's texts and the history's examples."""

    def __init__(self, index: SearchIndex, history: HistoryIndex, version: int | None) -> None:
        self.index = index
        self.history = history
        self.version = version

    def candidates(self, text: str, limit: int = SUGGESTIONS) -> list[Candidate]:
        """The `limit` likeliest lines for `text`, best first, with their evidence."""
        found: dict[str, Candidate] = {}
        scores = self.index.scores(text)
        if scores.size and scores.any():
            best = float(scores.max())
            for hit in self.index.hits(text, scores, TEXT_CANDIDATES):
                found[hit.code] = Candidate(hit.code, text=hit.score / best, matched=hit.matched)
        neighbours = self.history.neighbours(text)
        if neighbours:
            code_votes: dict[str, float] = defaultdict(float)
            heading_votes: dict[str, float] = defaultdict(float)
            similar: dict[str, list[Similar]] = defaultdict(list)
            for i, sim in neighbours:
                ex = self.history.examples[i]
                if ex.code not in self.index.code_index:
                    continue  # a line the tariff no longer has
                vote = sim * sim * float(self.history.weights[i])
                code_votes[ex.code] += vote
                heading_votes[ex.code[:4]] += vote
                similar[ex.code].append(
                    Similar(ex.text, ex.code, ex.declared_code, ex.count, round(sim, 3))
                )
            # Votes count as much as the nearest past description is close to this one: a
            # near-copy settles it, a loose likeness only nudges the tariff's own texts.
            strength = neighbours[0][1] ** STRENGTH_POWER
            total = (sum(code_votes.values()) or 1.0) / strength
            for code, vote in code_votes.items():
                cand = found.get(code)
                if cand is None:
                    cand = found[code] = Candidate(code, text=self._text_of(code, scores))
                cand.code_votes = vote / total
                cand.similar = similar[code][:3]
            for cand in found.values():
                cand.heading_votes = heading_votes.get(cand.code[:4], 0.0) / total
        if not found:
            return []
        for cand in found.values():
            cand.score = (
                W_TEXT * cand.text + W_CODE * cand.code_votes + W_HEADING * cand.heading_votes
            )
        ranked = sorted(found.values(), key=lambda c: (-c.score, c.code))
        exps = np.exp(TEMPERATURE * (np.array([c.score for c in ranked]) - ranked[0].score))
        probs = exps / exps.sum()
        for cand, p in zip(ranked, probs, strict=True):
            cand.confidence = float(p)
            if not cand.matched:
                cand.matched = self._matched(text, cand.code)
        return ranked[:limit]

    def _text_of(self, code: str, scores: np.ndarray) -> float:
        i = self.index.code_index.get(code)
        if i is None or not scores.size or not scores.any():
            return 0.0
        return float(scores[i] / scores.max())

    def _matched(self, text: str, code: str) -> tuple[str, ...]:
        i = self.index.code_index.get(code)
        if i is None:
            return ()
        have = self.index.folded_words(i)
        return tuple(w for w in dict.fromkeys(words(text)) if w in have)


def example_text(description: str) -> str:
    """How a description is kept in the examples: folded, spaces single."""
    return " ".join(fold_text(description or "").split())[:300]
