"""What the benchmark scripts share: the corpus, its text PDFs, the baseline and the JSON file.

Each benchmark is a script (``python benchmarks/x.py``) that measures valpub against a
baseline in the same run, prints a table and writes JSON. They choose their documents
from ../shared/corpus the same way and time the same bare-pdfplumber baseline, so the
figures of one benchmark compare with another's; this module is that one way.
"""

from __future__ import annotations

import csv
import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"

# the benchmarks import the project from the checkout they sit in, installed or not
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def corpus_present() -> bool:
    """Whether ../shared/corpus is here; when it is not, says that nothing is measured.

    The corpus is not ours and is absent from some checkouts: a benchmark then ends
    cleanly (exit status 0) rather than failing.
    """
    if CORPUS.is_dir():
        return True
    print("../shared/corpus is absent: nothing to measure")
    return False


def text_documents(limit: int) -> list[dict[str, str]]:
    """Manifest rows of text-layer PDFs, a deterministic spread (all when ``limit`` is 0).

    Sorted by file name and taken at a regular step, so that a small ``limit`` still
    spreads over the corpus and two runs measure the same documents.
    """
    with (CORPUS / "manifest.csv").open(encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if "no text layer" not in r["notes"] and r["pages"]]
    rows.sort(key=lambda r: r["file"])
    if not limit:
        return rows
    step = max(1, len(rows) // limit)
    return rows[::step][:limit]


def bare_pdfplumber(files: list[Path]) -> tuple[int, float]:
    """(pages, seconds) of pdfplumber ``extract_text()`` with ``page.close()``, one process.

    The baseline the extraction, tagging and pipeline benchmarks state their ratios
    against: what reading the text costs with no layout, cleanup or labelling.
    """
    import pdfplumber

    pages = 0
    start = time.perf_counter()
    for f in files:
        with pdfplumber.open(f) as pdf:
            for page in pdf.pages:
                page.extract_text()
                page.close()
                pages += 1
    return pages, time.perf_counter() - start


def write_json(path: Path, result: dict[str, Any]) -> None:
    """Write a benchmark's ``result`` to ``path`` (its folder made) and say where."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"JSON: {path}")
