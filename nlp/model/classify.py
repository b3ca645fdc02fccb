"""The sentence classifier: one multi-label model per scheme, combined with the lexicons.

Features (shared by the six schemes, fitted once on the training texts):

* TF-IDF of word 1-2 grams (lower case, accents kept, ``sublinear_tf``);
* TF-IDF of character 2-5 grams inside word boundaries (``char_wb``), which carries
  inflections and compounds the word n-grams split ("co-construction", "numériques");
* lexicon hits: one binary column per label of every scheme (24 columns), computed
  once per sentence by :class:`nlp.language.lexicon_match.LexiconMatcher` and passed in as a
  precomputed sparse matrix, so spaCy never runs inside ``fit``.

Model: per scheme, ``OneVsRestClassifier(LogisticRegression(class_weight="balanced"))``.
Balanced weights shift the probabilities upwards for rare labels, so each label gets its
own decision threshold, chosen to maximise F1 on out-of-fold probabilities of an
iteratively stratified k-fold cross-validation of the training set (the thresholds, not
0.5, decide). The scores are calibrated: per label, Platt scaling fitted on the same
out-of-fold probabilities maps them back to observed frequencies (Brier score before
and after in the metrics); the map is increasing and the thresholds are stored through
it, so calibration changes the scores, never the decisions.

Combination with the lexicons: for each scheme one rule among ``lexicon`` (lexicon
only), ``classifier`` (classifier only), ``union`` (either) and ``agreement`` (both) is
chosen by macro-F1 on the same out-of-fold predictions: the held-out split is never
used to choose anything, so what is reported on it is an honest estimate. Every label
given records its source: ``lexicon``, ``classifier`` or ``both``.

Everything that is saved is a stock scikit-learn, numpy or Python object (see
:meth:`SentenceClassifier.to_bundle`), so that ``nlp.model.registry`` can load it with skops and
an allow-list of types: no project class is ever instantiated from a file.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
import sklearn
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from spacy.language import Language

from nlp.language.folding import normalise_text
from nlp.language.lexicon_match import Evidence, LexiconMatcher, Tags
from nlp.language.segment import ORIGINAL_TEXT_KEY
from nlp.model.training import SCHEMES, Example, kfold_indices, label_matrix
from nlp.model.vocabulary import (
    name_like_tokens,
    shared_vocabulary,
    transform,
    vectoriser_from_state,
    vectoriser_state,
)
from nlp.records.codebook import CODEBOOK_LABELS

BUNDLE_FORMAT = 2
"""Version of the saved bundle layout; bumped when it changes incompatibly. Format 2
stores each vectoriser as its parameters, its terms and idf arrays (loading a fitted
``TfidfVectorizer`` through skops rebuilds its vocabulary entry by entry: about 4 s for
the shipped model, against 0.02 s from arrays). Format 1 bundles still load."""

RULES = ("lexicon", "classifier", "union", "agreement")
"""Ways to combine lexicon and classifier labels (see the module docstring)."""

LEXICON_COLUMNS: tuple[tuple[str, str], ...] = tuple(
    (scheme, label) for scheme in SCHEMES for label in CODEBOOK_LABELS[scheme]
)
"""One lexicon feature column per (scheme, label), in codebook order."""

_THRESHOLD_GRID = np.round(np.arange(0.05, 0.96, 0.025), 3)


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


# --------------------------------------------------------------------------- lexicon side


#: Fewer words than this make a fragment (a table cell, a broken line, a lone heading
#: word), which gets no label: of the 885 real annotated sentences this short, one
#: carries a label of any scheme, while a third of the longer ones do.
MIN_WORDS = 5


def is_fragment(text: str) -> bool:
    """True for a text too short to state an aim, a value or an actor (see MIN_WORDS)."""
    return len(text.split()) < MIN_WORDS


#: Pipeline components that only set sentence boundaries (see ``nlp.language.segment``).
SENTENCE_PIPES = ("senter", "valpub_boundaries", "parser")


def lexicon_tags(
    nlp: Language, matcher: LexiconMatcher, texts: Sequence[str], batch_size: int = 256
) -> list[Tags]:
    """Run the lexicons on each text as one unit (one ``nlp.pipe`` pass).

    Args:
        nlp: the pipeline the matcher was built with (``nlp.language.segment.load_pipeline``).
        matcher: the compiled lexicons.
        texts: sentences; an empty text gets no tags.
        batch_size: texts per ``nlp.pipe`` batch.

    Returns:
        One ``Tags`` per text; evidence offsets are offsets into that text.
    """
    out: list[Tags] = [{} for _ in texts]
    todo = [(normalise_text(t), i) for i, t in enumerate(texts) if t.strip()]
    # Each text is matched whole, so sentence boundaries are not needed: without the
    # senter (its own tok2vec) the pass is about a fifth faster, with the same lemmas.
    unused = [name for name in SENTENCE_PIPES if name in nlp.pipe_names]
    with nlp.select_pipes(disable=unused):
        for doc, i in nlp.pipe(todo, as_tuples=True, batch_size=batch_size):
            doc.user_data[ORIGINAL_TEXT_KEY] = texts[i]
            out[i] = matcher.match(doc)
    return out


def lexicon_matrix(tags: Sequence[Mapping[str, Mapping[str, Any]]]) -> sp.csr_matrix:
    """Binary sparse matrix: one row per sentence, one column per (scheme, label)."""
    index = {col: j for j, col in enumerate(LEXICON_COLUMNS)}
    rows: list[int] = []
    cols: list[int] = []
    for i, tag in enumerate(tags):
        for scheme, labels in tag.items():
            for label in labels:
                j = index.get((scheme, label))
                if j is not None:
                    rows.append(i)
                    cols.append(j)
    data = np.ones(len(rows), dtype=np.float64)
    return sp.csr_matrix((data, (rows, cols)), shape=(len(tags), len(LEXICON_COLUMNS)))


def lexicon_labels(lex: sp.csr_matrix, scheme: str) -> npt.NDArray[np.int8]:
    """The lexicon's own decisions for ``scheme`` (0/1 matrix) from the lexicon matrix."""
    cols = [j for j, (s, _l) in enumerate(LEXICON_COLUMNS) if s == scheme]
    dense: npt.NDArray[Any] = lex[:, cols].toarray()
    return (dense > 0).astype(np.int8)


