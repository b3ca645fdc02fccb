"""The annotation loop end to end on the sample corpus: retrain, export, import, retrain.

``annotate export`` runs the real pipeline (a Prefect flow) in a subprocess; ``import`` and
``retrain`` run in-process through Typer's CliRunner. Training uses a slice of the shipped
sentences and two folds so the whole loop stays around a minute.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from flows.commands.annotate import annotate_app, register
from flows.training_data import predicted_labels
from nlp.annotation.active import sentence_uncertainty
from nlp.annotation.store import AnnotationStore, store_url
from nlp.model.classify import SentenceClassifier
from nlp.model.registry import Registry
from nlp.records.codebook import SCHEMES
from tests.paths import ROOT


def cli() -> typer.Typer:
    app = typer.Typer()
    register(app)
    return app


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli(), list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


@dataclass
class Loop:
    out: Path
    data: Path
    first_version: str
    retrain1_output: str
    export: subprocess.CompletedProcess[str]
    prefix: Path


def small_training_data(folder: Path) -> Path:
    folder.mkdir()
    training = ROOT / "corpus" / "training"
    for name, lines in (("train.jsonl", 420), ("heldout.jsonl", 110)):
        text = (training / name).read_text(encoding="utf-8").splitlines()[:lines]
        (folder / name).write_text("\n".join(text) + "\n", encoding="utf-8")
    return folder


def retrain(loop_out: Path, data: Path, *extra: str) -> tuple[int, str]:
    return invoke(
        "retrain",
        "--out", str(loop_out),
        "--train", str(data / "train.jsonl"),
        "--heldout", str(data / "heldout.jsonl"),
        "--folds", "2",
        "--without-real",
        *extra,
    )  # fmt: skip


@pytest.fixture(scope="module")
def loop(tmp_path_factory: pytest.TempPathFactory, prefect_api: dict[str, str]) -> Loop:
    base = tmp_path_factory.mktemp("annotate")
    out = base / "out"
    data = small_training_data(base / "data")
    # 1. a first model (empty store): what the export's uncertainty is measured against
    code, output = retrain(out, data)
    assert code == 0, output
    first = Registry(out / "models").current()
    assert first is not None
    # 2. export: the pipeline runs (tagging with that model), then the selection
    prefix = out / "ann" / "batch1"
    env = {**os.environ, **prefect_api}
    export = subprocess.run(
        [
            sys.executable, "-m", "flows.commands.annotate", "annotate", "export",
            "--corpus", str(ROOT / "corpus"), "--out", str(out), "--n", "30",
            "--per-document", "4", "--to", str(prefix), "--workers", "1", "--no-train",
        ],
        cwd=base,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )  # fmt: skip
    return Loop(out, data, first, output, export, prefix)


def test_commands_are_documented_with_an_example() -> None:
    app = cli()
    commands = [*app.registered_commands, *annotate_app.registered_commands]
    assert {c.name for c in commands} == {"retrain", "export", "import"}
    for command in commands:
        doc = command.callback.__doc__ or ""
        assert doc.strip().splitlines()[-1].strip().startswith("Example: valpub "), command.name
    assert [g.name for g in app.registered_groups] == ["annotate"]


def test_first_retrain_trains_and_promotes(loop: Loop) -> None:
    assert "0 sentences reviewed" in loop.retrain1_output
    assert f"promoted {loop.first_version} (no current model)" in loop.retrain1_output
    metrics = Registry(loop.out / "models").metrics(loop.first_version)
    assert metrics["annotations"]["used"] == 0
    assert metrics["annotations"]["source"] == store_url(loop.out)


def test_export_selects_uncertain_sentences_with_the_current_model(loop: Loop) -> None:
    assert loop.export.returncode == 0, loop.export.stderr[-3000:]
    assert f"uncertainty by model {loop.first_version} thresholds" in loop.export.stdout
    tasks = json.loads(loop.prefix.with_suffix(".json").read_text(encoding="utf-8"))
    assert len(tasks) == 30
    sentences = pd.read_parquet(loop.out / "sentences.parquet")
    assert (sentences["model_version"] == loop.first_version).all()
    files = pd.Series([t["data"]["file"] for t in tasks])
    assert files.value_counts().max() <= 4 and files.nunique() >= 8
    keyed = sentences.set_index(["doc_sha256", "page", "start"])
    thresholds = SentenceClassifier(Registry(loop.out / "models").load()).thresholds
    uncertainties = []
    for task in tasks:
        data = task["data"]
        row = keyed.loc[(data["doc_sha256"], data["page"], data["start"])]
        assert row["text"] == data["text"] and not row["is_heading"]
        assert len(data["text"]) >= 40
        prediction = task["predictions"][0]
        assert prediction["model_version"] == loop.first_version
        chosen = {r["from_name"]: r["value"]["choices"] for r in prediction["result"]}
        assert chosen == {s: list(row[s]) for s in SCHEMES}
        u = sentence_uncertainty(row.to_dict(), thresholds)[0]
        assert prediction["score"] == pytest.approx(1 - u, abs=1e-4)
        uncertainties.append(u)
    # the selected sentences are more uncertain than the corpus as a whole
    everyone = [sentence_uncertainty(r, thresholds)[0] for r in sentences.to_dict("records")]
    assert sum(uncertainties) / len(uncertainties) > sum(everyone) / len(everyone)
    config = ET.parse(str(loop.prefix) + ".label_config.xml").getroot()
    assert [c.get("name") for c in config.iter("Choices")] == list(SCHEMES)
    sheet = (Path(str(loop.prefix) + ".csv")).read_bytes()
    assert sheet.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(sheet.decode("utf-8-sig")), delimiter=";"))
    assert [r["key"] for r in rows] == [t["data"]["key"] for t in tasks]


def label_studio_export(tasks: list[dict]) -> list[dict]:
    """What Label Studio exports after alice (10 tasks) and bob (6 of them) labelled."""
    exported = []
    for i, task in enumerate(tasks[:10]):
        task = copy.deepcopy(task)
        task["id"] = 500 + i
        seen = task["predictions"][0]["result"]
        alice = {
            "id": 900 + i,
            "completed_by": {"id": 1, "email": "alice@valmont.example"},
            "created_at": f"2025-02-0{1 + i % 9}T10:00:00.000000Z",
            "was_cancelled": False,
            "result": copy.deepcopy(seen),
        }
        task["annotations"] = [alice]
        if i < 6:
            bob_result = copy.deepcopy(seen)
            if i < 2:  # bob disagrees on public_value for the first two sentences
                current = bob_result[0]["value"]["choices"]
                bob_result[0]["value"]["choices"] = (
                    ["stewardship"] if current != ["stewardship"] else []
                )
            task["annotations"].append(
                {"id": 950 + i, "completed_by": 2, "created_at": "2025-02-12T08:00:00Z",
                 "result": bob_result}
            )  # fmt: skip
        if i == 6:  # a cancelled annotation is skipped
            task["annotations"].append({"id": 990, "completed_by": 3, "was_cancelled": True,
                                        "result": [], "created_at": "2025-02-12T08:00:00Z"})  # fmt: skip
        exported.append(task)
    exported[9]["annotations"][0]["result"][0]["value"]["choices"] = ["prosperity"]
    return exported


def test_import_then_retrain_applies_the_promotion_rule(loop: Loop, tmp_path: Path) -> None:
    assert loop.export.returncode == 0, loop.export.stderr[-3000:]
    tasks = json.loads(loop.prefix.with_suffix(".json").read_text(encoding="utf-8"))
    ls_file = tmp_path / "project-1-at-2025-02-12.json"
    ls_file.write_text(json.dumps(label_studio_export(tasks)), encoding="utf-8")
    # the CSV sheet: five more sentences reviewed, one row made malformed
    text = Path(str(loop.prefix) + ".csv").read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    sheet_rows = rows[10:16]
    sheet_rows[0]["annotator"] = "carol"
    sheet_rows[2]["pillar"] = "data|inclusion"
    sheet_rows[5]["page"] = "deux"  # malformed: row 7 of the sheet
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), delimiter=";")
    writer.writeheader()
    writer.writerows(sheet_rows)
    sheet = tmp_path / "relecture.csv"
    sheet.write_text("\ufeff" + buffer.getvalue(), encoding="utf-8")

    code, output = invoke(
        "annotate",
        "import",
        str(ls_file),
        str(sheet),
        "--out",
        str(loop.out),
        "--annotator",
        "dave",
    )
    assert code == 1, output  # errors were reported...
    assert "task 10 (id 509), annotation 1: unknown public_value label(s) prosperity" in output
    assert "row 7: page must be an integer" in output
    # ...and everything else was imported: 9 + 6 Label Studio annotations, 5 CSV rows
    assert f"{15 * len(SCHEMES)} judgements on 9 sentences read" in output
    assert f"{5 * len(SCHEMES)} judgements on 5 sentences read" in output
    assert "conflicts: 2 (sentence, scheme) pairs" in output
    assert "Cohen's kappa per label" in output
    store = AnnotationStore(store_url(loop.out))
    try:
        judged = store.judgements()
        assert len(judged) == 20 * len(SCHEMES)
        assert set(judged["annotator"]) == {"alice@valmont.example", "2", "carol", "dave"}
        kappa = store.kappa()
        assert set(kappa["n_sentences"]) == {6}
        assert len(store.conflicts()) == 2
    finally:
        store.close()
    code, output = invoke("annotate", "import", str(ls_file), "--out", str(loop.out))
    assert "0 added" in output and code == 1  # idempotent; the bad task is still bad

    # the current model now looks perfect: the retrained one is worse and is not promoted
    registry = Registry(loop.out / "models")
    metrics_file = registry.root / loop.first_version / "metrics.json"
    metrics = json.loads(metrics_file.read_text(encoding="utf-8"))
    metrics["summary"]["heldout_macro_f1"] = 1.0
    metrics_file.write_text(json.dumps(metrics), encoding="utf-8")
    # and one document of the sheet is declared evaluation-only: its sentences stay out
    evaluation = tmp_path / "evaluation-corpus"
    evaluation.mkdir()
    name = Path(sheet_rows[0]["file"]).name
    (evaluation / "README.md").write_text(f"## Evaluation only\n\n- {name}\n", encoding="utf-8")
    store = AnnotationStore(store_url(loop.out))
    usable = store.training_examples(predicted_labels(loop.out / "sentences.parquet"))
    store.close()
    assert len(usable) == 12
    aside = sum(ex.provenance["doc_sha256"] == sheet_rows[0]["doc_sha256"] for ex in usable)
    assert aside >= 1
    code, output = retrain(loop.out, loop.data, "--corpus", str(evaluation))
    assert code == 1, output
    assert "14 sentences reviewed, 12 usable; left out: 2 with conflicting judgements" in output
    assert f"left out {aside} annotated sentence(s) of evaluation-only documents" in output
    assert "not promoted" in output
    assert registry.current() == loop.first_version
    newest = registry.versions()[-1]
    assert newest != loop.first_version
    report = registry.metrics(newest)["annotations"]
    assert report["given"] == 12 - aside
    assert report["used"] + report["left_out_evaluated"] == 12 - aside
    assert registry.metrics(newest)["summary"]["train_size"] >= 420 - 12 + report["used"]
