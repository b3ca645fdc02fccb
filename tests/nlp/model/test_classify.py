"""The classifier: features, thresholds, combination rules, sources, metrics (real sklearn, spaCy)."""

from __future__ import annotations

import numpy as np
import pytest
from spacy.language import Language

from nlp.language.lexicon_match import LexiconMatcher
from nlp.model.classify import SentenceClassifier, lexicon_only_predictions
from nlp.model.learning import TrainConfig, TrainReport, evaluate, train
from nlp.model.lexicon_features import LEXICON_COLUMNS, lexicon_labels, lexicon_matrix, lexicon_tags
from nlp.model.scoring import RULES, best_thresholds, combine, prf
from nlp.model.training import Example, load_examples
from nlp.records.codebook import CODEBOOK_LABELS
from tests.paths import ROOT

TRAINING = ROOT / "corpus" / "training"


@pytest.fixture(scope="module")
def small(
    nlp: Language, lexicon_matcher: LexiconMatcher
) -> tuple[SentenceClassifier, TrainReport, list[Example], list]:
    """A model trained on 500 written sentences (2 folds): seconds, not minutes."""
    examples = load_examples(TRAINING / "train.jsonl")[:500]
    tags = lexicon_tags(nlp, lexicon_matcher, [e.text for e in examples])
    clf, report = train(examples, lexicon_matrix(tags), TrainConfig(folds=2))
    return clf, report, examples, tags


def test_lexicon_tags_and_matrix(nlp: Language, lexicon_matcher: LexiconMatcher) -> None:
    texts = [
        "Un budget participatif permettra aux habitants de voter des projets.",
        "",
        "Le conseil municipal s'est réuni le 12 mars à 18 h.",
    ]
    tags = lexicon_tags(nlp, lexicon_matcher, texts)
    assert "participative" in tags[0]["coproduction"]
    assert tags[1] == {} and tags[2] == {}
    lex = lexicon_matrix(tags)
    assert lex.shape == (3, len(LEXICON_COLUMNS)) == (3, 24)
    col = LEXICON_COLUMNS.index(("coproduction", "participative"))
    assert lex[0, col] == 1 and lex[1].nnz == 0 and lex[2].nnz == 0
    assert lexicon_labels(lex, "coproduction")[0].tolist() == [0, 1, 0]


def test_combination_rules_truth_table() -> None:
    lex = np.array([[1, 1, 0, 0]])
    clf = np.array([[1, 0, 1, 0]])
    assert combine("union", lex, clf).tolist() == [[1, 1, 1, 0]]
    assert combine("agreement", lex, clf).tolist() == [[1, 0, 0, 0]]
    assert combine("lexicon", lex, clf).tolist() == [[1, 1, 0, 0]]
    assert combine("classifier", lex, clf).tolist() == [[1, 0, 1, 0]]
    with pytest.raises(ValueError):
        combine("vote", lex, clf)


