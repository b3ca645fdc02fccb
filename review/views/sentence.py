"""The sentence view: one sentence to review, its labels to accept, reject or add.

This module owns the review itself: moving through a document's sentences (or to the
next one the analyst has not judged), the sentence in its context, and, scheme by
scheme, the run's labels with their origin and the buttons whose each click stores one
judgement at once in the annotation store, under the analyst's name (the logged-in
user, else the name typed in the sidebar).
"""

from __future__ import annotations

import html

import pandas as pd
import streamlit as st

from nlp.records.codebook import CODEBOOK_LABELS, SCHEMES
from nlp.records.errors import NlpError
from nlp.results.report_format import SCHEME_TITLES, fr_number
from review.documents import (
    document_file,
    document_rows,
    first_labelled_row,
    neighbours,
    next_to_review,
)
from review.evidence import label_score, label_source, sentence_html
from review.judgements import analyst_judgements, current_labels, make_judgement, run_labels
from review.run import Run, labels_of
from review.views.navigation import goto_sentence, open_page, open_sentence, page_link
from review.views.resources import open_store
from review.views.widgets import MUTED, html_block, show_neighbours

# the buttons beside a label: (title, judgement action, icon), for a label the sentence
# has (keep it or take it away) and for one an analyst took away (give it back)
HELD_LABEL_ACTIONS = (
    ("Accepter", "accept", ":material/check:"),
    ("Rejeter", "reject", ":material/close:"),
)
LOST_LABEL_ACTIONS = (("Rétablir", "add", ":material/undo:"),)
ACTION_TITLES = {"accept": "acceptée", "reject": "rejetée", "add": "ajoutée", "set": "fixée"}
SOURCE_TITLES = {
    "lexicon": "lexique",
    "classifier": "classifieur",
    "both": "lexique et classifieur",
}


def analyst() -> str:
    """The analyst recorded with each decision.

    The logged-in user, else the name typed in the sidebar.
    """
    return str(st.session_state.get("_user") or st.session_state.get("analyste", "")).strip()


def judge(run: Run, store_url: str, row: int, scheme: str, label: str, action: str) -> None:
    """Button callback: store the analyst's decision on one label, at once."""
    name = analyst()
    if not name:
        st.session_state["_erreur"] = "Indiquez votre nom dans le panneau latéral."
        return
    store = open_store(store_url)
    try:
        current = current_labels(run, row, store.judgements(), name)[scheme]
        judgement = make_judgement(run, row, scheme, label, action, name, current)
        store.add(judgement)
    except NlpError as exc:
        st.session_state["_erreur"] = f"Décision non enregistrée : {exc}"
        return
    st.toast(f"« {run.label_name(scheme, label)} » {ACTION_TITLES[action]} ({name}).")


