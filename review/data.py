"""What the review app shows and writes, as plain functions over a run's outputs.

Everything here is independent of Streamlit so that it can be tested directly and so
that :mod:`review.app` stays a thin layer of widgets. A *run* is the output folder of
``valpub run`` (layout in ``outputs/README.md``): ``sentences.parquet`` (one row per
sentence, a list of label ids per scheme, the lexicon evidence as JSON with offsets into
the page text), ``documents.parquet``, ``profiles.parquet``, ``coding_matrix.csv``,
``pages/<sha256>.jsonl`` and the classifier versions in ``models/``.

The analysts' decisions live in the annotation store (:mod:`nlp.annotations`). One click
of the app is one :class:`nlp.annotations.Judgement`: the analyst accepts, rejects or
adds one label of one scheme of one sentence, and the judgement carries the complete
resulting label set of that scheme, so that the store alone says what the sentence's
labels are. A sentence's labels as the analyst sees them are the run's labels of each
scheme, replaced by the analyst's latest judgement of that scheme when there is one.

Lexicon diagnostics tell the analysts which entries mislead: for every entry, its hits
in the run (from the ``evidence`` column) and its precision on the reviewed sentences,
i.e. the share of the sentences it matched, among those whose scheme was reviewed, where
the reviewed labels keep the entry's label. When several analysts judged the same
sentence and scheme, the most recent judgement counts.
"""

from __future__ import annotations

import argparse
import functools
import getpass
import hashlib
import html
import json
import math
import os
import re
import shutil
import tempfile
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from nlp.annotations import Judgement, sentence_key, store_url
from nlp.codebook import CODEBOOK_LABELS, SCHEMES
from nlp.corpus import corpus_location, document_url, fetch_document
from nlp.errors import FetchError, NlpError
from nlp.extract import DEFAULT_MAX_BYTES, file_sha256
from nlp.lexicon import load_lexicons
from nlp.models import CARD_FILE, Registry, model_card
from nlp.profile import PROFILE_COLUMNS, LabelInfo, label_catalogue
from nlp.pseudonymise import Pseudonymiser, published_texts
from nlp.store import pages_path, read_pages

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_LEXICONS = ROOT / "lexicons"
DEFAULT_OUT = Path("outputs")
DEFAULT_CORPUS = Path("corpus")
#: Environment variables read when the command line does not say (``--out``, ``--corpus``).
OUT_ENV = "VALPUB_REVIEW_OUT"
CORPUS_ENV = "VALPUB_REVIEW_CORPUS"
#: Actions an analyst can take on one label (``set`` is for imports, not clicks).
ACTIONS = ("accept", "reject", "add")
#: Columns added by recent versions of ``valpub run``; absent from older outputs.
OPTIONAL_COLUMNS = ("sources", "scores", "model_version")
#: Evidence sentences shown at first for a cell (the rest on demand).
EVIDENCE_SHOWN = 10


class RunError(NlpError):
    """The output folder holds no usable run."""


# -- configuration -------------------------------------------------------------------


@dataclass(frozen=True)
class Config:
    """Where the app reads a run, writes the analysts' judgements and finds the PDFs."""

    out: Path
    store: str
    corpus: Path | str  # a folder, or the URL the run read the documents from


def parse_config(argv: Sequence[str], environ: Mapping[str, str] | None = None) -> Config:
    """Read ``--out``, ``--store`` and ``--corpus`` from the script's arguments.

    ``streamlit run app.py -- --out DIR`` passes what follows ``--`` to the script.
    Unknown arguments are ignored (under a test runner ``sys.argv`` is the runner's).
    Missing options fall back to ``VALPUB_REVIEW_OUT`` / ``VALPUB_REVIEW_CORPUS``, then
    to ``outputs`` and ``corpus``; the store defaults to
    :func:`nlp.annotations.store_url` of the output folder.
    """
    env = os.environ if environ is None else environ
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--out")
    parser.add_argument("--store")
    parser.add_argument("--corpus")
    args, _ = parser.parse_known_args(list(argv))
    out = Path(args.out or env.get(OUT_ENV) or DEFAULT_OUT).resolve()
    corpus = corpus_location(args.corpus or env.get(CORPUS_ENV) or str(DEFAULT_CORPUS))
    return Config(out=out, store=args.store or store_url(out), corpus=corpus)


