"""Per-territory profiles: how often each label of the codebook occurs, and how surely.

A profile counts tagged sentences (``sentences.parquet``, one row per sentence, one list
column of label ids per scheme) for one territory, or one territory and one year. For
every scheme and label it gives the number and share of sentences carrying the label,
the intensity per 1,000 sentences, the mean probability, the number of documents where
the label appears, and a bootstrap 90 % interval of the intensity obtained by
resampling *documents* (sentences of one document are not independent, so documents are
the unit of resampling). Everything is a pure function of its inputs; the bootstrap uses
a ``numpy`` Generator seeded from the run seed and the group key, so a profile does not
change when another territory is added. The territories x labels matrix and the
similarity between territories are computed from these rows too; the JSON document of
one territory is :mod:`nlp.results.territory_profile`.

Mean probability: a label from the lexicons alone has no probability, so it counts as
1.0 for every sentence carrying it. When the sentences have a ``scores`` column (JSON
``{scheme: {label: probability}}``, written by the classifier), the mean of those
probabilities over the sentences carrying the label is used instead.
"""

from __future__ import annotations

import json
import math
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from nlp.language.lexicon import Lexicon
from nlp.records.codebook import SCHEMES

#: Intensity (sentences per 1,000) from which a public-value type counts as addressed.
#: One sentence in a hundred: low enough for a short deliberation, high enough that a
#: single stray match in a 300-sentence strategy does not count.
COVERAGE_THRESHOLD = 10.0
#: The spectrum whose coverage is measured (Harrison et al. 2012: seven types).
COVERAGE_SCHEME = "public_value"
#: Bootstrap settings (documents resampled with replacement).
DEFAULT_RESAMPLES = 1000
DEFAULT_SEED = 20240601
CI_LEVEL = 0.90
#: Statuses whose documents have sentences (others are listed, never counted).
USABLE_STATUSES = frozenset({"ok", "ocr"})
#: Evidence quotes kept per label.
DEFAULT_QUOTES = 3

PROFILE_COLUMNS = [
    "level",
    "territory_code",
    "territory_name",
    "territory_type",
    "year",
    "scheme",
    "label",
    "label_name",
    "documents_total",
    "sentences_total",
    "n_sentences",
    "share",
    "per_1000",
    "mean_probability",
    "n_documents",
    "ci_low",
    "ci_high",
    "passes_threshold",
]


@dataclass(frozen=True, slots=True)
class LabelInfo:
    """One label of a scheme, with its French name from the lexicon."""

    scheme: str
    id: str
    name: str


def label_catalogue(lexicons: Sequence[Lexicon]) -> list[LabelInfo]:
    """List every label of the lexicons in codebook order (schemes as in ``SCHEMES``)."""
    by_scheme = {lex.scheme: lex for lex in lexicons}
    out: list[LabelInfo] = []
    for scheme in [s for s in SCHEMES if s in by_scheme] + sorted(set(by_scheme) - set(SCHEMES)):
        out.extend(LabelInfo(scheme, lab.id, lab.name) for lab in by_scheme[scheme].labels)
    return out


def territory_slug(code: str) -> str:
    """A file-name-safe form of a territory code (used for ``profiles/<slug>.json``)."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", str(code)).strip("-.")
    return slug or "unknown"


def _has_label(values: Any, label: str) -> bool:
    if values is None or (isinstance(values, float) and math.isnan(values)):
        return False
    return label in list(values)


def indicator_matrix(sentences: pd.DataFrame, labels: Sequence[LabelInfo]) -> np.ndarray:
    """Return a sentences x labels 0/1 matrix (column order of ``labels``)."""
    mat = np.zeros((len(sentences), len(labels)), dtype=np.int8)
    for j, info in enumerate(labels):
        if info.scheme in sentences.columns:
            col = sentences[info.scheme].tolist()
            mat[:, j] = [_has_label(v, info.id) for v in col]
    return mat


def probability_matrix(
    sentences: pd.DataFrame, labels: Sequence[LabelInfo], indicators: np.ndarray
) -> np.ndarray:
    """Return each sentence's probability for each label it carries (1.0 without scores)."""
    probs = indicators.astype(float)
    if "scores" not in sentences.columns:
        return probs
    for i, raw in enumerate(sentences["scores"].tolist()):
        if not isinstance(raw, str) or not raw:
            continue
        scores = json.loads(raw)
        for j, info in enumerate(labels):
            if indicators[i, j]:
                value = scores.get(info.scheme, {}).get(info.id)
                if value is not None:
                    probs[i, j] = float(value)
    return probs


