"""valpub review app (Streamlit): the analysts' view of a run, in French.

Started by ``valpub review`` (``streamlit run review/app.py -- --out DIR --store URL``).
Views: the territories x labels matrix, a territory's profile, one sentence to review
(accept / reject / add labels, one judgement per click, written at once to the
annotation store), a PDF page, keyword-in-context search, lexicon diagnostics and the
classifier's card. The logic lives in the plain modules of :mod:`review`; this script
only lays out widgets. Navigation state is kept in ``st.session_state``; a URL such as
``?vue=phrase&phrase=12`` or ``?vue=document&doc=<sha256>&page=3`` opens a view
directly.
"""

from __future__ import annotations

import getpass
import html
import os
import sys
from pathlib import Path
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from nlp.annotations import AnnotationStore
from nlp.codebook import CODEBOOK_LABELS, SCHEMES
from nlp.errors import NlpError
from nlp.netaddr import is_loopback
from nlp.profile import COVERAGE_SCHEME, COVERAGE_THRESHOLD
from nlp.report import SCHEME_TITLES, bars_svg, fr_number, radar_svg

try:
    from review import auth
except ModuleNotFoundError:  # `streamlit run review/app.py` from a checkout not installed
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from review import auth
from review import diagnostics
from review.diagnostics import entry_sentences, lexicon_diagnostics
from review.documents import (
    document_file,
    document_rows,
    first_labelled_row,
    neighbours,
    next_to_review,
    page_rows,
    page_text,
)
from review.evidence import (
    EVIDENCE_SHOWN,
    cell_evidence,
    label_score,
    label_source,
    row_hits,
    sentence_html,
)
from review.judgements import (
    analyst_judgements,
    current_labels,
    make_judgement,
    reviewed_sets,
    run_labels,
)
from review.kwic import kwic
from review.model_versions import model_overview
from review.pdfs import pdf_path, render_pdf_page
from review.profiles import indicative_labels, matrix_long, quality_text, territory_rows
from review.run import DEFAULT_LEXICONS, Run, labels_of, parse_config
from review.run import load_run as read_run

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
ACTION_TITLES = {"accept": "acceptée", "reject": "rejetée", "add": "ajoutée", "set": "fixée"}
SOURCE_TITLES = {
    "lexicon": "lexique",
    "classifier": "classifieur",
    "both": "lexique et classifieur",
}


# -- state and resources -------------------------------------------------------------


@st.cache_resource(show_spinner="Chargement des résultats…", max_entries=4)
def load_run(out: str, stamp: float) -> Run:
    """The run in ``out`` (reloaded when ``sentences.parquet`` changes)."""
    del stamp
    return read_run(Path(out))


@st.cache_resource(show_spinner="Lecture des correspondances des lexiques…", max_entries=4)
def evidence_index(out: str, stamp: float) -> pd.DataFrame:
    """The lexicon matches of the run, parsed once."""
    return diagnostics.evidence_index(load_run(out, stamp))


@st.cache_resource(max_entries=4)
def open_store(url: str) -> AnnotationStore:
    """One store per URL for the whole server (it is safe across threads)."""
    return AnnotationStore(url)


@st.cache_resource(max_entries=2)
def lexicon_entries(path: str) -> list[tuple[str, str, str]]:
    """The lexicon entries, so that entries without a hit are listed too."""
    return diagnostics.lexicon_entries(Path(path))


def default_analyst() -> str:
    """``VALPUB_ANALYST``, else the login name."""
    name = os.environ.get("VALPUB_ANALYST", "").strip()
    if name:
        return name
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""


def analyst() -> str:
    """The analyst recorded with each decision.

    The logged-in user, else the name typed in the sidebar.
    """
    return str(st.session_state.get("_user") or st.session_state.get("analyste", "")).strip()


def _secrets() -> dict[str, Any]:
    try:
        return st.secrets.to_dict()
    except Exception:  # no secrets file: Streamlit raises on first access
        return {}


def login_gate() -> str | None:
    """The logged-in user, or None on the loopback address without a login configured.

    Stops the page (login form or refusal) until someone is logged in. Shared beyond
    this machine without a login, the app refuses to show anything (see
    :mod:`review.auth`).
    """
    config = _secrets()
    mode = auth.login_mode(config)
    host = str(st.get_option("server.address") or "")
    if mode is None:
        if host and not is_loopback(host):
            st.error(f"Application partagée sur {host} sans authentification : {auth.HOW_TO}.")
            st.stop()
        return None
    if mode == "oidc":
        if not st.user.is_logged_in:
            st.title("valpub — revue des étiquettes")
            st.button("Se connecter", on_click=st.login)
            st.stop()
        return str(st.user.get("email") or st.user.get("name") or "")
    if st.session_state.get("_user"):
        return str(st.session_state["_user"])
    users = config["valpub"]["users"]
    st.title("valpub — revue des étiquettes")
    with st.form("connexion"):
        name = st.text_input("Utilisateur")
        password = st.text_input("Mot de passe", type="password")
        if st.form_submit_button("Se connecter"):
            stored = users.get(name.strip())
            if isinstance(stored, str) and auth.check_password(stored, password):
                st.session_state["_user"] = name.strip()
                st.rerun()
            st.error("Utilisateur ou mot de passe incorrect.")
    st.stop()
    return None


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


