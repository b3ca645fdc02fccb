"""How far each label can be trusted, as measured on real sentences.

The model card of a classifier trained for real documents (``nlp.model.fitting``) holds, per
label, the precision, recall and F1 of its final labels on real sentences under
document-grouped cross-validation. Published outputs carry those figures next to each
label, and a label whose F1 is below :data:`RELIABLE_F1` (or was never measured, as for
labels from the lexicons alone) is *indicative*: shown greyed, not ranked, and left out
of the dominant type and of the similarity between territories, so that an analyst
never reads noise as a finding.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

RELIABLE_F1 = 0.6
"""The documented bar: a label whose measured F1 on real sentences is below it is
indicative only."""

MIN_RELIABLE_COMPARED = 3
"""Reliable labels needed to compare territories (similarity): with fewer, a cosine over
one or two labels says nothing, so no similarity is published."""

MIN_RELIABLE_DOMINANT = 2
"""Reliable public-value types needed to name one of them dominant."""

QUALITY_COLUMNS = ["precision", "recall", "f1", "reliable"]
"""Columns :func:`attach_quality` adds to a profile table."""


def label_quality(metrics: Mapping[str, Any] | None) -> dict[tuple[str, str], dict[str, Any]]:
    """Per (scheme, label), the measured figures and whether the label is reliable.

    Args:
        metrics: a model version's ``metrics.json`` (its ``quality`` block), or ``None``
            when no classifier was used.

    Returns:
        ``{(scheme, label): {"precision", "recall", "f1", "natural_precision",
        "reliable"}}``; empty when nothing was measured on real sentences.
    """
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for scheme, labels in ((metrics or {}).get("quality") or {}).items():
        for label, row in labels.items():
            f1 = row.get("f1")
            out[(scheme, label)] = {
                "precision": row.get("precision"),
                "recall": row.get("recall"),
                "f1": f1,
                "natural_precision": row.get("natural_precision"),
                "reliable": bool(f1 is not None and f1 >= RELIABLE_F1),
            }
    return out


def attach_quality(
    profiles: pd.DataFrame, quality: Mapping[tuple[str, str], Mapping[str, Any]]
) -> pd.DataFrame:
    """The profile table with each label's measured precision, recall, F1 and ``reliable``.

    A label without measured figures is not reliable (its values are NaN).
    """
    frame = profiles.copy()
    keys = list(zip(frame["scheme"], frame["label"], strict=True))
    for col in ("precision", "recall", "f1"):
        frame[col] = [
            float(quality[k][col]) if k in quality and quality[k][col] is not None else float("nan")
            for k in keys
        ]
    frame["reliable"] = [bool(quality.get(k, {}).get("reliable", False)) for k in keys]
    return frame


def reliable_columns(matrix: pd.DataFrame, profiles: pd.DataFrame) -> pd.DataFrame:
    """The columns (``scheme:label``) of a coding matrix whose label is reliable."""
    if "reliable" not in profiles:
        return matrix
    ok = {
        f"{s}:{lab}"
        for s, lab, r in zip(
            profiles["scheme"], profiles["label"], profiles["reliable"], strict=True
        )
        if r
    }
    return matrix[[c for c in matrix.columns if c in ok]]
