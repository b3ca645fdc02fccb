"""A manifest cannot make valpub read or publish a file outside its corpus.

Rows whose ``file`` climbs out with ``..``, is an absolute path, is a symbolic link
leading out, or is a ``file://`` URL are refused with a reason and never opened; a file
inside the corpus that is not a PDF is described, never quoted. Nothing of the secret
file reaches any output.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from nlp.ingest.corpus import discover
from tests.flows.test_run import TEXT, run
from tests.pdfgen import text_pdf

SECRET = "TOPSECRET root:x:0:0:root:/root:/bin/bash"


def hostile_corpus(tmp_path: Path) -> tuple[Path, Path]:
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET + "\n", encoding="utf-8")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    text_pdf(corpus / "bon.pdf", [[TEXT]])
    (corpus / "notes.pdf").write_text(SECRET, encoding="utf-8")  # inside, but not a PDF
    (corpus / "lien.pdf").symlink_to(secret)
    rows = [
        ("bon.pdf", "Valmont", "=1+1"),
        ("notes.pdf", "Valmont", "notes"),
        ("lien.pdf", "Valmont", "lien"),
        ("../secret.txt", "Valmont", "remontée"),
        (str(secret), "Valmont", "absolu"),
        (f"file://{secret}", "Valmont", "url locale"),
    ]
    with (corpus / "manifest.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["file", "territory_code", "territory_name", "title"])
        for file, name, title in rows:
            writer.writerow([file, "99001", name, title])
    return corpus, secret


def test_discover_refuses_files_outside_the_corpus(tmp_path: Path) -> None:
    corpus, _secret = hostile_corpus(tmp_path)
    docs = {d.file: d for d in discover(corpus, quiet=True)}
    assert not docs["bon.pdf"].refused and not docs["notes.pdf"].refused
    for file, doc in docs.items():
        if file not in ("bon.pdf", "notes.pdf"):
            assert doc.refused, file
    assert "scheme file://" in docs[next(f for f in docs if f.startswith("file://"))].refused


def test_run_publishes_nothing_of_a_file_outside_the_corpus(
    tmp_path: Path, prefect_api: dict[str, str]
) -> None:
    corpus, _secret = hostile_corpus(tmp_path)
    out = tmp_path / "out"
    done = run(
        "--corpus",
        str(corpus),
        "--out",
        str(out),
        "--no-classifier",
        "--workers",
        "1",
        cwd=tmp_path,
        server=prefect_api,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    docs = pd.read_parquet(out / "documents.parquet").set_index("file")
    assert docs.loc["bon.pdf", "status"] == "ok"
    assert docs.loc["notes.pdf", "status"] == "not_pdf"
    assert docs.loc["notes.pdf", "reason"] == "no %PDF- header: a text file"
    refused = docs[docs["status"] == "refused"]
    assert len(refused) == 4 and (refused["sha256"] == "").all()
    for path in out.rglob("*"):
        if path.is_file() and path.suffix in {".csv", ".html", ".json", ".jsonl", ".parquet"}:
            data = path.read_bytes()
            assert b"TOPSECRET" not in data and b"root:x" not in data, path
    assert "TOPSECRET" not in done.stdout + done.stderr
