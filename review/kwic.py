"""Keyword in context over a run's sentences, insensitive to case and accents.

This module owns the folding of text for search (:func:`fold`: lower case, accents
removed, ``œ`` to ``oe``, typographic apostrophes to ``'``, one character at a time so
that :func:`fold_map` maps a folded position back to the original text) and the search
itself (:func:`kwic`), which reads the ``folded`` column that :func:`review.run.load_run`
adds to the sentences and returns each occurrence with its left and right context.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:  # review.run folds the sentences with this module when it loads a run
    from review.run import Run

_SPECIAL_FOLDS = {"œ": "oe", "æ": "ae", "ß": "ss", "’": "'", "ʼ": "'", "‘": "'"}
_FOLD_TABLE: dict[int, str] = {}


def _fold_char(char: str) -> str:
    low = char.lower()
    low = "".join(_SPECIAL_FOLDS.get(c, c) for c in low)
    decomposed = unicodedata.normalize("NFKD", low)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def fold(text: str) -> str:
    """Case- and accent-insensitive form of ``text`` for searching.

    Each character folds on its own (lower case, accents removed, ``œ`` to ``oe``,
    typographic apostrophes to ``'``), so a position in the folded text maps back to
    the original character it came from (see :func:`fold_map`).
    """
    missing = {c for c in text if ord(c) not in _FOLD_TABLE}
    for char in missing:
        _FOLD_TABLE[ord(char)] = _fold_char(char)
    return text.translate(_FOLD_TABLE)


def fold_map(text: str) -> list[int]:
    """For each position of ``fold(text)``, the position in ``text`` it comes from.

    The list has one more item, ``len(text)``, so that an end offset maps too.
    """
    fold(text)
    positions: list[int] = []
    for i, char in enumerate(text):
        positions.extend([i] * len(_FOLD_TABLE[ord(char)]))
    positions.append(len(text))
    return positions


def kwic(
    run: Run,
    query: str,
    width: int = 60,
    whole_word: bool = False,
    territories: Sequence[str] = (),
    limit: int = 1000,
) -> pd.DataFrame:
    """Every occurrence of ``query`` in the run's sentences, as keyword in context.

    Matching ignores case and accents ("Données" finds "donnees", "coûts" finds
    "COUTS"). Columns: ``row``, ``territory_name``, ``file``, ``page``, ``left``,
    ``match`` (the text as written), ``right``; at most ``limit`` rows, in run order.
    """
    columns = ["row", "territory_name", "file", "page", "left", "match", "right"]
    needle = fold(query.strip())
    if not needle:
        return pd.DataFrame(columns=columns)
    pattern = re.escape(needle)
    if whole_word:
        pattern = rf"(?<!\w){pattern}(?!\w)"
    regex = re.compile(pattern)
    s = run.sentences
    if territories:
        s = s[s["territory_code"].isin(list(territories))]
    candidates = s[s["folded"].str.contains(needle, regex=False)]
    rows: list[dict[str, Any]] = []
    for i in candidates.index:
        text = str(s.at[i, "text"])
        positions = fold_map(text)
        for m in regex.finditer(str(s.at[i, "folded"])):
            a, b = positions[m.start()], positions[m.end() - 1] + 1
            rows.append(
                {
                    "row": int(i),
                    "territory_name": str(s.at[i, "territory_name"]),
                    "file": str(s.at[i, "file"]),
                    "page": int(s.at[i, "page"]),
                    "left": text[max(0, a - width) : a],
                    "match": text[a:b],
                    "right": text[b : b + width],
                }
            )
            if len(rows) >= limit:
                return pd.DataFrame(rows, columns=columns)
    return pd.DataFrame(rows, columns=columns)
