"""PDF documents to clean page text, one page at a time, with a status per document.

This module owns the document level: checking a file before opening it, opening it
(empty password for "encrypted but readable" files) with the chosen reader
(:mod:`nlp.extract.page_source`: pdfplumber by default, or pdfium), streaming its
pages through the page geometry of :mod:`nlp.extract.layout`, the running-header
filter and the paragraph assembly of :mod:`nlp.extract.paragraphs`, and classifying
what went wrong. :class:`nlp.extract.process.Extractor` runs the work in a child
process that it kills when a document exceeds its time limit.

Statuses (the ``status`` of :class:`DocumentReport`) form a closed vocabulary:
:data:`STATUSES` maps each to what it means.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from nlp.extract.layout import Line, PageLayout
from nlp.extract.page_source import EXTRACTOR_CHOICES, PageSource
from nlp.extract.paragraphs import assemble_text, line_words
from nlp.extract.textclean import (
    RunningLineFilter,
    is_page_number,
    repair_inline_splits,
    running_signature,
    words_of,
)
from nlp.records.files import file_sha256

log = logging.getLogger(__name__)

#: Version of the extraction rules; stored outputs made by another version are redone.
EXTRACTOR_VERSION = "1.0.0"
#: Version of the pdfium word source (:mod:`nlp.extract.pdfium_words`), part of the pdfium and
#: auto extractors' versions.
PDFIUM_VERSION = "3"
DEFAULT_MAX_BYTES = 200 * 2**20
DEFAULT_TIMEOUT = 300.0

STATUSES: dict[str, str] = {
    "ok": "text extracted (some pages may still need OCR: see the reason)",
    "needs_ocr": "no usable text layer (a scan, or fonts without Unicode mapping): OCR needed",
    "ocr": "text obtained by OCR of page images",
    "encrypted": "the PDF needs a password to be opened",
    "not_pdf": "the file is not a PDF (e.g. an HTML page saved as .pdf)",
    "empty": "the file is empty, or the PDF has no page with text or images",
    "corrupt": "the PDF is truncated or damaged and could not be read (fully)",
    "timeout": "extraction exceeded the per-document time limit and was stopped",
    "too_large": "the file is larger than the configured maximum size",
    "failed": "an unexpected error; the reason gives it",
    "refused": "the manifest points outside the corpus (a path leaving its folder, or a URL "
    "whose scheme is not allowed): the file was never opened",
}

#: Below this many letters and digits a page counts as having no text.
MIN_PAGE_ALNUM = 20
#: A page mostly covered by images, with fewer letters than this, is a scan (some
#: scans carry only a transmission stamp as text).
SCAN_MAX_ALNUM = 200


@dataclass(frozen=True, slots=True)
class Page:
    """Clean text of one PDF page with its provenance.

    ``text`` holds one statement-level unit per line: paragraphs are joined into one
    line (line-end hyphenation repaired), while headings, bullet items and table cells
    each stand on their own line. Running headers, footers and page numbers are gone.
    """

    doc_sha256: str
    page: int  # 1-based page number in the PDF
    text: str
    needs_ocr: bool = False  # the page has no usable text layer
    ocr: bool = False  # the text comes from OCR, not from the PDF's text layer


@dataclass(slots=True)
class DocumentReport:
    """What happened to one document: status, human-readable reason, page counts."""

    path: str
    sha256: str
    bytes: int
    status: str = "ok"
    reason: str = ""
    pages: int = 0
    pages_with_text: int = 0
    pages_needing_ocr: int = 0
    pages_ocr: int = 0
    ocr_tried: bool = False  # Tesseract read the pages that needed it (whatever it found)
    seconds: float = 0.0
    extractor_version: str = EXTRACTOR_VERSION

    def as_dict(self) -> dict[str, Any]:
        """Return the report as a plain dict (for tables and JSON)."""
        return {k: getattr(self, k) for k in self.__slots__}


def extractor_version(extractor: str = "pdfplumber") -> str:
    """The version stored with an extraction made by ``extractor``.

    The page readers are those of :mod:`nlp.extract.page_source`.

    pdfplumber keeps the bare :data:`EXTRACTOR_VERSION`, so its stored extractions stay
    valid; ``pdfium`` and ``auto`` add their name, so that an extraction made with one
    reader is redone when another is asked for.
    """
    if extractor not in EXTRACTOR_CHOICES:
        raise ValueError(f"unknown extractor {extractor!r}: one of {EXTRACTOR_CHOICES}")
    if extractor == "pdfplumber":
        return EXTRACTOR_VERSION
    return f"{EXTRACTOR_VERSION}+{extractor}{PDFIUM_VERSION}"


def precheck(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> DocumentReport:
    """Check a file without parsing it: existence, size, and the PDF magic bytes.

    Returns a report whose status is ``ok`` when the file is worth opening.
    """
    path = Path(path)
    if not path.is_file():
        return DocumentReport(str(path), "", 0, "failed", "file not found")
    size = path.stat().st_size
    report = DocumentReport(str(path), "", size)
    if size == 0:
        report.status, report.reason = "empty", "the file is empty (0 bytes)"
        return report
    report.sha256 = file_sha256(path)
    if size > max_bytes:
        report.status = "too_large"
        report.reason = f"{size / 2**20:.1f} MiB, over the {max_bytes / 2**20:.0f} MiB limit"
        return report
    with path.open("rb") as fh:
        head = fh.read(1024)
    if b"%PDF-" not in head:
        # what the file is, never its bytes: they may be anything the manifest pointed at
        report.status = "not_pdf"
        report.reason = f"no %PDF- header: {file_kind(head)}"
    return report


def file_kind(head: bytes) -> str:
    """What a file's first bytes say it is, in words (never the bytes themselves)."""
    low = head.lstrip().lower()
    signatures = (
        (b"pk\x03\x04", "a ZIP archive (or an office document)"),
        (b"\x89png", "a PNG image"),
        (b"\xff\xd8\xff", "a JPEG image"),
        (b"gif8", "a GIF image"),
        (b"\xd0\xcf\x11\xe0", "an old Microsoft Office document"),
        (b"{\\rtf", "an RTF document"),
        (b"\x1f\x8b", "a gzip archive"),
    )
    for magic, kind in signatures:
        if low.startswith(magic):
            return kind
    if b"<html" in low or b"<!doctype" in low:
        return "an HTML page"
    if low.startswith(b"<?xml") or low.startswith(b"<"):
        return "an XML or HTML document"
    if b"\x00" in head:
        return "binary data"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 3:  # not a character cut at the end of the sample
            return "binary data"
    return "a text file"


