"""Which view of the review app is open, and the callbacks that open another.

This module owns the view names (:data:`VIEWS`, French titles by URL slug), the
session-state keys that say which sentence, document page or territory a view shows,
and the button callbacks that move to a sentence or to a PDF page, which must run
before the widgets of the next rerun exist. It also writes the Markdown link that opens
a sentence's PDF page in a new tab.
"""

from __future__ import annotations

import streamlit as st

from review.run import Run

VIEWS = {
    "matrice": "Matrice",
    "territoire": "Territoire",
    "phrase": "Phrase",
    "document": "Page du PDF",
    "recherche": "Recherche",
    "lexique": "Lexique",
    "modele": "Modèle",
}
SLUGS = {title: slug for slug, title in VIEWS.items()}


def goto_sentence(run: Run, row: int) -> None:
    """Open sentence ``row`` in the sentence view (call before its widgets exist)."""
    st.session_state["phrase"] = int(row)
    st.session_state["nav_doc"] = str(run.sentences.at[row, "doc_sha256"])
    st.session_state["nav_pos"] = int(run.sentences.at[row, "seq"]) + 1


def open_sentence(run: Run, row: int) -> None:
    """Button callback: review sentence ``row``."""
    goto_sentence(run, row)
    st.session_state["vue"] = VIEWS["phrase"]


def open_page(sha256: str, page: int) -> None:
    """Button callback: show a page of a PDF."""
    st.session_state["doc"] = sha256
    st.session_state["doc_page"] = int(page)
    st.session_state["vue"] = VIEWS["document"]


def page_link(run: Run, row: int) -> str:
    """A Markdown link opening the sentence's PDF page in a new tab of the app."""
    rec = run.sentences.loc[row]
    return (
        f"[{rec['file']}, p. {int(rec['page'])}]"
        f"(?vue=document&doc={rec['doc_sha256']}&page={int(rec['page'])})"
    )
