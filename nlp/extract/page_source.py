"""Which library reads a PDF's pages: pdfplumber, pdfium, or pdfium with pdfplumber where needed.

Every choice ends in the same :func:`nlp.extract.layout.page_layout`, so columns, tables,
footnote calls, running lines and hyphenation follow one set of rules; only the source
of the words differs:

- ``pdfplumber`` (the default and the reference): pdfminer parses every page.
- ``pdfium``: pdfium's characters, grouped into words as pdfplumber does, and its
  paths, from which pdfplumber's table finder finds ruled tables
  (:mod:`nlp.extract.pdfium_words`); pdfplumber never parses the page.
- ``auto``: pdfium, except on the pages :func:`nlp.extract.pdfium_words.doubts` flags
  (rotated, vertical text, glyphs without Unicode), which pdfplumber reads whole.

A document that pdfium cannot open is read by pdfplumber, whose errors
:func:`nlp.extract.document.classify_error` knows how to name.
"""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path
from types import TracebackType
from typing import Any

from nlp.extract.layout import PageLayout, page_layout

log = logging.getLogger(__name__)

#: The page readers, the first one being the default.
EXTRACTOR_CHOICES = ("pdfplumber", "pdfium", "auto")


class PageSource:
    """An open PDF whose pages are read one at a time into :class:`PageLayout`.

    Use it as a context manager. ``readers`` counts the pages each library read
    (``"pdfplumber: <reason>"`` for the pages ``auto`` gave back to pdfplumber).
    """

    def __init__(self, path: Path, password: str = "", extractor: str = "pdfplumber") -> None:
        if extractor not in EXTRACTOR_CHOICES:
            raise ValueError(f"unknown extractor {extractor!r}: one of {EXTRACTOR_CHOICES}")
        self.path, self.password, self.extractor = Path(path), password, extractor
        self.readers: Counter[str] = Counter()
        self._plumber: Any = None
        self._pdfium: Any = None
        if extractor != "pdfplumber":
            self._pdfium = _open_pdfium(self.path, password)
        if self._pdfium is None:
            self._plumber = self._open_plumber()
            self.n_pages = len(self._plumber.pages)
        else:
            self.n_pages = len(self._pdfium)

    def __enter__(self) -> PageSource:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Release both libraries' documents."""
        if self._pdfium is not None:
            self._pdfium.close()
            self._pdfium = None
        if self._plumber is not None:
            self._plumber.close()
            self._plumber = None

    def layout(self, number: int) -> PageLayout:
        """The layout of page ``number`` (1-based); raises when the page cannot be read."""
        if self._pdfium is None:
            self.readers["pdfplumber"] += 1
            return self._plumber_layout(number)
        from nlp.extract.pdfium_words import doubts, read_page

        page = self._pdfium[number - 1]
        try:
            words = read_page(page)
            why = doubts(words) if self.extractor == "auto" else ""
            if why:
                self.readers[f"pdfplumber: {why}"] += 1
                return self._plumber_layout(number)
            self.readers["pdfium"] += 1
            return page_layout(words)
        finally:
            page.close()

    def _open_plumber(self) -> Any:
        import pdfplumber

        return pdfplumber.open(self.path, password=self.password)

    def _plumber_page(self, number: int) -> Any:
        if self._plumber is None:
            self._plumber = self._open_plumber()
        return self._plumber.pages[number - 1]

    def _plumber_layout(self, number: int) -> PageLayout:
        page = self._plumber_page(number)
        try:
            return page_layout(page)
        finally:
            self._release(page, number)

    def _release(self, page: Any, number: int) -> None:
        page.close()
        # pdfplumber caches every parsed page on the document: drop it.
        self._plumber.pages[number - 1] = None


def _open_pdfium(path: Path, password: str) -> Any:
    """The document opened by pdfium, or None when pdfium cannot open it."""
    import pypdfium2

    try:
        return pypdfium2.PdfDocument(str(path), password=password or None)
    except pypdfium2.PdfiumError as exc:
        log.info("%s: pdfium cannot open it (%s); pdfplumber reads it", path, exc)
        return None
