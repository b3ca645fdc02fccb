"""Versioned models: skops round trip, type allow-list, promotion and rollback (real files)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
import skops.io as sio
from spacy.language import Language

from nlp.language.lexicon_match import LexiconMatcher
from nlp.model.card import model_card
from nlp.model.classify import SentenceClassifier
from nlp.model.learning import TrainConfig, train
from nlp.model.lexicon_features import lexicon_matrix, lexicon_tags
from nlp.model.registry import ModelError, Registry, load_bundle
from nlp.model.training import load_examples
from tests.paths import ROOT

TRAINING = ROOT / "corpus" / "training"


class Intruder:
    """A type no model file may hold."""

    def __init__(self) -> None:
        self.payload = "anything"


@pytest.fixture(scope="module")
def model(nlp: Language, lexicon_matcher: LexiconMatcher):
    examples = load_examples(TRAINING / "train.jsonl")[::6]
    texts = [e.text for e in examples]
    lex = lexicon_matrix(lexicon_tags(nlp, lexicon_matcher, texts))
    clf, report = train(examples, lex, TrainConfig(folds=2))
    return clf, texts[:40], lex[:40]


def _metrics(heldout: float, real: float | None) -> dict:
    return {"summary": {"heldout_macro_f1": heldout, "real_macro_f1": real}}


def test_save_load_gives_identical_predictions(model, tmp_path: Path) -> None:
    clf, texts, lex = model
    registry = Registry(tmp_path / "models")
    folder = registry.save("20260101T000000Z-aaaaaaaa", clf.to_bundle(), _metrics(0.5, None), "#")
    assert (folder / "model.skops").stat().st_size < 20_000_000
    with zipfile.ZipFile(folder / "model.skops") as archive:
        assert all(i.compress_type == zipfile.ZIP_DEFLATED for i in archive.infolist())
    loaded = SentenceClassifier(load_bundle(folder / "model.skops"))
    before, after = clf.predict_proba(texts, lex), loaded.predict_proba(texts, lex)
    for scheme in before:
        np.testing.assert_array_equal(before[scheme], after[scheme])
    assert loaded.rules == clf.rules
    assert sio.get_untrusted_types(file=folder / "model.skops") == []


def test_disallowed_type_is_refused(model, tmp_path: Path) -> None:
    clf, _texts, _lex = model
    bundle = clf.to_bundle() | {"extra": Intruder()}
    path = tmp_path / "evil.skops"
    sio.dump(bundle, path)
    with pytest.raises(ModelError, match="Intruder"):
        load_bundle(path)
    with pytest.raises(ModelError, match="not a skops file"):
        bad = tmp_path / "bad.skops"
        bad.write_bytes(b"not a zip")
        load_bundle(bad)


def test_promotion_refuses_worse_unless_forced_and_rollback(model, tmp_path: Path) -> None:
    clf, _texts, _lex = model
    registry = Registry(tmp_path / "models")
    bundle = clf.to_bundle()
    registry.save("v1", bundle, _metrics(0.60, 0.50), "#")
    registry.save("v2", bundle, _metrics(0.65, 0.52), "#")
    registry.save("v3", bundle, _metrics(0.70, 0.40), "#")  # better written, worse real
    assert registry.current() is None
    registry.promote("v1")
    registry.promote("v2")
    assert registry.current() == "v2"
    with pytest.raises(ModelError, match="worse"):
        registry.promote("v3")
    assert registry.current() == "v2"
    registry.promote("v3", force=True)
    assert registry.current() == "v3"
    assert (tmp_path / "models" / "current").read_text().strip() == "v3"
    assert registry.rollback() == "v2"
    assert registry.rollback() == "v1"
    with pytest.raises(ModelError, match="no earlier"):
        registry.rollback()
    assert registry.current() == "v1"
    assert [i.version for i in registry.list_versions()] == ["v1", "v2", "v3"]
    assert [i.current for i in registry.list_versions()] == [True, False, False]
    events = [
        json.loads(x) for x in (tmp_path / "models" / "promotions.jsonl").read_text().splitlines()
    ]
    assert [e["action"] for e in events] == ["promote"] * 3 + ["rollback"] * 2
    assert events[2]["forced"] is True
    with pytest.raises(ModelError, match="unknown version"):
        registry.promote("v9")
    with pytest.raises(ModelError, match="already exists"):
        registry.save("v1", bundle, _metrics(0.6, 0.5), "#")
    # the loaded current model is v1's file
    assert SentenceClassifier(registry.load()).rules == clf.rules


def test_model_card_lists_metrics() -> None:
    figures = {
        "lexicon": {"macro_f1": 0.4, "labels": {"active": {"f1": 0.4}}},
        "classifier": {"macro_f1": 0.7, "labels": {"active": {"f1": 0.7}}},
        "combined": {"macro_f1": 0.7, "labels": {"active": {"f1": 0.7, "support": 12}}},
    }
    card = model_card(
        {
            "version": "v1",
            "data": {"train.jsonl": {"records": 10, "sha256": "ab" * 32}},
            "rules": {"coproduction": "classifier"},
            "heldout": {"coproduction": figures},
            "summary": {"heldout_macro_f1": 0.7},
        }
    )
    assert "| coproduction | active | 12 | 0.4 | 0.7 | 0.7 |" in card
    assert "train.jsonl | 10" in card
