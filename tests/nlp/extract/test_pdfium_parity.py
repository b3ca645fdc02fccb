"""Parity of the pdfium page readers with pdfplumber on a sample of ../shared/corpus.

A few short text documents (about 25 pages, a deterministic spread over the manifest)
are extracted with pdfplumber, the reference, and with ``auto``; on at least 98 % of
their text pages the clean texts must agree (normalised character similarity >= 0.99).
A page of ruled tables is read cell by cell from pdfium's paths and characters alone.
``benchmarks/parity_bench.py`` measures the whole corpus, ``pdfium`` alone included.
Skipped when the corpus is absent.
"""

from __future__ import annotations

import csv
import difflib
import re
from pathlib import Path

import pytest

from nlp.extract.document import Page, extract_document
from nlp.extract.page_source import PageSource
from tests.realcorpus import SHARED_CORPUS

pytestmark = pytest.mark.skipif(
    not (SHARED_CORPUS / "manifest.csv").is_file(), reason="../shared/corpus is absent"
)

MAX_PAGES = 24
#: A page of four ruled budget tables in a council's minutes (58 cells).
RULED_PAGE = ("pdf/putanges-le-lac__cm-2018-04-09-compte-rendu.pdf", 9)


def sample() -> list[Path]:
    """Short documents with a text layer, spread over the manifest, about 25 pages."""
    with (SHARED_CORPUS / "manifest.csv").open(encoding="utf-8") as fh:
        rows = [
            r
            for r in csv.DictReader(fh)
            if "no text layer" not in r["notes"]
            and "ROBUSTNESS" not in r["notes"]
            and r["pages"].isdigit()
            and int(r["pages"]) <= 6
        ]
    rows.sort(key=lambda r: r["sha256"])  # a spread over territories, not by name
    chosen, pages = [], 0
    for row in rows[::3]:
        if pages >= MAX_PAGES:
            break
        path = SHARED_CORPUS / row["file"]
        if path.is_file():
            chosen.append(path)
            pages += int(row["pages"])
    return chosen


def texts(path: Path, reader: str) -> dict[int, Page]:
    pages: list[Page] = []
    extract_document(path, pages.append, extractor=reader)
    return {p.page: p for p in pages}


def similarity(a: str, b: str) -> float:
    a, b = (re.sub(r"\s+", " ", t).strip() for t in (a, b))
    return 1.0 if a == b else difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def test_auto_reader_agrees_with_pdfplumber_on_a_sample() -> None:
    files = sample()
    assert files, "no short text document in the manifest"
    compared, agreeing, differing = 0, 0, []
    for path in files:
        reference, other = texts(path, "pdfplumber"), texts(path, "auto")
        for number, page in reference.items():
            if page.needs_ocr or not page.text.strip():
                continue
            sim = similarity(page.text, other[number].text if number in other else "")
            compared += 1
            agreeing += sim >= 0.99
            if sim < 0.99:
                differing.append((path.name, number, round(sim, 3)))
    assert compared >= 10
    assert agreeing / compared >= 0.98, differing


def test_ruled_tables_are_read_from_pdfium_alone() -> None:
    name, number = RULED_PAGE
    path = SHARED_CORPUS / name
    if not path.is_file():
        pytest.skip(f"{name} is absent")
    with PageSource(path, extractor="auto") as source:
        cells = [line.text for line in source.layout(number).lines if line.cell]
        readers = dict(source.readers)
    with PageSource(path, extractor="pdfplumber") as reference:
        expected = [line.text for line in reference.layout(number).lines if line.cell]
    assert readers == {"pdfium": 1}  # pdfplumber parsed nothing, not even for the tables
    assert len(expected) >= 40
    assert cells == expected
