"""The search view: keyword in context over every sentence of the run.

This module owns the search page: the query (case and accents ignored, optionally whole
words, optionally some territories), the table of occurrences with their left and right
context, and the card of the sentence of a selected row, to review it.
"""

from __future__ import annotations

import streamlit as st

from review.kwic import kwic
from review.run import Run
from review.views.widgets import show_sentence_card


def view_search(run: Run) -> None:
    """Keyword in context over every sentence of the run."""
    st.header("Recherche dans le corpus")
    left, middle, right = st.columns([3, 1, 2])
    query = left.text_input(
        "Mot ou expression", key="kwic_q", placeholder="ex. : budget participatif"
    )
    whole = middle.checkbox("Mot entier", key="kwic_whole")
    terr = right.multiselect(
        "Territoires",
        list(run.territories),
        key="kwic_terr",
        format_func=lambda c: run.territories.get(c, c),
        placeholder="Tous",
    )
    st.caption("La recherche ignore les majuscules et les accents.")
    if not query.strip():
        return
    found = kwic(run, query, whole_word=whole, territories=terr)
    st.markdown(f"**{len(found)}** occurrence(s) dans **{found['row'].nunique()}** phrase(s).")
    if found.empty:
        return
    table = found.rename(
        columns={
            "territory_name": "Territoire",
            "file": "Document",
            "page": "Page",
            "left": "Contexte gauche",
            "match": "Occurrence",
            "right": "Contexte droit",
        }
    )
    event = st.dataframe(
        table.drop(columns="row"),
        hide_index=True,
        column_order=[
            "Contexte gauche",
            "Occurrence",
            "Contexte droit",
            "Territoire",
            "Document",
            "Page",
        ],
        key="kwic_table",
        on_select="rerun",
        selection_mode="single-row",
        column_config={
            "Contexte gauche": st.column_config.TextColumn(alignment="right"),
            "Occurrence": st.column_config.TextColumn(width="medium"),
        },
    )
    picked = list(event.selection.rows) if event is not None else []
    if picked:
        row = int(found.iloc[picked[0]]["row"])
        st.markdown("**Phrase sélectionnée**")
        show_sentence_card(run, row, key="k")
    else:
        st.caption("Sélectionnez une ligne pour voir la phrase et la réviser.")