def iter_pages(
    path: Path,
    doc_sha256: str,
    report: DocumentReport | None = None,
    password: str = "",
    ocr: bool = False,
    extractor: str = "pdfplumber",
) -> Iterator[Page]:
    """Yield the clean pages of a PDF, in order, holding only a few pages at a time.

    Runs in the calling process, with no time limit (see
    :class:`nlp.extract.process.Extractor`). Raises the PDF library's exceptions;
    :func:`classify_error` names them. When ``report`` is given, page counts and
    per-page problems are recorded in it. With ``ocr``, pages without a usable text
    layer are read by Tesseract (see :mod:`nlp.extract.ocr`) when it is installed; their
    ``ocr`` flag says so. ``extractor`` chooses the library that reads the characters
    (:data:`nlp.extract.page_source.EXTRACTOR_CHOICES`).
    """
    report = report if report is not None else DocumentReport(str(path), doc_sha256, 0)
    report.extractor_version = extractor_version(extractor)
    reader = _ocr_reader(path, password) if ocr else None
    report.ocr_tried = reader is not None
    try:
        for page in _iter_layout_pages(path, doc_sha256, report, password, extractor):
            if reader is not None and page.needs_ocr:
                text = reader.read(page.page)
                # a picture without words (a plan, a photo) stays a page without text
                if sum(ch.isalnum() for ch in text) >= MIN_PAGE_ALNUM:
                    page = replace(page, text=text, needs_ocr=False, ocr=True)
                    report.pages_ocr += 1
                    report.pages_needing_ocr -= 1
            yield page
    finally:
        if reader is not None:
            reader.close()


