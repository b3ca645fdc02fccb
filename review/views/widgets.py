"""Blocks that several views of the review app show.

This module owns the HTML block (text shown as one ``<div>``, so that Markdown does not
reinterpret a sentence), the sentence card (highlighted terms, origin, buttons to review
the sentence or open its PDF page, its neighbours) and the list of a cell's evidence
sentences with its "show all" switch, used by the matrix, territory and search views.
"""

from __future__ import annotations

import html

import pandas as pd
import streamlit as st

from review.documents import neighbours
from review.evidence import EVIDENCE_SHOWN, row_hits, sentence_html
from review.run import Run
from review.views.navigation import open_page, open_sentence

MUTED = "color:#6b6b6b;font-size:0.9rem"


def html_block(body: str, style: str = "") -> None:
    """Show escaped text or built HTML as one block.

    Inside a ``<div>`` Markdown is not interpreted, so a sentence starting with "2. " is
    not turned into a numbered list, nor "*" into emphasis.
    """
    attr = f" style='{style}'" if style else ""
    st.markdown(f"<div{attr}>{body}</div>", unsafe_allow_html=True)


def show_sentence_card(
    run: Run,
    row: int,
    scheme: str | None = None,
    label: str | None = None,
    key: str = "",
) -> None:
    """One evidence sentence: highlighted terms, where it comes from, its neighbours."""
    rec = run.sentences.loc[row]
    with st.container(border=True):
        html_block(sentence_html(run, row, scheme, label))
        hits = row_hits(run, row, scheme, label)
        terms = ", ".join(sorted({h.surface for h in hits})) or "aucun (classifieur)"
        heading = " · titre" if bool(rec["is_heading"]) else ""
        st.caption(
            f"{rec['territory_name']} · {rec['file']}, page {int(rec['page'])}{heading} · "
            f"termes repérés : {terms}"
        )
        left, middle, right = st.columns([1, 1, 3])
        left.button(
            "Réviser",
            key=f"rev-{key}-{row}",
            on_click=open_sentence,
            args=(run, row),
            icon=":material/rate_review:",
        )
        middle.button(
            "Page du PDF",
            key=f"pdf-{key}-{row}",
            on_click=open_page,
            args=(str(rec["doc_sha256"]), int(rec["page"])),
            icon=":material/picture_as_pdf:",
        )
        with right.expander("Phrases voisines"):
            show_neighbours(run, row)


def show_neighbours(run: Run, row: int, before: int = 2, after: int = 2) -> None:
    """The sentences around ``row`` in its document, ``row`` in bold."""
    for _, rec in neighbours(run, row, before, after).iterrows():
        text = html.escape(str(rec["published_text"]))
        if int(rec["offset"]) == 0:
            html_block(f"<strong>{text}</strong>")
        else:
            html_block(text, MUTED)


def show_evidence(run: Run, evidence: pd.DataFrame, scheme: str, label: str, key: str) -> None:
    """The strongest evidence sentences of a cell, with a 'show more' switch."""
    if evidence.empty:
        st.info("Aucune phrase.")
        return
    shown = evidence.head(EVIDENCE_SHOWN)
    if len(evidence) > EVIDENCE_SHOWN and st.toggle(
        f"Afficher les {len(evidence)} phrases (les {EVIDENCE_SHOWN} plus nettes d'abord)",
        key=f"more-{key}",
    ):
        shown = evidence
    for row in shown["row"]:
        show_sentence_card(run, int(row), scheme, label, key=key)
