"""French formatting shared by the report and the review app: numbers, scheme titles, HTML.

How a figure is written for a French reader (:func:`fr_number`, decimal comma and thin
space), the exact value carried in ``data-value`` attributes (:func:`data_value`) so
that a test can compare a shown figure with its ``profiles.parquet`` cell, the French
titles of the schemes, and the small HTML helpers (escaping, attributes, colour scale)
that the report's charts (:mod:`nlp.results.report_charts`) and tables
(:mod:`nlp.results.report_tables`) are written with.
"""

from __future__ import annotations

import html
import math
from typing import Any

#: French titles of the schemes (section headings of the report).
SCHEME_TITLES = {
    "public_value": "Types de valeur publique",
    "coproduction": "Modes de coproduction",
    "governance": "Gouvernance",
    "pillar": "Piliers de la politique numérique",
    "helix": "Acteurs mobilisés (hélice)",
    "obstacle": "Obstacles",
}


def fr_number(value: float | None, digits: int = 1) -> str:
    """Format a number the French way (decimal comma, thin space between thousands)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    text = f"{value:,.{digits}f}"
    return text.replace(",", "\u202f").replace(".", ",")


def data_value(value: float | None) -> str:
    """The exact value written in ``data-value`` attributes (empty when missing)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return repr(float(value))


def esc(text: Any) -> str:
    """``text`` escaped for HTML text and attribute values."""
    return html.escape(str(text), quote=True)


def html_attrs(**values: Any) -> str:
    """HTML attributes from keyword arguments, underscores written as hyphens."""
    return " ".join(f'{k.replace("_", "-")}="{esc(v)}"' for k, v in values.items())


def shade(fraction: float) -> str:
    """A colour from pale to deep blue for a fraction in [0, 1]."""
    f = min(max(fraction, 0.0), 1.0)
    start, end = (244, 247, 251), (8, 69, 148)
    r, g, b = (round(a + (z - a) * f) for a, z in zip(start, end, strict=True))
    return f"#{r:02x}{g:02x}{b:02x}"
