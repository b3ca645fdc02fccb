"""Document-grouped folds, bootstrap intervals, kappa and label quality (nlp.model.evaluation,
nlp.results.quality): the machinery behind every figure the model card and the report show."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nlp.model.evaluation import bootstrap_prf, cohen_kappa, grouped_folds, scores
from nlp.results.quality import RELIABLE_F1, attach_quality, label_quality, reliable_columns


def test_grouped_folds_never_split_a_document() -> None:
    groups = [f"doc{i % 23}" for i in range(500)] + ["big"] * 120
    folds = grouped_folds(groups, 5)
    assert sorted(np.concatenate(folds).tolist()) == list(range(len(groups)))
    seen: dict[str, int] = {}
    for f, rows in enumerate(folds):
        for i in rows:
            assert seen.setdefault(groups[i], f) == f, groups[i]
    sizes = [len(f) for f in folds]
    assert max(sizes) - min(sizes) <= 120  # the largest document bounds the imbalance
    assert [f.tolist() for f in grouped_folds(groups, 5)] == [f.tolist() for f in folds]


def test_grouped_folds_refuses_too_few_groups() -> None:
    with pytest.raises(ValueError, match="3 groups"):
        grouped_folds(["a", "b", "c", "a"], 5)


def test_scores_and_undefined_figures() -> None:
    assert scores(np.array([8, 2, 8])) == pytest.approx((0.8, 0.5, 16 / 26))
    p, r, f = scores(np.array([0, 0, 0]))
    assert np.isnan(p) and np.isnan(r) and np.isnan(f)


def test_bootstrap_interval_holds_the_estimate() -> None:
    rng = np.random.default_rng(3)
    y = rng.random((400, 3)) < 0.2
    noise = rng.random((400, 3)) < 0.1
    pred = y ^ noise
    groups = [f"d{i // 10}" for i in range(400)]
    out = bootstrap_prf(y, pred, groups, ["a", "b", "c"], rounds=300)
    for name in ("a", "b", "c", "micro"):
        row = out[name]
        lo, hi = row["f1_ci"]
        assert lo <= row["f1"] <= hi
        assert hi - lo < 0.3
    assert out["micro"]["support"] == int(y.sum())
    perfect = bootstrap_prf(y, y, groups, ["a", "b", "c"], rounds=50)
    assert perfect["micro"]["f1"] == 1.0 and perfect["micro"]["f1_ci"] == [1.0, 1.0]


def test_bootstrap_label_never_seen_is_undefined() -> None:
    y = np.zeros((20, 1), dtype=bool)
    out = bootstrap_prf(y, y, ["d"] * 20, ["x"], rounds=20)
    assert out["x"]["f1"] is None and out["x"]["f1_ci"] is None


def test_cohen_kappa() -> None:
    a = np.array([1, 1, 0, 0, 1, 0, 0, 0], dtype=bool)
    assert cohen_kappa(a, a) == 1.0
    b = np.array([1, 0, 0, 0, 1, 0, 1, 0], dtype=bool)
    # po = 6/8, pa = 3/8, pb = 3/8, pe = 9/64 + 25/64
    assert cohen_kappa(a, b) == pytest.approx((0.75 - 34 / 64) / (1 - 34 / 64), abs=1e-4)
    assert cohen_kappa(np.zeros(5, bool), np.zeros(5, bool)) is None


def test_quality_marks_labels_below_the_bar_indicative() -> None:
    metrics = {
        "quality": {
            "public_value": {
                "social": {"precision": 0.7, "recall": 0.6, "f1": 0.65},
                "strategic": {"precision": 0.3, "recall": 0.4, "f1": 0.34},
            }
        }
    }
    quality = label_quality(metrics)
    assert quality[("public_value", "social")]["reliable"]
    assert not quality[("public_value", "strategic")]["reliable"]
    assert RELIABLE_F1 == 0.6
    profiles = pd.DataFrame(
        {
            "scheme": ["public_value"] * 3,
            "label": ["social", "strategic", "economic"],
            "per_1000": [5.0, 9.0, 1.0],
        }
    )
    out = attach_quality(profiles, quality)
    assert out["reliable"].tolist() == [True, False, False]  # economic: not measured
    assert np.isnan(out.loc[2, "f1"])
    matrix = pd.DataFrame([[5.0, 9.0, 1.0]], columns=[f"public_value:{x}" for x in out["label"]])
    assert reliable_columns(matrix, out).columns.tolist() == ["public_value:social"]
    assert label_quality(None) == {}