def test_prf_figures() -> None:
    y = np.array([[1, 0, 0], [1, 1, 0], [0, 0, 0], [0, 1, 0]])
    p = np.array([[1, 0, 0], [0, 1, 0], [1, 0, 0], [0, 1, 0]])
    out = prf(y, p, ["a", "b", "c"])
    assert out["labels"]["a"] == {"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2}
    assert out["labels"]["b"]["f1"] == 1.0
    assert out["labels"]["c"]["f1"] is None  # nothing to find, nothing found: undefined
    assert out["macro_f1"] == 0.75
    assert out["micro_f1"] == round(2 * 3 / (2 * 3 + 1 + 1), 4)


def test_thresholds_maximise_f1() -> None:
    y = np.array([[1], [1], [0], [0], [0]])
    proba = np.array([[0.3], [0.35], [0.2], [0.1], [0.05]])
    th = best_thresholds(y, proba)
    assert 0.2 < th[0] <= 0.3


def test_training_learns_and_records_its_choices(small) -> None:
    clf, report, _examples, _tags = small
    assert clf.schemes == list(CODEBOOK_LABELS)
    for scheme in CODEBOOK_LABELS:
        assert report.rules[scheme] in RULES
        assert set(report.rule_macro_f1[scheme]) == set(RULES)
        assert clf.rules[scheme] == report.rules[scheme]
        assert len(clf.thresholds[scheme]) == len(CODEBOOK_LABELS[scheme])
        assert all(0.0 < t < 1.0 for t in clf.thresholds[scheme])  # calibrated space
        brier = report.cv[scheme]["brier"]
        assert brier["calibrated"] <= brier["raw"] + 1e-9


def test_classifier_beats_chance_on_unseen_sentences(
    small, nlp: Language, lexicon_matcher: LexiconMatcher
) -> None:
    clf, _report, _examples, _tags = small
    held = load_examples(TRAINING / "heldout.jsonl")[:200]
    lex = lexicon_matrix(lexicon_tags(nlp, lexicon_matcher, [e.text for e in held]))
    figures = evaluate(clf, held, lex)
    pv = figures["public_value"]
    assert set(pv) == {"rule", "lexicon", "classifier", "combined", "brier"}
    assert 0.0 < pv["brier"] < 0.2
    assert pv["classifier"]["macro_f1"] > 0.35, pv["classifier"]
    assert set(pv["combined"]["labels"]) == set(CODEBOOK_LABELS["public_value"])


def test_predictions_have_labels_scores_sources_and_evidence(
    small, nlp: Language, lexicon_matcher: LexiconMatcher
) -> None:
    clf, _report, examples, tags = small
    texts = [e.text for e in examples[:50]] + [""]
    preds = clf.predict(texts, [*tags[:50], {}])
    lex = lexicon_matrix([*tags[:50], {}])
    decided = clf.decide(clf.predict_proba(texts, lex), lex)
    for i, pred in enumerate(preds[:-1]):
        for scheme, names in CODEBOOK_LABELS.items():
            final, clf_d, lex_d = decided[scheme]
            assert pred.labels[scheme] == [n for j, n in enumerate(names) if final[i, j]]
            assert set(pred.scores[scheme]) == set(names)
            for j, name in enumerate(names):
                if final[i, j]:
                    expected = {(1, 1): "both", (1, 0): "lexicon", (0, 1): "classifier"}[
                        (int(lex_d[i, j]), int(clf_d[i, j]))
                    ]
                    assert pred.sources[scheme][name] == expected
            for label, surfaces in pred.evidence[scheme].items():
                assert all(s in texts[i] for s in surfaces), (label, surfaces)
    empty = preds[-1]
    assert all(labels == [] for labels in empty.labels.values())
    assert all(v == 0.0 for scores in empty.scores.values() for v in scores.values())


def test_a_prediction_does_not_depend_on_the_rest_of_the_batch(small) -> None:
    """Repeated sentences and fragments in a batch get what they get alone."""
    clf, _report, examples, tags = small
    texts = [e.text for e in examples[:40]]
    batch_texts = [*texts, texts[3], "Vote : unanimité.", texts[3], texts[7]]
    batch_tags = [*tags[:40], tags[3], {}, {}, tags[7]]  # texts[3] once without its tags
    together = clf.predict(batch_texts, batch_tags)
    alone = [clf.predict([t], [g])[0] for t, g in zip(batch_texts, batch_tags, strict=True)]
    assert together == alone
    assert together[40] == together[3]
    fragment = together[41]
    assert all(labels == [] for labels in fragment.labels.values())


def test_lexicon_only_predictions(nlp: Language, lexicon_matcher: LexiconMatcher) -> None:
    texts = ["Les habitants signalent les dépôts sauvages avec l'application de signalement."]
    preds = lexicon_only_predictions(texts, lexicon_tags(nlp, lexicon_matcher, texts))
    assert "active" in preds[0].labels["coproduction"]
    assert preds[0].scores["coproduction"]["active"] == 1.0
    assert preds[0].scores["coproduction"]["enhanced"] == 0.0
    assert preds[0].sources["coproduction"]["active"] == "lexicon"


def test_calibration_is_increasing_lowers_the_brier_score_and_keeps_decisions() -> None:
    from nlp.model.scoring import best_thresholds, brier, calibrate, fit_calibration

    rng = np.random.default_rng(0)
    truth = rng.random((400, 3)) < np.array([0.05, 0.2, 0.5])
    # over-confident scores, as balanced class weights give for rare labels
    raw = np.clip(0.35 + 0.4 * truth + rng.normal(0, 0.15, truth.shape), 0.01, 0.99)
    y = truth.astype(np.int8)
    cal = fit_calibration(y, raw)
    assert (cal[:, 0] > 0).all()
    calibrated = calibrate(raw, cal)
    assert brier(y, calibrated) < brier(y, raw)
    assert calibrated[:, 0].mean() < raw[:, 0].mean()  # the rare label is brought down
    order = np.argsort(raw[:, 1])
    assert (np.diff(calibrated[order, 1]) >= -1e-12).all()  # increasing
    th = best_thresholds(y, raw)
    assert ((raw >= th) == (calibrated >= calibrate(th, cal))).all()
    constant = np.zeros((10, 1), dtype=np.int8)  # a label never seen: identity
    assert np.allclose(
        calibrate(np.full((10, 1), 0.3), fit_calibration(constant, np.full((10, 1), 0.3))), 0.3
    )
