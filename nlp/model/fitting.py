"""Fitting the classifier for real documents: decisions chosen and measured on real text.

Written sentences are clean, on-topic and mostly positive; the sentences of real
minutes, reports and magazines are mostly procedural. A threshold tuned on the first
over-fires on the second. So, when the training data holds enough annotated real
sentences:

* out-of-fold probabilities of the real sentences come from a **document-grouped**
  k-fold (:func:`nlp.model.evaluation.grouped_folds`): each fold's model learns from every
  written sentence and the real sentences of the *other* documents only;
* per-label thresholds, Platt calibration and the lexicon/classifier combination rule
  are chosen on those real out-of-fold probabilities, never on written sentences;
* the reported figures are **cross-fitted**: the thresholds applied to fold *k* are
  chosen on the other folds, so nothing the figures are computed on has tuned the
  decisions they measure. Each figure has a document-bootstrap interval, and precision
  *at the natural rate* is measured on the sentences of the random sample only.

Everything is a pure function of its inputs; fitting itself is
:func:`nlp.model.learning.fit_parts`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from nlp.model.classify import SentenceClassifier
from nlp.model.evaluation import bootstrap_prf, grouped_folds
from nlp.model.learning import TrainConfig, assemble, fit_parts, predict_parts
from nlp.model.lexicon_features import is_fragment, lexicon_labels
from nlp.model.scoring import (
    RULES,
    best_thresholds,
    calibrate,
    combine,
    fit_calibration,
    prf,
    threshold_table,
)
from nlp.model.training import SCHEMES, Example, label_matrix
from nlp.records.codebook import CODEBOOK_LABELS

#: Documents needed among the real sentences to fit on them with grouped folds.
MIN_REAL_DOCUMENTS = 10


@dataclass
class RealOOF:
    """Out-of-fold probabilities of the real training sentences.

    Attributes:
        proba: per scheme, (real sentences x labels) probabilities from models that did
            not see the sentence's document.
        fold: the fold of each real sentence.
        groups: the document of each real sentence.
        random: whether each real sentence belongs to the random (natural-rate) sample.
    """

    proba: dict[str, npt.NDArray[np.float64]]
    fold: npt.NDArray[np.int64]
    groups: list[str]
    random: npt.NDArray[np.bool_]


def document_of(example: Example) -> str:
    """The group of a real sentence for grouped folds: its document."""
    return str(example.provenance.get("doc_sha256") or example.provenance.get("file") or "")


def grouped_oof(
    written: Sequence[Example],
    real: Sequence[Example],
    lex_written: sp.csr_matrix,
    lex_real: sp.csr_matrix,
    config: TrainConfig,
    territories: Sequence[str] = (),
) -> RealOOF:
    """Out-of-fold probabilities of ``real`` under a document-grouped k-fold.

    Args:
        written: written sentences, in every fold's training data.
        real: annotated real sentences (with provenance).
        lex_written: lexicon matrix of ``written``.
        lex_real: lexicon matrix of ``real``.
        config: hyper-parameters (``folds`` folds).
        territories: territory of each real sentence, for the vocabulary rule of
            :func:`nlp.model.learning.fit_parts`.
    """
    groups = [document_of(ex) for ex in real]
    k = min(config.folds, len(set(groups)))
    folds = grouped_folds(groups, k)
    fold_of = np.zeros(len(real), dtype=np.int64)
    ys_w = {s: label_matrix(written, s) for s in SCHEMES}
    ys_r = {s: label_matrix(real, s) for s in SCHEMES}
    proba = {s: np.zeros(ys_r[s].shape, dtype=float) for s in SCHEMES}
    texts_w = [ex.text for ex in written]
    texts_r = [ex.text for ex in real]
    terr = list(territories) or ["?"] * len(real)
    for f, test in enumerate(folds):
        fold_of[test] = f
        train = np.setdiff1d(np.arange(len(real)), test)
        parts = fit_parts(
            texts_w + [texts_r[i] for i in train],
            sp.vstack([lex_written, lex_real[train]], format="csr"),
            {s: np.vstack([ys_w[s], ys_r[s][train]]) for s in SCHEMES},
            config,
            groups=["written"] * len(written) + [terr[i] for i in train],
            weights=np.concatenate(
                [np.ones(len(written)), np.full(len(train), config.real_weight)]
            ),
        )
        predicted = predict_parts(parts, [texts_r[i] for i in test], lex_real[test], config)
        for s in SCHEMES:
            proba[s][test] = predicted[s]
    random = np.array([ex.provenance.get("sample") == "random" for ex in real], dtype=bool)
    return RealOOF(proba=proba, fold=fold_of, groups=groups, random=random)


def choose_rule(
    y: npt.NDArray[Any], lexd: npt.NDArray[Any], clf: npt.NDArray[Any]
) -> tuple[str, dict[str, float]]:
    """The combination rule with the best micro-F1 (ties: the earlier rule of RULES)."""
    scores = {}
    for rule in RULES:
        pred = combine(rule, lexd, clf).astype(bool)
        t = y.astype(bool)
        tp = float((t & pred).sum())
        denom = float(t.sum() + pred.sum())
        scores[rule] = round(2 * tp / denom, 4) if denom else 0.0
    best = max(RULES, key=lambda r: (scores[r], -RULES.index(r)))
    return best, scores


def decisions(
    y: npt.NDArray[Any],
    proba: npt.NDArray[Any],
    lexd: npt.NDArray[Any],
    rows: npt.NDArray[np.bool_],
) -> tuple[npt.NDArray[np.float64], str, dict[str, float]]:
    """Thresholds and rule chosen on ``rows`` only: what training fixes for a scheme."""
    th = best_thresholds(y[rows], proba[rows])
    clf = (proba[rows] >= th).astype(np.int8)
    rule, scores = choose_rule(y[rows], lexd[rows], clf)
    return th, rule, scores


def cross_fitted(
    oof: RealOOF, real: Sequence[Example], lex_real: sp.csr_matrix
) -> dict[str, dict[str, Any]]:
    """Honest figures: fold *k* decided with thresholds and rule chosen on the others.

    Returns, per scheme: ``classifier`` / ``lexicon`` / ``combined`` P/R/F1 over every
    real sentence (:func:`nlp.model.scoring.prf`), ``bootstrap`` (per label and micro, with
    document-bootstrap intervals) of the combined decisions, and ``natural`` (the same
    on the random sample only, when it has sentences).
    """
    out: dict[str, dict[str, Any]] = {}
    k = int(oof.fold.max()) + 1 if len(oof.fold) else 0
    kept = _not_fragments(real)
    for scheme in SCHEMES:
        y = label_matrix(real, scheme)
        lexd = lexicon_labels(lex_real, scheme) * kept
        proba = oof.proba[scheme] * kept
        final = np.zeros_like(y)
        clf_all = np.zeros_like(y)
        for f in range(k):
            test = oof.fold == f
            th, rule, _ = decisions(y, proba, lexd, ~test)
            clf = (proba[test] >= th).astype(np.int8)
            clf_all[test] = clf
            final[test] = combine(rule, lexd[test], clf)
        names = CODEBOOK_LABELS[scheme]
        block: dict[str, Any] = {
            "lexicon": prf(y, lexd, names),
            "classifier": prf(y, clf_all, names),
            "combined": prf(y, final, names),
            "bootstrap": bootstrap_prf(y, final, oof.groups, names),
        }
        if oof.random.any():
            mask = oof.random
            block["natural"] = bootstrap_prf(
                y[mask], final[mask], [g for g, m in zip(oof.groups, mask, strict=True) if m], names
            )
            block["natural"]["sentences"] = {"count": int(mask.sum())}
        out[scheme] = block
    return out


def _not_fragments(real: Sequence[Example]) -> npt.NDArray[np.int8]:
    """A column of 1s, 0 for the fragments that prediction leaves unlabelled."""
    return np.array([[0 if is_fragment(ex.text) else 1] for ex in real], dtype=np.int8)


def fit_decisions(
    oof: RealOOF, real: Sequence[Example], lex_real: sp.csr_matrix
) -> tuple[dict[str, npt.NDArray[np.float64]], dict[str, str], dict[str, dict[str, float]]]:
    """Thresholds and rules of the final model: chosen on every real out-of-fold row."""
    thresholds: dict[str, npt.NDArray[np.float64]] = {}
    rules: dict[str, str] = {}
    scores: dict[str, dict[str, float]] = {}
    every = np.ones(len(real), dtype=bool)
    kept = _not_fragments(real)
    for scheme in SCHEMES:
        y = label_matrix(real, scheme)
        lexd = lexicon_labels(lex_real, scheme) * kept
        thresholds[scheme], rules[scheme], scores[scheme] = decisions(
            y, oof.proba[scheme] * kept, lexd, every
        )
    return thresholds, rules, scores


def quality_table(figures: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per scheme and label, the measured precision, recall and F1 that users are shown.

    Taken from the cross-fitted combined figures (:func:`cross_fitted`), with the
    natural-rate precision when the random sample has one for the label.
    """
    out: dict[str, dict[str, Any]] = {}
    for scheme, block in figures.items():
        labels: dict[str, Any] = {}
        boot = block.get("bootstrap", {})
        natural = block.get("natural", {})
        for label in CODEBOOK_LABELS[scheme]:
            row = boot.get(label, {})
            labels[label] = {
                "precision": row.get("precision"),
                "recall": row.get("recall"),
                "f1": row.get("f1"),
                "f1_ci": row.get("f1_ci"),
                "support": row.get("support", 0),
                "natural_precision": natural.get(label, {}).get("precision"),
            }
        out[scheme] = labels
    return out


