"""Where a sentence sits: a run's documents, pages and sentences in reading order.

This module owns the moves of the sentence and PDF-page views through a run: a
document's file name, the clean text of a page, the sentences of a document or of a page
in reading order, the sentences around one, the first labelled sentence (where a review
session starts) and the next labelled sentence an analyst has not judged yet. All are
plain functions over a :class:`review.run.Run` (and the store's judgements), without
Streamlit.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from nlp.results.store import pages_path, read_pages
from review.run import Run


def document_file(run: Run, sha256: str) -> str:
    """The corpus-relative file name of a document (its hash when unknown)."""
    docs = run.documents
    if not docs.empty and "sha256" in docs.columns:
        match = docs.loc[docs["sha256"] == sha256, "file"]
        if len(match):
            return str(match.iloc[0])
    rows = run.sentences.loc[run.sentences["doc_sha256"] == sha256, "file"]
    return str(rows.iloc[0]) if len(rows) else sha256


def page_text(out: Path, sha256: str, page: int) -> str | None:
    """The clean text of one page (``pages/<sha256>.jsonl``), or ``None``."""
    path = pages_path(out, sha256)
    if not path.is_file():
        return None
    for item in read_pages(path):
        if item.page == page:
            return item.text
    return None


def neighbours(run: Run, row: int, before: int = 2, after: int = 2) -> pd.DataFrame:
    """The sentences around ``row`` in its document (``row`` included), in reading order.

    A column ``offset`` gives each sentence's distance to ``row`` (negative before).
    """
    s = run.sentences
    rec = s.loc[row]
    same = s[s["doc_sha256"] == rec["doc_sha256"]]
    window = same[(same["seq"] >= rec["seq"] - before) & (same["seq"] <= rec["seq"] + after)]
    window = window.sort_values("seq").copy()
    window["offset"] = window["seq"] - rec["seq"]
    return window


def document_rows(run: Run, sha256: str) -> list[int]:
    """Row ids of a document's sentences, in reading order."""
    s = run.sentences
    return [int(i) for i in s[s["doc_sha256"] == sha256].sort_values("seq").index]


def first_labelled_row(run: Run) -> int | None:
    """The first body sentence carrying a label (where a review session can start)."""
    s = run.sentences
    labelled = s.index[s["labelled"]]
    if len(labelled):
        return int(labelled[0])
    return int(s.index[0]) if len(s) else None


def page_rows(run: Run, sha256: str, page: int) -> list[int]:
    """Row ids of the sentences of one page, in reading order."""
    s = run.sentences
    sel = s[(s["doc_sha256"] == sha256) & (s["page"] == page)]
    return [int(i) for i in sel.sort_values("seq").index]


def next_to_review(
    run: Run, judgements: pd.DataFrame, annotator: str, after: int | None = None
) -> int | None:
    """The next body sentence with a label that ``annotator`` has not judged yet.

    Searches in run order after ``after``, then from the start; ``None`` when every
    labelled sentence was judged.
    """
    s = run.sentences
    done: set[str] = set()
    if not judgements.empty:
        done = set(judgements.loc[judgements["annotator"] == annotator, "sentence_key"])
    labelled = [int(i) for i in s.index[s["labelled"] & ~s["key"].isin(done)]]
    if not labelled:
        return None
    later = [i for i in labelled if after is None or i > after]
    return later[0] if later else labelled[0]
