"""The analysts' review app (``valpub review``): a Streamlit front end over a run's outputs.

:mod:`review.data` holds the logic (plain functions over the files ``valpub run`` writes
and the annotation store, tested without a browser); :mod:`review.app` is the thin
Streamlit script that shows them, in French.
"""
