"""Fitting for real documents (nlp.model.fitting) and the published vocabulary rule."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from nlp.model.fitting import cross_fitted, grouped_oof, train_for_real
from nlp.model.learning import TrainConfig
from nlp.model.lexicon_features import LEXICON_COLUMNS
from nlp.model.training import SCHEMES, Example
from nlp.model.vocabulary import shared_vocabulary

SOCIAL = "les conseillers numériques accompagnent les personnes âgées dans leurs démarches"
PROCEDURE = "le conseil municipal approuve le procès-verbal de la séance précédente"


def _labels(pv: list[str]) -> dict[str, tuple[str, ...]]:
    return {s: (tuple(pv) if s == "public_value" else ()) for s in SCHEMES}


def _examples(n_docs: int, random_docs: int) -> list[Example]:
    out = []
    for d in range(n_docs):
        for k in range(6):
            social = k % 3 == 0
            text = f"{SOCIAL if social else PROCEDURE} numéro {k} du dossier {d}"
            out.append(
                Example(
                    id=f"r-{d}-{k}",
                    text=text,
                    labels=_labels(["social"] if social else []),
                    source="real",
                    provenance={
                        "doc_sha256": f"{d:064x}",
                        "file": f"pdf/t{d % 4}__doc{d}.pdf",
                        "page": 1,
                        "start": 10 * k,
                        "end": 10 * k + 5,
                        "sample": "random" if d < random_docs else "targeted",
                    },
                )
            )
    return out


def test_shared_vocabulary_drops_what_one_territory_alone_says() -> None:
    analyzer = TfidfVectorizer().build_analyzer()
    texts = [
        "monsieur dupont demeurant",
        "habitants quartier",
        "habitants ville",
        "habitants rue",
        "médiation numérique",
    ]
    groups = ["t1", "t1", "t2", "t3", "written"]
    vocab = shared_vocabulary(texts, groups, analyzer, 3)
    assert "habitants" in vocab  # three territories
    assert "médiation" in vocab  # a written sentence
    assert "dupont" not in vocab and "quartier" not in vocab  # one territory only


def test_grouped_oof_and_cross_fitted_figures() -> None:
    written = [
        Example(id=f"w-{i}", text=t, labels=_labels(lab), source="written")
        for i, (t, lab) in enumerate([(SOCIAL, ["social"]), (PROCEDURE, [])] * 5)
    ]
    real = _examples(12, random_docs=6)
    lex_w = sp.csr_matrix((len(written), len(LEXICON_COLUMNS)))
    lex_r = sp.csr_matrix((len(real), len(LEXICON_COLUMNS)))
    config = TrainConfig(folds=4, min_df=1)
    territories = [ex.provenance["file"].split("__")[0] for ex in real]
    oof = grouped_oof(written, real, lex_w, lex_r, config, territories)
    # every document sits in exactly one fold
    by_doc: dict[str, set[int]] = {}
    for ex, fold in zip(real, oof.fold, strict=True):
        by_doc.setdefault(ex.provenance["doc_sha256"], set()).add(int(fold))
    assert all(len(v) == 1 for v in by_doc.values())
    assert oof.random.sum() == 36
    figures = cross_fitted(oof, real, lex_r)
    pv = figures["public_value"]
    assert pv["bootstrap"]["social"]["f1"] == 1.0  # the pattern is plain
    assert pv["natural"]["sentences"]["count"] == 36
    fitted = train_for_real(written, real, lex_w, lex_r, config, territories)
    assert fitted.quality["public_value"]["social"]["f1"] == 1.0
    assert fitted.rules["public_value"] in ("classifier", "union")
    preds = fitted.classifier.predict([SOCIAL, PROCEDURE], [{}, {}])
    assert preds[0].labels["public_value"] == ["social"]
    assert preds[1].labels["public_value"] == []
    assert np.isfinite(fitted.thresholds["public_value"]["social"])


def test_proper_names_never_enter_the_word_vocabulary() -> None:
    from nlp.model.vocabulary import name_like_tokens

    texts = [
        "Étaient présents : M. Dufour, Mme Lambert et M. Tanguy.",
        "Monsieur Tanguy présente le rapport au conseil.",
        "le conseil adopte le rapport sur la médiation numérique",
    ]
    names = name_like_tokens(texts)
    assert {"dufour", "lambert", "tanguy"} <= names
    assert "conseil" not in names and "rapport" not in names
    analyzer = TfidfVectorizer(ngram_range=(1, 2)).build_analyzer()
    vocab = shared_vocabulary(texts, ["written"] * 3, analyzer, 3, names)
    assert "rapport" in vocab and "médiation numérique" in vocab
    assert not [g for g in vocab if "tanguy" in g or "dufour" in g]


def test_fit_parts_applies_the_vocabulary_rules() -> None:
    from nlp.model.learning import fit_parts

    texts = [
        "Le conseil désigne Monsieur Tanguy comme délégué",
        "le conseil vote le budget",
        "Monsieur Tanguy présente le rapport",
        "le rapport est voté",
    ] * 3
    y = {"public_value": np.array([[1, 0], [0, 1]] * 6)}
    parts = fit_parts(
        texts,
        sp.csr_matrix((12, len(LEXICON_COLUMNS))),
        y,
        TrainConfig(min_df=1),
        groups=["written"] * 12,
    )
    assert "rapport" in parts.word.vocabulary_
    assert not [g for g in parts.word.vocabulary_ if "tanguy" in g]


def test_titled_names_are_dropped_even_when_they_are_common_words() -> None:
    texts = ["Madame Petit présente le rapport", "un petit rapport", "Madame le maire"] * 2
    analyzer = TfidfVectorizer(ngram_range=(1, 2)).build_analyzer()
    vocab = shared_vocabulary(texts, ["written"] * 6, analyzer, 3, set())
    assert "madame petit" not in vocab
    assert "madame le" in vocab and "petit rapport" in vocab