def apply_query_params(run: Run) -> None:
    """On a session's first run, open the view the URL asks for."""
    if st.session_state.get("_url_read"):
        return
    st.session_state["_url_read"] = True
    params = st.query_params
    view = VIEWS.get(str(params.get("vue", "")))
    if view:
        st.session_state["vue"] = view
    try:
        if "phrase" in params and int(params["phrase"]) in run.sentences.index:
            goto_sentence(run, int(params["phrase"]))
        if "doc" in params:
            st.session_state["doc"] = str(params["doc"])
            st.session_state["doc_page"] = int(params.get("page", 1))
        if "territoire" in params:
            st.session_state["territoire"] = str(params["territoire"])
    except ValueError:
        pass


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


def page_link(run: Run, row: int) -> str:
    """A Markdown link opening the sentence's PDF page in a new tab of the app."""
    rec = run.sentences.loc[row]
    return (
        f"[{rec['file']}, p. {int(rec['page'])}]"
        f"(?vue=document&doc={rec['doc_sha256']}&page={int(rec['page'])})"
    )


# -- shared pieces -------------------------------------------------------------------

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


# -- views ---------------------------------------------------------------------------


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
        if lab in current:
            cols[1].button(
                "Accepter",
                key=f"accept-{scheme}-{lab}-{row}",
                on_click=judge,
                args=(run, store_url, row, scheme, lab, "accept"),
                disabled=disabled,
                icon=":material/check:",
            )
            cols[2].button(
                "Rejeter",
                key=f"reject-{scheme}-{lab}-{row}",
                on_click=judge,
                args=(run, store_url, row, scheme, lab, "reject"),
                disabled=disabled,
                icon=":material/close:",
            )
        else:
            cols[1].button(
                "Rétablir",
                key=f"add-{scheme}-{lab}-{row}",
                on_click=judge,
                args=(run, store_url, row, scheme, lab, "add"),
                disabled=disabled,
                icon=":material/undo:",
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


def view_model(run: Run) -> None:
    """The current classifier's card and its figures beside the previous version."""
    st.header("Modèle de classification")
    overview = model_overview(run.out / "models")
    if overview.current is None:
        st.info(
            "Aucun modèle dans ce run : les étiquettes viennent des lexiques seuls "
            "(`valpub train` en entraîne un)."
        )
        return
    a, b = st.columns(2)
    a.metric("Modèle actuel", overview.current)
    b.metric("Modèle précédent", overview.previous or "aucun")
    if overview.newer:
        st.warning(
            "Version(s) entraînée(s) après le modèle actuel, non promue(s) : "
            + ", ".join(overview.newer)
        )
    if len(overview.comparison.columns) > 3:
        st.subheader("Comparaison des versions")
        st.caption(
            "F1 macro du modèle combiné (lexiques + classifieur) ; écart = actuel − précédent."
        )
        st.dataframe(overview.comparison, hide_index=True)
    st.subheader("Fiche du modèle actuel")
    with st.container(border=True):
        st.markdown(overview.card)
    with st.expander("Toutes les versions"):
        st.dataframe(overview.versions, hide_index=True)


# -- main ----------------------------------------------------------------------------


def main() -> None:
    """Lay out the sidebar and the chosen view."""
    st.set_page_config(
        page_title="valpub — revue", page_icon=":material/fact_check:", layout="wide"
    )
    user = login_gate()
    config = parse_config(sys.argv[1:])
    stamp_path = config.out / "sentences.parquet"
    stamp = stamp_path.stat().st_mtime if stamp_path.exists() else 0.0
    try:
        run = load_run(str(config.out), stamp)
    except NlpError:
        st.title("valpub — revue des étiquettes")
        st.error(
            f"Aucun résultat dans {config.out} : lancez d'abord `valpub run --out {config.out}`."
        )
        st.stop()
        return
    apply_query_params(run)
    st.session_state.setdefault("analyste", default_analyst())
    st.session_state.setdefault("vue", VIEWS["matrice"])
    with st.sidebar:
        st.title("valpub — revue")
        if user is None:
            st.text_input(
                "Votre nom (analyste)",
                key="analyste",
                help="Enregistré avec chacune de vos décisions.",
            )
        else:
            st.caption(f"Connecté : {user} (enregistré avec chacune de vos décisions)")
        view = st.radio("Vue", list(VIEWS.values()), key="vue")
        st.divider()
        st.caption(f"Résultats : {config.out}")
        st.caption(f"Annotations : {config.store}")
        st.caption(f"{len(run.sentences)} phrases, {len(run.territories)} territoire(s).")
    if view == VIEWS["matrice"]:
        view_matrix(run)
    elif view == VIEWS["territoire"]:
        view_territory(run)
    elif view == VIEWS["phrase"]:
        view_sentence(run, config.store)
    elif view == VIEWS["document"]:
        view_document(run, config.corpus)
    elif view == VIEWS["recherche"]:
        view_search(run)
    elif view == VIEWS["lexique"]:
        view_lexicon(run, config.store, stamp)
    else:
        view_model(run)
    sync_url(view)


def sync_url(view: str) -> None:
    """Write the open view in the URL, so that a reload or a shared link reopens it."""
    params = {"vue": SLUGS.get(view, "matrice")}
    state = st.session_state
    if view == VIEWS["phrase"] and "phrase" in state:
        params["phrase"] = str(state["phrase"])
    elif view == VIEWS["document"] and "doc" in state:
        params["doc"] = str(state["doc"])
        params["page"] = str(state.get("doc_page", 1))
    elif view == VIEWS["territoire"] and "_terr" in state:
        params["territoire"] = str(state["_terr"])
    if dict(st.query_params) != params:
        st.query_params.from_dict(params)


main()
