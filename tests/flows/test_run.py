"""`valpub run` end to end: a real Prefect flow (temporary local server) in a subprocess."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from nlp.records.codebook import CODEBOOK_LABELS
from tests.paths import VALPUB
from tests.pdfgen import image_only_pdf, scanned_text_pdf, text_pdf
from tests.servers import TEMPORARY_PREFECT_HOME

PREFECT_HOME = TEMPORARY_PREFECT_HOME
TEXT = (
    "La commune ouvre un guichet numérique pour simplifier les démarches des habitants et "
    "accompagne les personnes éloignées du numérique dans les maisons de services."
)


def run(
    *args: str, cwd: Path, server: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`valpub run`; with ``server`` (the session's Prefect API), without a temporary one."""
    env = {**os.environ, "PREFECT_HOME": str(PREFECT_HOME), **(server or {})}
    return subprocess.run(
        [str(VALPUB), "run", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )


def test_run_processes_good_and_bad_documents_and_reuses_work(
    tmp_path: Path, prefect_api: dict[str, str]
) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "valmont").mkdir(parents=True)
    text_pdf(corpus / "valmont" / "strategie.pdf", [[TEXT], [TEXT]], header="Valmont", footer=True)
    image_only_pdf(corpus / "valmont" / "scan.pdf")
    (corpus / "valmont" / "page.pdf").write_text("<html><body>Erreur</body></html>")
    (corpus / "vide.pdf").write_bytes(b"")
    out = tmp_path / "out"

    # the first run without a server: `valpub run` starts a temporary one (the default)
    first = run(
        "--corpus",
        str(corpus),
        "--out",
        str(out),
        "--workers",
        "2",
        "--no-classifier",
        cwd=tmp_path,
    )
    assert first.returncode == 0, first.stderr[-2000:]
    docs = pd.read_parquet(out / "documents.parquet").set_index("file")
    assert docs.loc["valmont/strategie.pdf", "status"] == "ok"
    assert docs.loc["valmont/scan.pdf", "status"] == "needs_ocr"
    assert docs.loc["valmont/page.pdf", "status"] == "not_pdf"
    assert docs.loc["vide.pdf", "status"] == "empty"
    assert docs.loc["valmont/strategie.pdf", "territory_code"] == "valmont"
    assert docs.loc["vide.pdf", "territory_code"] == "unknown"
    assert (docs.loc[docs.status != "ok", "reason"].str.len() > 10).all()
    sha = docs.loc["valmont/strategie.pdf", "sha256"]
    pages = [json.loads(x) for x in (out / "pages" / f"{sha}.jsonl").read_text().splitlines()]
    assert [p["text"] for p in pages] == [TEXT, TEXT]
    assert "valmont/strategie.pdf" in first.stdout and "not_pdf" in first.stdout
    csv_bytes = (out / "documents.csv").read_bytes()
    assert csv_bytes.startswith("\ufeff".encode()) and b";" in csv_bytes.splitlines()[0]
    assert not list(out.rglob("*.tmp"))

    sentences = pd.read_parquet(out / "sentences.parquet")
    assert set(sentences["file"]) == {"valmont/strategie.pdf"}  # the only document with text
    assert sentences["text"].tolist() == [TEXT, TEXT]  # one sentence on each page
    assert all("inclusion" in labels for labels in sentences["pillar"])  # "éloignées du numérique"
    assert all("active" in labels for labels in sentences["coproduction"])  # "guichet numérique"
    assert (
        sentences["text"]
        == sentences.apply(lambda r: pages[r["page"] - 1]["text"][r["start"] : r["end"]], axis=1)
    ).all()
    tagged = list((out / "sentences").glob(f"{sha}.*.parquet"))
    assert len(tagged) == 1

    mtime = (out / "pages" / f"{sha}.jsonl").stat().st_mtime_ns
    tag_mtime = tagged[0].stat().st_mtime_ns
    # one more document: only that one is extracted and tagged
    before = len(list((out / "sentences").glob("*.parquet")))
    text_pdf(corpus / "valmont" / "deliberation.pdf", [[TEXT]], header="Valmont")
    # (against the session's server: reuse is read from the output folder, not from Prefect)
    second = run(
        "--corpus",
        str(corpus),
        "--out",
        str(out),
        "--no-classifier",
        cwd=tmp_path,
        server=prefect_api,
    )
    assert second.returncode == 0, second.stderr[-2000:]
    assert "Nothing changed" not in second.stdout
    # the check before the flow reads the corpus too, but only the run warns
    assert second.stderr.count("vide.pdf: no manifest row") == 1, second.stderr
    assert (out / "pages" / f"{sha}.jsonl").stat().st_mtime_ns == mtime  # reused, not redone
    assert tagged[0].stat().st_mtime_ns == tag_mtime
    again = pd.read_parquet(out / "documents.parquet").set_index("file")
    assert again["status"].to_dict() == {
        **docs["status"].to_dict(),
        "valmont/deliberation.pdf": "ok",
    }
    assert len(list((out / "sentences").glob("*.parquet"))) == before + 1

    # nothing changed: the run says so without starting the flow, outputs untouched
    published = {p: p.stat().st_mtime_ns for p in out.glob("[!.]*.*")}
    third = run("--corpus", str(corpus), "--out", str(out), "--no-classifier", cwd=tmp_path)
    assert third.returncode == 0, third.stderr[-2000:]
    assert "Nothing changed since the last complete run" in third.stdout
    assert "valmont/deliberation.pdf" in third.stdout  # the documents table, as usual
    assert {p: p.stat().st_mtime_ns for p in out.glob("[!.]*.*")} == published


