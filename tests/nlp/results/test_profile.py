"""Profiles: counts, intensities, bootstrap intervals, coverage, comparison, evidence."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
import pytest

from nlp.language.lexicon import load_lexicons
from nlp.records.codebook import SCHEMES
from nlp.results.profile import (
    COVERAGE_THRESHOLD,
    LabelInfo,
    bootstrap_intensity,
    coding_matrix,
    compute_profiles,
    label_catalogue,
    similarity_matrix,
    territory_slug,
)
from nlp.results.territory_profile import evidence_quotes, territory_profile, year_changes
from tests.paths import ROOT

LEXICONS = ROOT / "lexicons"
LABELS = label_catalogue(load_lexicons(LEXICONS))


def _doc(sha: str, code: str, name: str, year: int | None, status: str = "ok") -> dict[str, Any]:
    return {
        "file": f"{code}/{sha}.pdf",
        "sha256": sha,
        "territory_code": code,
        "territory_name": name,
        "territory_type": "commune",
        "title": "",
        "year": year,
        "status": status,
        "reason": "",
        "pages": 2,
    }


def _sent(
    sha: str, text: str, heading: bool = False, page: int = 1, **labels: list[str]
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "doc_sha256": sha,
        "page": page,
        "start": 0,
        "end": len(text),
        "text": text,
        "is_heading": heading,
    }
    evidence: dict[str, dict[str, list[list[Any]]]] = {}
    for scheme in SCHEMES:
        row[scheme] = sorted(labels.get(scheme, []))
        for lab in row[scheme]:
            evidence.setdefault(scheme, {})[lab] = [[f"{lab}.x", text.split()[0], 0, 3]]
    row["evidence"] = json.dumps(evidence, ensure_ascii=False)
    return row


@pytest.fixture()
def frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Territory A: two documents (2021, 2024) and an encrypted one; B: one document."""
    documents = pd.DataFrame(
        [
            _doc("a1", "100", "Ville A", 2021),
            _doc("a2", "100", "Ville A", 2024),
            _doc("a3", "100", "Ville A", 2024, status="encrypted"),
            _doc("b1", "200", "Ville B", 2022),
        ]
    )
    rows = [
        _sent("a1", "Stratégie numérique", heading=True, public_value=["strategic"]),
        _sent(
            "a1",
            "Le budget participatif associe les habitants.",
            public_value=["political"],
            coproduction=["participative"],
        ),
        _sent("a1", "La feuille de route guide le pilotage.", public_value=["strategic"]),
        _sent("a1", "Le conseil s'est réuni à 18 h."),
        _sent(
            "a2",
            "Les démarches en ligne évitent des déplacements.",
            public_value=["quality_of_life"],
            coproduction=["active"],
        ),
        _sent(
            "a2",
            "Le tableau de bord public rend compte de l'action.",
            public_value=["stewardship", "strategic"],
        ),
        _sent("b1", "Des conseillers numériques accompagnent les aînés.", public_value=["social"]),
        _sent("b1", "La séance est levée."),
    ]
    return pd.DataFrame(rows), documents


def _row(
    p: pd.DataFrame, code: str, label: str, level: str = "territory", year: int | None = None
) -> pd.Series:
    sel = (p["territory_code"] == code) & (p["label"] == label) & (p["level"] == level)
    sel &= p["year"].isna() if year is None else (p["year"] == year)
    found = p[sel]
    assert len(found) == 1
    return found.iloc[0]


