"""Extraction of our sample corpus compared with the text it was generated from.

The sample PDFs are made by corpus/make_samples.py from corpus/samples/*.yaml (loaded by
corpus/samples_text.py), so the expected text of every paragraph, heading, bullet item and
table cell is known exactly (pdfplumber's golden-text approach, without keeping copies of the
text).
"""

from __future__ import annotations

import re
import sys

import pytest

from nlp.extract.document import Page, extract_document
from nlp.extract.textclean import normalize_chars
from tests.paths import ROOT
from tests.realcorpus import surviving_running_lines

CORPUS = ROOT / "corpus"
sys.path.insert(0, str(CORPUS))
import make_samples  # noqa: E402
import samples_text as st  # noqa: E402


def expected(text: str) -> str:
    text = re.sub(r"\[\^\w+\]", "", text).replace("~", "")
    return normalize_chars(text).strip()


def units(block: object) -> list[str]:
    """The text units a block must come out as, one line each."""
    if isinstance(block, st.Para | st.Heading | st.Plain | st.Meta):
        return [expected(block.text)]
    if isinstance(block, st.Title):
        return [expected(block.text)] + ([expected(block.subtitle)] if block.subtitle else [])
    if isinstance(block, st.Bullets):
        return [expected(i) for i in block.items]
    if isinstance(block, st.Table):
        return [expected(c) for row in (block.header, *block.rows) for c in row if c.strip()]
    if isinstance(block, st.Columns):
        return [u for b in block.blocks for u in units(b)]
    return []


@pytest.fixture(scope="module")
def extracted() -> dict[str, list[Page]]:
    out = {}
    for doc in st.DOCUMENTS:
        pages: list[Page] = []
        report = extract_document(CORPUS / doc.path, pages.append)
        assert report.status == "ok", (doc.path, report.reason)
        assert report.pages == len(doc.pages)
        out[doc.path] = pages
    return out


DOCS = [d.path for d in st.DOCUMENTS]


@pytest.mark.parametrize("path", DOCS)
def test_every_unit_comes_out_as_one_line(extracted: dict[str, list[Page]], path: str) -> None:
    doc = next(d for d in st.DOCUMENTS if d.path == path)
    missing = []
    for page, blocks in zip(extracted[path], doc.pages, strict=True):
        lines = [ln.lstrip("•–- ").strip() for ln in page.text.split("\n")]
        for block in blocks:
            for unit in units(block):
                if unit.lstrip("•–- ").strip() not in lines:
                    missing.append((page.page, unit[:80]))
    assert not missing


@pytest.mark.parametrize("path", DOCS)
def test_running_headers_footers_and_page_numbers_are_gone(
    extracted: dict[str, list[Page]], path: str
) -> None:
    doc = next(d for d in st.DOCUMENTS if d.path == path)
    pages = extracted[path]
    assert surviving_running_lines(pages, edge=3) == {}
    if len(pages) > 1:
        for page in pages:
            assert expected(doc.header) not in page.text
            assert not re.search(rf"\b{page.page}\s*(/|sur)\s*{len(pages)}\b", page.text)


def test_every_line_end_split_is_repaired(extracted: dict[str, list[Page]]) -> None:
    wrong = []
    for doc in st.DOCUMENTS:
        _, reports = make_samples.render(doc)
        for page, rep in zip(extracted[doc.path], reports, strict=True):
            for left, right, hard in rep.breaks:
                word = (left if hard else left[:-1]) + right
                word = normalize_chars(word).rstrip(".,;:")
                if word not in page.text:
                    wrong.append((doc.path, page.page, left, right))
    assert not wrong


def test_two_columns_read_left_then_right(extracted: dict[str, list[Page]]) -> None:
    doc = st.DOCUMENTS[0]
    page_no, block = next(
        (n, b) for n, blocks in enumerate(doc.pages, 1) for b in blocks if isinstance(b, st.Columns)
    )
    text = extracted[doc.path][page_no - 1].text
    positions = [text.index(u) for u in units(block)]
    assert positions == sorted(positions)


def test_no_footnote_call_glued_to_a_word(extracted: dict[str, list[Page]]) -> None:
    for pages in extracted.values():
        for page in pages:
            assert not re.search(r"[^\W\d_]{3,}\d\b", page.text), page.text
