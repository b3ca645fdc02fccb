"""The lexicon view: hits and precision of every lexicon entry.

This module owns the diagnostics page: the counts of entries and reviewed sentences,
the table of entries (filtered by scheme, or to the misleading ones) with their
precision on the reviewed sentences, and the sentences a selected entry matched with
the reviewed verdict on its label.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from nlp.records.codebook import SCHEMES
from nlp.results.report_format import SCHEME_TITLES
from review.diagnostics import entry_sentences, lexicon_diagnostics
from review.evidence import sentence_html
from review.judgements import reviewed_sets
from review.run import DEFAULT_LEXICONS, Run
from review.views.resources import evidence_index, lexicon_entries, open_store
from review.views.widgets import html_block


def view_lexicon(run: Run, store_url: str, stamp: float) -> None:
    """Hits and precision of every lexicon entry, to find the terms that mislead."""
    st.header("Diagnostic des lexiques")
    judgements = open_store(store_url).judgements()
    index = evidence_index(str(run.out), stamp)
    entries = lexicon_entries(str(DEFAULT_LEXICONS))
    diag = lexicon_diagnostics(run, judgements, entries, index)
    reviewed = len(reviewed_sets(judgements))
    a, b, c = st.columns(3)
    a.metric("Entrées", len(diag))
    b.metric("Entrées avec au moins une occurrence", int((diag["occurrences"] > 0).sum()))
    c.metric("Couples phrase × grille révisés", reviewed)
    st.caption(
        "Précision d'une entrée : part des phrases révisées qu'elle a repérées dont les "
        "étiquettes révisées gardent l'étiquette de l'entrée (décision la plus récente)."
    )
    left, right = st.columns(2)
    scheme = left.selectbox(
        "Grille",
        ["", *SCHEMES],
        key="lex_scheme",
        format_func=lambda s: SCHEME_TITLES.get(s, "Toutes les grilles"),
    )
    misleading = right.toggle("Seulement les entrées trompeuses (précision < 50 %)", key="lex_bad")
    shown = diag if not scheme else diag[diag["scheme"] == scheme]
    if misleading:
        shown = shown[shown["precision"] < 0.5]
    table = pd.DataFrame(
        {
            "Grille": [SCHEME_TITLES.get(x, x) for x in shown["scheme"]],
            "Étiquette": [
                run.label_name(sch, lab)
                for sch, lab in zip(shown["scheme"], shown["label"], strict=True)
            ],
            "Entrée": shown["entry_id"],
            "Occurrences": shown["occurrences"],
            "Phrases": shown["sentences"],
            "Révisées": shown["reviewed"],
            "Confirmées": shown["kept"],
            "Précision": shown["precision"],
        }
    )
    event = st.dataframe(
        table,
        hide_index=True,
        key="lex_table",
        on_select="rerun",
        selection_mode="single-row",
        column_config={
            "Précision": st.column_config.ProgressColumn(
                format="percent", min_value=0.0, max_value=1.0
            )
        },
    )
    picked = list(event.selection.rows) if event is not None else []
    if not picked:
        st.caption("Sélectionnez une entrée pour voir les phrases qu'elle a repérées.")
        return
    entry = str(table.iloc[picked[0]]["Entrée"])
    found = entry_sentences(run, entry, judgements, index)
    st.subheader(f"Phrases repérées par {entry}")
    verdicts = {"kept": "✅ confirmée", "rejected": "❌ rejetée", "": "non révisée"}
    for rec in found.head(30).itertuples(index=False):
        text = sentence_html(run, int(rec.row), rec.scheme, rec.label)
        html_block(f"{verdicts[rec.verdict]} — {text}")