# --------------------------------------------------------------------------- metrics


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


def _macro(y_true: npt.NDArray[Any], y_pred: npt.NDArray[Any]) -> float:
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


# --------------------------------------------------------------------------- the model


@dataclass
class Prediction:
    """Labels of one sentence for every scheme.

    Attributes:
        labels: per scheme, the labels given, in codebook order.
        sources: per scheme, per label given, ``lexicon``, ``classifier`` or ``both``.
        scores: per scheme, per label, the classifier's probability (1.0 for lexicon
            labels when there is no classifier).
        evidence: per scheme, per label, the surface strings the lexicons matched.
    """

    labels: dict[str, list[str]] = field(default_factory=dict)
    sources: dict[str, dict[str, str]] = field(default_factory=dict)
    scores: dict[str, dict[str, float]] = field(default_factory=dict)
    evidence: dict[str, dict[str, list[str]]] = field(default_factory=dict)


def _evidence(
    tags: Mapping[str, Mapping[str, Sequence[Evidence]]],
) -> dict[str, dict[str, list[str]]]:
    out: dict[str, dict[str, list[str]]] = {scheme: {} for scheme in SCHEMES}
    for scheme, labels in tags.items():
        for label, evs in labels.items():
            out.setdefault(scheme, {})[label] = [ev.surface for ev in evs]
    return out