def _group_seed(seed: int, key: str) -> int:
    return (seed * 1_000_003 + zlib.crc32(key.encode("utf-8"))) % (2**32)


def bootstrap_intensity(
    doc_counts: np.ndarray,
    doc_sizes: np.ndarray,
    resamples: int,
    rng: np.random.Generator,
    level: float = CI_LEVEL,
) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval of per-1,000 intensities, resampling documents with replacement.

    Args:
        doc_counts: documents x labels, sentences carrying each label in each document.
        doc_sizes: sentences of each document.
        resamples: number of bootstrap samples.
        rng: the random generator (seeded by the caller, for determinism).
        level: coverage of the interval.

    Returns:
        Lower and upper bounds, one per label (NaN when there is no sentence at all).
    """
    n_docs, n_labels = doc_counts.shape
    if n_docs == 0 or doc_sizes.sum() == 0:
        nan = np.full(n_labels, np.nan)
        return nan, nan.copy()
    picks = rng.integers(0, n_docs, size=(resamples, n_docs))
    weights = np.zeros((resamples, n_docs))
    np.add.at(weights, (np.arange(resamples)[:, None], picks), 1.0)
    num = weights @ doc_counts
    den = weights @ doc_sizes
    with np.errstate(invalid="ignore", divide="ignore"):
        rates = 1000.0 * num / den[:, None]
    rates = rates[den > 0]
    alpha = (1.0 - level) / 2.0
    low = np.quantile(rates, alpha, axis=0)
    high = np.quantile(rates, 1.0 - alpha, axis=0)
    return low, high


def _profile_rows(
    frame: pd.DataFrame,
    ind: np.ndarray,
    prob: np.ndarray,
    docs: list[str],
    labels: Sequence[LabelInfo],
    base: dict[str, Any],
    resamples: int,
    seed: int,
) -> list[dict[str, Any]]:
    """Rows of one group (``frame`` holds its sentences; ``docs`` its usable documents)."""
    doc_index = {d: k for k, d in enumerate(docs)}
    codes = np.array([doc_index[d] for d in frame["doc_sha256"]], dtype=int)
    counts = np.zeros((len(docs), len(labels)))
    np.add.at(counts, codes, ind)
    sizes = np.bincount(codes, minlength=len(docs)).astype(float)
    key = f"{base['level']}|{base['territory_code']}|{base['year']}"
    low, high = bootstrap_intensity(
        counts, sizes, resamples, np.random.default_rng(_group_seed(seed, key))
    )
    total = len(frame)
    rows = []
    for j, info in enumerate(labels):
        n = int(ind[:, j].sum())
        per_1000 = 1000.0 * n / total if total else 0.0
        rows.append(
            {
                **base,
                "documents_total": len(docs),
                "sentences_total": total,
                "scheme": info.scheme,
                "label": info.id,
                "label_name": info.name,
                "n_sentences": n,
                "share": n / total if total else 0.0,
                "per_1000": per_1000,
                "mean_probability": float(prob[ind[:, j] == 1, j].mean()) if n else float("nan"),
                "n_documents": int((counts[:, j] > 0).sum()),
                "ci_low": float(low[j]),
                "ci_high": float(high[j]),
                "passes_threshold": bool(n > 0 and per_1000 >= COVERAGE_THRESHOLD),
            }
        )
    return rows


def _usable_documents(documents: pd.DataFrame) -> pd.DataFrame:
    docs = documents[documents["status"].isin(USABLE_STATUSES)].copy()
    return docs[docs["sha256"].astype(str) != ""]


def compute_profiles(
    sentences: pd.DataFrame,
    documents: pd.DataFrame,
    labels: Sequence[LabelInfo],
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
) -> pd.DataFrame:
    """Return the long, tidy profile table: one row per group x label.

    Groups are each territory (``level == "territory"``, ``year`` empty) and each
    territory and year (``level == "territory_year"``; documents without a year only
    count in the territory's profile). Denominators are the group's sentences (headings
    included) and its documents whose status is ok or ocr, including those that gave no
    sentence.

    Args:
        sentences: the ``sentences.parquet`` frame of a run.
        documents: the ``documents.parquet`` frame of the same run.
        labels: the labels to count (see :func:`label_catalogue`).
        resamples: bootstrap samples of documents.
        seed: the run seed of the bootstrap.
    """
    docs = _usable_documents(documents)
    sent = sentences[sentences["doc_sha256"].isin(set(docs["sha256"]))].reset_index(drop=True)
    ind = indicator_matrix(sent, labels)
    prob = probability_matrix(sent, labels, ind)
    rows: list[dict[str, Any]] = []
    for code, tdocs in docs.groupby("territory_code", sort=True):
        meta = territory_metadata(tdocs)
        groups: list[tuple[str, Any, pd.DataFrame]] = [("territory", None, tdocs)]
        years = tdocs["year"].dropna()
        groups += [
            ("territory_year", int(y), tdocs[tdocs["year"] == y]) for y in sorted(years.unique())
        ]
        for level, year, gdocs in groups:
            shas = list(dict.fromkeys(gdocs["sha256"]))
            mask = sent["doc_sha256"].isin(set(shas)).to_numpy()
            base = {
                "level": level,
                "territory_code": str(code),
                "territory_name": meta["territory_name"],
                "territory_type": meta["territory_type"],
                "year": year,
            }
            rows += _profile_rows(
                sent[mask], ind[mask], prob[mask], shas, labels, base, resamples, seed
            )
    frame = pd.DataFrame(rows, columns=PROFILE_COLUMNS)
    frame["year"] = frame["year"].astype("Int64")
    return frame


def territory_metadata(documents: pd.DataFrame) -> dict[str, Any]:
    """Name, type and years of one territory's documents (most frequent name wins)."""

    def most_common(col: str) -> str:
        values = [str(v) for v in documents[col].dropna() if str(v)]
        return max(sorted(set(values)), key=values.count) if values else ""

    years = sorted({int(y) for y in documents["year"].dropna()})
    return {
        "territory_code": str(documents["territory_code"].iloc[0]),
        "territory_name": most_common("territory_name"),
        "territory_type": most_common("territory_type"),
        "years": years,
    }


def coding_matrix(profiles: pd.DataFrame, value: str = "per_1000") -> pd.DataFrame:
    """Territories x labels matrix (QDA coding matrix) of the territory-level profiles.

    Rows are territory codes, columns ``scheme:label``, cells ``value``.
    """
    terr = profiles[profiles["level"] == "territory"]
    mat = terr.pivot_table(
        index="territory_code",
        columns=["scheme", "label"],
        values=value,
        sort=False,
        aggfunc="first",
    )
    mat.columns = [f"{s}:{lab}" for s, lab in mat.columns]
    return mat.sort_index()


def similarity_matrix(matrix: pd.DataFrame) -> pd.DataFrame:
    """Cosine similarity between territories' label intensities (0 when a row is all zero)."""
    values = matrix.fillna(0.0).to_numpy(dtype=float)
    norms = np.linalg.norm(values, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        unit = values / norms[:, None]
    unit = np.nan_to_num(unit)
    sim = unit @ unit.T
    return pd.DataFrame(sim, index=matrix.index, columns=matrix.index)


def territory_codes(profiles: pd.DataFrame) -> list[str]:
    """Codes of the territories that have a profile, sorted."""
    return sorted(set(profiles.loc[profiles["level"] == "territory", "territory_code"]))
