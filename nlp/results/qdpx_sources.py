"""The sources of a REFI-QDA export: a run's documents, their text and the PDFs to embed.

Each document with stored page text becomes a source of the project: its text
representation joins the pages in page order, each page preceded by a marker line
(:data:`PAGE_MARKER`) and pages separated by :data:`PAGE_SEPARATOR`, so that a
sentence's page offsets map to positions in it; its PDF is embedded when the corpus
still holds the bytes the run read (a PDF named by URL is fetched first).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from nlp.extract.document import Page
from nlp.ingest.corpus import document_url, fetch_document
from nlp.records.errors import FetchError
from nlp.records.files import file_sha256

#: Line that starts each page in a text representation (``n`` = 1-based page number).
PAGE_MARKER = "[page {n}]\n"
#: Text between the end of a page and the marker of the next one.
PAGE_SEPARATOR = "\n\n"
#: Largest PDF fetched from a URL to be embedded (``valpub run``'s default limit).
MAX_EMBEDDED_BYTES = 200 * 2**20


@dataclass(frozen=True)
class SourceDocument:
    """A document of the run, as the export describes it."""

    file: str
    sha256: str
    territory_code: str
    territory_name: str
    territory_type: str
    title: str
    year: int | None
    status: str


def representation_text(pages: Iterable[Page]) -> tuple[str, dict[int, int]]:
    """Join a document's pages into its text representation.

    Returns:
        The text, and for each page number the offset where that page's text starts
        in it (after its :data:`PAGE_MARKER` line).
    """
    parts: list[str] = []
    offsets: dict[int, int] = {}
    length = 0
    for n, page in enumerate(sorted(pages, key=lambda p: p.page)):
        head = (PAGE_SEPARATOR if n else "") + PAGE_MARKER.format(n=page.page)
        offsets[page.page] = length + len(head)
        parts += [head, page.text]
        length += len(head) + len(page.text)
    return "".join(parts), offsets


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return str(value)


def _year(value: Any) -> int | None:
    try:
        return None if value is None or pd.isna(value) else int(value)
    except (TypeError, ValueError):
        return None


def source_documents(documents: pd.DataFrame) -> list[SourceDocument]:
    """The rows of ``documents.parquet`` as :class:`SourceDocument` s, sorted by file."""
    rows = []
    for r in documents.to_dict("records"):
        rows.append(
            SourceDocument(
                file=_text(r.get("file")),
                sha256=_text(r.get("sha256")),
                territory_code=_text(r.get("territory_code")) or "unknown",
                territory_name=_text(r.get("territory_name")),
                territory_type=_text(r.get("territory_type")),
                title=_text(r.get("title")),
                year=_year(r.get("year")),
                status=_text(r.get("status")),
            )
        )
    return sorted(rows, key=lambda d: d.file)


def pdf_to_embed(
    corpus: Path | str, doc: SourceDocument, folder: Path
) -> tuple[Path, None] | tuple[None, str]:
    """The document's PDF as a local file, or why it cannot be embedded.

    A PDF named by URL (a corpus URL, or a manifest ``file`` that is a URL) is fetched
    into ``folder``. Either way its bytes must still be those the run read.
    """
    url = document_url(corpus, doc.file)
    if url:
        folder.mkdir(parents=True, exist_ok=True)
        try:
            path = fetch_document(url, folder, MAX_EMBEDDED_BYTES)
        except FetchError as exc:
            return None, str(exc)
        where = url
    else:
        path = Path(corpus) / doc.file
        if not path.is_file():
            return None, f"not found in the corpus ({path})"
        where = str(path)
    if doc.sha256 and file_sha256(path) != doc.sha256:
        return None, f"{where} changed since the run (SHA-256 differs)"
    return path, None
