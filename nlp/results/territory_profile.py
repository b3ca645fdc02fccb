"""The JSON profile of one territory: figures per scheme, quotes, coverage, changes.

:func:`territory_profile` turns the rows of :func:`nlp.results.profile.compute_profiles` for
one territory into the document written to ``profiles/<territory>.json`` (schema in
``outputs/README.md``): its documents, the public-value coverage and dominant type,
which labels are only indicative, the figures per scheme and per year, the change of
each label between consecutive years (:func:`year_changes`), the similarity to the
other territories, and the strongest evidence sentences of each label
(:func:`evidence_quotes`).
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from nlp.results.profile import (
    COVERAGE_SCHEME,
    COVERAGE_THRESHOLD,
    DEFAULT_QUOTES,
    PROFILE_COLUMNS,
    LabelInfo,
    territory_metadata,
)
from nlp.results.quality import MIN_RELIABLE_DOMINANT, QUALITY_COLUMNS, RELIABLE_F1


def _scheme_view(rows: pd.DataFrame) -> list[dict[str, Any]]:
    keep = PROFILE_COLUMNS[PROFILE_COLUMNS.index("label") :]
    keep = [c for c in keep if c not in {"documents_total", "sentences_total"}]
    keep += [c for c in QUALITY_COLUMNS if c in rows]
    return [_clean(r) for r in rows[keep].to_dict("records")]


def _clean(record: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in record.items():
        if isinstance(v, np.generic):
            v = v.item()
        if isinstance(v, float) and math.isnan(v):
            v = None
        out[str(k)] = v
    return out


def evidence_quotes(
    sentences: pd.DataFrame,
    documents: pd.DataFrame,
    labels: Sequence[LabelInfo],
    per_label: int = DEFAULT_QUOTES,
) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """The strongest evidence sentences of each label: ``{scheme: {label: [quote, ...]}}``.

    Only sentences that carry the label (final labels) are quoted. Strength is the
    number of distinct lexicon entries matched for the label, then the classifier's
    probability (``scores``), then the number of matches; ties go to the earlier
    sentence (document, page, offset), so the choice is deterministic. Headings are not
    quoted. A quote's ``text`` is the sentence's ``published_text`` when the table has
    one (see :mod:`nlp.language.pseudonymise`). Each quote says where the label came from
    (``source``) and its ``score``.
    """
    files = dict(zip(documents["sha256"], documents["file"], strict=True))
    body = sentences[~sentences["is_heading"].astype(bool)]
    schemes = sorted({info.scheme for info in labels} & set(body.columns))
    extra = [c for c in ("scores", "sources", "published_text") if c in body.columns]
    candidates: dict[tuple[str, str], list[tuple[Any, ...]]] = {}
    columns = ["doc_sha256", "page", "start", "end", "text", "evidence", *extra, *schemes]
    for rec in body[columns].to_dict("records"):
        ev = json.loads(rec["evidence"]) if rec["evidence"] else {}
        scores = json.loads(rec["scores"]) if rec.get("scores") else {}
        sources = json.loads(rec["sources"]) if rec.get("sources") else {}
        for scheme in schemes:
            for label in rec[scheme] if rec[scheme] is not None else ():
                hits = ev.get(scheme, {}).get(label, [])
                score = float(scores.get(scheme, {}).get(label, 1.0))
                entries = {h[0] for h in hits}
                key = (
                    -len(entries),
                    -round(score, 4),
                    -len(hits),
                    files.get(rec["doc_sha256"], ""),
                    rec["page"],
                    rec["start"],
                )
                source = sources.get(scheme, {}).get(label, "lexicon")
                candidates.setdefault((scheme, label), []).append((key, rec, hits, score, source))
    out: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for info in labels:
        ranked = sorted(candidates.get((info.scheme, info.id), []), key=lambda c: c[0])
        quotes = [
            {
                "file": files.get(rec["doc_sha256"], ""),
                "doc_sha256": rec["doc_sha256"],
                "page": int(rec["page"]),
                "text": rec.get("published_text", rec["text"]),
                "terms": sorted({str(h[1]) for h in hits}),
                "entries": sorted({str(h[0]) for h in hits}),
                "source": source,
                "score": round(score, 4),
            }
            for _, rec, hits, score, source in ranked[:per_label]
        ]
        out.setdefault(info.scheme, {})[info.id] = quotes
    return out


def year_changes(profiles: pd.DataFrame, code: str) -> list[dict[str, Any]]:
    """Change of intensity of each label between consecutive years of one territory."""
    rows = profiles[(profiles["level"] == "territory_year") & (profiles["territory_code"] == code)]
    years = sorted(int(y) for y in rows["year"].dropna().unique())
    out: list[dict[str, Any]] = []
    for before, after in itertools.pairwise(years):
        a = rows[rows["year"] == before].set_index(["scheme", "label"])
        b = rows[rows["year"] == after].set_index(["scheme", "label"])
        for key in b.index:
            out.append(
                {
                    "scheme": key[0],
                    "label": key[1],
                    "from_year": before,
                    "to_year": after,
                    "per_1000_from": float(a.loc[key, "per_1000"]),
                    "per_1000_to": float(b.loc[key, "per_1000"]),
                    "delta": float(b.loc[key, "per_1000"] - a.loc[key, "per_1000"]),
                }
            )
    return out


def territory_profile(
    profiles: pd.DataFrame,
    documents: pd.DataFrame,
    quotes: Mapping[str, Mapping[str, list[dict[str, Any]]]],
    similarity: pd.DataFrame,
    code: str,
) -> dict[str, Any]:
    """The JSON document of one territory (schema in ``outputs/README.md``)."""
    terr = profiles[(profiles["level"] == "territory") & (profiles["territory_code"] == code)]
    tdocs = documents[documents["territory_code"].astype(str) == code]
    meta = territory_metadata(tdocs)
    pv = terr[terr["scheme"] == COVERAGE_SCHEME]
    covered = pv[pv["passes_threshold"]]
    # only a label measured as reliable on real sentences may be called dominant
    ranked = pv[pv["reliable"].astype(bool)] if "reliable" in pv else pv
    if len(ranked) < MIN_RELIABLE_DOMINANT:  # one reliable type is not a dominance
        ranked = ranked.iloc[0:0]
    dominant = ranked.sort_values(["per_1000", "label"], ascending=[False, True]).head(1)
    schemes: dict[str, Any] = {}
    for scheme in dict.fromkeys(terr["scheme"]):
        rows = terr[terr["scheme"] == scheme]
        schemes[scheme] = {
            "labels": _scheme_view(rows),
            "quotes": {lab: list(qs) for lab, qs in quotes.get(scheme, {}).items()},
        }
    by_year: dict[str, Any] = {}
    for year, rows in profiles[
        (profiles["level"] == "territory_year") & (profiles["territory_code"] == code)
    ].groupby("year"):
        by_year[str(int(year))] = {
            "documents_total": int(rows["documents_total"].iloc[0]),
            "sentences_total": int(rows["sentences_total"].iloc[0]),
            "schemes": {s: _scheme_view(r) for s, r in rows.groupby("scheme", sort=False)},
        }
    doc_cols = ["file", "title", "year", "status", "pages", "sha256"]
    doc_list = [_clean(r) for r in tdocs[doc_cols].to_dict("records")]
    for d in doc_list:
        if d.get("year") is not None:
            d["year"] = int(d["year"])
    sim = (
        {str(k): float(v) for k, v in similarity.loc[code].drop(code).items()}
        if code in similarity.index
        else {}
    )
    return {
        "schema_version": 1,
        **meta,
        "documents": doc_list,
        "documents_total": int(terr["documents_total"].iloc[0]) if len(terr) else 0,
        "sentences_total": int(terr["sentences_total"].iloc[0]) if len(terr) else 0,
        "coverage": {
            "scheme": COVERAGE_SCHEME,
            "threshold_per_1000": COVERAGE_THRESHOLD,
            "types_total": len(pv),
            "types_covered": len(covered),
            "covered": covered["label"].tolist(),
            "missing": pv[~pv["passes_threshold"]]["label"].tolist(),
        },
        "dominant": (
            {
                "label": dominant["label"].iloc[0],
                "label_name": dominant["label_name"].iloc[0],
                "per_1000": float(dominant["per_1000"].iloc[0]),
            }
            if len(dominant) and dominant["n_sentences"].iloc[0] > 0
            else None
        ),
        "label_quality": {
            "reliable_f1": RELIABLE_F1,
            "measured": bool("f1" in terr and terr["f1"].notna().any()),
            "indicative": (
                [f"{s}:{lab}" for s, lab in zip(terr["scheme"], terr["label"], strict=True)]
                if "reliable" not in terr
                else [
                    f"{s}:{lab}"
                    for s, lab, r in zip(
                        terr["scheme"], terr["label"], terr["reliable"], strict=True
                    )
                    if not r
                ]
            ),
        },
        "schemes": schemes,
        "by_year": by_year,
        "changes": year_changes(profiles, code),
        "similarity": sim,
    }