class SentenceClassifier:
    """TF-IDF + lexicon features, one-vs-rest logistic regression per scheme.

    Build it with :func:`train`; save and load it through ``nlp.model.registry`` (which only
    stores :meth:`to_bundle`, a dict of stock objects).
    """

    def __init__(self, bundle: Mapping[str, Any]) -> None:
        """Wrap a bundle (see :meth:`to_bundle`) after checking its layout."""
        if bundle.get("format") not in (1, BUNDLE_FORMAT):
            raise ValueError(f"model bundle format {bundle.get('format')!r} is not supported")
        self.word: TfidfVectorizer = vectoriser_from_state(bundle["word"])
        self.char: TfidfVectorizer = vectoriser_from_state(bundle["char"])
        self.models: dict[str, OneVsRestClassifier] = dict(bundle["models"])
        self.thresholds: dict[str, npt.NDArray[np.float64]] = {
            s: np.asarray(v, dtype=float) for s, v in bundle["thresholds"].items()
        }
        self.rules: dict[str, str] = dict(bundle["rules"])
        # bundles saved before calibration existed: identity maps
        self.calibration: dict[str, npt.NDArray[np.float64]] = {
            s: np.asarray(v, dtype=float) for s, v in bundle.get("calibration", {}).items()
        }
        self.lexicon_weight = float(bundle["lexicon_weight"])
        self.use_lexicon_features = bool(bundle["use_lexicon_features"])
        self.meta: dict[str, Any] = dict(bundle.get("meta", {}))

    def to_bundle(self) -> dict[str, Any]:
        """Everything needed to predict, as stock sklearn/numpy/Python objects."""
        return {
            "format": BUNDLE_FORMAT,
            "word": vectoriser_state(self.word),
            "char": vectoriser_state(self.char),
            "models": dict(self.models),
            "thresholds": {s: np.asarray(v, dtype=float) for s, v in self.thresholds.items()},
            "rules": dict(self.rules),
            "calibration": {s: np.asarray(v, dtype=float) for s, v in self.calibration.items()},
            "lexicon_weight": self.lexicon_weight,
            "use_lexicon_features": self.use_lexicon_features,
            "meta": dict(self.meta),
        }

    @property
    def schemes(self) -> list[str]:
        """Schemes the classifier covers, in codebook order."""
        return [s for s in SCHEMES if s in self.models]

    def features(self, texts: Sequence[str], lex: sp.csr_matrix) -> sp.csr_matrix:
        """Feature matrix of ``texts`` (lexicon matrix from :func:`lexicon_matrix`)."""
        parts = [self.word.transform(texts), transform(self.char, texts)]
        if self.use_lexicon_features:
            parts.append(lex * self.lexicon_weight)
        return sp.hstack(parts, format="csr")

    def predict_proba(
        self, texts: Sequence[str], lex: sp.csr_matrix
    ) -> dict[str, npt.NDArray[Any]]:
        """Per scheme, the calibrated probability matrix (texts x labels, codebook order)."""
        x = self.features(texts, lex)
        out = {}
        for s in self.schemes:
            proba = _proba(self.models[s], x)
            out[s] = calibrate(proba, self.calibration[s]) if s in self.calibration else proba
        return out

    def decide(
        self, proba: Mapping[str, npt.NDArray[Any]], lex: sp.csr_matrix
    ) -> dict[str, tuple[npt.NDArray[np.int8], npt.NDArray[np.int8], npt.NDArray[np.int8]]]:
        """Per scheme: (final labels, classifier labels, lexicon labels) as 0/1 matrices."""
        out = {}
        for scheme in self.schemes:
            clf = (proba[scheme] >= self.thresholds[scheme]).astype(np.int8)
            lexd = lexicon_labels(lex, scheme)
            out[scheme] = (combine(self.rules[scheme], lexd, clf), clf, lexd)
        return out

    def predict(self, texts: Sequence[str], tags: Sequence[Tags]) -> list[Prediction]:
        """Label sentences whose lexicon tags are already known (batch prediction).

        A fragment (:func:`is_fragment`) gets no label and scores of 0.0 from a scheme
        with a model, so the model only reads the other sentences, each distinct pair of
        text and lexicon labels once: on real documents a third of the sentences are
        fragments and a fifth repeat within their document.
        """
        keys: dict[tuple[str, tuple[tuple[str, str], ...]], int] = {}
        row_of: list[int] = []  # the sentence's row among those the model reads; -1: fragment
        firsts: list[int] = []
        for i, (text, tag) in enumerate(zip(texts, tags, strict=True)):
            if is_fragment(text):
                row_of.append(-1)
                continue
            given = tuple(sorted((s, label) for s, labels in tag.items() for label in labels))
            row = keys.setdefault((text, given), len(keys))
            if row == len(firsts):
                firsts.append(i)
            row_of.append(row)
        decided: dict[str, tuple[list[Any], list[Any], list[Any], list[Any]]] = {}
        if firsts:
            lex = lexicon_matrix([tags[i] for i in firsts])
            proba = self.predict_proba([texts[i] for i in firsts], lex)
            for scheme, (final, clf, lexd) in self.decide(proba, lex).items():
                decided[scheme] = (
                    final.tolist(),
                    clf.tolist(),
                    lexd.tolist(),
                    proba[scheme].tolist(),
                )
        preds = []
        for tag, row in zip(tags, row_of, strict=True):
            pred = Prediction(evidence=_evidence(tag))
            for scheme in SCHEMES:
                names = CODEBOOK_LABELS[scheme]
                if scheme not in self.models:  # scheme without a model: lexicon only
                    given_here = [lab for lab in names if lab in tag.get(scheme, {})]
                    pred.labels[scheme] = given_here
                    pred.sources[scheme] = dict.fromkeys(given_here, "lexicon")
                    pred.scores[scheme] = {lab: float(lab in given_here) for lab in names}
                elif row < 0:
                    pred.labels[scheme] = []
                    pred.sources[scheme] = {}
                    pred.scores[scheme] = dict.fromkeys(names, 0.0)
                else:
                    final, clf, lexd, scores = (part[row] for part in decided[scheme])
                    pred.labels[scheme] = [lab for lab, f in zip(names, final, strict=True) if f]
                    pred.sources[scheme] = {
                        lab: _source(bool(lx), bool(c))
                        for lab, f, lx, c in zip(names, final, lexd, clf, strict=True)
                        if f
                    }
                    pred.scores[scheme] = {
                        lab: round(p, 4) for lab, p in zip(names, scores, strict=True)
                    }
            preds.append(pred)
        return preds


