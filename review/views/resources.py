"""What the review app keeps across Streamlit's reruns and sessions.

This module owns the app's cached resources: the run (reloaded when
``sentences.parquet`` changes), its lexicon-match index, the annotation store (one per
URL for the whole server) and the entries of the lexicon files. The views import them
from here, and :mod:`review.app` the run; the script itself cannot be imported, since it
draws the page when it runs.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from nlp.annotation.store import AnnotationStore
from review import diagnostics
from review.run import Run
from review.run import load_run as read_run


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
