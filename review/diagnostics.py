"""Lexicon diagnostics: which lexicon entries mislead the analysts, and where.

This module owns, for every entry of the lexicon files, its hits in the run (from the
``evidence`` column, parsed once into an index) and its precision on the reviewed
sentences, i.e. the share of the sentences it matched, among those whose scheme was
reviewed, where the reviewed labels keep the entry's label; when several analysts
judged the same sentence and scheme, the most recent judgement counts (see
:func:`review.judgements.reviewed_sets`). It also lists the sentences one entry matched
with the reviewed verdict on its label.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from nlp.language.lexicon import load_lexicons
from nlp.records.codebook import SCHEMES
from review.judgements import reviewed_sets
from review.run import DEFAULT_LEXICONS, Run, json_cell

DIAGNOSTIC_COLUMNS = [
    "scheme",
    "label",
    "entry_id",
    "occurrences",
    "sentences",
    "reviewed",
    "kept",
    "precision",
]


def lexicon_entries(lexicons: Path = DEFAULT_LEXICONS) -> list[tuple[str, str, str]]:
    """Every ``(scheme, label, entry_id)`` of the lexicon files, file order."""
    return [
        (lex.scheme, label.id, entry.id)
        for lex in load_lexicons(lexicons)
        for label, entry in lex.entries()
    ]


def evidence_index(run: Run) -> pd.DataFrame:
    """Every lexicon entry matched in every sentence, parsed once from ``evidence``.

    Columns: ``row``, ``key``, ``scheme``, ``label``, ``entry_id``, ``count`` (matches of
    the entry in the sentence); one row per sentence and entry, in run order.
    """
    records = []
    s = run.sentences
    for row, key, evidence in zip(s.index, s["key"], s["evidence"], strict=True):
        for scheme, found in json_cell(evidence).items():
            for label, hits in found.items():
                counts: dict[str, int] = {}
                for hit in hits:
                    counts[str(hit[0])] = counts.get(str(hit[0]), 0) + 1
                for entry_id, n in counts.items():
                    records.append((int(row), str(key), scheme, label, entry_id, n))
    return pd.DataFrame(records, columns=["row", "key", "scheme", "label", "entry_id", "count"])


def lexicon_diagnostics(
    run: Run,
    judgements: pd.DataFrame,
    entries: Sequence[tuple[str, str, str]] = (),
    index: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Hits and precision of every lexicon entry.

    Args:
        run: the run (its ``evidence`` column gives the hits).
        judgements: the store's judgements (:meth:`AnnotationStore.judgements`).
        entries: entries to list even without a hit (the lexicon files').
        index: :func:`evidence_index` of the run, when already computed.

    Returns:
        One row per entry: ``occurrences`` (matches in the run), ``sentences`` (sentences
        matched), ``reviewed`` (those whose scheme has a judgement), ``kept`` (reviewed
        ones whose judged labels keep the entry's label) and ``precision`` =
        ``kept / reviewed`` (NaN when nothing was reviewed). Ordered by scheme (codebook
        order), then occurrences, most first.
    """
    index = evidence_index(run) if index is None else index
    reviewed = reviewed_sets(judgements)
    stats: dict[tuple[str, str, str], list[int]] = {e: [0, 0, 0, 0] for e in entries}
    for key, scheme, label, entry_id, count in index[
        ["key", "scheme", "label", "entry_id", "count"]
    ].itertuples(index=False):
        row = stats.setdefault((scheme, label, entry_id), [0, 0, 0, 0])
        row[0] += int(count)
        row[1] += 1
        judged = reviewed.get((key, scheme))
        if judged is not None:
            row[2] += 1
            row[3] += label in judged
    order = {scheme: i for i, scheme in enumerate(SCHEMES)}
    frame = pd.DataFrame(
        [
            (scheme, label, entry_id, occ, sent, rev, kept, kept / rev if rev else math.nan)
            for (scheme, label, entry_id), (occ, sent, rev, kept) in stats.items()
        ],
        columns=DIAGNOSTIC_COLUMNS,
    )
    if frame.empty:
        return frame
    frame["_order"] = frame["scheme"].map(lambda x: order.get(x, len(order)))
    frame = frame.sort_values(["_order", "occurrences", "entry_id"], ascending=[True, False, True])
    return frame.drop(columns="_order").reset_index(drop=True)


def entry_sentences(
    run: Run, entry_id: str, judgements: pd.DataFrame, index: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The sentences an entry matched, with the reviewed verdict on its label.

    Columns: ``row``, ``scheme``, ``label``, ``text``, ``verdict`` (``kept``,
    ``rejected`` or ``""`` when not reviewed).
    """
    index = evidence_index(run) if index is None else index
    reviewed = reviewed_sets(judgements)
    rows = []
    for row, key, scheme, label in index.loc[
        index["entry_id"] == entry_id, ["row", "key", "scheme", "label"]
    ].itertuples(index=False):
        judged = reviewed.get((key, scheme))
        verdict = "" if judged is None else ("kept" if label in judged else "rejected")
        rows.append(
            {
                "row": int(row),
                "scheme": scheme,
                "label": label,
                "text": str(run.sentences.at[row, "text"]),
                "verdict": verdict,
            }
        )
    return pd.DataFrame(rows, columns=["row", "scheme", "label", "text", "verdict"])