def view_sentence(run: Run, store_url: str) -> None:
    """One sentence: its labels, scheme by scheme, to accept, reject or complete."""
    st.header("Révision d'une phrase")
    s = run.sentences
    if s.empty:
        st.info("Aucune phrase dans ce run.")
        return
    wanted = st.session_state.get("phrase")
    if wanted is not None and wanted in s.index:
        row = int(wanted)
    else:
        start = first_labelled_row(run)
        row = start if start is not None else int(s.index[0])
    # The navigation widgets' state is dropped while another view is shown: set it again.
    goto_sentence(run, row)
    store = open_store(store_url)
    judgements = store.judgements()
    name = analyst()

    docs = list(dict.fromkeys(s.sort_values(["file", "seq"])["doc_sha256"]))
    files = {sha: document_file(run, sha) for sha in docs}
    nav = st.columns([3, 1, 1, 1, 1])
    sha = nav[0].selectbox(
        "Document",
        docs,
        key="nav_doc",
        format_func=lambda d: files.get(d, d),
        on_change=_nav_document,
        args=(run,),
    )
    rows = document_rows(run, sha)
    nav[1].number_input(
        "Phrase n°",
        min_value=1,
        max_value=len(rows),
        step=1,
        key="nav_pos",
        on_change=_nav_position,
        args=(run,),
    )
    row = int(st.session_state["phrase"])
    pos = rows.index(row) if row in rows else 0
    nav[2].button(
        "Précédente",
        key="nav_prev",
        disabled=pos == 0,
        on_click=open_sentence,
        args=(run, rows[max(pos - 1, 0)]),
        icon=":material/arrow_back:",
    )
    nav[3].button(
        "Suivante",
        key="nav_next",
        disabled=pos >= len(rows) - 1,
        on_click=open_sentence,
        args=(run, rows[min(pos + 1, len(rows) - 1)]),
        icon=":material/arrow_forward:",
    )
    todo = next_to_review(run, judgements, name, row)
    nav[4].button(
        "À réviser",
        key="nav_todo",
        help="Phrase étiquetée suivante que vous n'avez pas encore révisée",
        disabled=todo is None,
        on_click=open_sentence,
        args=(run, todo if todo is not None else row),
        icon=":material/skip_next:",
    )

    rec = s.loc[row]
    heading = " · titre" if bool(rec["is_heading"]) else ""
    model = str(rec["model_version"] or "") or "aucun (lexiques seuls)"
    st.caption(
        f"{rec['territory_name']} · phrase {pos + 1} sur {len(rows)} · page "
        f"{int(rec['page'])}{heading} · modèle : {model}"
    )
    around = neighbours(run, row, 1, 1)
    with st.container(border=True):
        for _, near in around[around["offset"] < 0].iterrows():
            html_block(html.escape(str(near["published_text"])), MUTED)
        html_block(sentence_html(run, row), "font-size:1.15rem;margin:0.3rem 0")
        for _, near in around[around["offset"] > 0].iterrows():
            html_block(html.escape(str(near["published_text"])), MUTED)
    left, right = st.columns([1, 3])
    left.button(
        f"Page {int(rec['page'])} du PDF",
        key="sent_pdf",
        on_click=open_page,
        args=(str(rec["doc_sha256"]), int(rec["page"])),
        icon=":material/picture_as_pdf:",
    )
    right.markdown(f"Ou dans un nouvel onglet : {page_link(run, row)}")
    with st.expander("Plus de contexte"):
        show_neighbours(run, row, 4, 4)

    error = st.session_state.pop("_erreur", None)
    if error:
        st.error(error)
    if not name:
        st.warning("Indiquez votre nom dans le panneau latéral pour enregistrer vos décisions.")

    predicted = run_labels(run, row)
    current = current_labels(run, row, judgements, name)
    mine = analyst_judgements(judgements, str(rec["key"]), name)
    halves = st.columns(2, gap="large")
    for k, scheme in enumerate(SCHEMES):
        with halves[k // 3]:
            _scheme_review(run, store_url, row, scheme, predicted[scheme], current[scheme], mine)


def _nav_document(run: Run) -> None:
    rows = document_rows(run, str(st.session_state["nav_doc"]))
    if rows:
        goto_sentence(run, rows[0])


def _nav_position(run: Run) -> None:
    rows = document_rows(run, str(st.session_state["nav_doc"]))
    pos = int(st.session_state["nav_pos"]) - 1
    if 0 <= pos < len(rows):
        st.session_state["phrase"] = rows[pos]


def _scheme_review(
    run: Run,
    store_url: str,
    row: int,
    scheme: str,
    predicted: tuple[str, ...],
    current: tuple[str, ...],
    mine: dict[str, pd.Series],
) -> None:
    st.markdown(f"##### {SCHEME_TITLES[scheme]}")
    last = mine.get(scheme)
    if last is not None:
        when = pd.Timestamp(last["at"]).tz_convert("Europe/Paris").strftime("%d/%m/%Y %H:%M")
        what = ACTION_TITLES.get(str(last["action"]), str(last["action"]))
        if last["label"]:
            done = f"« {run.label_name(scheme, str(last['label']))} » {what}"
        else:
            names = ", ".join(run.label_name(scheme, x) for x in labels_of(last["labels"]))
            done = f"étiquettes fixées ({names or 'aucune'})"
        st.caption(f"Votre dernière décision : {done} le {when}.")
    disabled = not analyst()
    shown = [lab for lab in CODEBOOK_LABELS[scheme] if lab in predicted or lab in current]
    if not shown:
        st.caption("Aucune étiquette proposée.")
    for lab in shown:
        cols = st.columns([5, 3, 3], vertical_alignment="center")
        source = SOURCE_TITLES.get(label_source(run, row, scheme, lab), "")
        score = label_score(run, row, scheme, lab)
        detail = ", ".join(
            p for p in (source, f"p = {fr_number(score, 2)}" if score is not None else "") if p
        )
        if lab in current:
            status = "✅ retenue" if last is not None else "proposée"
            if lab not in predicted:
                status = "➕ ajoutée"
        else:
            status = "❌ rejetée"
        cols[0].markdown(
            f"**{run.label_name(scheme, lab)}** · {status}"
            + (f" :gray[({detail})]" if detail else "")
        )
        actions = HELD_LABEL_ACTIONS if lab in current else LOST_LABEL_ACTIONS
        for col, (title, action, icon) in zip(cols[1:], actions, strict=False):
            col.button(
                title,
                key=f"{action}-{scheme}-{lab}-{row}",
                on_click=judge,
                args=(run, store_url, row, scheme, lab, action),
                disabled=disabled,
                icon=icon,
            )
    missing = [lab for lab in CODEBOOK_LABELS[scheme] if lab not in current and lab not in shown]
    if missing:
        cols = st.columns([3, 2])
        choice = cols[0].selectbox(
            "Ajouter une étiquette",
            missing,
            key=f"addsel-{scheme}-{row}",
            format_func=lambda lab: run.label_name(scheme, lab),
            label_visibility="collapsed",
            index=None,
            placeholder="Ajouter une étiquette…",
        )
        cols[1].button(
            "Ajouter",
            key=f"addbtn-{scheme}-{row}",
            on_click=judge,
            args=(run, store_url, row, scheme, choice or missing[0], "add"),
            disabled=disabled or choice is None,
            icon=":material/add:",
        )
