"""What the pipeline commands share: their folder options, runners, readers and log filter.

``valpub run``, ``valpub serve`` and ``valpub extract`` take the same corpus, output and
sources options, task runners and page readers; they are declared once here (the default
folders themselves are in :mod:`flows.defaults`).
"""

from __future__ import annotations

import logging
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from flows.console import fail as _fail

CorpusOption = Annotated[
    str,
    typer.Option(
        help="Folder of PDFs (with manifest.csv), or its URL (https://…; s3://… with "
        "s3fs): each worker then reads the documents from there."
    ),
]
OutOption = Annotated[Path, typer.Option(help="Output folder.")]
SourcesOption = Annotated[
    Path | None,
    typer.Option(
        help="CSV of PDF URLs (see `valpub pull`): new and changed ones are downloaded "
        "into the corpus folder first."
    ),
]


class ReportedOnce(logging.Filter):
    """Drops Prefect's record (and traceback) of an error the command reports itself.

    Such an error is the user's input or machine to fix (a full disk, a broken lexicon),
    not a bug, and the command says it in one line. ``--verbose`` keeps the records.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep a record unless it carries an error the command reports itself."""
        from nlp.records.errors import NlpError

        error = record.exc_info[1] if record.exc_info else None
        return not isinstance(error, NlpError | OSError)


class Runner(StrEnum):
    """Task runners of `valpub run`."""

    process = "process"
    dask = "dask"


class Reader(StrEnum):
    """Page readers of `valpub run` and `valpub extract` (see nlp.extract.page_source)."""

    pdfplumber = "pdfplumber"
    pdfium = "pdfium"
    auto = "auto"


READER_HELP = (
    "Library that reads the PDF text: pdfplumber (the reference), pdfium (faster), or "
    "auto (pdfium, with pdfplumber for rotated pages, vertical text or unmapped glyphs)."
)


def check_corpus(corpus: str, sources: Path | None) -> Path | str:
    """The corpus folder (absolute) or URL; stop with a clear message when it cannot be.

    A pull creates the folder; a URL is checked when the run reads it.
    """
    from nlp.ingest.corpus import corpus_location

    location = corpus_location(corpus)
    if isinstance(location, str):
        if sources is not None:
            _fail(f"--sources downloads into a corpus folder; {corpus} is a URL")
        return location
    if sources is not None:
        if not sources.is_file():
            _fail(f"sources file {sources} does not exist")
        location.mkdir(parents=True, exist_ok=True)
    elif not location.is_dir():
        _fail(f"corpus folder {corpus} does not exist")
    return location
