"""Publish the profiles of a run: tables, one JSON per territory and the HTML report.

:func:`publish_profiles` is the one call the flow makes after the sentences are
collected. It reads ``<out>/sentences.parquet`` and ``<out>/documents.parquet`` and
writes (atomically, see :mod:`nlp.results.store`; columns documented in ``outputs/README.md``)::

    <out>/profiles.parquet, profiles.csv      long, tidy profile table (nlp.results.profile)
    <out>/profiles/<territory>.json          one territory's profile, evidence included
    <out>/coding_matrix.csv                  territories x labels, per 1,000 sentences
    <out>/similarity.csv                     cosine similarity between territories
    <out>/report.html                        self-contained report, in French (nlp.results.report)

Every figure the report shows carries its exact value in a ``data-value`` attribute,
equal to the ``profiles.parquet`` cell it comes from.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from nlp.language.lexicon import load_lexicons
from nlp.language.pseudonymise import Pseudonymiser, published_texts
from nlp.records.files import atomic_open, write_json
from nlp.records.tables import write_csv_fr
from nlp.results.profile import (
    DEFAULT_RESAMPLES,
    DEFAULT_SEED,
    PROFILE_COLUMNS,
    coding_matrix,
    compute_profiles,
    label_catalogue,
    similarity_matrix,
    territory_codes,
    territory_slug,
)
from nlp.results.quality import (
    MIN_RELIABLE_COMPARED,
    QUALITY_COLUMNS,
    attach_quality,
    label_quality,
    reliable_columns,
)
from nlp.results.report import render_report
from nlp.results.territory_profile import evidence_quotes, territory_profile


def publish_profiles(
    out: Path,
    lexicon_dir: Path,
    corpus: Path | str | None = None,
    model_metrics: Mapping[str, Any] | None = None,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
    generated: datetime | None = None,
    pseudonymise: bool = True,
) -> dict[str, Path]:
    """Compute the profiles of a run and write every output; return their paths.

    Args:
        out: the run's output folder (holds ``sentences.parquet`` and ``documents.parquet``).
        lexicon_dir: the lexicons the sentences were tagged with.
        corpus: the corpus folder, so that quotes link to ``file.pdf#page=N`` relative to
            the report, or the corpus URL, so that they link to the documents there;
            without it, links are the corpus-relative paths.
        model_metrics: classifier summary for the methodology section, if any.
        resamples: bootstrap samples of documents.
        seed: bootstrap seed.
        generated: date shown in the report (now when omitted).
        pseudonymise: quote sentences with private persons concealed (the default); off,
            the report quotes the documents' text and says so.
    """
    out = Path(out)
    lexicons = load_lexicons(lexicon_dir)
    labels = label_catalogue(lexicons)
    documents = pd.read_parquet(out / "documents.parquet")
    documents["territory_code"] = documents["territory_code"].astype(str)
    spath = out / "sentences.parquet"
    sentences = pd.read_parquet(spath) if spath.is_file() else pd.DataFrame()
    if sentences.empty:
        sentences = pd.DataFrame(
            columns=[
                "doc_sha256",
                "territory_code",
                "page",
                "start",
                "end",
                "text",
                "is_heading",
                "evidence",
                *{i.scheme for i in labels},
            ]
        )
    if not sentences.empty:  # what is quoted is always the form made for publication
        sentences["published_text"] = published_texts(
            sentences, Pseudonymiser() if pseudonymise else None
        )
    profiles = compute_profiles(sentences, documents, labels, resamples=resamples, seed=seed)
    quality = label_quality(model_metrics)
    if quality:  # without measured figures (lexicon-only run) labels are not marked
        profiles = attach_quality(profiles, quality)
    matrix = coding_matrix(profiles)
    # indicative labels would make territories look alike or apart for noise
    compared = reliable_columns(matrix, profiles)
    similarity = (
        similarity_matrix(compared)
        if compared.shape[1] >= MIN_RELIABLE_COMPARED or not quality
        else pd.DataFrame(dtype=float)
    )
    paths: dict[str, Path] = {}

    paths["profiles"] = out / "profiles.parquet"
    with atomic_open(paths["profiles"], "wb") as fh:
        profiles.to_parquet(fh, index=False)
    paths["profiles_csv"] = out / "profiles.csv"
    columns = PROFILE_COLUMNS + [c for c in QUALITY_COLUMNS if c in profiles]
    write_csv_fr(profiles[columns], paths["profiles_csv"])
    paths["coding_matrix"] = out / "coding_matrix.csv"
    write_csv_fr(matrix, paths["coding_matrix"], index=True)
    paths["similarity"] = out / "similarity.csv"
    write_csv_fr(similarity, paths["similarity"], index=True)

    folder = out / "profiles"
    written: dict[str, dict[str, Any]] = {}
    for code in territory_codes(profiles):
        tsent = sentences[
            sentences["doc_sha256"].isin(
                set(documents.loc[documents["territory_code"] == code, "sha256"])
            )
        ]
        quotes = evidence_quotes(tsent, documents, labels)
        prof = territory_profile(profiles, documents, quotes, similarity, code)
        written[code] = prof
        path = folder / f"{territory_slug(code)}.json"
        write_json(path, prof)
        paths[f"profile:{code}"] = path
    keep = {p.name for k, p in paths.items() if k.startswith("profile:")}
    for stale in folder.glob("*.json") if folder.is_dir() else []:
        if stale.name not in keep:
            stale.unlink()

    if isinstance(corpus, str):  # a corpus URL: quotes link to the documents there
        link_base = corpus.rstrip("/") + "/"
    elif corpus is not None:
        link_base = os.path.relpath(Path(corpus).resolve(), out.resolve()).replace(os.sep, "/")
        link_base = "" if link_base == "." else link_base + "/"
    else:
        link_base = ""
    page = render_report(
        profiles,
        written,
        documents,
        lexicons,
        similarity,
        link_base,
        model_metrics,
        generated,
        pseudonymised=pseudonymise,
    )
    paths["report"] = out / "report.html"
    with atomic_open(paths["report"]) as fh:
        fh.write(page)
    return paths
