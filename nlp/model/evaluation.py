"""Honest figures on real sentences: document-grouped folds and bootstrap intervals.

A sentence of a test document must never be in training: sentences of one document
share their vocabulary, names and boilerplate, so a random split over sentences
measures how well the model remembers a document, not how it reads a new one. The
folds here are made of whole documents (:func:`grouped_folds`), and the uncertainty of
each figure comes from resampling whole documents too (:func:`bootstrap_prf`), since
sentences of one document are not independent draws.

Precision *at the natural rate* is measured on the random sample only (sentences drawn
uniformly from the corpus): a targeted sample over-represents positives, so its
precision is higher than what a profile built from every sentence gets.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt


def grouped_folds(groups: Sequence[str], k: int) -> list[npt.NDArray[np.int64]]:
    """Split row indices into ``k`` folds of whole groups, balanced by row count.

    Groups are placed largest first into the currently smallest fold, ties broken by a
    hash of the group name, so the folds depend on the data only (no random seed).

    Args:
        groups: the group (document) of each row.
        k: number of folds; at most the number of distinct groups.

    Returns:
        ``k`` sorted arrays of row indices (the test rows of each fold).
    """
    names = sorted(set(groups))
    if k < 2 or k > len(names):
        raise ValueError(f"cannot make {k} folds of {len(names)} groups")
    rows: dict[str, list[int]] = {name: [] for name in names}
    for i, g in enumerate(groups):
        rows[g].append(i)

    def key(name: str) -> tuple[int, str]:
        return (-len(rows[name]), hashlib.sha256(name.encode()).hexdigest())

    folds: list[list[int]] = [[] for _ in range(k)]
    for name in sorted(names, key=key):
        smallest = min(range(k), key=lambda f: (len(folds[f]), f))
        folds[smallest].extend(rows[name])
    return [np.array(sorted(f), dtype=np.int64) for f in folds]


def counts(y: npt.NDArray[Any], pred: npt.NDArray[Any]) -> npt.NDArray[np.int64]:
    """Per label, (true positives, false positives, false negatives) as a (labels, 3) array."""
    y = np.asarray(y, dtype=bool)
    pred = np.asarray(pred, dtype=bool)
    tp = (y & pred).sum(axis=0)
    fp = (~y & pred).sum(axis=0)
    fn = (y & ~pred).sum(axis=0)
    return np.stack([tp, fp, fn], axis=1).astype(np.int64)


def _ratio(num: float, den: float) -> float:
    return float(num / den) if den else float("nan")


def scores(c: npt.NDArray[Any]) -> tuple[float, float, float]:
    """Precision, recall and F1 of summed (tp, fp, fn) counts; NaN where undefined."""
    tp, fp, fn = (float(v) for v in c)
    p = _ratio(tp, tp + fp)
    r = _ratio(tp, tp + fn)
    f = _ratio(2 * tp, 2 * tp + fp + fn)
    return p, r, f


def bootstrap_prf(
    y: npt.NDArray[Any],
    pred: npt.NDArray[Any],
    groups: Sequence[str],
    names: Sequence[str],
    *,
    rounds: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> dict[str, dict[str, Any]]:
    """Per-label and micro P/R/F1 with percentile intervals from a document bootstrap.

    Each round draws as many documents as there are, with replacement, and sums their
    counts: the interval says how much the figure would move on another set of
    documents like these.

    Args:
        y: true labels (rows x labels, 0/1).
        pred: predicted labels, same shape.
        groups: the document of each row.
        names: label names, in column order.
        rounds: bootstrap rounds.
        seed: seed of the resampling (fixed: figures are reproducible).
        level: coverage of the intervals.

    Returns:
        ``{label | "micro": {"precision", "recall", "f1", "support", "predicted",
        "precision_ci", "recall_ci", "f1_ci"}}``; a figure with nothing to divide by
        (no positive, nothing predicted) is ``None``.
    """
    y = np.asarray(y, dtype=bool)
    pred = np.asarray(pred, dtype=bool)
    docs = sorted(set(groups))
    index = {d: j for j, d in enumerate(docs)}
    per_doc = np.zeros((len(docs), y.shape[1], 3), dtype=np.int64)
    rows_of = np.array([index[g] for g in groups], dtype=np.int64)
    for j in range(len(docs)):
        mask = rows_of == j
        per_doc[j] = counts(y[mask], pred[mask])
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, len(docs), size=(rounds, len(docs)))
    weights = np.zeros((rounds, len(docs)), dtype=np.int64)
    for k in range(rounds):
        weights[k] = np.bincount(draws[k], minlength=len(docs))
    boot = np.einsum("rd,dlc->rlc", weights, per_doc)  # rounds x labels x 3
    lo, hi = (1 - level) / 2 * 100, (1 + level) / 2 * 100
    total = per_doc.sum(axis=0)
    out: dict[str, dict[str, Any]] = {}
    columns: list[tuple[str, npt.NDArray[np.int64], npt.NDArray[np.int64]]] = [
        (name, total[j], boot[:, j, :]) for j, name in enumerate(names)
    ]
    columns.append(("micro", total.sum(axis=0), boot.sum(axis=1)))
    for name, c, b in columns:
        p, r, f = scores(c)
        sampled = np.array([scores(b[i]) for i in range(rounds)])
        entry: dict[str, Any] = {
            "precision": _clean(p),
            "recall": _clean(r),
            "f1": _clean(f),
            "support": int(c[0] + c[2]),
            "predicted": int(c[0] + c[1]),
        }
        for k, metric in enumerate(("precision", "recall", "f1")):
            col = sampled[:, k]
            col = col[~np.isnan(col)]
            entry[f"{metric}_ci"] = (
                [round(float(np.percentile(col, lo)), 4), round(float(np.percentile(col, hi)), 4)]
                if col.size
                else None
            )
        out[name] = entry
    return out


def _clean(value: float) -> float | None:
    return None if np.isnan(value) else round(float(value), 4)


def cohen_kappa(a: npt.NDArray[Any], b: npt.NDArray[Any]) -> float | None:
    """Cohen's kappa of two binary decisions over the same items; ``None`` when undefined."""
    a = np.asarray(a, dtype=bool)
    b = np.asarray(b, dtype=bool)
    if a.size == 0:
        return None
    po = float((a == b).mean())
    pa, pb = float(a.mean()), float(b.mean())
    pe = pa * pb + (1 - pa) * (1 - pb)
    if pe >= 1.0:
        return None
    return round((po - pe) / (1 - pe), 4)
