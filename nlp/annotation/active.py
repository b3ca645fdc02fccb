"""Active learning: which sentences analysts should label next.

Selection (:func:`select_for_annotation`) is a pure function of the sentences table of a
run (``sentences.parquet``) and the current model's thresholds:

1. **Eligible sentences**: not headings, between ``min_chars`` and ``max_chars``
   characters and at least ``min_words`` words, not already judged in the annotation
   store nor in ``corpus/training/real_annotations.jsonl`` (matched by
   ``sentence_hash``), not from a document the corpus README lists as evaluation-only
   (:mod:`nlp.ingest.evaluation`), and only the first occurrence of repeated boilerplate.
2. **Uncertainty** of a sentence: the largest, over every label of every scheme, of

   ``u(p, t) = 1 - (p - t) / (1 - t)`` when ``p >= t``, else ``1 - (t - p) / t``

   where ``p`` is the classifier's probability (the ``scores`` column) and ``t`` the
   label's decision threshold: 1 on the threshold, falling linearly to 0 at certainty
   (``p`` = 0 or 1), so labels with low and high thresholds are comparable (ties between
   sentences: the larger sum of ``u`` over all labels first). Without a model (no
   thresholds, or a row whose ``model_version`` is empty) the lexicons stand in: a label
   matched by ``k`` distinct lexicon entries gets ``p = 1 - 0.5**k`` against ``t = 0.5``,
   so a label resting on a single cue is the most uncertain (``u = 1``), two cues give
   0.5, three 0.25, and a label with no cue is certain (``u = 0``).
3. **Diversity**: among the ``pool_factor * n`` most uncertain eligible sentences, a
   greedy farthest-point walk over their TF-IDF vectors (word 1-2 grams, cosine
   distance): start from the most uncertain, then repeatedly take the sentence farthest
   from everything taken so far (ties: more uncertain, then key order), never more than
   ``per_document`` sentences per document.

Everything is deterministic (sorts with explicit tie-breakers, no random generator).
The files analysts label are written by :mod:`nlp.annotation.export` and read back by
:mod:`nlp.annotation.importing`.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer

from nlp.annotation.judgement import sentence_key
from nlp.ingest.evaluation import is_evaluation_only
from nlp.model.training import sentence_hash
from nlp.records.codebook import CODEBOOK_LABELS, SCHEMES


@dataclass(frozen=True)
class SelectionConfig:
    """Settings of :func:`select_for_annotation`.

    Attributes:
        n: sentences to select.
        per_document: most sentences taken from one document.
        min_chars: shortest sentence considered (characters, stripped).
        max_chars: longest sentence considered.
        min_words: fewest words a sentence must have.
        pool_factor: the diversity walk runs over the ``pool_factor * n`` most uncertain
            eligible sentences.
    """

    n: int = 200
    per_document: int = 5
    min_chars: int = 40
    max_chars: int = 600
    min_words: int = 6
    pool_factor: int = 4


# --------------------------------------------------------------------------- exclusions


def standoff_hashes(path: Path) -> set[str]:
    """``sentence_hash`` values of a standoff annotation file (absent file: empty set)."""
    path = Path(path)
    if not path.is_file():
        return set()
    out: set[str] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            value = json.loads(line).get("sentence_hash")
            if isinstance(value, str):
                out.add(value)
    return out


def key_hashes(keys: Iterable[str]) -> set[str]:
    """Sentence hashes of store keys (a key starts with the hash of its text)."""
    return {str(k).split(":", 1)[0] for k in keys}


# --------------------------------------------------------------------------- uncertainty


def label_uncertainty(p: float, t: float) -> float:
    """``u(p, t)``: 1 at the threshold, 0 at certainty (see the module docstring)."""
    t = min(max(t, 1e-6), 1 - 1e-6)
    p = min(max(p, 0.0), 1.0)
    margin = (p - t) / (1 - t) if p >= t else (t - p) / t
    return 1.0 - min(1.0, margin)


def _json(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    if isinstance(value, str) and value:
        loaded = json.loads(value)
        return loaded if isinstance(loaded, dict) else {}
    return {}


def sentence_uncertainty(
    row: Mapping[str, Any], thresholds: Mapping[str, Sequence[float]] | None
) -> tuple[float, float, str]:
    """Uncertainty of one sentence, the sum over its labels, and the label behind it.

    Returns ``(max of u, sum of u, "scheme:label p=.. t=..")`` over every label.

    Uses the classifier's scores against ``thresholds`` for the schemes that have them
    when the row was classified (non-empty ``model_version`` and a ``scores`` column),
    and the lexicon evidence for the others.
    """
    scores = _json(row.get("scores")) if thresholds and row.get("model_version") else {}
    evidence: dict[str, Any] | None = None
    best, total, why = 0.0, 0.0, ""
    for scheme in SCHEMES:
        names = CODEBOOK_LABELS[scheme]
        given = scores.get(scheme)
        if given and thresholds and scheme in thresholds:
            pairs = [
                (label, float(given.get(label, 0.0)), float(thresholds[scheme][j]))
                for j, label in enumerate(names)
            ]
        else:
            if evidence is None:
                evidence = _json(row.get("evidence"))
            hits = evidence.get(scheme, {})
            pairs = [
                (label, 1.0 - 0.5 ** len({h[0] for h in hits.get(label, [])}), 0.5)
                for label in names
            ]
        for label, p, t in pairs:
            u = label_uncertainty(p, t)
            total += u
            if u > best + 1e-12:
                best, why = u, f"{scheme}:{label} p={p:.2f} t={t:.2f}"
    return round(best, 6), round(total, 6), why


# --------------------------------------------------------------------------- selection


def _row_key(row: Mapping[str, Any]) -> str:
    return sentence_key(
        str(row["text"]), str(row["doc_sha256"]), int(row["page"]), int(row["start"])
    )


def _context(frame: pd.DataFrame) -> tuple[list[str], list[str]]:
    previous = [""] * len(frame)
    following = [""] * len(frame)
    order = frame.sort_values(["doc_sha256", "page", "start"], kind="stable")
    positions = {label: i for i, label in enumerate(frame.index)}
    for _sha, doc in order.groupby("doc_sha256", sort=False):
        texts = doc["text"].astype(str).tolist()
        for j, label in enumerate(doc.index):
            i = positions[label]
            previous[i] = texts[j - 1] if j > 0 else ""
            following[i] = texts[j + 1] if j + 1 < len(texts) else ""
    return previous, following


def select_for_annotation(
    sentences: pd.DataFrame,
    thresholds: Mapping[str, Sequence[float]] | None = None,
    *,
    config: SelectionConfig | None = None,
    exclude_hashes: Collection[str] = (),
    evaluation_patterns: Collection[str] = (),
) -> pd.DataFrame:
    """Choose the sentences worth annotating: uncertain, diverse, spread over documents.

    Args:
        sentences: a ``sentences.parquet`` table (``scores``, ``model_version`` and
            ``evidence`` optional).
        thresholds: per scheme, the current model's thresholds in codebook order
            (``SentenceClassifier.thresholds``); ``None`` without a model.
        config: selection settings.
        exclude_hashes: sentence hashes already annotated (store, real annotations).
        evaluation_patterns: :func:`nlp.ingest.evaluation.evaluation_only` patterns of the corpus.

    Returns:
        The selected rows, in selection order, with ``key`` (store sentence key),
        ``uncertainty``, ``why`` (the most uncertain label, its score and threshold),
        ``previous`` and ``next`` (neighbouring sentences of the same document) added.
    """
    config = config or SelectionConfig()
    extra = ["key", "uncertainty", "why", "previous", "next"]
    if sentences.empty or config.n <= 0:
        return pd.DataFrame(columns=[*sentences.columns, *extra])
    frame = sentences.reset_index(drop=True)
    previous, following = _context(frame)
    frame = frame.assign(previous=previous, next=following)
    text = frame["text"].astype(str).str.strip()
    words = text.str.split().str.len()
    heading = (
        frame["is_heading"].astype(bool)
        if "is_heading" in frame
        else pd.Series(False, index=frame.index)
    )
    hashes = text.map(sentence_hash)
    keep = (
        ~heading
        & text.str.len().between(config.min_chars, config.max_chars)
        & (words >= config.min_words)
        & ~hashes.isin(set(exclude_hashes))
        & ~frame["file"].astype(str).map(lambda f: is_evaluation_only(f, evaluation_patterns))
    )
    frame = frame.assign(_hash=hashes)[keep]
    frame = frame.sort_values(["file", "page", "start"], kind="stable")
    frame = frame.drop_duplicates("_hash", keep="first")
    if frame.empty:
        return pd.DataFrame(columns=[*sentences.columns, *extra])
    measured = [sentence_uncertainty(row, thresholds) for row in frame.to_dict("records")]
    frame = frame.assign(
        uncertainty=[u for u, _t, _w in measured],
        _total=[t for _u, t, _w in measured],
        why=[w for _u, _t, w in measured],
        key=[_row_key(row) for row in frame.to_dict("records")],
    )
    frame = frame.sort_values(
        ["uncertainty", "_total", "key"], ascending=[False, False, True], kind="stable"
    )
    pool = frame.head(max(config.n, config.pool_factor * config.n)).reset_index(drop=True)
    chosen = _farthest_points(pool, config.n, config.per_document)
    out = pool.iloc[chosen].drop(columns=["_hash", "_total"]).reset_index(drop=True)
    return out


def _farthest_points(pool: pd.DataFrame, n: int, per_document: int) -> list[int]:
    """Greedy farthest-point walk over TF-IDF vectors (pool sorted by uncertainty)."""
    texts = pool["text"].astype(str).tolist()
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1)
    try:
        x = vectorizer.fit_transform(texts)
    except ValueError:  # no token at all (e.g. only numbers): distances are all equal
        x = None
    size = len(texts)
    nearest = np.full(size, np.inf)
    taken = np.zeros(size, dtype=bool)
    per_doc: dict[str, int] = {}
    docs = pool["file"].astype(str).tolist()
    rank = np.arange(size)  # pool order = uncertainty, then key
    chosen: list[int] = []
    while len(chosen) < n:
        allowed = ~taken & np.array([per_doc.get(d, 0) < per_document for d in docs])
        if not allowed.any():
            break
        candidates = np.flatnonzero(allowed)
        # farthest first; ties go to the earlier (more uncertain) sentence
        best = candidates[np.lexsort((rank[candidates], -nearest[candidates]))[0]]
        chosen.append(int(best))
        taken[best] = True
        per_doc[docs[best]] = per_doc.get(docs[best], 0) + 1
        if x is not None:
            similarity = np.asarray((x @ x[best].T).todense()).ravel()
            nearest = np.minimum(nearest, np.round(1.0 - similarity, 9))
        else:
            nearest = np.minimum(nearest, 0.0)
    return chosen
