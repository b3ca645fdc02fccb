"""The PDF-page view: one page of a document beside the sentences read from it.

This module owns the page of a document: the choice of document and page, the page
rendered from the PDF (with a warning, and the extracted text alone, when the file is
missing or changed since the run), a download button, the page's sentences with their
labels and a button to review each, and the page's extracted text.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from nlp.records.errors import NlpError
from review.documents import document_file, page_rows, page_text
from review.evidence import sentence_html
from review.judgements import run_labels
from review.pdfs import pdf_path, render_pdf_page
from review.run import Run
from review.views.navigation import open_sentence
from review.views.widgets import html_block


def view_document(run: Run, corpus: Path | str) -> None:
    """One page of a PDF (rendered), its text and its sentences."""
    st.header("Page d'un document")
    s = run.sentences
    docs = list(dict.fromkeys(s.sort_values(["file", "seq"])["doc_sha256"]))
    if not docs:
        st.info("Aucun document avec du texte dans ce run.")
        return
    if st.session_state.get("doc") not in docs:
        st.session_state["doc"] = docs[0]
    left, right = st.columns([3, 1])
    sha = left.selectbox("Document", docs, key="doc", format_func=lambda d: document_file(run, d))
    pages = sorted(int(p) for p in s.loc[s["doc_sha256"] == sha, "page"].unique())
    total = max(pages)
    if not run.documents.empty and "sha256" in run.documents.columns:
        match = run.documents.loc[run.documents["sha256"] == sha, "pages"]
        if len(match) and pd.notna(match.iloc[0]):
            total = max(total, int(match.iloc[0]))
    if not 1 <= int(st.session_state.get("doc_page", 1)) <= total:
        st.session_state["doc_page"] = 1
    page = int(right.number_input("Page", min_value=1, max_value=total, step=1, key="doc_page"))
    file = document_file(run, sha)
    image_col, text_col = st.columns([3, 2])
    with image_col:
        path = pdf_path(corpus, file, sha)
        if path is None:
            where = f"{corpus}/{file}" if isinstance(corpus, str) else str(Path(corpus) / file)
            st.warning(
                f"PDF introuvable ou modifié depuis le run : {where}. "
                "Le texte extrait reste affiché."
            )
        else:
            try:
                st.image(render_pdf_page(path, page), caption=f"{file}, page {page}")
            except NlpError as exc:
                st.warning(f"Page non affichable : {exc}")
            st.download_button(
                "Télécharger le PDF",
                path.read_bytes(),
                file_name=path.name,
                mime="application/pdf",
                key="doc_download",
            )
    with text_col:
        st.markdown("**Phrases de la page**")
        rows = page_rows(run, sha, page)
        if not rows:
            st.caption("Aucune phrase sur cette page.")
        for row in rows:
            labels = [
                run.label_name(scheme, lab)
                for scheme, labs in run_labels(run, row).items()
                for lab in labs
            ]
            cols = st.columns([6, 1], vertical_alignment="center")
            with cols[0]:
                html_block(sentence_html(run, row))
            if labels:
                cols[0].caption(" · ".join(labels))
            cols[1].button(
                "",
                help="Réviser cette phrase",
                key=f"docrev-{row}",
                on_click=open_sentence,
                args=(run, row),
                icon=":material/rate_review:",
            )
        with st.expander("Texte extrait de la page"):
            text = page_text(run.out, sha, page)
            st.text(text if text is not None else "(texte non disponible)")
