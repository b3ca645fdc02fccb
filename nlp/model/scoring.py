"""From probabilities to labels, and how good the labels are.

Balanced class weights shift the probabilities upwards for rare labels, so each label
gets its own decision threshold, chosen to maximise F1 on out-of-fold probabilities (the
thresholds, not 0.5, decide). Platt scaling fitted on the same probabilities maps the
scores back to observed frequencies; the map is increasing and the thresholds are stored
through it, so calibration changes the scores, never the decisions. Lexicon and
classifier labels are then combined by one rule per scheme: ``lexicon``, ``classifier``,
``union`` (either) or ``agreement`` (both). Precision, recall and F1 are computed here
for every report of the model.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from sklearn.linear_model import LogisticRegression

from nlp.model.training import SCHEMES
from nlp.records.codebook import CODEBOOK_LABELS

RULES = ("lexicon", "classifier", "union", "agreement")
"""Ways to combine lexicon and classifier labels (see the module docstring)."""


_THRESHOLD_GRID = np.round(np.arange(0.05, 0.96, 0.025), 3)


def prf(
    y_true: npt.NDArray[Any], y_pred: npt.NDArray[Any], labels: Sequence[str]
) -> dict[str, Any]:
    """Per-label precision, recall, F1 and support; macro and micro F1.

    A label with no true and no predicted example is undefined: its figures are
    ``None`` and it is left out of the macro average, so a small set does not flatter.
    """
    y_true = np.asarray(y_true, dtype=bool)
    y_pred = np.asarray(y_pred, dtype=bool)
    per: dict[str, dict[str, Any]] = {}
    f1s: list[float] = []
    for j, label in enumerate(labels):
        tp = int(np.sum(y_true[:, j] & y_pred[:, j]))
        fp = int(np.sum(~y_true[:, j] & y_pred[:, j]))
        fn = int(np.sum(y_true[:, j] & ~y_pred[:, j]))
        support = tp + fn
        if support == 0 and fp == 0:
            per[label] = {"precision": None, "recall": None, "f1": None, "support": 0}
            continue
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / support if support else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        per[label] = {
            "precision": round(p, 4),
            "recall": round(r, 4),
            "f1": round(f, 4),
            "support": support,
        }
        f1s.append(f)
    tp = int(np.sum(y_true & y_pred))
    fp = int(np.sum(~y_true & y_pred))
    fn = int(np.sum(y_true & ~y_pred))
    micro = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0
    return {
        "macro_f1": round(float(np.mean(f1s)), 4) if f1s else None,
        "micro_f1": round(micro, 4),
        "labels": per,
    }


def macro_f1(y_true: npt.NDArray[Any], y_pred: npt.NDArray[Any]) -> float:
    """Mean F1 over the labels that occur (true or predicted): how rules are compared."""
    f1s = []
    for j in range(y_true.shape[1]):
        t, p = y_true[:, j].astype(bool), y_pred[:, j].astype(bool)
        tp = np.sum(t & p)
        denom = np.sum(t) + np.sum(p)
        if denom:
            f1s.append(2 * tp / denom)
    return float(np.mean(f1s)) if f1s else 0.0


def combine(rule: str, lex: npt.NDArray[Any], clf: npt.NDArray[Any]) -> npt.NDArray[np.int8]:
    """Apply a combination rule to lexicon and classifier 0/1 matrices."""
    lex_b, clf_b = lex.astype(bool), clf.astype(bool)
    if rule == "lexicon":
        out = lex_b
    elif rule == "classifier":
        out = clf_b
    elif rule == "union":
        out = lex_b | clf_b
    elif rule == "agreement":
        out = lex_b & clf_b
    else:
        raise ValueError(f"unknown rule {rule!r}; expected one of {RULES}")
    return out.astype(np.int8)


def best_thresholds(y: npt.NDArray[Any], proba: npt.NDArray[Any]) -> npt.NDArray[np.float64]:
    """Per label, the threshold on ``proba`` that maximises F1 (ties: the lowest)."""
    out = np.full(y.shape[1], 0.5)
    for j in range(y.shape[1]):
        t = y[:, j].astype(bool)
        if not t.any():
            continue
        best_f, best_th = -1.0, 0.5
        for th in _THRESHOLD_GRID:
            p = proba[:, j] >= th
            tp = np.sum(t & p)
            f = 2 * tp / (t.sum() + p.sum()) if t.sum() + p.sum() else 0.0
            if f > best_f + 1e-12:
                best_f, best_th = float(f), float(th)
        out[j] = best_th
    return out


def _logit(p: npt.NDArray[Any]) -> npt.NDArray[np.float64]:
    q = np.clip(np.asarray(p, dtype=float), 1e-6, 1 - 1e-6)
    return np.asarray(np.log(q / (1 - q)), dtype=np.float64)


def fit_calibration(y: npt.NDArray[Any], proba: npt.NDArray[Any]) -> npt.NDArray[np.float64]:
    """Per label, Platt scaling ``(a, b)`` of out-of-fold probabilities.

    Balanced class weights push the logistic regressions' probabilities of rare labels
    far above their frequency; ``sigmoid(a * logit(p) + b)`` fitted on out-of-fold
    predictions brings them back to observed frequencies. The map is increasing
    (``a > 0``; a label it cannot be fitted for keeps ``(1, 0)``, the identity), so
    decisions at the mapped thresholds are the same as before calibration.
    """
    out = np.tile(np.array([1.0, 0.0]), (y.shape[1], 1))
    for j in range(y.shape[1]):
        t = y[:, j].astype(int)
        if t.min() == t.max():
            continue
        model = LogisticRegression(C=100.0, solver="lbfgs", max_iter=1000)
        model.fit(_logit(proba[:, j]).reshape(-1, 1), t)
        a, b = float(model.coef_[0, 0]), float(model.intercept_[0])
        if a > 0:
            out[j] = (a, b)
    return out


def calibrate(proba: npt.NDArray[Any], calibration: npt.NDArray[Any]) -> npt.NDArray[np.float64]:
    """Apply :func:`fit_calibration`'s maps to a probability matrix (or a threshold row)."""
    z = _logit(proba) * calibration[:, 0] + calibration[:, 1]
    return np.asarray(1 / (1 + np.exp(-z)), dtype=np.float64)


def brier(y: npt.NDArray[Any], proba: npt.NDArray[Any]) -> float:
    """Mean squared error of the probabilities over every (sentence, label) cell."""
    return round(float(np.mean((np.asarray(proba, dtype=float) - y) ** 2)), 5) if y.size else 0.0


def threshold_table(
    thresholds: Mapping[str, npt.NDArray[np.float64]],
) -> dict[str, dict[str, float]]:
    """Thresholds as ``{scheme: {label: value}}`` (for metrics and cards)."""
    return {
        s: {lab: float(t) for lab, t in zip(CODEBOOK_LABELS[s], thresholds[s], strict=True)}
        for s in SCHEMES
    }
