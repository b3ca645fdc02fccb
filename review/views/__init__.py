"""The views of the review app, one module per view, and the pieces they share.

Each view module holds one page of the app (the function ``view_*`` that :mod:`review.app`
calls with the run, plus its private helpers); :mod:`review.views.navigation` holds the
view names and the callbacks that move between views, :mod:`review.views.widgets` the
blocks several views show (a sentence card, its neighbours, the evidence of a cell) and
:mod:`review.views.resources` what Streamlit keeps across reruns (the run, the annotation
store, the lexicon index). They only lay out widgets, in French; what they show comes from
the plain modules of :mod:`review`.
"""
