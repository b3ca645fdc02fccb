"""The coding matrix and the territories' profiles, in the shape the app draws them.

This module owns what the matrix and territory views take from the run's
``coding_matrix.csv`` and ``profiles.parquet``: the matrix as one row per cell with its
colour intensity (relative to the largest value of its scheme, as in the report), a
territory's profile rows, the labels the profiles mark as indicative rather than
reliable, and a measured precision or recall written in French.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from review.run import Run


def matrix_long(run: Run) -> pd.DataFrame:
    """The coding matrix as one row per cell, for the heatmap.

    Columns: ``territory_code``, ``territory_name``, ``scheme``, ``label``,
    ``label_name``, ``cell`` (``scheme:label``), ``per_1000`` and ``intensity`` (the
    value over the largest of its scheme, the colour scale of the report).
    """
    rows = []
    for code in run.matrix.index:
        for info in run.labels:
            col = f"{info.scheme}:{info.id}"
            if col not in run.matrix.columns:
                continue
            rows.append(
                {
                    "territory_code": str(code),
                    "territory_name": run.territories.get(str(code), str(code)),
                    "scheme": info.scheme,
                    "label": info.id,
                    "label_name": info.name,
                    "cell": col,
                    "per_1000": float(run.matrix.at[code, col]),
                }
            )
    frame = pd.DataFrame(
        rows,
        columns=[
            "territory_code",
            "territory_name",
            "scheme",
            "label",
            "label_name",
            "cell",
            "per_1000",
        ],
    )
    peak = frame.groupby("scheme")["per_1000"].transform("max").replace(0.0, 1.0)
    frame["intensity"] = (frame["per_1000"] / peak).fillna(0.0)
    return frame


def quality_text(value: Any) -> str:
    """A measured precision or recall as French text (``non mesurée`` when absent)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "non mesurée"
    return f"{float(value):.2f}".replace(".", ",")


def indicative_labels(run: Run) -> list[str]:
    """Names of the labels the run's profiles mark as indicative (not reliable)."""
    p = run.profiles
    if p.empty or "reliable" not in p:
        return []
    rows = p[(p["level"] == "territory") & ~p["reliable"].astype(bool)]
    pairs = zip(rows["scheme"], rows["label"], strict=True)
    return list(dict.fromkeys(run.label_name(s, lab) for s, lab in pairs))


def territory_rows(run: Run, territory_code: str, scheme: str | None = None) -> pd.DataFrame:
    """A territory's profile rows (territory level), codebook order."""
    p = run.profiles
    if p.empty:
        return p
    rows = p[(p["level"] == "territory") & (p["territory_code"] == territory_code)]
    if scheme is not None:
        rows = rows[rows["scheme"] == scheme]
    return rows.reset_index(drop=True)
