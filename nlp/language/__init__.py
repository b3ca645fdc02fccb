"""French text to sentences and lexicon matches.

Sentence segmentation with spaCy (its layout boundaries and folded matching keys),
the lexicons (their schema, their compilation to folded lemmas, their matching and
curation checks) and the pseudonymisation of people named in published quotes.
Imports only the layers below: records, ingest and extract.
"""