def _source(lex: bool, clf: bool) -> str:
    return "both" if lex and clf else ("lexicon" if lex else "classifier")


def lexicon_only_predictions(texts: Sequence[str], tags: Sequence[Tags]) -> list[Prediction]:
    """Predictions when no classifier is trained: the lexicon labels, score 1.0."""
    preds = []
    for i, _text in enumerate(texts):
        pred = Prediction(evidence=_evidence(tags[i]))
        for scheme in SCHEMES:
            given = [lab for lab in CODEBOOK_LABELS[scheme] if lab in tags[i].get(scheme, {})]
            pred.labels[scheme] = given
            pred.sources[scheme] = dict.fromkeys(given, "lexicon")
            pred.scores[scheme] = {lab: float(lab in given) for lab in CODEBOOK_LABELS[scheme]}
        preds.append(pred)
    return preds


def _proba(model: OneVsRestClassifier, x: sp.csr_matrix) -> npt.NDArray[Any]:
    proba = model.predict_proba(x)
    return np.asarray(proba, dtype=float)


# --------------------------------------------------------------------------- training


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
    return {s: _proba(m, x) for s, m in parts.models.items()}


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
        scores = {r: round(_macro(y[judge], combine(r, lexd[judge], clf[judge])), 4) for r in RULES}
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


def threshold_table(
    thresholds: Mapping[str, npt.NDArray[np.float64]],
) -> dict[str, dict[str, float]]:
    """Thresholds as ``{scheme: {label: value}}`` (for metrics and cards)."""
    return {
        s: {lab: float(t) for lab, t in zip(CODEBOOK_LABELS[s], thresholds[s], strict=True)}
        for s in SCHEMES
    }


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
