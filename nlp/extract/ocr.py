"""Optional OCR of page images with Tesseract (French), for scans without a text layer.

Used by default where the Tesseract program and its French data are installed
(Debian: ``apt-get install tesseract-ocr tesseract-ocr-fra``); pytesseract, which
drives it, is a dependency of valpub. Pages are rendered with pypdfium2, which
pdfplumber already depends on.
"""

from __future__ import annotations

import functools
import re
import shutil
from pathlib import Path
from typing import Any

from nlp.extract.textclean import continue_line, normalize_chars

DEFAULT_DPI = 300
LANGUAGE = "fra"
#: Tesseract's OpenMP threads for one page (``OMP_THREAD_LIMIT`` of the processes that
#: run it; :class:`nlp.extract.process.Extractor` gives it to its children unless the
#: environment has one). Its default (up to four) takes four to five times longer for
#: the same text on a two-core machine, its threads spinning against each other and
#: against valpub's other worker processes, which already read documents in parallel.
OMP_THREADS = "1"
#: What installs everything OCR needs, said once at the end of a run that needed it.
INSTALL_HINT = (
    "To read them: sudo apt-get install tesseract-ocr tesseract-ocr-fra "
    "(Debian, Ubuntu), then run again"
)


@functools.cache
def ocr_unavailable() -> str | None:
    """Return why OCR cannot run here, or None when it can.

    Asked once per process: the answer runs Tesseract, and every document asks.
    """
    try:
        import pytesseract
    except ImportError:
        return "pytesseract is not installed (pip install pytesseract)"
    if shutil.which("tesseract") is None:
        return "the Tesseract program is not installed"
    try:
        languages = pytesseract.get_languages(config="")
    except Exception as exc:  # tesseract present but broken
        return f"tesseract does not run: {exc}"
    if LANGUAGE not in languages:
        return "Tesseract has no French data"
    return None


class PageReader:
    """Render and read pages of one PDF; open it once, close it with :meth:`close`."""

    def __init__(self, path: Path, password: str = "", dpi: int = DEFAULT_DPI) -> None:
        import pypdfium2

        self._pdf: Any = pypdfium2.PdfDocument(str(path), password=password or None)
        self._scale = dpi / 72

    def read(self, number: int) -> str:
        """OCR page ``number`` (1-based); return clean text, one paragraph per line."""
        import pytesseract

        page = self._pdf[number - 1]
        try:
            image = page.render(scale=self._scale, grayscale=True).to_pil()
        finally:
            page.close()
        raw = pytesseract.image_to_string(image, lang=LANGUAGE)
        return tesseract_text(raw)

    def close(self) -> None:
        """Release the document."""
        self._pdf.close()


def tesseract_text(raw: str) -> str:
    """Tesseract's output (blank lines between paragraphs) to valpub's page text."""
    paragraphs = []
    for block in re.split(r"\n\s*\n", normalize_chars(raw)):
        text = ""
        for line in block.split("\n"):
            if line.strip():
                text = continue_line(text, line.strip())
        if text:
            paragraphs.append(text)
    return "\n".join(paragraphs)
