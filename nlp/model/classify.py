"""The sentence classifier: one multi-label model per scheme, combined with the lexicons.

:class:`SentenceClassifier` reads TF-IDF and lexicon features
(:mod:`nlp.model.lexicon_features`), turns calibrated probabilities into labels with
per-label thresholds and combines them with the lexicon's labels by one rule per scheme
(:mod:`nlp.model.scoring`). Every label given records its source: ``lexicon``,
``classifier`` or ``both``. It is built by :func:`nlp.model.learning.train`.

Everything that is saved is a stock scikit-learn, numpy or Python object (see
:meth:`SentenceClassifier.to_bundle`), so that ``nlp.model.registry`` can load it with skops and
an allow-list of types: no project class is ever instantiated from a file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.multiclass import OneVsRestClassifier

from nlp.language.lexicon_match import Evidence, Tags
from nlp.model.lexicon_features import is_fragment, lexicon_labels, lexicon_matrix
from nlp.model.scoring import calibrate, combine
from nlp.model.training import SCHEMES
from nlp.model.vocabulary import transform, vectoriser_from_state, vectoriser_state
from nlp.records.codebook import CODEBOOK_LABELS

BUNDLE_FORMAT = 2
"""Version of the saved bundle layout; bumped when it changes incompatibly. Format 2
stores each vectoriser as its parameters, its terms and idf arrays (loading a fitted
``TfidfVectorizer`` through skops rebuilds its vocabulary entry by entry: about 4 s for
the shipped model, against 0.02 s from arrays). Format 1 bundles still load."""


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
            proba = proba_of(self.models[s], x)
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


def proba_of(model: OneVsRestClassifier, x: sp.csr_matrix) -> npt.NDArray[Any]:
    """Uncalibrated probabilities of a one-vs-rest model, as a float array."""
    proba = model.predict_proba(x)
    return np.asarray(proba, dtype=float)