# -- the run -------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """A run's tables, ready for the app.

    Attributes:
        out: the output folder.
        sentences: ``sentences.parquet`` indexed ``0..n-1`` (the row id used everywhere
            here), with three added columns: ``key`` (the sentence key of the
            annotation store), ``seq`` (position of the sentence in its document) and
            ``folded`` (the text folded for search, see :func:`fold`) and ``labelled``
            (a body sentence with at least one label).
        documents: ``documents.parquet``.
        profiles: ``profiles.parquet`` (empty when the run has none).
        matrix: ``coding_matrix.csv``: territory codes x ``scheme:label``, per 1,000.
        labels: every label, codebook order, with its French name.
        territories: territory code -> name.
    """

    out: Path
    sentences: pd.DataFrame
    documents: pd.DataFrame
    profiles: pd.DataFrame
    matrix: pd.DataFrame
    labels: tuple[LabelInfo, ...]
    territories: dict[str, str] = field(default_factory=dict)

    def label_name(self, scheme: str, label: str) -> str:
        """French name of a label (its id when unknown)."""
        for info in self.labels:
            if info.scheme == scheme and info.id == label:
                return info.name
        return label

    def scheme_labels(self, scheme: str) -> list[LabelInfo]:
        """The labels of one scheme, codebook order."""
        return [info for info in self.labels if info.scheme == scheme]


def labels_of(value: Any) -> tuple[str, ...]:
    """A label-list cell (list, array, tuple, JSON text or missing) as a tuple of ids."""
    if value is None:
        return ()
    if isinstance(value, float) and math.isnan(value):
        return ()
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return ()
        if text.startswith("["):
            return tuple(str(v) for v in json.loads(text))
        return tuple(v for v in (p.strip() for p in text.split(",")) if v)
    return tuple(str(v) for v in value)


def _json(value: Any) -> dict[str, Any]:
    if not isinstance(value, str) or not value:
        return {}
    data = json.loads(value)
    return data if isinstance(data, dict) else {}


def load_run(out: Path, lexicons: Path = DEFAULT_LEXICONS) -> Run:
    """Load the run in ``out``.

    Raises:
        RunError: ``out`` has no ``sentences.parquet`` (``valpub run`` was not run).
    """
    out = Path(out)
    path = out / "sentences.parquet"
    if not path.is_file():
        raise RunError(f"{out} holds no sentences.parquet: run `valpub run` first")
    sentences = pd.read_parquet(path).reset_index(drop=True)
    for col in OPTIONAL_COLUMNS:
        if col not in sentences.columns:
            sentences[col] = ""
    for scheme in SCHEMES:
        if scheme not in sentences.columns:
            sentences[scheme] = [() for _ in range(len(sentences))]
    if sentences.empty:
        sentences["key"] = pd.Series(dtype=str)
        sentences["seq"] = pd.Series(dtype=int)
    else:
        sentences["key"] = [
            sentence_key(str(t), str(d), int(p), int(s))
            for t, d, p, s in zip(
                sentences["text"],
                sentences["doc_sha256"],
                sentences["page"],
                sentences["start"],
                strict=True,
            )
        ]
        order = sentences.sort_values(["doc_sha256", "page", "start"], kind="stable")
        sentences["seq"] = order.groupby("doc_sha256").cumcount().reindex(sentences.index)
    if "published_text" not in sentences.columns:  # a run made before pseudonymisation
        sentences["published_text"] = published_texts(sentences, Pseudonymiser())
    sentences["folded"] = [fold(str(t)) for t in sentences["text"]]
    n_labels = sum(sentences[scheme].map(lambda v: len(labels_of(v))) for scheme in SCHEMES)
    sentences["labelled"] = (n_labels > 0) & ~sentences["is_heading"].astype(bool)

    docs_path = out / "documents.parquet"
    documents = pd.read_parquet(docs_path) if docs_path.is_file() else pd.DataFrame()
    prof_path = out / "profiles.parquet"
    profiles = (
        pd.read_parquet(prof_path) if prof_path.is_file() else pd.DataFrame(columns=PROFILE_COLUMNS)
    )
    matrix_path = out / "coding_matrix.csv"
    if matrix_path.is_file():
        matrix = pd.read_csv(
            matrix_path,
            sep=";",
            decimal=",",
            encoding="utf-8-sig",
            dtype={"territory_code": str},
        ).set_index("territory_code")
    else:
        matrix = pd.DataFrame()

    labels = _label_catalogue(profiles, lexicons)
    territories: dict[str, str] = {}
    for frame in (documents, sentences):
        if {"territory_code", "territory_name"} <= set(frame.columns):
            for code, name in zip(frame["territory_code"], frame["territory_name"], strict=True):
                if isinstance(code, str) and code not in territories:
                    territories[code] = str(name) if isinstance(name, str) and name else code
    return Run(
        out=out,
        sentences=sentences,
        documents=documents,
        profiles=profiles,
        matrix=matrix,
        labels=tuple(labels),
        territories=dict(sorted(territories.items(), key=lambda kv: kv[1])),
    )


def _label_catalogue(profiles: pd.DataFrame, lexicons: Path) -> list[LabelInfo]:
    names: dict[tuple[str, str], str] = {}
    if not profiles.empty:
        for scheme, label, name in zip(
            profiles["scheme"], profiles["label"], profiles["label_name"], strict=True
        ):
            names.setdefault((str(scheme), str(label)), str(name))
    if not names and Path(lexicons).is_dir():
        for info in label_catalogue(load_lexicons(lexicons)):
            names[(info.scheme, info.id)] = info.name
    return [
        LabelInfo(scheme, label, names.get((scheme, label), label))
        for scheme in SCHEMES
        for label in CODEBOOK_LABELS[scheme]
    ]


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


# -- evidence ------------------------------------------------------------------------


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
    for sch, found in _json(evidence).items():
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
    :mod:`nlp.pseudonymise`); a sentence that names none keeps its highlights.
    """
    text = str(run.sentences.at[row, "text"])
    shown = str(run.sentences.at[row, "published_text"])
    if shown != text:  # the offsets of the matches are into the original text
        return html.escape(shown)
    hits = row_hits(run, row, scheme, label)
    return highlight_html(text, [(h.start, h.end, h.entry_id) for h in hits])


