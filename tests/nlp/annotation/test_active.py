"""Active-learning selection, the Label Studio / CSV writers and the readers of what comes back."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from nlp.annotation.active import (
    SelectionConfig,
    key_hashes,
    label_uncertainty,
    select_for_annotation,
    sentence_uncertainty,
    standoff_hashes,
)
from nlp.annotation.export import csv_sheet, label_config, label_studio_tasks
from nlp.annotation.importing import read_annotations, read_csv, read_label_studio
from nlp.annotation.judgement import sentence_key
from nlp.model.training import sentence_hash
from nlp.records.codebook import CODEBOOK_LABELS, SCHEMES
from tests.paths import ROOT

SHARED_CORPUS = ROOT.parent / "shared" / "corpus"

# Sentences written for these tests, in the register of municipal documents.
TEXTS = {
    "budget": "Le budget participatif permettra aux habitants de proposer des projets pour leur quartier.",
    "budget2": "Le budget participatif permettra aux habitants de proposer des projets pour leur commune.",
    "fibre": "Le déploiement de la fibre optique sera achevé dans les hameaux avant la fin de l'année.",
    "mediation": "Deux médiateurs numériques tiendront une permanence hebdomadaire à la médiathèque.",
    "donnees": "Les jeux de données sur la qualité de l'eau seront publiés sur le portail ouvert.",
    "capteurs": "Des capteurs mesureront la fréquentation des parkings pour orienter les automobilistes.",
    "seance": "La séance est ouverte à dix-huit heures trente sous la présidence du maire.",
    "agents": "Un plan de formation aidera les agents d'accueil à guider les usagers sur les démarches.",
}


def scores_for(p: float, scheme: str = "public_value", label: str = "social") -> str:
    scores = {s: dict.fromkeys(CODEBOOK_LABELS[s], 0.0) for s in SCHEMES}
    scores[scheme][label] = p
    return json.dumps(scores)


THRESHOLDS = {s: [0.5] * len(CODEBOOK_LABELS[s]) for s in SCHEMES}


def frame(rows: list[dict]) -> pd.DataFrame:
    out = []
    for i, row in enumerate(rows):
        base = {
            "file": "ville/plan.pdf",
            "doc_sha256": "a" * 64,
            "page": 1,
            "start": 200 * i,
            "is_heading": False,
            "model_version": "v1",
            "evidence": "{}",
            **{s: [] for s in SCHEMES},
        }
        base.update(row)
        base.setdefault("scores", scores_for(0.01))
        base["end"] = base["start"] + len(base["text"])
        out.append(base)
    return pd.DataFrame(out)


# --------------------------------------------------------------------------- exclusions


def test_standoff_and_key_hashes(tmp_path: Path) -> None:
    path = tmp_path / "real.jsonl"
    path.write_text('{"sentence_hash": "abc"}\n\n{"sentence_hash": "def"}\n', encoding="utf-8")
    assert standoff_hashes(path) == {"abc", "def"}
    assert standoff_hashes(tmp_path / "none.jsonl") == set()
    assert key_hashes(["abc:sha:1:0", "def"]) == {"abc", "def"}


# --------------------------------------------------------------------------- uncertainty


def test_label_uncertainty_formula() -> None:
    assert label_uncertainty(0.3, 0.3) == 1.0
    assert label_uncertainty(0.0, 0.3) == 0.0
    assert label_uncertainty(1.0, 0.3) == 0.0
    assert label_uncertainty(0.15, 0.3) == pytest.approx(0.5)
    assert label_uncertainty(0.65, 0.3) == pytest.approx(0.5)
    # the same distance in probability counts more on the short side of the threshold
    assert label_uncertainty(0.1, 0.2) < label_uncertainty(0.3, 0.2)


def test_sentence_uncertainty_model_and_lexicon_fallback() -> None:
    row = {"scores": scores_for(0.45, "pillar", "data"), "model_version": "v1", "evidence": "{}"}
    u, total, why = sentence_uncertainty(row, THRESHOLDS)
    assert u == pytest.approx(0.9) and why.startswith("pillar:data")
    assert total >= u
    # no model: a label resting on one lexicon entry is the most uncertain
    evidence = {
        "pillar": {"data": [["data.open", "données ouvertes", 0, 17]]},
        "helix": {"business": [["b.1", "entreprises", 20, 31], ["b.2", "commerçants", 40, 51]]},
    }
    lexical = {"scores": row["scores"], "model_version": "", "evidence": json.dumps(evidence)}
    u, _total, why = sentence_uncertainty(lexical, THRESHOLDS)
    assert u == 1.0 and why.startswith("pillar:data")
    only_two = {"model_version": "", "evidence": json.dumps({"helix": evidence["helix"]})}
    assert sentence_uncertainty(only_two, None)[0] == pytest.approx(0.5)
    assert sentence_uncertainty({"model_version": "", "evidence": "{}"}, None)[0] == 0.0


# --------------------------------------------------------------------------- selection


def test_selection_filters_and_ranks() -> None:
    rows = [
        {"text": TEXTS["budget"], "scores": scores_for(0.49)},  # most uncertain
        {"text": TEXTS["fibre"], "scores": scores_for(0.30)},
        {"text": TEXTS["mediation"], "scores": scores_for(0.50), "is_heading": True},
        {"text": "Article 3.", "scores": scores_for(0.50)},  # too short
        {"text": TEXTS["donnees"], "scores": scores_for(0.50)},  # already annotated
        {"text": TEXTS["capteurs"], "scores": scores_for(0.50), "file": "pdf/lannion__x.pdf"},
        {"text": TEXTS["seance"], "scores": scores_for(0.02)},  # certain
        {"text": TEXTS["fibre"], "scores": scores_for(0.30), "doc_sha256": "b" * 64},  # repeat
    ]
    sentences = frame(rows)
    selected = select_for_annotation(
        sentences,
        THRESHOLDS,
        config=SelectionConfig(n=10, min_chars=20),
        exclude_hashes={sentence_hash(TEXTS["donnees"])},
        evaluation_patterns={"lannion__*.pdf"},
    )
    assert selected["text"].tolist()[0] == TEXTS["budget"]
    assert sorted(selected["text"]) == sorted([TEXTS["budget"], TEXTS["fibre"], TEXTS["seance"]])
    first = selected.iloc[0]
    assert first["key"] == sentence_key(TEXTS["budget"], "a" * 64, 1, 0)
    assert first["uncertainty"] == pytest.approx(0.98)
    assert first["next"] == TEXTS["fibre"] and first["previous"] == ""


def test_selection_is_diverse_capped_per_document_and_deterministic() -> None:
    texts = list(TEXTS.values())
    rows = []
    for i, text in enumerate(texts):
        rows.append(
            {
                "text": text,
                "file": f"doc{i % 3}.pdf",
                "doc_sha256": f"{i % 3}" * 64,
                "scores": scores_for(0.485 - 0.005 * i),  # budget first, then budget2...
            }
        )
    sentences = frame(rows)
    config = SelectionConfig(n=4, per_document=2, min_chars=20)
    selected = select_for_annotation(sentences, THRESHOLDS, config=config)
    assert len(selected) == 4
    assert selected["file"].value_counts().max() <= 2
    # the two budget sentences are near-duplicates: diversity takes only one of them
    assert not {TEXTS["budget"], TEXTS["budget2"]} <= set(selected["text"])
    shuffled = sentences.sample(frac=1.0, random_state=3)
    again = select_for_annotation(shuffled, THRESHOLDS, config=config)
    assert again["key"].tolist() == selected["key"].tolist()
    # pure uncertainty ranking would have taken both budget sentences
    ranked = sorted(
        rows, key=lambda r: -sentence_uncertainty(r | {"model_version": "v"}, THRESHOLDS)[0]
    )
    assert {TEXTS["budget"], TEXTS["budget2"]} <= {r["text"] for r in ranked[:4]}


def test_selection_of_an_empty_table() -> None:
    empty = frame([])
    assert select_for_annotation(empty, THRESHOLDS).empty


# --------------------------------------------------------------------------- writers


@pytest.fixture
def selected() -> pd.DataFrame:
    rows = [
        {"text": TEXTS["budget"], "public_value": ["political"], "coproduction": ["participative"]},
        {"text": TEXTS["mediation"], "pillar": ["inclusion"], "scores": scores_for(0.4)},
        {"text": TEXTS["agents"], "model_version": "", "pillar": ["organisation", "inclusion"]},
    ]
    return select_for_annotation(frame(rows), THRESHOLDS, config=SelectionConfig(min_chars=20))


def test_label_studio_tasks(selected: pd.DataFrame) -> None:
    tasks = label_studio_tasks(selected)
    assert len(tasks) == 3
    json.dumps(tasks)  # serialisable as is
    by_text = {t["data"]["text"]: t for t in tasks}
    task = by_text[TEXTS["budget"]]
    assert set(task["data"]) == {
        "key",
        "text",
        "previous",
        "next",
        "file",
        "page",
        "doc_sha256",
        "start",
        "end",
    }
    assert task["data"]["next"] == TEXTS["mediation"]
    prediction = task["predictions"][0]
    assert prediction["model_version"] == "v1"
    results = {r["from_name"]: r for r in prediction["result"]}
    assert list(results) == list(SCHEMES)
    assert all(r["to_name"] == "text" and r["type"] == "choices" for r in results.values())
    assert results["public_value"]["value"]["choices"] == ["political"]
    assert results["helix"]["value"]["choices"] == []
    assert by_text[TEXTS["agents"]]["predictions"][0]["model_version"] == "lexicons"


def test_label_config_is_valid_xml_with_one_choice_set_per_scheme() -> None:
    root = ET.fromstring(label_config({"public_value": {"social": "valeur sociale & lien"}}))
    assert root.tag == "View"
    texts = {t.get("name"): t.get("value") for t in root.iter("Text")}
    assert texts["text"] == "$text"
    choices = list(root.iter("Choices"))
    assert [c.get("name") for c in choices] == list(SCHEMES)
    for c in choices:
        assert c.get("toName") == "text" and c.get("choice") == "multiple"
        values = [x.get("value") for x in c.iter("Choice")]
        assert values == list(CODEBOOK_LABELS[c.get("name")])
    social = next(x for x in root.iter("Choice") if x.get("value") == "social")
    assert social.get("hint") == "valeur sociale & lien"


def test_csv_sheet_round_trip(selected: pd.DataFrame, tmp_path: Path) -> None:
    sheet = csv_sheet(selected)
    header = sheet.splitlines()[0].split(";")
    assert header == [
        "key",
        "file",
        "page",
        "start",
        "end",
        "doc_sha256",
        "text",
        *SCHEMES,
        "annotator",
    ]
    path = tmp_path / "sheet.csv"
    path.write_text("\ufeff" + sheet, encoding="utf-8")
    judgements, errors = read_csv(path, default_annotator="Claire Martin")
    assert errors == []
    assert len(judgements) == 3 * len(SCHEMES)
    got = {(j.text, j.scheme): j.labels for j in judgements}
    assert got[(TEXTS["agents"], "pillar")] == ("organisation", "inclusion")
    assert got[(TEXTS["budget"], "helix")] == ()
    keys = dict(zip(selected["text"], selected["key"], strict=True))
    assert all(j.sentence_key == keys[j.text] for j in judgements)
    first = next(j for j in judgements if j.text == TEXTS["budget"])
    assert {j.source for j in judgements} == {"csv"} and first.annotator == "Claire Martin"
    assert first.page == 1 and first.doc_sha256 == "a" * 64
    # the same file read twice gives the same origins (importing twice adds nothing)
    again, _ = read_csv(path, default_annotator="Claire Martin")
    assert [j.origin for j in again] == [j.origin for j in judgements]


# --------------------------------------------------------------------------- readers


def test_read_csv_reports_bad_rows_and_reads_the_rest(tmp_path: Path) -> None:
    key = sentence_key(TEXTS["fibre"], "f" * 64, 2, 10)
    lines = [
        "key,file,page,start,end,doc_sha256,text,public_value,pillar,annotator,at",
        f'{key},x.pdf,2,10,99,{"f" * 64},"{TEXTS["fibre"]}",quality_of_life|economic,infrastructure,bob,2025-02-03T10:00:00Z',
        f',x.pdf,abc,10,99,,"{TEXTS["seance"]}",,,bob,',  # bad page
        f',,,,,,"{TEXTS["capteurs"]}",wellbeing,,bob,',  # unknown label
        f',,,,,,"{TEXTS["agents"]}",,organisation,,',  # no annotator
        f'{key},x.pdf,2,10,99,,"{TEXTS["seance"]}",,,bob,',  # key of another text
        f',,,,,,"{TEXTS["mediation"]}",social,inclusion,alice,',
    ]
    path = tmp_path / "sheet.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")  # comma, no BOM
    judgements, errors = read_csv(path)
    assert [e.split(":")[0] for e in errors] == ["row 3", "row 4", "row 5", "row 6"]
    assert "page must be an integer" in errors[0]
    assert "wellbeing" in errors[1]
    assert "annotator" in errors[2]
    assert "does not match the text" in errors[3]
    assert {(j.text, j.scheme) for j in judgements} == {
        (TEXTS["fibre"], "public_value"),
        (TEXTS["fibre"], "pillar"),
        (TEXTS["mediation"], "public_value"),
        (TEXTS["mediation"], "pillar"),
    }
    fibre = next(j for j in judgements if j.text == TEXTS["fibre"] and j.scheme == "public_value")
    assert fibre.labels == ("economic", "quality_of_life")
    assert fibre.at == datetime(2025, 2, 3, 10, tzinfo=UTC)
    assert fibre.sentence_key == key
    mediation = next(j for j in judgements if j.text == TEXTS["mediation"])
    assert mediation.sentence_key == sentence_hash(TEXTS["mediation"])  # no provenance
    assert mediation.at == datetime.fromtimestamp(path.stat().st_mtime, UTC)


def test_read_csv_without_text_column(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("key;public_value\nabc;social\n", encoding="utf-8")
    assert read_csv(path) == ([], ["row 1: the header has no 'text' column"])
    path.write_bytes("text;pillar\n".encode("latin-1") + "données;data\n".encode("latin-1"))
    judgements, errors = read_csv(path)
    assert judgements == [] and "not UTF-8" in errors[0]


def ls_task(text: str, annotations: list[dict], **data: object) -> dict:
    return {"id": 7, "data": {"text": text, **data}, "annotations": annotations, "predictions": []}


def result(scheme: str, *labels: str) -> dict:
    return {
        "from_name": scheme,
        "to_name": "text",
        "type": "choices",
        "value": {"choices": list(labels)},
    }


def test_read_label_studio_export(tmp_path: Path) -> None:
    key = sentence_key(TEXTS["budget"], "a" * 64, 1, 0)
    good = ls_task(
        TEXTS["budget"],
        [
            {
                "id": 1,
                "completed_by": {"id": 3, "email": "alice@ville.fr"},
                "created_at": "2025-01-10T09:30:00.123456Z",
                "result": [
                    result("public_value", "political"),
                    result("coproduction", "participative"),
                    {"from_name": "comment", "type": "textarea", "value": {"text": ["ok"]}},
                ],
            },
            {"id": 2, "completed_by": 5, "created_at": "2025-01-11T08:00:00Z", "result": []},
            {
                "id": 3,
                "completed_by": 6,
                "was_cancelled": True,
                "result": [result("pillar", "data")],
            },
        ],
        key=key,
        doc_sha256="a" * 64,
        page=1,
        start=0,
        end=len(TEXTS["budget"]),
    )
    tasks = [
        good,
        {"id": 8, "data": {}, "annotations": []},  # no text
        ls_task(
            TEXTS["fibre"],
            [
                {
                    "completed_by": 3,
                    "created_at": "2025-01-10T09:30:00Z",
                    "result": [result("pillar", "fibre")],
                }
            ],
        ),  # unknown label
        ls_task(
            TEXTS["seance"],
            [
                {
                    "completed_by": 3,
                    "created_at": "2025-01-10T09:30:00Z",
                    "result": [result("valeur", "x")],
                }
            ],
        ),  # unknown scheme
        ls_task(TEXTS["agents"], [{"created_at": "2025-01-10T09:30:00Z", "result": []}]),
        ls_task(TEXTS["mediation"], []),  # not annotated yet: nothing, no error
    ]
    path = tmp_path / "export.json"
    path.write_text(json.dumps(tasks), encoding="utf-8")
    judgements, errors = read_label_studio(path)
    assert [e.split(":")[0].split(" (")[0] for e in errors] == [
        "task 2",
        "task 3",
        "task 4",
        "task 5",
    ]
    assert "data.text" in errors[0]
    assert "unknown pillar label(s) fibre" in errors[1] and "annotation 1" in errors[1]
    assert "unknown scheme 'valeur'" in errors[2]
    assert "completed_by" in errors[3]
    assert len(judgements) == 2 * len(SCHEMES)  # alice and user 5, the cancelled one skipped
    alice = {j.scheme: j for j in judgements if j.annotator == "alice@ville.fr"}
    assert alice["public_value"].labels == ("political",)
    assert alice["pillar"].labels == ()  # nothing ticked: judged as no label
    assert alice["public_value"].at == datetime(2025, 1, 10, 9, 30, 0, 123456, tzinfo=UTC)
    assert alice["public_value"].sentence_key == key
    assert alice["public_value"].source == "label-studio"
    assert {j.annotator for j in judgements} == {"alice@ville.fr", "5"}
    assert len({j.origin for j in judgements}) == len(judgements)
    same, _ = read_annotations(path)
    assert [j.origin for j in same] == [j.origin for j in judgements]


def test_read_annotations_refuses_unknown_formats(tmp_path: Path) -> None:
    path = tmp_path / "labels.xlsx"
    path.write_bytes(b"PK")
    judgements, errors = read_annotations(path)
    assert judgements == [] and "unknown format" in errors[0]
    broken = tmp_path / "broken.json"
    broken.write_text("[{", encoding="utf-8")
    assert "cannot read" in read_label_studio(broken)[1][0]
