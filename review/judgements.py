"""The analysts' judgements: one click of the app, and the labels it leaves.

The decisions live in the annotation store (:mod:`nlp.annotation.store`); this module owns
their meaning for the app. One click is one :class:`nlp.annotation.judgement.Judgement`: the
analyst accepts, rejects or adds one label of one scheme of one sentence
(:data:`ACTIONS`), and the judgement carries the complete resulting label set of that
scheme, so that the store alone says what the sentence's labels are. A sentence's labels
as the analyst sees them are the run's labels of each scheme, replaced by the analyst's
latest judgement of that scheme when there is one; across analysts, the most recent
judgement of a sentence and scheme is its reviewed label set.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from nlp.annotation.judgement import Judgement
from nlp.records.codebook import CODEBOOK_LABELS, SCHEMES
from nlp.records.errors import NlpError
from review.run import Run, labels_of

#: Actions an analyst can take on one label (``set`` is for imports, not clicks).
ACTIONS = ("accept", "reject", "add")


def _ordered(judgements: pd.DataFrame) -> pd.DataFrame:
    """Judgements oldest first (by time, then row id)."""
    keys = [c for c in ("at", "id") if c in judgements.columns]
    return judgements.sort_values(keys, kind="stable") if keys else judgements


def reviewed_sets(judgements: pd.DataFrame) -> dict[tuple[str, str], tuple[str, ...]]:
    """``(sentence_key, scheme)`` -> reviewed labels: the most recent judgement, any analyst."""
    if judgements.empty:
        return {}
    out: dict[tuple[str, str], tuple[str, ...]] = {}
    for key, scheme, labels in _ordered(judgements)[
        ["sentence_key", "scheme", "labels"]
    ].itertuples(index=False):
        out[(str(key), str(scheme))] = labels_of(labels)
    return out


def analyst_judgements(judgements: pd.DataFrame, key: str, annotator: str) -> dict[str, pd.Series]:
    """Scheme -> the analyst's latest judgement (a row of the store) of sentence ``key``."""
    if judgements.empty:
        return {}
    mine = judgements[(judgements["sentence_key"] == key) & (judgements["annotator"] == annotator)]
    return {str(rec["scheme"]): rec for _, rec in _ordered(mine).iterrows()}


def run_labels(run: Run, row: int) -> dict[str, tuple[str, ...]]:
    """The labels the run gave sentence ``row``, per scheme."""
    rec = run.sentences.loc[row]
    return {scheme: labels_of(rec[scheme]) for scheme in SCHEMES}


def current_labels(
    run: Run, row: int, judgements: pd.DataFrame, annotator: str
) -> dict[str, tuple[str, ...]]:
    """The labels the analyst sees: the run's, replaced per scheme by their latest judgement."""
    labels = run_labels(run, row)
    for scheme, rec in analyst_judgements(
        judgements, str(run.sentences.at[row, "key"]), annotator
    ).items():
        labels[scheme] = labels_of(rec["labels"])
    return labels


def apply_action(current: Sequence[str], scheme: str, label: str, action: str) -> tuple[str, ...]:
    """The label set of ``scheme`` after accepting, rejecting or adding ``label``.

    Raises:
        NlpError: unknown scheme, label or action, or accepting a label that is not there.
    """
    if scheme not in CODEBOOK_LABELS:
        raise NlpError(f"unknown scheme {scheme!r}")
    if label not in CODEBOOK_LABELS[scheme]:
        raise NlpError(f"unknown label {label!r} of scheme {scheme}")
    if action not in ACTIONS:
        raise NlpError(f"unknown action {action!r}; expected one of {ACTIONS}")
    chosen = set(current)
    if action == "accept" and label not in chosen:
        raise NlpError(f"cannot accept {label!r}: the sentence does not carry it")
    if action == "reject":
        chosen.discard(label)
    else:
        chosen.add(label)
    return tuple(lab for lab in CODEBOOK_LABELS[scheme] if lab in chosen)


def make_judgement(
    run: Run,
    row: int,
    scheme: str,
    label: str,
    action: str,
    annotator: str,
    current: Sequence[str],
) -> Judgement:
    """The judgement of one click: ``action`` on ``label``, with the resulting label set."""
    rec = run.sentences.loc[row]
    return Judgement(
        sentence_key=str(rec["key"]),
        text=str(rec["text"]),
        scheme=scheme,
        labels=apply_action(current, scheme, label, action),
        annotator=annotator,
        action=action,
        label=label,
        source="review",
        doc_sha256=str(rec["doc_sha256"]),
        page=int(rec["page"]),
        start=int(rec["start"]),
        end=int(rec["end"]),
        model_version=str(rec["model_version"] or ""),
    )
