"""The territory view: one territory's profile and the sentences behind it.

This module owns the page of one territory: its counts, the radar of public-value types
and the bars of the other schemes (drawn as in the report), the table of figures with
their confidence interval and measured quality, and the evidence sentences of a chosen
scheme and label.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from nlp.records.codebook import CODEBOOK_LABELS, SCHEMES
from nlp.results.profile import COVERAGE_SCHEME, COVERAGE_THRESHOLD
from nlp.results.report_charts import bars_svg, radar_svg
from nlp.results.report_format import SCHEME_TITLES, fr_number
from review.evidence import cell_evidence
from review.profiles import quality_text, territory_rows
from review.run import Run
from review.views.widgets import show_evidence


def view_territory(run: Run) -> None:
    """A territory's profile: radar, co-production, other dimensions, evidence."""
    st.header("Profil d'un territoire")
    codes = list(run.territories)
    if not codes:
        st.info("Aucun territoire dans ce run.")
        return
    if st.session_state.get("territoire") not in codes:
        remembered = st.session_state.get("_terr")
        st.session_state["territoire"] = remembered if remembered in codes else codes[0]
    code = st.selectbox(
        "Territoire", codes, key="territoire", format_func=lambda c: run.territories.get(c, c)
    )
    st.session_state["_terr"] = code
    rows = territory_rows(run, code)
    if rows.empty:
        st.info("Pas de profil pour ce territoire (aucun document exploitable).")
        return
    pv = rows[rows["scheme"] == COVERAGE_SCHEME]
    covered = int((pv["passes_threshold"].astype(bool)).sum())
    first = rows.iloc[0]
    a, b, c = st.columns(3)
    a.metric("Documents exploitables", int(first["documents_total"]))
    b.metric("Phrases", int(first["sentences_total"]))
    c.metric("Types de valeur publique couverts", f"{covered} / {len(pv)}")
    st.caption(
        f"Un type est couvert à partir de {fr_number(COVERAGE_THRESHOLD)} phrases pour 1 000."
    )

    allterr = run.profiles[run.profiles["level"] == "territory"]
    scale = float(allterr.loc[allterr["scheme"] == COVERAGE_SCHEME, "per_1000"].max() or 1.0)
    st.subheader(SCHEME_TITLES[COVERAGE_SCHEME])
    left, right = st.columns(2)
    with left:
        st.markdown(radar_svg(pv, code, scale), unsafe_allow_html=True)
    with right:
        st.dataframe(_figures(pv), hide_index=True)

    st.subheader(SCHEME_TITLES["coproduction"])
    _scheme_block(rows, code, "coproduction")

    st.subheader("Autres dimensions")
    others = [s for s in SCHEMES if s not in (COVERAGE_SCHEME, "coproduction")]
    for tab, scheme in zip(st.tabs([SCHEME_TITLES[s] for s in others]), others, strict=True):
        with tab:
            _scheme_block(rows, code, scheme)

    st.subheader("Phrases à l'appui")
    left, right = st.columns(2)
    scheme = left.selectbox(
        "Grille", list(SCHEMES), key="terr_scheme", format_func=lambda s: SCHEME_TITLES[s]
    )
    label = right.selectbox(
        "Étiquette",
        list(CODEBOOK_LABELS[scheme]),
        key=f"terr_label_{scheme}",
        format_func=lambda lab: run.label_name(scheme, lab),
    )
    evidence = cell_evidence(run, code, scheme, label)
    st.markdown(f"**{len(evidence)}** phrase(s).")
    show_evidence(run, evidence, scheme, label, key="t")


def _figures(rows: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Étiquette": rows["label_name"],
            "Phrases": rows["n_sentences"].astype(int),
            "‰": rows["per_1000"].round(1),
            "IC 90 %": [
                f"{fr_number(lo)} – {fr_number(hi)}"
                for lo, hi in zip(rows["ci_low"], rows["ci_high"], strict=True)
            ],
            "Documents": rows["n_documents"].astype(int),
            **_quality(rows),
        }
    )


def _quality(rows: pd.DataFrame) -> dict[str, list[str]]:
    """Columns of measured precision and recall on real sentences, and the verdict."""
    if "reliable" not in rows:
        return {"Fiabilité": ["non mesurée"] * len(rows)}
    return {
        "Précision mesurée": [quality_text(v) for v in rows["precision"]],
        "Rappel mesuré": [quality_text(v) for v in rows["recall"]],
        "Fiabilité": ["fiable" if r else "indicative" for r in rows["reliable"]],
    }


def _scheme_block(rows: pd.DataFrame, code: str, scheme: str) -> None:
    part = rows[rows["scheme"] == scheme]
    left, right = st.columns(2)
    with left:
        svg = bars_svg(part, code, float(rows["per_1000"].max() or 1.0))
        st.markdown(svg, unsafe_allow_html=True)
    with right:
        st.dataframe(_figures(part), hide_index=True)