def _ocr_reader(path: Path, password: str) -> Any:
    """A page reader, or None where OCR cannot run (the run says so once, at its end)."""
    from nlp.extract.ocr import PageReader, ocr_unavailable

    return None if ocr_unavailable() else PageReader(path, password)


def _iter_layout_pages(
    path: Path, doc_sha256: str, report: DocumentReport, password: str, extractor: str
) -> Iterator[Page]:
    with PageSource(path, password, extractor) as source:
        n_pages = source.n_pages
        report.pages = n_pages
        filt: RunningLineFilter[tuple[int, list[Line], float, int]] = RunningLineFilter()
        vocabulary: Counter[str] = Counter()
        bad_pages: list[int] = []

        def emit(item: tuple[int, list[Line], float, int], running: set[str]) -> Page:
            number, lines, coverage, n_chars = item
            kept = [ln for ln in (_strip_running(ln, running) for ln in lines) if ln is not None]
            text = repair_inline_splits(assemble_text(kept, vocabulary), vocabulary)
            alnum = sum(ch.isalnum() for ch in text)
            scan = coverage >= 0.5 and alnum < SCAN_MAX_ALNUM
            pictured = coverage >= 0.1 and alnum < MIN_PAGE_ALNUM
            unmapped = n_chars > 0 and alnum == 0  # glyphs without a Unicode mapping
            needs_ocr = scan or pictured or unmapped or _garbled(text)
            report.pages_with_text += 1 if alnum and not needs_ocr else 0
            report.pages_needing_ocr += 1 if needs_ocr else 0
            return Page(doc_sha256, number, text, needs_ocr=needs_ocr)

        for number in range(1, n_pages + 1):
            try:
                layout: PageLayout | None = source.layout(number)
            except Exception as exc:  # one broken page must not lose the others
                log.warning("%s: page %d unreadable: %s", path, number, exc)
                bad_pages.append(number)
                layout = None
            lines = layout.lines if layout else []
            coverage = layout.image_coverage if layout else 0.0
            n_chars = layout.n_chars if layout else 0
            vocabulary.update(line_words(lines))
            sigs = [key for ln in lines if ln.margin for key in _running_keys(ln, spread=True)]
            for item, running in filt.push((number, lines, coverage, n_chars), sigs):
                yield emit(item, running)
        for item, running in filt.flush():
            yield emit(item, running)
        if bad_pages:
            report.reason = _join(report.reason, f"pages {bad_pages} could not be parsed")


def _running_keys(line: Line, spread: bool = False) -> list[str]:
    """Keys under which a margin line and its segments are compared across pages.

    A key holds a signature and a place (zone and 4-pt slot), because a running header
    sits at about the same place on every page, while body text that happens to repeat
    ("Adopté à l'unanimité") does not. The first key is the whole line's, then one per
    segment: "Ville de X   Conseil du 8 juin   12" is recognised whole, and its parts
    also when another page splits it differently. With ``spread``, the keys of the
    neighbouring slots are given too, so that a 1-pt shift still matches.
    """
    zone, slot = line.anchor
    slots = (slot - 1, slot, slot + 1) if spread else (slot,)
    parts = (line.text, *line.segments) if len(line.segments) > 1 else (line.text,)
    return [f"{running_signature(part)}|{zone}{s}" for part in parts for s in slots]


