"""The columns of the tables a run publishes, in order.

``documents.parquet`` (and ``.csv``) has one row per document, ``sentences.parquet`` one
row per sentence; both are documented in ``outputs/README.md``.
"""

from __future__ import annotations

from nlp.records.codebook import SCHEMES

DOCUMENT_COLUMNS = [
    "file",
    "sha256",
    "territory_code",
    "territory_name",
    "territory_type",
    "title",
    "year",
    "pages",
    "pages_with_text",
    "pages_needing_ocr",
    "pages_ocr",
    "status",
    "reason",
    "bytes",
    "seconds",
    "extractor_version",
]

SENTENCE_COLUMNS = [
    "doc_sha256",
    "page",
    "start",
    "end",
    "text",
    "is_heading",
    "ocr",
    *SCHEMES,
    "sources",
    "scores",
    "evidence",
    "lexicon_versions",
    "model_version",
]