def test_run_classifies_with_the_current_model_and_retags_when_it_changes(
    tmp_path: Path, trained_models: Path, prefect_api: dict[str, str]
) -> None:
    from nlp.model.registry import Registry

    corpus = tmp_path / "corpus"
    (corpus / "valmont").mkdir(parents=True)
    text_pdf(corpus / "valmont" / "strategie.pdf", [[TEXT], [TEXT]], header="Valmont", footer=True)
    models = tmp_path / "models"
    shutil.copytree(trained_models, models)
    registry = Registry(models)
    first_version = registry.current()
    assert first_version is not None
    out = tmp_path / "out"
    args = ("--corpus", str(corpus), "--out", str(out), "--models", str(models))

    first = run(*args, cwd=tmp_path, server=prefect_api)
    assert first.returncode == 0, first.stderr[-2000:]
    sentences = pd.read_parquet(out / "sentences.parquet")
    assert (sentences["model_version"] == first_version).all()
    for _, row in sentences.iterrows():
        sources = json.loads(row["sources"])
        scores = json.loads(row["scores"])
        for scheme in ("public_value", "coproduction", "pillar"):
            assert sorted(sources[scheme]) == sorted(row[scheme])  # every label has a source
            assert set(scores[scheme]) == set(CODEBOOK_LABELS[scheme])
            assert all(0.0 <= p <= 1.0 for p in scores[scheme].values())
    # the classifier keeps what both it and the lexicons see in this sentence
    assert all("inclusion" in labels for labels in sentences["pillar"])
    report = (out / "report.html").read_text(encoding="utf-8")
    assert f'data-model-version="{first_version}"' in report

    # a new current version: tagging redone, extraction reused
    sha = sentences["doc_sha256"].iloc[0]
    pages_mtime = (out / "pages" / f"{sha}.jsonl").stat().st_mtime_ns
    second_version = first_version[:-1] + ("0" if first_version[-1] != "0" else "1")
    bundle = registry.load(first_version)
    bundle["meta"] = {**bundle["meta"], "version": second_version}
    registry.save(second_version, bundle, registry.metrics(first_version), "copy")
    registry.promote(second_version, force=True)
    second = run(*args, cwd=tmp_path, server=prefect_api)
    assert second.returncode == 0, second.stderr[-2000:]
    again = pd.read_parquet(out / "sentences.parquet")
    assert (again["model_version"] == second_version).all()
    assert (out / "pages" / f"{sha}.jsonl").stat().st_mtime_ns == pages_mtime
    assert len(list((out / "sentences").glob(f"{sha}.*.parquet"))) == 1  # stale one removed


def test_run_reads_scans_by_default_and_flags_what_ocr_read(
    tmp_path: Path, prefect_api: dict[str, str]
) -> None:
    from nlp.extract.ocr import ocr_unavailable

    if ocr_unavailable():
        pytest.skip("Tesseract with French data is not installed")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    scanned_text_pdf(corpus / "scan.pdf", ["La commune publie les données", "de ses services."])
    image_only_pdf(corpus / "plan.pdf", pages=1)
    text_pdf(corpus / "texte.pdf", [[TEXT]])
    out = tmp_path / "out"
    args = ("--corpus", str(corpus), "--out", str(out), "--no-classifier")
    done = run(*args, cwd=tmp_path, server=prefect_api)
    assert done.returncode == 0, done.stderr[-2000:]
    docs = pd.read_parquet(out / "documents.parquet").set_index("file")
    assert docs["status"].to_dict() == {
        "scan.pdf": "ocr",
        "plan.pdf": "needs_ocr",
        "texte.pdf": "ok",
    }
    assert "1 pages read by OCR" in done.stdout
    assert "1 pages without a text layer where OCR found no text" in done.stdout
    sentences = pd.read_parquet(out / "sentences.parquet")
    by_file = sentences.groupby("file")["ocr"].all().to_dict()
    assert by_file == {"scan.pdf": True, "texte.pdf": False}

    # the picture OCR could not read is not read again on the next run
    plan = out / "pages" / f"{docs.loc['plan.pdf', 'sha256']}.jsonl"
    mtime = plan.stat().st_mtime_ns
    text_pdf(corpus / "autre.pdf", [[TEXT]])
    assert run(*args, cwd=tmp_path, server=prefect_api).returncode == 0
    assert plan.stat().st_mtime_ns == mtime

    # --no-ocr leaves scans unread and says so
    off = run(*args, "--no-ocr", "--force", cwd=tmp_path, server=prefect_api)
    assert off.returncode == 0, off.stderr[-2000:]
    statuses = pd.read_parquet(out / "documents.parquet").set_index("file")["status"]
    assert statuses["scan.pdf"] == "needs_ocr"
    assert "2 pages without a text layer left unread (--no-ocr)" in off.stdout


def test_run_refuses_a_missing_corpus_with_a_clear_message(tmp_path: Path) -> None:
    result = run("--corpus", str(tmp_path / "nope"), "--out", str(tmp_path / "o"), cwd=tmp_path)
    assert result.returncode == 2
    assert "does not exist" in result.stderr