def label_source(run: Run, row: int, scheme: str, label: str) -> str:
    """Where the run's label came from: ``lexicon``, ``classifier``, ``both`` or ``""``."""
    return str(_json(run.sentences.at[row, "sources"]).get(scheme, {}).get(label, ""))


def label_score(run: Run, row: int, scheme: str, label: str) -> float | None:
    """The classifier's probability for a label of sentence ``row`` (``None`` without one)."""
    value = _json(run.sentences.at[row, "scores"]).get(scheme, {}).get(label)
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


# -- keyword in context --------------------------------------------------------------

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


# -- judgements ----------------------------------------------------------------------


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


# -- lexicon diagnostics -------------------------------------------------------------

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
        for scheme, found in _json(evidence).items():
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


# -- models --------------------------------------------------------------------------

#: Figures of ``metrics.json`` compared between versions, with their French names.
SUMMARY_FIGURES = {
    "heldout_macro_f1": "F1 macro moyen — jeu réservé (phrases rédigées)",
    "real_macro_f1": "F1 macro moyen — phrases réelles annotées",
    "review_macro_f1": "F1 macro moyen — phrases révisées",
    "train_size": "Phrases d'entraînement",
}
#: Evaluation blocks of ``metrics.json`` (scheme -> lexicon/classifier/combined figures).
BLOCK_TITLES = {
    "heldout": "jeu réservé",
    "real_cv": "phrases réelles (validation croisée)",
    "review": "phrases révisées",
    "cv": "entraînement (hors pli)",
}


@dataclass(frozen=True)
class ModelOverview:
    """The classifier versions of a run, as the model page shows them.

    Attributes:
        current: the promoted version (``None`` without one).
        previous: the version it replaced (promoted before it, or stored before it).
        newer: versions trained after the current one and not promoted.
        card: the current version's model card (Markdown; empty without a model).
        comparison: one row per figure, one column per version (previous, current,
            newer), and ``écart`` = current - previous.
        versions: every stored version with its summary figures.
    """

    current: str | None
    previous: str | None
    newer: tuple[str, ...]
    card: str
    comparison: pd.DataFrame
    versions: pd.DataFrame


def _is_block(block: Any) -> bool:
    return (
        isinstance(block, dict)
        and bool(block)
        and all(isinstance(v, dict) and "combined" in v for v in block.values())
    )


def _figures(metrics: Mapping[str, Any]) -> dict[tuple[str, str], float | None]:
    out: dict[tuple[str, str], float | None] = {}
    summary = metrics.get("summary", {})
    for key, title in SUMMARY_FIGURES.items():
        if key in summary:
            value = summary[key]
            out[(title, "")] = None if value is None else float(value)
    for key, block in metrics.items():
        if not _is_block(block):
            continue
        title = BLOCK_TITLES.get(key, key)
        for scheme, figures in block.items():
            value = figures["combined"].get("macro_f1")
            out[(f"F1 macro — {title}", scheme)] = None if value is None else float(value)
    return out


