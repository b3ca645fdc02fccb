"""The lexicons' side of the classifier: their hits as features and as labels.

Each sentence is matched whole by :class:`nlp.language.lexicon_match.LexiconMatcher`
(one ``nlp.pipe`` pass, so spaCy never runs inside ``fit``); the hits become one binary
column per label of every scheme (24 columns), which the classifier reads as features and
the combination rules read as the lexicon's own decisions. Fragments, too short to state
anything, are recognised here too, since both sides skip them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from spacy.language import Language

from nlp.language.folding import normalise_text
from nlp.language.lexicon_match import LexiconMatcher, Tags
from nlp.language.segment import ORIGINAL_TEXT_KEY
from nlp.model.training import SCHEMES
from nlp.records.codebook import CODEBOOK_LABELS

LEXICON_COLUMNS: tuple[tuple[str, str], ...] = tuple(
    (scheme, label) for scheme in SCHEMES for label in CODEBOOK_LABELS[scheme]
)
"""One lexicon feature column per (scheme, label), in codebook order."""


#: Fewer words than this make a fragment (a table cell, a broken line, a lone heading
#: word), which gets no label: of the 885 real annotated sentences this short, one
#: carries a label of any scheme, while a third of the longer ones do.
MIN_WORDS = 5


def is_fragment(text: str) -> bool:
    """True for a text too short to state an aim, a value or an actor (see MIN_WORDS)."""
    return len(text.split()) < MIN_WORDS


#: Pipeline components that only set sentence boundaries (see ``nlp.language.segment``).
SENTENCE_PIPES = ("senter", "valpub_boundaries", "parser")


def lexicon_tags(
    nlp: Language, matcher: LexiconMatcher, texts: Sequence[str], batch_size: int = 256
) -> list[Tags]:
    """Run the lexicons on each text as one unit (one ``nlp.pipe`` pass).

    Args:
        nlp: the pipeline the matcher was built with (``nlp.language.segment.load_pipeline``).
        matcher: the compiled lexicons.
        texts: sentences; an empty text gets no tags.
        batch_size: texts per ``nlp.pipe`` batch.

    Returns:
        One ``Tags`` per text; evidence offsets are offsets into that text.
    """
    out: list[Tags] = [{} for _ in texts]
    todo = [(normalise_text(t), i) for i, t in enumerate(texts) if t.strip()]
    # Each text is matched whole, so sentence boundaries are not needed: without the
    # senter (its own tok2vec) the pass is about a fifth faster, with the same lemmas.
    unused = [name for name in SENTENCE_PIPES if name in nlp.pipe_names]
    with nlp.select_pipes(disable=unused):
        for doc, i in nlp.pipe(todo, as_tuples=True, batch_size=batch_size):
            doc.user_data[ORIGINAL_TEXT_KEY] = texts[i]
            out[i] = matcher.match(doc)
    return out


def lexicon_matrix(tags: Sequence[Mapping[str, Mapping[str, Any]]]) -> sp.csr_matrix:
    """Binary sparse matrix: one row per sentence, one column per (scheme, label)."""
    index = {col: j for j, col in enumerate(LEXICON_COLUMNS)}
    rows: list[int] = []
    cols: list[int] = []
    for i, tag in enumerate(tags):
        for scheme, labels in tag.items():
            for label in labels:
                j = index.get((scheme, label))
                if j is not None:
                    rows.append(i)
                    cols.append(j)
    data = np.ones(len(rows), dtype=np.float64)
    return sp.csr_matrix((data, (rows, cols)), shape=(len(tags), len(LEXICON_COLUMNS)))


def lexicon_labels(lex: sp.csr_matrix, scheme: str) -> npt.NDArray[np.int8]:
    """The lexicon's own decisions for ``scheme`` (0/1 matrix) from the lexicon matrix."""
    cols = [j for j, (s, _l) in enumerate(LEXICON_COLUMNS) if s == scheme]
    dense: npt.NDArray[Any] = lex[:, cols].toarray()
    return (dense > 0).astype(np.int8)
