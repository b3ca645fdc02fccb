"""A run as the review app holds it: where it is read from, and its tables loaded once.

This module owns the app's configuration (:class:`Config`, read by :func:`parse_config`
from the script's arguments and the environment), the :class:`Run` and its loading
(:func:`load_run`): the output folder of ``valpub run`` (layout in
``outputs/README.md``), that is ``sentences.parquet`` (one row per sentence, a list of
label ids per scheme, the lexicon evidence as JSON with offsets into the page text),
``documents.parquet``, ``profiles.parquet``, ``coding_matrix.csv``,
``pages/<sha256>.jsonl`` and the classifier versions in ``models/``; and the reading of
the label-list and JSON cells that the other modules of :mod:`review` share. Like all of
them but :mod:`review.app` and :mod:`review.views`, it is independent of Streamlit, so
that it is tested directly.
"""

from __future__ import annotations

import argparse
import json
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from flows.settings import settings
from nlp.annotation.judgement import sentence_key
from nlp.annotation.store import store_url
from nlp.ingest.corpus import corpus_location
from nlp.language.lexicon import load_lexicons
from nlp.language.pseudonymise import Pseudonymiser, published_texts
from nlp.records.codebook import CODEBOOK_LABELS, SCHEMES
from nlp.records.errors import NlpError
from nlp.results.profile import PROFILE_COLUMNS, LabelInfo, label_catalogue
from review.kwic import fold

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_LEXICONS = ROOT / "lexicons"
DEFAULT_OUT = Path("outputs")
DEFAULT_CORPUS = Path("corpus")
#: Environment variables read when the command line does not say (``--out``, ``--corpus``).
OUT_ENV = "VALPUB_REVIEW_OUT"
CORPUS_ENV = "VALPUB_REVIEW_CORPUS"
#: Columns added by recent versions of ``valpub run``; absent from older outputs.
OPTIONAL_COLUMNS = ("sources", "scores", "model_version")


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
    :func:`nlp.annotation.store.store_url` of the output folder.
    """
    env = os.environ if environ is None else environ
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--out")
    parser.add_argument("--store")
    parser.add_argument("--corpus")
    args, _ = parser.parse_known_args(list(argv))
    out = Path(args.out or env.get(OUT_ENV) or DEFAULT_OUT).resolve()
    corpus = corpus_location(args.corpus or env.get(CORPUS_ENV) or str(DEFAULT_CORPUS))
    store = args.store or store_url(out, settings().annotations_url)
    return Config(out=out, store=store, corpus=corpus)


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


def json_cell(value: Any) -> dict[str, Any]:
    """A JSON-object cell (``evidence``, ``sources``, ``scores``) as a dict; ``{}`` when empty."""
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
