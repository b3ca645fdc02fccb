"""The classifier: training data, fitting, evaluation, registry, and tagging.

Training examples and splits, the features and the model that combines them with
the lexicons, fitting and document-grouped evaluation, the versioned model registry,
and the tagging of a document's sentences into the rows of ``sentences.parquet``.
Imports only the layers below: records, ingest, extract and language.
"""
