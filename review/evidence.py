"""The lexicon evidence of a sentence and the sentences behind a cell of the matrix.

This module owns what the app shows of why a sentence carries a label: its lexicon
matches (:class:`Hit`, parsed from the ``evidence`` column, offsets made relative to the
sentence), the sentence as HTML with the matched terms highlighted (the published form
when it conceals a private person), where each label came from (lexicon, classifier or
both) with the classifier's probability, and the evidence sentences of one territory and
label, strongest first, of which the app shows :data:`EVIDENCE_SHOWN` at first.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from review.run import Run, json_cell, labels_of

#: Evidence sentences shown at first for a cell (the rest on demand).
EVIDENCE_SHOWN = 10


@dataclass(frozen=True)
class Hit:
    """One lexicon match inside a sentence (offsets into the sentence text)."""

    scheme: str
    label: str
    entry_id: str
    surface: str
    start: int
    end: int


def sentence_hits(
    evidence: Any,
    offset: int,
    length: int,
    scheme: str | None = None,
    label: str | None = None,
) -> list[Hit]:
    """The lexicon matches of a sentence, from its ``evidence`` cell.

    Args:
        evidence: the JSON cell ``{scheme: {label: [[entry_id, surface, start, end]]}}``
            whose offsets are into the page text.
        offset: the sentence's ``start`` in the page, subtracted from the offsets.
        length: the sentence's length (matches are clipped to it).
        scheme: keep this scheme only.
        label: keep this label only.
    """
    out: list[Hit] = []
    for sch, found in json_cell(evidence).items():
        if scheme is not None and sch != scheme:
            continue
        for lab, hits in found.items():
            if label is not None and lab != label:
                continue
            for entry_id, surface, start, end in hits:
                a = max(0, min(length, int(start) - offset))
                b = max(a, min(length, int(end) - offset))
                out.append(Hit(sch, lab, str(entry_id), str(surface), a, b))
    return sorted(out, key=lambda h: (h.start, h.end, h.entry_id))


def row_hits(run: Run, row: int, scheme: str | None = None, label: str | None = None) -> list[Hit]:
    """The lexicon matches of sentence ``row``."""
    rec = run.sentences.loc[row]
    return sentence_hits(rec["evidence"], int(rec["start"]), len(str(rec["text"])), scheme, label)


def highlight_html(text: str, spans: Iterable[tuple[int, int, str]]) -> str:
    """``text`` as HTML with each ``(start, end, title)`` span in a ``<mark>``.

    Overlapping spans are merged (their titles joined); everything is escaped.
    """
    merged: list[list[Any]] = []
    for start, end, title in sorted(spans):
        if end <= start:
            continue
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
            if title not in merged[-1][2]:
                merged[-1][2].append(title)
        else:
            merged.append([start, end, [title]])
    parts: list[str] = []
    pos = 0
    for start, end, titles in merged:
        parts.append(html.escape(text[pos:start]))
        title = html.escape(" ; ".join(t for t in titles if t), quote=True)
        parts.append(f'<mark title="{title}">{html.escape(text[start:end])}</mark>')
        pos = end
    parts.append(html.escape(text[pos:]))
    return "".join(parts)


def sentence_html(run: Run, row: int, scheme: str | None = None, label: str | None = None) -> str:
    """The sentence as HTML, its matched terms highlighted (title: the entry ids).

    The app shows the published form, private persons concealed (see
    :mod:`nlp.language.pseudonymise`); a sentence that names none keeps its highlights.
    """
    text = str(run.sentences.at[row, "text"])
    shown = str(run.sentences.at[row, "published_text"])
    if shown != text:  # the offsets of the matches are into the original text
        return html.escape(shown)
    hits = row_hits(run, row, scheme, label)
    return highlight_html(text, [(h.start, h.end, h.entry_id) for h in hits])


def label_source(run: Run, row: int, scheme: str, label: str) -> str:
    """Where the run's label came from: ``lexicon``, ``classifier``, ``both`` or ``""``."""
    return str(json_cell(run.sentences.at[row, "sources"]).get(scheme, {}).get(label, ""))


def label_score(run: Run, row: int, scheme: str, label: str) -> float | None:
    """The classifier's probability for a label of sentence ``row`` (``None`` without one)."""
    value = json_cell(run.sentences.at[row, "scores"]).get(scheme, {}).get(label)
    return None if value is None else float(value)


def cell_evidence(run: Run, territory_code: str, scheme: str, label: str) -> pd.DataFrame:
    """The sentences behind one cell of the matrix: a territory's sentences with a label.

    They are the sentences the cell counts (headings included, flagged), strongest first
    as in the report's quotes: most distinct lexicon entries, then most matches, then
    reading order. Columns: ``row``, ``file``, ``page``, ``text``, ``is_heading``,
    ``entries``, ``hits``, ``terms``, ``source``, ``score``.
    """
    s = run.sentences
    mask = (s["territory_code"] == territory_code) & s[scheme].map(lambda v: label in labels_of(v))
    rows = []
    for i in s.index[mask]:
        hits = row_hits(run, int(i), scheme, label)
        rows.append(
            {
                "row": int(i),
                "file": str(s.at[i, "file"]),
                "page": int(s.at[i, "page"]),
                "start": int(s.at[i, "start"]),
                "text": str(s.at[i, "text"]),
                "is_heading": bool(s.at[i, "is_heading"]),
                "entries": len({h.entry_id for h in hits}),
                "hits": len(hits),
                "terms": ", ".join(sorted({h.surface for h in hits})),
                "source": label_source(run, int(i), scheme, label),
                "score": label_score(run, int(i), scheme, label),
            }
        )
    columns = [
        "row",
        "file",
        "page",
        "start",
        "text",
        "is_heading",
        "entries",
        "hits",
        "terms",
        "source",
        "score",
    ]
    frame = pd.DataFrame(rows, columns=columns)
    if frame.empty:
        return frame
    frame = frame.sort_values(
        ["entries", "hits", "file", "page", "start"],
        ascending=[False, False, True, True, True],
        kind="stable",
    )
    return frame.reset_index(drop=True)