def test_counts_share_intensity_and_documents(frames: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    sentences, documents = frames
    p = compute_profiles(sentences, documents, LABELS, resamples=200)
    strategic = _row(p, "100", "strategic")
    assert strategic["sentences_total"] == 6  # headings count as sentences
    assert strategic["documents_total"] == 2  # the encrypted document has no sentences
    assert strategic["n_sentences"] == 3
    assert strategic["share"] == pytest.approx(0.5)
    assert strategic["per_1000"] == pytest.approx(500.0)
    assert strategic["n_documents"] == 2
    assert strategic["mean_probability"] == 1.0
    assert strategic["label_name"] == "valeur stratégique"
    # per territory and year
    y24 = _row(p, "100", "strategic", "territory_year", 2024)
    assert (y24["sentences_total"], y24["n_sentences"], y24["per_1000"]) == (2, 1, 500.0)
    y21 = _row(p, "100", "political", "territory_year", 2021)
    assert y21["per_1000"] == pytest.approx(250.0)
    absent = _row(p, "200", "economic")
    assert absent["n_sentences"] == 0 and not absent["passes_threshold"]
    assert np.isnan(absent["mean_probability"])
    # one row per group and label, every label of every scheme
    assert len(p) == len(LABELS) * (2 + 3)  # groups: A, A-2021, A-2024, B, B-2022
    assert set(p["scheme"]) == set(SCHEMES)


def test_bootstrap_is_deterministic_and_brackets_the_estimate(
    frames: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    sentences, documents = frames
    p1 = compute_profiles(sentences, documents, LABELS, resamples=300, seed=7)
    p2 = compute_profiles(sentences, documents, LABELS, resamples=300, seed=7)
    pd.testing.assert_frame_equal(p1, p2)
    assert (p1["ci_low"] <= p1["per_1000"] + 1e-9).all()
    assert (p1["ci_high"] >= p1["per_1000"] - 1e-9).all()
    # a single document cannot vary: the interval collapses onto the estimate
    social_b = _row(p1, "200", "social")
    assert social_b["ci_low"] == social_b["ci_high"] == pytest.approx(500.0)
    # adding a territory does not move another territory's interval
    more = pd.concat([documents, pd.DataFrame([_doc("c1", "300", "Ville C", 2020)])])
    extra = pd.concat([sentences, pd.DataFrame([_sent("c1", "Une phrase.")])], ignore_index=True)
    p3 = compute_profiles(extra, more, LABELS, resamples=300, seed=7)
    a1 = p1[p1["territory_code"] == "100"].reset_index(drop=True)
    a3 = p3[p3["territory_code"] == "100"].reset_index(drop=True)
    pd.testing.assert_frame_equal(a1, a3)


def test_bootstrap_interval_matches_a_plain_loop() -> None:
    counts = np.array([[1.0], [4.0], [0.0]])
    sizes = np.array([10.0, 20.0, 5.0])
    low, high = bootstrap_intensity(counts, sizes, 500, np.random.default_rng(3))
    rng = np.random.default_rng(3)
    picks = rng.integers(0, 3, size=(500, 3))
    rates = [1000 * counts[p, 0].sum() / sizes[p].sum() for p in picks]
    assert low[0] == pytest.approx(np.quantile(rates, 0.05))
    assert high[0] == pytest.approx(np.quantile(rates, 0.95))
    assert low[0] < high[0]


def test_scores_column_gives_mean_probability(frames: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    sentences, documents = frames
    scores = [
        json.dumps({"public_value": {"strategic": 0.6}}) if "pilotage" in t else ""
        for t in sentences["text"]
    ]
    p = compute_profiles(sentences.assign(scores=scores), documents, LABELS, resamples=50)
    assert _row(p, "100", "strategic")["mean_probability"] == pytest.approx((1 + 0.6 + 1) / 3)


def test_coverage_dominant_changes_and_similarity(
    frames: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    sentences, documents = frames
    p = compute_profiles(sentences, documents, LABELS, resamples=50)
    matrix = coding_matrix(p)
    assert list(matrix.index) == ["100", "200"]
    assert matrix.shape == (2, len(LABELS))
    assert matrix.loc["100", "public_value:strategic"] == pytest.approx(500.0)
    sim = similarity_matrix(matrix)
    assert np.allclose(np.diag(sim), 1.0) and np.allclose(sim, sim.T)
    assert 0.0 <= sim.loc["100", "200"] < 1.0
    quotes = evidence_quotes(sentences, documents, LABELS)
    prof = territory_profile(p, documents, quotes, sim, "100")
    assert prof["territory_name"] == "Ville A" and prof["years"] == [2021, 2024]
    assert prof["coverage"]["threshold_per_1000"] == COVERAGE_THRESHOLD
    assert sorted(prof["coverage"]["covered"]) == sorted(
        ["political", "strategic", "quality_of_life", "stewardship"]
    )
    assert prof["coverage"]["types_covered"] == 4
    assert prof["dominant"]["label"] == "strategic"
    changes = {(c["label"], c["from_year"], c["to_year"]): c for c in prof["changes"]}
    assert changes[("political", 2021, 2024)]["delta"] == pytest.approx(-250.0)
    assert changes[("strategic", 2021, 2024)]["delta"] == pytest.approx(0.0)
    assert year_changes(p, "200") == []
    assert prof["similarity"] == {"200": pytest.approx(sim.loc["100", "200"])}
    json.dumps(prof)  # serialisable as is


def test_evidence_skips_headings_and_ranks_by_entries(
    frames: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    sentences, documents = frames
    strong = _sent(
        "a2",
        "La plateforme de données ouvertes sert au pilotage.",
        page=2,
        public_value=["strategic"],
    )
    strong["evidence"] = json.dumps(
        {"public_value": {"strategic": [["s.a", "plateforme", 3, 13], ["s.b", "pilotage", 40, 48]]}}
    )
    quotes = evidence_quotes(
        pd.concat([sentences, pd.DataFrame([strong])], ignore_index=True), documents, LABELS
    )
    strategic = quotes["public_value"]["strategic"]
    assert strategic[0]["text"] == strong["text"] and strategic[0]["page"] == 2
    assert strategic[0]["terms"] == ["pilotage", "plateforme"]
    assert strategic[0]["file"] == "100/a2.pdf"
    assert all(q["text"] != "Stratégie numérique" for q in strategic)  # heading not quoted
    assert len(strategic) == 3
    assert quotes["obstacle"]["resources"] == []


def test_catalogue_and_slug() -> None:
    assert [i.scheme for i in LABELS[:7]] == ["public_value"] * 7
    assert LabelInfo("coproduction", "active", "co-production active") in LABELS
    assert territory_slug("saint-aubin des prés/x") == "saint-aubin-des-pr-s-x"
    assert territory_slug("../..") == "unknown"