__all__ = [
    "MIN_REAL_DOCUMENTS",
    "RealOOF",
    "choose_rule",
    "cross_fitted",
    "decisions",
    "document_of",
    "fit_decisions",
    "grouped_oof",
    "quality_table",
    "train_for_real",
]


@dataclass
class RealTraining:
    """A classifier fitted for real documents and what was measured on the way.

    Attributes:
        classifier: the final model (every written and real sentence).
        thresholds: per scheme and label, the decision threshold (calibrated space).
        rules: per scheme, the combination rule.
        rule_scores: per scheme, the out-of-fold micro-F1 of each rule.
        figures: :func:`cross_fitted` figures (the honest ones).
        quality: :func:`quality_table`, what users are shown per label.
    """

    classifier: SentenceClassifier
    thresholds: dict[str, dict[str, float]]
    rules: dict[str, str]
    rule_scores: dict[str, dict[str, float]]
    figures: dict[str, dict[str, Any]]
    quality: dict[str, dict[str, Any]]


def train_for_real(
    written: Sequence[Example],
    real: Sequence[Example],
    lex_written: sp.csr_matrix,
    lex_real: sp.csr_matrix,
    config: TrainConfig,
    territories: Sequence[str],
) -> RealTraining:
    """Fit on written and real sentences; choose and measure decisions on real ones.

    Args:
        written: written sentences (training data only).
        real: annotated real sentences, with provenance (``doc_sha256``; ``sample`` is
            ``random`` for the natural-rate sample).
        lex_written: lexicon matrix of ``written``.
        lex_real: lexicon matrix of ``real``.
        config: hyper-parameters.
        territories: the territory of each real sentence (vocabulary rule).
    """
    oof = grouped_oof(written, real, lex_written, lex_real, config, territories)
    figures = cross_fitted(oof, real, lex_real)
    raw_thresholds, rules, rule_scores = fit_decisions(oof, real, lex_real)
    calibration = {s: fit_calibration(label_matrix(real, s), oof.proba[s]) for s in SCHEMES}
    thresholds = {s: calibrate(raw_thresholds[s], calibration[s]) for s in SCHEMES}
    examples = [*written, *real]
    parts = fit_parts(
        [ex.text for ex in examples],
        sp.vstack([lex_written, lex_real], format="csr"),
        {s: label_matrix(examples, s) for s in SCHEMES},
        config,
        groups=["written"] * len(written) + list(territories),
        weights=np.concatenate([np.ones(len(written)), np.full(len(real), config.real_weight)]),
    )
    classifier = assemble(
        parts, thresholds, rules, calibration, config, len(examples), real_size=len(real)
    )
    return RealTraining(
        classifier=classifier,
        thresholds=threshold_table(thresholds),
        rules=rules,
        rule_scores=rule_scores,
        figures=figures,
        quality=quality_table(figures),
    )
