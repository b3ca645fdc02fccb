"""The tables a run publishes: their columns, in order, and how they are written.

``documents.parquet`` (and ``.csv``) has one row per document, ``sentences.parquet`` one
row per sentence; both are documented in ``outputs/README.md``. Tables are written
atomically (:func:`nlp.records.files.atomic_open`), as Parquet and as CSV for a French
spreadsheet. Kept apart from :mod:`nlp.records.files` so that what only writes files
(the extraction worker among them) does not load pandas.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from nlp.records.codebook import SCHEMES
from nlp.records.files import atomic_open
from nlp.records.spreadsheet import safe_frame

DOCUMENT_COLUMNS = [
    "file",
    "sha256",
    "territory_code",
    "territory_name",
    "territory_type",
    "title",
    "year",
    "pages",
    "pages_with_text",
    "pages_needing_ocr",
    "pages_ocr",
    "status",
    "reason",
    "bytes",
    "seconds",
    "extractor_version",
]

SENTENCE_COLUMNS = [
    "doc_sha256",
    "page",
    "start",
    "end",
    "text",
    "is_heading",
    "ocr",
    *SCHEMES,
    "sources",
    "scores",
    "evidence",
    "lexicon_versions",
    "model_version",
]


def write_table(rows: Iterable[dict[str, Any]], path: Path, columns: list[str]) -> pd.DataFrame:
    """Write rows as Parquet (``path``) and CSV beside it, atomically; return the frame.

    The CSV is made for a French Excel: UTF-8 with BOM, ``;`` separator, decimal comma.
    """
    frame = pd.DataFrame(list(rows), columns=columns)
    with atomic_open(path, "wb") as fh:
        frame.to_parquet(fh, index=False)
    write_csv_fr(frame, path.with_suffix(".csv"))
    return frame


def write_csv_fr(frame: pd.DataFrame, path: Path, index: bool = False) -> None:
    """Write a frame as CSV for a French Excel (BOM, ``;``, decimal comma), atomically.

    Text cells that a spreadsheet would run as a formula are neutralised
    (:mod:`nlp.records.spreadsheet`).
    """
    with atomic_open(path, "w") as fh:
        fh.write("\ufeff")
        # CRLF rows, so that a carriage return inside a cell is quoted, not a row break
        safe_frame(frame).to_csv(fh, sep=";", decimal=",", index=index, lineterminator="\r\n")


def write_frame(frame: pd.DataFrame, path: Path) -> None:
    """Write a data frame as Parquet, atomically."""
    with atomic_open(path, "wb") as fh:
        frame.to_parquet(fh, index=False)
