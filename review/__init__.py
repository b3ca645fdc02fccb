"""The analysts' review app (``valpub review``): a Streamlit front end over a run's outputs.

The logic lives in plain modules, one per concern, tested without a browser:
:mod:`review.run` (the configuration and the run's tables), :mod:`review.documents`
(sentences and pages in reading order), :mod:`review.evidence` (lexicon matches,
highlighting, the sentences behind a cell), :mod:`review.profiles` (the matrix and the
territory profiles), :mod:`review.kwic` (search), :mod:`review.judgements` (the
analysts' decisions), :mod:`review.diagnostics` (lexicon diagnostics),
:mod:`review.model_versions` (the classifier versions), :mod:`review.pdfs` (the PDFs and
their pages) and :mod:`review.auth` (logins). :mod:`review.app` is the Streamlit script
that shows them, in French, with one module of :mod:`review.views` per view.
"""
