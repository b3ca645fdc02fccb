"""Tag the sentences of extracted pages with the lexicons: the rows of ``sentences.parquet``.

Glue between :mod:`nlp.language.segment`, :mod:`nlp.language.lexicon_match`,
:mod:`nlp.model.classify` and the stored pages: one function turns a document's pages
into a table with one row per sentence, its labels per scheme, their sources, the
classifier's scores and the lexicon evidence. The
caller loads the pipeline, the matcher and the classifier once and passes them in; this
module keeps no state.

Without a classifier the labels are the lexicons' (source ``lexicon``, score 1.0 for a
label given and 0.0 otherwise), so the table has the same columns either way.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

import pandas as pd
from spacy.language import Language

from nlp.extract.document import Page
from nlp.language.lexicon_match import LexiconMatcher, tag_pages
from nlp.language.segment import DEFAULT_BATCH_SIZE
from nlp.model.classify import SentenceClassifier, lexicon_only_predictions
from nlp.records.codebook import SCHEMES
from nlp.records.tables import SENTENCE_COLUMNS


def tag_document(
    nlp: Language,
    matcher: LexiconMatcher,
    pages: Iterable[Page],
    batch_size: int = DEFAULT_BATCH_SIZE,
    classifier: SentenceClassifier | None = None,
) -> pd.DataFrame:
    """Segment, tag and classify the pages of one document; return one row per sentence.

    Label columns (one per scheme) hold the final labels (lexicon and classifier
    combined by the model's rule of each scheme), as lists in codebook order;
    ``sources`` is JSON ``{scheme: {label: "lexicon"|"classifier"|"both"}}``,
    ``scores`` JSON ``{scheme: {label: probability}}`` and ``model_version`` the
    model's version ("" without one). ``evidence`` is JSON
    ``{scheme: {label: [[entry_id, surface, start, end], ...]}}`` with offsets into
    the page text: what the lexicons matched, whether or not the label was kept.
    ``ocr`` says the sentence was read by OCR from a page image (it may hold OCR errors).
    """
    versions = json.dumps(matcher.versions, sort_keys=True)
    rows: list[dict[str, Any]] = []
    found: list[Any] = []
    ocr_pages: set[int] = set()

    def usable() -> Iterator[Page]:
        for page in pages:
            if page.text.strip():
                if page.ocr:
                    ocr_pages.add(page.page)
                yield page

    for sentence, tags in tag_pages(nlp, matcher, usable(), batch_size=batch_size):
        row: dict[str, Any] = {
            "doc_sha256": sentence.doc_sha256,
            "page": sentence.page,
            "start": sentence.start,
            "end": sentence.end,
            "text": sentence.text,
            "is_heading": sentence.is_heading,
            "ocr": sentence.page in ocr_pages,
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
        rows.append(row)
        found.append(tags)
    texts = [row["text"] for row in rows]
    if classifier is None:
        predictions = lexicon_only_predictions(texts, found)
        version = ""
    else:
        predictions = classifier.predict(texts, found) if rows else []
        version = str(classifier.meta.get("version", ""))
    for row, pred in zip(rows, predictions, strict=True):
        for scheme in SCHEMES:
            row[scheme] = pred.labels.get(scheme, [])
        row["sources"] = json.dumps(pred.sources, ensure_ascii=False, sort_keys=True)
        row["scores"] = json.dumps(pred.scores, ensure_ascii=False, sort_keys=True)
        row["model_version"] = version
    return pd.DataFrame(rows, columns=SENTENCE_COLUMNS)
