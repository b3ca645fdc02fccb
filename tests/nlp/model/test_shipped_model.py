"""The model shipped in the repository (models/): what every fresh output folder uses.

It must be the one its card describes: trained from the training files as they are in the
repository (same sha256), measured on real sentences with document-grouped folds, loadable
with the allow-list of types only, and adopted by an empty output folder without training.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from nlp.model.classify import SentenceClassifier
from nlp.model.registry import CARD_FILE, METRICS_FILE, MODEL_FILE, Registry, load_bundle
from nlp.records.codebook import CODEBOOK_LABELS
from nlp.results.quality import label_quality
from tests.paths import ROOT

SHIPPED = ROOT / "models"
TRAINING = ROOT / "corpus" / "training"


@pytest.fixture(scope="module")
def version() -> str:
    current = Registry(SHIPPED).current()
    assert current is not None, "models/current names no version"
    return current


@pytest.fixture(scope="module")
def classifier(version: str) -> SentenceClassifier:
    """Loaded once: with the allow-list of types only (load_bundle refuses any other)."""
    return SentenceClassifier(load_bundle(SHIPPED / version / MODEL_FILE))


@pytest.fixture(scope="module")
def metrics(version: str) -> dict:
    return json.loads((SHIPPED / version / METRICS_FILE).read_text(encoding="utf-8"))


def test_one_version_with_its_files(version: str) -> None:
    assert Registry(SHIPPED).versions() == [version]
    for name in (MODEL_FILE, METRICS_FILE, CARD_FILE):
        assert (SHIPPED / version / name).is_file(), name
    assert (SHIPPED / version / MODEL_FILE).stat().st_size < 40 * 2**20


def test_card_matches_the_shipped_training_data(version: str, metrics: dict) -> None:
    card = (SHIPPED / version / CARD_FILE).read_text(encoding="utf-8")
    for name in ("train.jsonl", "heldout.jsonl", "real_annotations.jsonl"):
        data = (TRAINING / name).read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        assert metrics["data"][name]["sha256"] == digest, f"{name} changed: run valpub train --ship"
        assert digest[:16] in card, name
    assert metrics["fitting"] == "real"
    assert metrics["training"]["with_real"] is True
    assert metrics["real_annotations"]["unresolved"] == 0


def test_figures_are_real_document_grouped(metrics: dict) -> None:
    for scheme in ("public_value", "coproduction"):
        block = metrics["real_cv"][scheme]
        assert block["bootstrap"]["micro"]["support"] > 100
        assert block["natural"]["sentences"]["count"] >= 1500
        lo, hi = block["bootstrap"]["micro"]["f1_ci"]
        assert lo <= block["bootstrap"]["micro"]["f1"] <= hi
    quality = label_quality(metrics)
    assert {k for k in quality} == {(s, lab) for s, ls in CODEBOOK_LABELS.items() for lab in ls}


def test_loads_with_the_allow_list_and_predicts(classifier: SentenceClassifier) -> None:
    clf = classifier
    texts = [
        "Le conseil municipal s'est réuni le 12 mars à 18 h.",
        "Un budget participatif permettra aux habitants de proposer puis de voter des projets.",
    ]
    preds = clf.predict(texts, [{}, {}])
    assert preds[0].labels["public_value"] == []
    assert all(set(p.scores) == set(CODEBOOK_LABELS) for p in preds)


def test_fast_transform_gives_scikit_learn_s_matrices(classifier: SentenceClassifier) -> None:
    """``vocabulary.transform`` weighs every n-gram as ``TfidfVectorizer.transform`` does."""
    import numpy as np

    from nlp.model.training import load_examples
    from nlp.model.vocabulary import transform

    texts = [e.text for e in load_examples(TRAINING / "train.jsonl")[:400]]
    texts += [
        "",
        "   ",
        "Un\u00a0espace insécable,\tune tabulation,\n  un saut de ligne  et   des espaces.",
        "ÉLUS DU CONSEIL : İstanbul, Œuvre, ﬁchiers, n°3, 2°), e-mail, co-construction.",
        "a à y l' d'",
    ]
    for vec in (classifier.char, classifier.word):
        ours, theirs = transform(vec, texts), vec.transform(texts)
        assert ours.shape == theirs.shape
        assert ours.dtype == theirs.dtype
        assert np.array_equal(ours.indptr, theirs.indptr)
        assert np.array_equal(ours.indices, theirs.indices)
        assert np.array_equal(ours.data, theirs.data)
    assert transform(classifier.char, texts).nnz > 10 * len(texts)


def test_vocabulary_has_no_single_territory_names(classifier: SentenceClassifier) -> None:
    """Word n-grams of real documents enter the vocabulary only when 3+ territories use
    them: a capitalised surname of the minutes would show up as a lower-cased token here."""
    vocab = set(classifier.word.vocabulary_)
    assert "conseil" in vocab and "habitants" in vocab
    # civility titles followed by a name are the shape of a private person's mention
    titled = [g for g in vocab if g.startswith(("monsieur ", "madame ", "mme ", "m. "))]
    allowed = {
        "le",
        "la",
        "les",
        "de",
        "du",
        "des",
        "et",
        "ou",
        "à",
        "au",
        "aux",
        "adjoint",
        "adjointe",
        "maire",
        "président",
        "présidente",
        "vice",
        "conseiller",
        "conseillère",
        "délégué",
        "déléguée",
        "directeur",
        "directrice",
    }
    assert all(g.split()[1] in allowed for g in titled), titled[:5]


def test_empty_output_folder_adopts_it(tmp_path: Path, version: str) -> None:
    registry = Registry(tmp_path / "models")
    assert registry.adopt(Registry(SHIPPED)) == version
    assert registry.current() == version
    assert registry.adopt(Registry(SHIPPED)) is None  # already has one: left as it is
