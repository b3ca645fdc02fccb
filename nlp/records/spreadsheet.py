"""CSV cells a spreadsheet cannot run: the OWASP rule against formula injection.

A cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read by
Excel and LibreOffice as a formula. Manifest titles, sentences and annotators' names come
from outside, so every text cell valpub writes to a CSV is neutralised by a leading
apostrophe, which spreadsheets show as text and do not display. Readers of valpub's own
CSVs (the annotation sheet, a pulled manifest) take the apostrophe off again.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a cell as a formula."""


def safe_cell(value: Any) -> Any:
    """The value to write in a CSV cell: text that could run as a formula gets a ``'``."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def read_cell(value: str) -> str:
    """The text :func:`safe_cell` neutralised, as it was."""
    if value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells (and text index) cannot run as formulas."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(safe_cell)
    if out.index.dtype == object or pd.api.types.is_string_dtype(out.index):
        out.index = out.index.map(safe_cell)
    out.columns = [safe_cell(c) for c in out.columns]
    return out
