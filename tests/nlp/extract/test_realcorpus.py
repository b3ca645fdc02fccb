"""Extraction on the real territorial corpus in ../shared/corpus (skipped when absent).

The documents of :func:`tests.realcorpus.extraction_sample` (every robustness file, the
short documents with running headers, and one more document of at most 60 pages of each
territory in each register; the whole corpus with ``VALPUB_REALCORPUS=all``) are
extracted once per session, two documents at a time, through the same Extractor (worker
process with a time limit) that `valpub run` uses.
"""

from __future__ import annotations

import csv
import threading
import unicodedata
from concurrent.futures import ThreadPoolExecutor

import pytest

from nlp.extract.document import STATUSES, DocumentReport, Page
from nlp.extract.process import Extractor
from tests.realcorpus import (
    LONGEST,
    SHARED_CORPUS,
    extraction_sample,
    flagged,
    pages_containing,
    pages_of,
    robustness,
    running_lines_in_pdf,
    split_words,
    vocabulary,
    whole_corpus,
)

pytestmark = [
    pytest.mark.realcorpus,
    pytest.mark.skipif(
        not (SHARED_CORPUS / "manifest.csv").is_file(), reason="../shared/corpus is absent"
    ),
]


@pytest.fixture(scope="session")
def whole_manifest() -> list[dict[str, str]]:
    with (SHARED_CORPUS / "manifest.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="session")
def manifest(whole_manifest: list[dict[str, str]]) -> list[dict[str, str]]:
    """The rows of the documents these tests extract (see the module docstring)."""
    return extraction_sample(whole_manifest)


@pytest.fixture(scope="session")
def extracted(manifest: list[dict[str, str]]) -> dict[str, tuple[DocumentReport, list[Page]]]:
    files = [row["file"] for row in manifest]
    # Longest first, each worker taking the next file when it is free: they finish together.
    files.sort(key=lambda f: -(SHARED_CORPUS / f).stat().st_size)
    queue = iter(files)
    lock = threading.Lock()

    def run(_: int) -> dict[str, tuple[DocumentReport, list[Page]]]:
        out = {}
        with Extractor(timeout=600) as extractor:
            while True:
                with lock:
                    f = next(queue, None)
                if f is None:
                    return out
                pages: list[Page] = []
                report = extractor.extract(SHARED_CORPUS / f, pages.append)
                out[f] = (report, pages)

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(run, range(2)))
    return {k: v for part in results for k, v in part.items()}


def test_the_sample_keeps_every_territory_both_registers_and_the_robustness_files(
    whole_manifest: list[dict[str, str]], manifest: list[dict[str, str]]
) -> None:
    if whole_corpus():
        pytest.skip("VALPUB_REALCORPUS=all: every document is read")
    files = {row["file"] for row in manifest}
    assert {r["file"] for r in whole_manifest if robustness(r)} <= files
    readable = [r for r in whole_manifest if pages_of(r) <= LONGEST]
    assert {r["file"] for r in readable if flagged(r)} <= files
    assert {r["territory"] for r in manifest} >= {r["territory"] for r in readable}
    groups = {(r["territory"], r["category"]) for r in manifest if not flagged(r)}
    assert groups == {(r["territory"], r["category"]) for r in readable if not flagged(r)}
    assert sum(pages_of(r) for r in manifest) < 1000  # the point of the sample: its cost
    categories = {r["category"] for r in manifest}
    assert {"deliberation", "other"} <= categories
    # the statuses the manifest predicts are all there to be checked
    notes = " ".join(r["notes"] for r in manifest)
    for said in (
        "no text layer",
        "needs a user password",
        "readable without password",
        "empty user password",
        "only text layer is the",
        "symbol soup",
    ):
        assert said in notes, said


def test_every_document_extracts_or_gets_an_explicit_status(
    manifest: list[dict[str, str]], extracted: dict[str, tuple[DocumentReport, list[Page]]]
) -> None:
    assert set(extracted) == {row["file"] for row in manifest}
    for f, (report, pages) in extracted.items():
        assert report.status in STATUSES, f
        assert report.status not in {"failed", "timeout"}, (f, report.reason)
        if report.status != "ok":
            assert report.reason, f
        if report.status == "ok":
            assert report.pages == len(pages) and report.pages_with_text > 0, f


def test_statuses_match_what_the_manifest_says(
    manifest: list[dict[str, str]], extracted: dict[str, tuple[DocumentReport, list[Page]]]
) -> None:
    for row in manifest:
        report, pages = extracted[row["file"]]
        notes = row["notes"]
        if (
            "no text layer" in notes
            and "scan" in notes.lower()
            and "of" not in notes.split("no text layer")[0][-12:]
        ):
            assert report.status == "needs_ocr", (row["file"], report.status, notes[:80])
        if "needs a user password" in notes:
            assert report.status == "encrypted"
        if "readable without password" in notes or "empty user password" in notes:
            assert report.status == "ok", row["file"]
        if "only text layer is the" in notes or "symbol soup" in notes:
            assert report.status == "needs_ocr", row["file"]
        if row["pages"] and report.status == "ok":
            assert report.pages == int(row["pages"]), row["file"]


def test_no_running_header_line_survives_on_more_than_two_pages(
    extracted: dict[str, tuple[DocumentReport, list[Page]]],
) -> None:
    offenders = {}
    checked = 0
    for f, (report, pages) in extracted.items():
        if report.status != "ok":
            continue
        for sig in running_lines_in_pdf(SHARED_CORPUS / f):
            checked += 1
            n = pages_containing(pages, sig)
            if n > 2:
                offenders.setdefault(f, {})[sig] = n
    assert checked > 50  # the corpus has many running headers: the check is not empty
    assert offenders == {}


def test_no_line_end_split_of_a_common_word_remains(
    extracted: dict[str, tuple[DocumentReport, list[Page]]],
) -> None:
    all_pages = [p for _r, pages in extracted.values() for p in pages]
    common = vocabulary(all_pages)
    assert split_words(all_pages, common) == []


def test_text_is_nfc_without_pdf_artefacts(
    extracted: dict[str, tuple[DocumentReport, list[Page]]],
) -> None:
    for f, (_r, pages) in extracted.items():
        for page in pages:
            assert unicodedata.is_normalized("NFC", page.text), (f, page.page)
            assert (
                "(cid:" not in page.text and "\ufb01" not in page.text and "\u00a0" not in page.text
            )
