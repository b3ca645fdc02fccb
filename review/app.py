"""valpub review app (Streamlit): the analysts' view of a run, in French.

Started by ``valpub review`` (``streamlit run review/app.py -- --out DIR --store URL``),
this script owns the page as a whole: the login gate, the analyst's name, the sidebar
with the choice of view, the run it loads (:mod:`review.views.resources`) and the URL (a
URL such as ``?vue=phrase&phrase=12`` or ``?vue=document&doc=<sha256>&page=3`` opens a
view directly, and the open view is written back into it). The views themselves, the
territories x labels matrix, a territory's profile, one sentence to review, a PDF page,
keyword-in-context search, lexicon diagnostics and the classifier's card, are in
:mod:`review.views`, one module each; what they show comes from the plain modules of
:mod:`review`. Navigation state is kept in ``st.session_state``.
"""

from __future__ import annotations

import getpass
import sys
from pathlib import Path
from typing import Any

import streamlit as st

from flows.settings import settings
from nlp.records.errors import NlpError
from nlp.records.netaddr import is_loopback

try:
    from review import auth
except ModuleNotFoundError:  # `streamlit run review/app.py` from a checkout not installed
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from review import auth
from review.run import Run, parse_config
from review.views.lexicon import view_lexicon
from review.views.matrix import view_matrix
from review.views.model import view_model
from review.views.navigation import SLUGS, VIEWS, goto_sentence
from review.views.pdf_page import view_document
from review.views.resources import load_run
from review.views.search import view_search
from review.views.sentence import view_sentence
from review.views.territory import view_territory


def default_analyst() -> str:
    """``VALPUB_ANALYST`` (:class:`flows.settings.Settings`), else the login name."""
    name = settings().analyst.strip()
    if name:
        return name
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""


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
