"""The PDF behind a document, as a local file and as page images.

This module owns finding a document's PDF (inside the corpus folder, or fetched once
from a corpus URL into :data:`PDF_CACHE` in this machine's temporary directory), the
refusal of a file whose bytes are no longer those the run read (its SHA-256, computed
again only when the file changes), and the rendering of one page as a PNG image.
"""

from __future__ import annotations

import functools
import getpass
import hashlib
import shutil
import tempfile
from pathlib import Path

from nlp.extract.document import DEFAULT_MAX_BYTES
from nlp.ingest.corpus import document_url, fetch_document
from nlp.records.errors import FetchError, NlpError
from nlp.records.files import file_sha256

#: Where PDFs read from a corpus URL are kept while analysts look at their pages.
PDF_CACHE = Path(tempfile.gettempdir()) / f"valpub-review-pdfs-{getpass.getuser()}"


def pdf_path(corpus: Path | str, file: str, sha256: str = "") -> Path | None:
    """The PDF of a document as a local file, or ``None`` when it cannot be had.

    Inside the corpus folder; or, for a corpus URL (or a ``file`` that is a URL), fetched
    once into a folder of this machine's temporary directory. With ``sha256``, a file
    whose bytes are not those the run read is refused: its pages would not be the ones
    the sentences come from.
    """
    url = document_url(corpus, file)
    if url:
        path = _fetched(url)
    else:
        root = Path(corpus).resolve()
        path = (root / file).resolve()
        if not path.is_relative_to(root) or not path.is_file():
            return None
    if path is None or (sha256 and _digest(str(path), *_stamp(path)) != sha256):
        return None
    return path


def _stamp(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_mtime_ns, stat.st_size


@functools.lru_cache(maxsize=256)
def _digest(path: str, mtime_ns: int, size: int) -> str:
    """A file's SHA-256, computed again only when its time or size changes."""
    return file_sha256(Path(path))


def _fetched(url: str) -> Path | None:
    """The local copy of a remote PDF (fetched on first use; None if it cannot be)."""
    folder = PDF_CACHE / hashlib.sha256(url.encode("utf-8")).hexdigest()[:32]
    if not folder.is_dir():
        PDF_CACHE.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".fetch-", dir=PDF_CACHE))
        try:
            fetch_document(url, staging, DEFAULT_MAX_BYTES)
            staging.rename(folder)  # whole or not at all, even with two sessions at once
        except (FetchError, OSError):
            shutil.rmtree(staging, ignore_errors=True)
    return next(folder.glob("*.pdf"), None) if folder.is_dir() else None


def render_pdf_page(path: Path, page: int, scale: float = 1.5) -> bytes:
    """One page of a PDF as a PNG image (1-based ``page``).

    Raises:
        NlpError: the file cannot be read or has no such page.
    """
    import io

    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        raise NlpError(f"{path}: cannot open the PDF: {exc}") from exc
    try:
        if not 1 <= page <= len(pdf):
            raise NlpError(f"{path} has {len(pdf)} pages, not {page}")
        image = pdf[page - 1].render(scale=scale).to_pil()
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        return buffer.getvalue()
    finally:
        pdf.close()