def compare_metrics(
    metrics: Mapping[str, Mapping[str, Any]], previous: str | None, current: str | None
) -> pd.DataFrame:
    """Side-by-side figures of several versions (``metrics``: version -> metrics.json).

    Columns: ``mesure``, ``grille``, one per version (in the order given), and ``écart``
    (current - previous) when both are given.
    """
    figures = {version: _figures(m) for version, m in metrics.items()}
    keys: list[tuple[str, str]] = []
    for fig in figures.values():
        keys.extend(k for k in fig if k not in keys)
    rows = []
    for title, scheme in keys:
        row: dict[str, Any] = {"mesure": title, "grille": scheme}
        for version, fig in figures.items():
            row[version] = fig.get((title, scheme))
        if previous and current and previous in figures and current in figures:
            a, b = figures[current].get((title, scheme)), figures[previous].get((title, scheme))
            row["écart"] = None if a is None or b is None else round(a - b, 4)
        rows.append(row)
    columns = ["mesure", "grille", *figures]
    if previous and current:
        columns.append("écart")
    return pd.DataFrame(rows, columns=columns)


def model_overview(models: Path) -> ModelOverview:
    """The current model's card and its figures beside the previous (and newer) versions."""
    registry = Registry(models)
    versions = registry.versions()
    current = registry.current()
    previous: str | None = None
    newer: tuple[str, ...] = ()
    if current is not None:
        stack = [v for v in registry.stack() if v in versions]
        if len(stack) >= 2 and stack[-1] == current:
            previous = stack[-2]
        else:
            older = [v for v in versions if v < current]
            previous = older[-1] if older else None
        newer = tuple(v for v in versions if v > current)
    card = ""
    if current is not None:
        path = Path(models) / current / CARD_FILE
        card = (
            path.read_text(encoding="utf-8")
            if path.is_file()
            else model_card(registry.metrics(current))
        )
    shown = [v for v in (previous, current, *newer) if v]
    comparison = compare_metrics({v: registry.metrics(v) for v in shown}, previous, current)
    listing = pd.DataFrame(
        [
            {
                "version": info.version,
                "actuelle": info.current,
                "créée": registry.metrics(info.version).get("created", ""),
                **{SUMMARY_FIGURES.get(k, k): v for k, v in info.summary.items()},
            }
            for info in registry.list_versions()
        ]
    )
    return ModelOverview(current, previous, newer, card, comparison, listing)


# -- PDF pages -----------------------------------------------------------------------

#: Where PDFs read from a corpus URL are kept while analysts look at their pages.
PDF_CACHE = Path(tempfile.gettempdir()) / f"valpub-review-pdfs-{getpass.getuser()}"


def pdf_path(corpus: Path | str, file: str, sha256: str = "") -> Path | None:
    """The PDF of a document as a local file, or ``None`` when it cannot be had.

    Inside the corpus folder; or, for a corpus URL (or a ``file`` that is a URL), fetched
    once into a folder of this machine's temporary directory. With ``sha256``, a file
    whose bytes are not those the run read is refused: its pages would not be the ones
    the sentences come from.
    """
    url = document_url(corpus, file)
    if url:
        path = _fetched(url)
    else:
        root = Path(corpus).resolve()
        path = (root / file).resolve()
        if not path.is_relative_to(root) or not path.is_file():
            return None
    if path is None or (sha256 and _digest(str(path), *_stamp(path)) != sha256):
        return None
    return path


def _stamp(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_mtime_ns, stat.st_size


@functools.lru_cache(maxsize=256)
def _digest(path: str, mtime_ns: int, size: int) -> str:
    """A file's SHA-256, computed again only when its time or size changes."""
    return file_sha256(Path(path))


def _fetched(url: str) -> Path | None:
    """The local copy of a remote PDF (fetched on first use; None if it cannot be)."""
    folder = PDF_CACHE / hashlib.sha256(url.encode("utf-8")).hexdigest()[:32]
    if not folder.is_dir():
        PDF_CACHE.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".fetch-", dir=PDF_CACHE))
        try:
            fetch_document(url, staging, DEFAULT_MAX_BYTES)
            staging.rename(folder)  # whole or not at all, even with two sessions at once
        except (FetchError, OSError):
            shutil.rmtree(staging, ignore_errors=True)
    return next(folder.glob("*.pdf"), None) if folder.is_dir() else None


def render_pdf_page(path: Path, page: int, scale: float = 1.5) -> bytes:
    """One page of a PDF as a PNG image (1-based ``page``).

    Raises:
        NlpError: the file cannot be read or has no such page.
    """
    import io

    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        raise NlpError(f"{path}: cannot open the PDF: {exc}") from exc
    try:
        if not 1 <= page <= len(pdf):
            raise NlpError(f"{path} has {len(pdf)} pages, not {page}")
        image = pdf[page - 1].render(scale=scale).to_pil()
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        return buffer.getvalue()
    finally:
        pdf.close()


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
