"""`valpub run --sources`: the run first pulls the PDFs a CSV of URLs lists (from a real
HTTP server on 127.0.0.1), then processes them with the rest of the corpus; a URL that
fails is reported and does not stop the run.
"""

from __future__ import annotations

import csv
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from tests.paths import VALPUB
from tests.pdfgen import text_pdf
from tests.servers import StaticSite, static_site

TEXT = (
    "La commune ouvre ses données publiques et associe les habitants à la conception "
    "des nouveaux services numériques lors d'ateliers participatifs."
)


@pytest.fixture
def site(tmp_path: Path) -> Iterator[StaticSite]:
    """A static web site on a free port of 127.0.0.1."""
    root = tmp_path / "site"
    root.mkdir()
    with static_site(root) as served:
        yield served


def test_run_pulls_the_sources_then_processes_them(
    tmp_path: Path, site: StaticSite, prefect_api: dict[str, str]
) -> None:
    url, root = site.url, site.root
    text_pdf(root / "strategie-numerique.pdf", [[TEXT, TEXT]], header="Ville de Lorvelle")
    (root / "erreur.pdf").write_text("<html><body>Page introuvable</body></html>")
    sources = tmp_path / "sources.csv"
    with sources.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["url", "territory_code", "territory_name", "territory_type", "year"])
        writer.writerow([f"{url}/strategie-numerique.pdf", "99901", "Lorvelle", "commune", "2025"])
        writer.writerow([f"{url}/erreur.pdf", "99901", "Lorvelle", "commune", "2025"])
        writer.writerow([f"{url}/absent.pdf", "99901", "Lorvelle", "commune", "2025"])
    corpus, out = tmp_path / "corpus", tmp_path / "out"  # the pull creates the corpus folder

    def run() -> subprocess.CompletedProcess[str]:
        args = ["run", "--sources", str(sources), "--corpus", str(corpus), "--out", str(out)]
        return subprocess.run(
            [str(VALPUB), *args, "--no-classifier", "--no-progress", "--workers", "1"],
            env={**os.environ, **prefect_api},
            capture_output=True,
            text=True,
            timeout=600,
        )

    first = run()
    assert first.returncode == 0, first.stderr[-3000:]
    docs = pd.read_parquet(out / "documents.parquet")
    assert len(docs) == 1, docs  # the two failed URLs saved nothing
    doc = docs.iloc[0]
    assert doc["status"] == "ok" and doc["file"].startswith("strategie-numerique")
    assert doc["territory_name"] == "Lorvelle" and doc["year"] == 2025
    assert (corpus / "manifest.csv").is_file()
    assert "erreur.pdf" in first.stderr and "absent.pdf" in first.stderr  # reported
    sentences = pd.read_parquet(out / "sentences.parquet")
    assert sentences["text"].str.contains("ateliers participatifs").any()

    # the next scheduled run: nothing new is downloaded, nothing is redone
    site.requests.clear()
    second = run()
    assert second.returncode == 0, second.stderr[-3000:]
    assert pd.read_parquet(out / "documents.parquet")["sha256"].tolist() == [doc["sha256"]]
    assert len(list(corpus.glob("*.pdf"))) == 1
    assert "/strategie-numerique.pdf" in site.requests  # checked again, kept


def test_a_corpus_url_is_downloaded_again_only_when_it_changed(
    tmp_path: Path, site: StaticSite, prefect_api: dict[str, str]
) -> None:
    """Scheduled runs on a corpus URL: unchanged documents are not downloaded again."""
    for name in ("a", "b"):
        text_pdf(site.root / f"{name}.pdf", [[TEXT]], header=f"Document {name}")
    (site.root / "manifest.csv").write_text(
        "file,territory_code,territory_name\na.pdf,99901,Lorvelle\nb.pdf,99901,Lorvelle\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"

    def run() -> tuple[pd.DataFrame, list[str]]:
        site.requests.clear()
        done = subprocess.run(
            [
                *(str(VALPUB), "run", "--corpus", site.url + "/", "--out", str(out)),
                *("--no-classifier", "--no-progress", "--workers", "1"),
            ],
            env={**os.environ, **prefect_api},
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        docs = pd.read_parquet(out / "documents.parquet").set_index("file")
        return docs, sorted(r for r in site.requests if r.endswith(".pdf"))

    first, fetched = run()
    assert fetched == ["/a.pdf", "/b.pdf"] and set(first["status"]) == {"ok"}
    again, fetched = run()
    assert fetched == []  # the server said both were unchanged (HEAD): nothing downloaded
    pd.testing.assert_frame_equal(again.drop(columns="seconds"), first.drop(columns="seconds"))
    text_pdf(site.root / "b.pdf", [[TEXT, TEXT]], header="Document b, version 2")
    later = time.time() + 5  # a new Last-Modified, whatever the clock's resolution
    os.utime(site.root / "b.pdf", (later, later))
    changed, fetched = run()
    assert fetched == ["/b.pdf"]
    assert changed.loc["a.pdf", "sha256"] == first.loc["a.pdf", "sha256"]
    assert changed.loc["b.pdf", "sha256"] != first.loc["b.pdf", "sha256"]
    sentences = pd.read_parquet(out / "sentences.parquet")
    counts = sentences["file"].value_counts()
    assert counts["b.pdf"] == counts["a.pdf"] + 1  # the new version's second paragraph


def test_run_with_a_missing_sources_file_says_so(tmp_path: Path) -> None:
    proc = subprocess.run(
        [str(VALPUB), "run", "--sources", str(tmp_path / "nope.csv"), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert "sources file" in proc.stderr and "nope.csv" in proc.stderr
