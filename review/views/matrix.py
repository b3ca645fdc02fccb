"""The matrix view: territories x labels as a heatmap, and the sentences behind a cell.

This module owns the first page of the app: the coding matrix drawn with Altair
(colour relative to the largest value of each scheme, indicative labels named), the
choice of a cell by clicking it or with two select boxes, and that cell's evidence
sentences.
"""

from __future__ import annotations

from typing import Any

import altair as alt
import streamlit as st

from nlp.results.report_format import SCHEME_TITLES, fr_number
from review.evidence import cell_evidence
from review.profiles import indicative_labels, matrix_long
from review.run import Run
from review.views.widgets import show_evidence


def view_matrix(run: Run) -> None:
    """The territories x labels heatmap; a cell opens the sentences behind it."""
    st.header("Matrice territoires × étiquettes")
    cells = matrix_long(run)
    if cells.empty:
        st.info("Pas de matrice de codage dans ce run (coding_matrix.csv).")
        return
    st.caption(
        "Intensité en phrases pour 1 000 phrases du territoire ; la couleur est relative au "
        "maximum de chaque grille. Cliquez une case pour afficher ses phrases."
    )
    indicative = indicative_labels(run)
    if indicative:
        st.caption(
            "Étiquettes indicatives (F1 mesuré sur des phrases réelles inférieur au seuil "
            "documenté, ou non mesuré) : " + ", ".join(indicative) + "."
        )
    order = [info.name for info in run.labels]
    pick = alt.selection_point(name="cellule", fields=["territory_code", "cell"])
    cells["scheme_title"] = cells["scheme"].map(SCHEME_TITLES)
    chart = (
        alt.Chart(cells)
        .mark_rect(stroke="white", strokeWidth=1.5)
        .encode(
            x=alt.X(
                "label_name:N",
                sort=order,
                title=None,
                axis=alt.Axis(orient="top", labelAngle=-45, labelLimit=220, labelOverlap=False),
            ),
            y=alt.Y(
                "territory_name:N", title=None, axis=alt.Axis(labelLimit=260, labelOverlap=False)
            ),
            color=alt.Color(
                "intensity:Q", scale=alt.Scale(scheme="blues", domain=[0, 1]), legend=None
            ),
            opacity=alt.condition(pick, alt.value(1.0), alt.value(0.45)),
            tooltip=[
                alt.Tooltip("territory_name:N", title="Territoire"),
                alt.Tooltip("scheme_title:N", title="Grille"),
                alt.Tooltip("label_name:N", title="Étiquette"),
                alt.Tooltip("per_1000:Q", title="Pour 1 000 phrases", format=".1f"),
            ],
        )
        .add_params(pick)
        .properties(height=alt.Step(34))
    )
    pending = st.session_state.get("heatmap")
    chosen = _chart_choice(pending)
    if chosen and chosen != st.session_state.get("_heatmap_applied"):
        st.session_state["_heatmap_applied"] = chosen
        st.session_state["cell_territory"], st.session_state["cell_label"] = chosen
    st.altair_chart(chart, key="heatmap", on_select="rerun", selection_mode="cellule")

    codes = list(run.territories)
    left, right = st.columns(2)
    code = left.selectbox(
        "Territoire",
        codes,
        key="cell_territory",
        format_func=lambda c: run.territories.get(c, c),
    )
    label_keys = [f"{info.scheme}:{info.id}" for info in run.labels]
    cell = right.selectbox(
        "Étiquette",
        label_keys,
        key="cell_label",
        format_func=lambda k: (
            f"{SCHEME_TITLES.get(k.split(':')[0], k)} — {run.label_name(*k.split(':', 1))}"
        ),
    )
    if code is None or cell is None:
        return
    scheme, label = cell.split(":", 1)
    evidence = cell_evidence(run, code, scheme, label)
    value = (
        float(run.matrix.at[code, cell])
        if code in run.matrix.index and cell in run.matrix.columns
        else float("nan")
    )
    st.subheader(f"{run.territories.get(code, code)} — {run.label_name(scheme, label)}")
    st.markdown(
        f"**{len(evidence)}** phrase(s) portent cette étiquette, soit "
        f"**{fr_number(value)} ‰** des phrases du territoire."
    )
    show_evidence(run, evidence, scheme, label, key="m")


def _chart_choice(state: Any) -> tuple[str, str] | None:
    """(territory code, ``scheme:label``) clicked in the heatmap, if any."""
    try:
        picked = state["selection"]["cellule"]
    except (KeyError, TypeError):
        return None
    if isinstance(picked, list) and picked and isinstance(picked[0], dict):
        point = picked[0]
        if "territory_code" in point and "cell" in point:
            return str(point["territory_code"]), str(point["cell"])
    return None