def _strip_running(line: Line, running: set[str]) -> Line | None:
    """Drop the running (header/footer) and page-number parts of a margin line."""
    if not line.margin:
        return line
    whole, *parts = _running_keys(line)
    if whole in running or is_page_number(line.text):
        return None
    if not parts:
        return line
    kept = [
        seg
        for seg, key in zip(line.segments, parts, strict=True)
        if not (key in running or is_page_number(seg))
    ]
    if not kept:
        return None
    if len(kept) == len(line.segments):
        return line
    return replace(line, text=" ".join(kept), segments=tuple(kept))


def _garbled(text: str) -> bool:
    """Tell whether a text layer is symbol soup (fonts without a usable Unicode map)."""
    words = list(words_of(text))
    if len(words) < 8:
        return False
    long_words = sum(1 for w in words if len(w) >= 3)
    return long_words / len(words) < 0.25


def _join(*parts: str) -> str:
    return "; ".join(p for p in parts if p)


def classify_error(exc: BaseException) -> tuple[str, str]:
    """Map an exception raised while reading a PDF to a (status, reason) pair."""
    inner = exc.args[0] if exc.args and isinstance(exc.args[0], BaseException) else exc
    name = type(inner).__name__
    if name in {"PDFPasswordIncorrect", "PDFEncryptionError", "PDFEncryptionWarning"}:
        return "encrypted", "the PDF is encrypted and the empty password does not open it"
    if name in {"PDFSyntaxError", "PSEOF", "PDFNoValidXRef", "PSSyntaxError", "PDFTypeError"}:
        detail = str(inner) or name
        return "corrupt", f"the PDF structure is damaged or truncated ({name}: {detail[:120]})"
    if isinstance(inner, MemoryError):
        return "failed", "ran out of memory"
    return "failed", f"{name}: {str(inner)[:200]}"


def finish_report(report: DocumentReport, path: Path) -> DocumentReport:
    """Set the final status of a report once all pages went through."""
    if report.status != "ok":
        return report
    if report.pages_ocr:
        report.status = "ocr"
        report.reason = _join(
            report.reason, f"{report.pages_ocr} of {report.pages} pages read by OCR (Tesseract)"
        )
    if report.pages == 0:
        report.status, report.reason = "empty", _join(report.reason, "the PDF has no pages")
    elif report.pages_with_text == 0 and not report.pages_ocr:
        if report.pages_needing_ocr:
            report.status = "needs_ocr"
            report.reason = _join(
                report.reason, f"none of the {report.pages} pages has a usable text layer"
            )
        else:
            report.status = "empty"
            report.reason = _join(report.reason, "no page has text or images")
    elif report.pages_needing_ocr:
        report.reason = _join(
            report.reason,
            f"{report.pages_needing_ocr} of {report.pages} pages have no usable text layer",
        )
    if report.status in {"ok", "ocr"} and not _has_eof(path):
        report.status = "corrupt"
        report.reason = _join(
            report.reason, f"the file is truncated (no %%EOF); {report.pages} pages could be read"
        )
    return report


def _has_eof(path: Path) -> bool:
    with path.open("rb") as fh:
        fh.seek(max(0, path.stat().st_size - 2048))
        return b"%%EOF" in fh.read()


def extract_document(
    path: Path,
    on_page: Callable[[Page], None],
    max_bytes: int = DEFAULT_MAX_BYTES,
    ocr: bool = False,
    extractor: str = "pdfplumber",
) -> DocumentReport:
    """Extract a document in this process, passing each page to ``on_page``.

    No time limit: use :class:`nlp.extract.process.Extractor` for untrusted batches.
    """
    start = time.perf_counter()
    report = precheck(Path(path), max_bytes)
    report.extractor_version = extractor_version(extractor)
    if report.status == "ok":
        try:
            for page in iter_pages(Path(path), report.sha256, report, ocr=ocr, extractor=extractor):
                on_page(page)
        except Exception as exc:
            report.status, reason = classify_error(exc)
            report.reason = _join(reason, report.reason)
        finish_report(report, Path(path))
    report.seconds = time.perf_counter() - start
    return report
