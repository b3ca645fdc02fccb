"""Training the sentence classifier on a labelled set.

Features (shared by the six schemes, fitted once on the training texts):

* TF-IDF of word 1-2 grams (lower case, accents kept, ``sublinear_tf``);
* TF-IDF of character 2-5 grams inside word boundaries (``char_wb``), which carries
  inflections and compounds the word n-grams split ("co-construction", "numériques");
* the lexicon hits of :mod:`nlp.model.lexicon_features`.

Model: per scheme, ``OneVsRestClassifier(LogisticRegression(class_weight="balanced"))``.
Thresholds, calibration and the lexicon/classifier rule (:mod:`nlp.model.scoring`) are
chosen on out-of-fold probabilities of an iteratively stratified k-fold of the training
set, never on a held-out split, so what is reported on that split is an honest
estimate. For real documents, :mod:`nlp.model.fitting` chooses them on real sentences
instead.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
import sklearn
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier

from nlp.model.classify import BUNDLE_FORMAT, SentenceClassifier, proba_of
from nlp.model.lexicon_features import lexicon_labels
from nlp.model.scoring import (
    RULES,
    best_thresholds,
    brier,
    calibrate,
    combine,
    fit_calibration,
    macro_f1,
    prf,
    threshold_table,
)
from nlp.model.training import SCHEMES, Example, kfold_indices, label_matrix
from nlp.model.vocabulary import name_like_tokens, shared_vocabulary
from nlp.records.codebook import CODEBOOK_LABELS


@dataclass(frozen=True)
class TrainConfig:
    """Hyper-parameters of a training run.

    Attributes:
        c: inverse regularisation strength of the logistic regressions.
        folds: folds of the cross-validation that tunes thresholds and rules.
        word_ngrams: n-gram range of the word TF-IDF.
        char_ngrams: n-gram range of the character TF-IDF.
        min_df: minimum document frequency of an n-gram.
        lexicon_weight: value of a lexicon-hit feature (its scale against TF-IDF).
        use_lexicon_features: add the lexicon columns to the features.
        real_weight: weight of a real sentence against a written one.
        min_territories: territories an n-gram of real documents must occur in to
            enter the vocabulary (see :func:`shared_vocabulary`).
    """

    c: float = 4.0
    folds: int = 5
    word_ngrams: tuple[int, int] = (1, 2)
    char_ngrams: tuple[int, int] = (2, 5)
    min_df: int = 2
    lexicon_weight: float = 1.0
    use_lexicon_features: bool = True
    real_weight: float = 1.0
    min_territories: int = 3


@dataclass
class FittedParts:
    """The fitted pieces of a classifier: vectorisers and one model per scheme."""

    word: TfidfVectorizer
    char: TfidfVectorizer
    models: dict[str, OneVsRestClassifier]


def _vectorisers(config: TrainConfig) -> tuple[TfidfVectorizer, TfidfVectorizer]:
    word = TfidfVectorizer(
        ngram_range=config.word_ngrams,
        lowercase=True,
        strip_accents=None,
        sublinear_tf=True,
        min_df=config.min_df,
        dtype=np.float32,
    )
    char = TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=config.char_ngrams,
        lowercase=True,
        sublinear_tf=True,
        min_df=config.min_df,
        dtype=np.float32,
    )
    return word, char


def fit_parts(
    texts: Sequence[str],
    lex: sp.csr_matrix,
    ys: Mapping[str, npt.NDArray[Any]],
    config: TrainConfig,
    *,
    groups: Sequence[str] | None = None,
    weights: npt.NDArray[Any] | None = None,
) -> FittedParts:
    """Fit the vectorisers and the per-scheme models.

    Args:
        texts: training sentences.
        lex: their lexicon matrix.
        ys: per scheme, the (sentences x labels) 0/1 matrix.
        config: hyper-parameters.
        groups: per sentence, ``written`` or its territory: when given, the vocabulary
            keeps only :func:`shared_vocabulary` n-grams.
        weights: per-sentence weights of the logistic regressions.
    """
    word, char = _vectorisers(config)
    if groups is not None:
        names = name_like_tokens(texts)
        for vec, drop in ((word, names), (char, None)):
            vocab = shared_vocabulary(
                texts, groups, vec.build_analyzer(), config.min_territories, drop
            )
            vec.set_params(vocabulary=vocab, min_df=1)
    parts = [word.fit_transform(texts), char.fit_transform(texts)]
    if config.use_lexicon_features:
        parts.append(lex * config.lexicon_weight)
    x = sp.hstack(parts, format="csr")
    models = {}
    for scheme, y in ys.items():
        model = OneVsRestClassifier(
            LogisticRegression(
                C=config.c, class_weight="balanced", max_iter=2000, solver="liblinear"
            )
        )
        with warnings.catch_warnings():
            # a label absent from a small fold is fitted as a constant: expected
            warnings.filterwarnings("ignore", message="Label not .* is present in all")
            if weights is None or np.all(weights == weights[0]):
                model.fit(x, y)
            else:
                _fit_weighted(model, x, y, weights)
        models[scheme] = model
    return FittedParts(word, char, models)


def _fit_weighted(
    model: OneVsRestClassifier, x: sp.csr_matrix, y: npt.NDArray[Any], weights: npt.NDArray[Any]
) -> None:
    # OneVsRestClassifier routes sample weights to its binary estimators only through
    # scikit-learn's metadata routing, which is off by default
    with sklearn.config_context(enable_metadata_routing=True):
        model.estimator.set_fit_request(sample_weight=True)
        model.fit(x, y, sample_weight=np.asarray(weights, dtype=float))


def predict_parts(
    parts: FittedParts, texts: Sequence[str], lex: sp.csr_matrix, config: TrainConfig
) -> dict[str, npt.NDArray[Any]]:
    """Uncalibrated probabilities of fitted parts, per scheme."""
    feats = [parts.word.transform(texts), parts.char.transform(texts)]
    if config.use_lexicon_features:
        feats.append(lex * config.lexicon_weight)
    x = sp.hstack(feats, format="csr")
    return {s: proba_of(m, x) for s, m in parts.models.items()}


def cross_validated_proba(
    examples: Sequence[Example], lex: sp.csr_matrix, config: TrainConfig
) -> dict[str, npt.NDArray[np.float64]]:
    """Out-of-fold probabilities per scheme (iteratively stratified k-fold)."""
    texts = [ex.text for ex in examples]
    ys = {s: label_matrix(examples, s) for s in SCHEMES}
    oof = {s: np.zeros(ys[s].shape, dtype=float) for s in SCHEMES}
    for train_idx, test_idx in kfold_indices(examples, config.folds):
        parts = fit_parts(
            [texts[i] for i in train_idx],
            lex[train_idx],
            {s: y[train_idx] for s, y in ys.items()},
            config,
        )
        predicted = predict_parts(parts, [texts[i] for i in test_idx], lex[test_idx], config)
        for s in SCHEMES:
            oof[s][test_idx] = predicted[s]
    return oof


@dataclass
class TrainReport:
    """What training learnt about the data (out-of-fold, training set only)."""

    seconds: float
    thresholds: dict[str, dict[str, float]]
    rules: dict[str, str]
    rule_macro_f1: dict[str, dict[str, float]]
    cv: dict[str, dict[str, Any]]


#: Real sentences needed in the training set to choose combination rules on them.
MIN_REAL_FOR_RULES = 100


def train(
    examples: Sequence[Example],
    lex: sp.csr_matrix,
    config: TrainConfig | None = None,
    *,
    rule: str | None = None,
) -> tuple[SentenceClassifier, TrainReport]:
    """Train the classifier, tuning thresholds and combination rules by cross-validation.

    Args:
        examples: training sentences.
        lex: their lexicon matrix (:func:`lexicon_matrix` of :func:`lexicon_tags`).
        config: hyper-parameters.
        rule: force one combination rule for every scheme instead of choosing.

    Returns:
        The fitted classifier and the report of its cross-validation (out-of-fold
        per-label figures for lexicon, classifier and combined).
    """
    config = config or TrainConfig()
    started = time.perf_counter()
    oof = cross_validated_proba(examples, lex, config)
    ys = {s: label_matrix(examples, s) for s in SCHEMES}
    thresholds: dict[str, npt.NDArray[np.float64]] = {}
    calibration: dict[str, npt.NDArray[np.float64]] = {}
    rules: dict[str, str] = {}
    rule_f1: dict[str, dict[str, float]] = {}
    cv: dict[str, dict[str, Any]] = {}
    # The rule is for real documents: when enough real sentences are in the training
    # set, it is chosen on their out-of-fold predictions (written sentences favour the
    # classifier, which on real text often does worse than the lexicons).
    real = np.array([ex.source == "real" for ex in examples])
    judge = real if real.sum() >= MIN_REAL_FOR_RULES else np.ones(len(examples), dtype=bool)
    for scheme in SCHEMES:
        y = ys[scheme]
        th = best_thresholds(y, oof[scheme])
        calibration[scheme] = fit_calibration(y, oof[scheme])
        # stored in calibrated space, so that scores and thresholds compare directly
        thresholds[scheme] = calibrate(th, calibration[scheme])
        clf = (oof[scheme] >= th).astype(np.int8)
        lexd = lexicon_labels(lex, scheme)
        scores = {
            r: round(macro_f1(y[judge], combine(r, lexd[judge], clf[judge])), 4) for r in RULES
        }
        rule_f1[scheme] = scores
        rules[scheme] = rule or max(RULES, key=lambda r: (scores[r], -RULES.index(r)))
        names = CODEBOOK_LABELS[scheme]
        cv[scheme] = {
            "lexicon": prf(y, lexd, names),
            "classifier": prf(y, clf, names),
            "combined": prf(y, combine(rules[scheme], lexd, clf), names),
            "brier": {
                "raw": brier(y, oof[scheme]),
                "calibrated": brier(y, calibrate(oof[scheme], calibration[scheme])),
            },
        }
    parts = fit_parts([ex.text for ex in examples], lex, ys, config)
    classifier = assemble(parts, thresholds, rules, calibration, config, len(examples))
    report = TrainReport(
        seconds=round(time.perf_counter() - started, 2),
        thresholds=threshold_table(thresholds),
        rules=rules,
        rule_macro_f1=rule_f1,
        cv=cv,
    )
    return classifier, report


def assemble(
    parts: FittedParts,
    thresholds: Mapping[str, npt.NDArray[np.float64]],
    rules: Mapping[str, str],
    calibration: Mapping[str, npt.NDArray[np.float64]],
    config: TrainConfig,
    train_size: int,
    **meta: Any,
) -> SentenceClassifier:
    """A classifier from fitted parts and the decisions chosen for them."""
    return SentenceClassifier(
        {
            "format": BUNDLE_FORMAT,
            "word": parts.word,
            "char": parts.char,
            "models": parts.models,
            "thresholds": dict(thresholds),
            "rules": dict(rules),
            "calibration": dict(calibration),
            "lexicon_weight": config.lexicon_weight,
            "use_lexicon_features": config.use_lexicon_features,
            "meta": {"c": config.c, "folds": config.folds, "train_size": train_size, **meta},
        }
    )


def evaluate(
    classifier: SentenceClassifier, examples: Sequence[Example], lex: sp.csr_matrix
) -> dict[str, dict[str, Any]]:
    """Figures on a labelled set: per scheme, lexicon only, classifier and combined."""
    proba = classifier.predict_proba([ex.text for ex in examples], lex)
    decided = classifier.decide(proba, lex)
    out: dict[str, dict[str, Any]] = {}
    for scheme in classifier.schemes:
        y = label_matrix(examples, scheme)
        final, clf, lexd = decided[scheme]
        names = CODEBOOK_LABELS[scheme]
        out[scheme] = {
            "rule": classifier.rules[scheme],
            "lexicon": prf(y, lexd, names),
            "classifier": prf(y, clf, names),
            "combined": prf(y, final, names),
            "brier": brier(y, proba[scheme]),
        }
    return out
