"""The model view: the current classifier's card beside the previous version.

This module owns the model page: which version is current and which it replaced, the
newer versions not promoted, the figures of the versions side by side, the current
model card and the list of every stored version.
"""

from __future__ import annotations

import streamlit as st

from review.model_versions import model_overview
from review.run import Run


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
