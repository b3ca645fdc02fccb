"""Tag the sentences of extracted pages with the lexicons: the rows of ``sentences.parquet``.

Glue between :mod:`nlp.segment`, :mod:`nlp.lexicon` and the stored pages: one function
turns a document's pages into a table with one row per sentence, its labels per scheme
and their evidence. The caller loads the pipeline and the matcher once and passes them
in; this module keeps no state.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd
from spacy.language import Language

from nlp.codebook import SCHEMES
from nlp.extract import Page
from nlp.lexicon import LexiconMatcher, tag_pages
from nlp.segment import DEFAULT_BATCH_SIZE
from nlp.store import SENTENCE_COLUMNS


def lexicon_fingerprint(directory: Path) -> str:
    """A short hash of every lexicon file's bytes: tagged results are reused only under it."""
    h = hashlib.sha256()
    for path in sorted(Path(directory).glob("*.yaml")):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:12]


def tag_document(
    nlp: Language,
    matcher: LexiconMatcher,
    pages: Iterable[Page],
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> pd.DataFrame:
    """Segment and tag the pages of one document; return one row per sentence.

    Label columns (one per scheme) hold sorted lists of label ids; ``evidence`` is a
    JSON object ``{scheme: {label: [[entry_id, surface, start, end], ...]}}`` with
    offsets into the page text.
    """
    versions = json.dumps(matcher.versions, sort_keys=True)
    rows: list[dict[str, Any]] = []
    usable = (p for p in pages if p.text.strip())
    for sentence, tags in tag_pages(nlp, matcher, usable, batch_size=batch_size):
        row: dict[str, Any] = {
            "doc_sha256": sentence.doc_sha256,
            "page": sentence.page,
            "start": sentence.start,
            "end": sentence.end,
            "text": sentence.text,
            "is_heading": sentence.is_heading,
            "evidence": json.dumps(
                {
                    scheme: {
                        label: [[e.entry_id, e.surface, e.start, e.end] for e in found]
                        for label, found in sorted(labels.items())
                    }
                    for scheme, labels in sorted(tags.items())
                    if labels
                },
                ensure_ascii=False,
            ),
            "lexicon_versions": versions,
        }
        for scheme in SCHEMES:
            row[scheme] = sorted(tags.get(scheme, {}))
        rows.append(row)
    return pd.DataFrame(rows, columns=SENTENCE_COLUMNS)
