"""French sentence segmentation of extracted pages, with lemmas for lexicon matching.

The unit of every later stage is a *sentence*: a sentence proper, a heading, a bullet
item or a table cell (the extractor puts each of these on its own line of
``Page.text``). This module turns pages into such units, keeping their provenance
(document sha256, page, character offsets into the page text) so that every label can
be traced back to the exact text it was read from.

Pipeline. ``load_pipeline`` builds the French ``fr_core_news_sm`` pipeline once, with
only what boundaries and lemmas need: ``tok2vec``, ``morphologizer``, ``senter``,
``attribute_ruler``, ``lemmatizer``. NER is excluded, and so is the dependency parser,
by measure on pages of the shared corpus (evaluation-only documents left out). Alone,
the parser split far more than the senter (1,536 units against 1,045 on 40 pages),
mostly inside lists, tables and name lists of council minutes. With the layout rules
of :mod:`nlp.language.boundaries`, the two agree on 4,609 of 4,611 unit starts on 150 pages; of
the parser's 8 extra starts, 7 were wrong (table of contents dots, table cells, a
closing guillemet: the parser does not always respect a preset non-start), and the
senter pipeline ran 1.36 times faster (12.2k against 9.0k words per CPU second).
``parser=True`` keeps the parser available.

Two small components frame the statistical model: ``valpub_boundaries`` (first, in
:mod:`nlp.language.boundaries`) sets sentence starts from the layout, and ``valpub_fold`` (last,
in :mod:`nlp.language.folding`) writes the matching key of each word to ``Token.norm_``.

Speed: the lemmatizer's word lists get set-speed membership tests
(``_index_as_sets``), which made it 20 times faster with identical lemmas. The
statistical components multiply matrices with numpy's BLAS instead of thinc's bundled
blis (:class:`BlasOps`): the pipeline runs about 1.7 times faster, with identical tags,
lemmas and sentence starts on 8,000 real sentences. The model's attribute ruler and
lemmatizer run as tables (:mod:`nlp.language.token_tables`), with the same annotations. On the
shared corpus (2,213 pages, 803,576 words, evaluation-only documents left out)
segmentation runs at about 1,000 units and 12,000 words per second on one core,
lexicon matching included.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy
import spacy
from spacy.language import Language
from spacy.pipeline import Lemmatizer
from spacy.tokens import Doc, Span
from thinc.api import NumpyOps

from nlp.extract.document import Page
from nlp.language.boundaries import is_heading_line
from nlp.language.folding import normalise_text
from nlp.language.token_tables import use_tables

MODEL = "fr_core_news_sm"
"""The spaCy package the pipeline is built from."""

DEFAULT_BATCH_SIZE = 64
"""Pages per ``nlp.pipe`` batch: large enough to amortise the model, small in memory."""

ORIGINAL_TEXT_KEY = "valpub_text"
"""``Doc.user_data`` key holding the page text as extracted (before normalisation)."""


@dataclass(frozen=True, slots=True)
class Sentence:
    """One statement-level unit of a page, with its provenance.

    Attributes:
        doc_sha256: sha256 of the PDF the page comes from.
        page: 1-based page number.
        start: offset of the first character in ``Page.text``.
        end: offset after the last character, so ``page.text[start:end] == text``.
        text: the unit's text, exactly as in the page text.
        is_heading: the unit is a whole line that reads as a heading (short, no final
            punctuation); later stages may weigh or skip it.
    """

    doc_sha256: str
    page: int
    start: int
    end: int
    text: str
    is_heading: bool = False


class BlasOps(NumpyOps):  # type: ignore[misc]  # thinc ships NumpyOps untyped (Cython)
    """thinc's CPU operations, with matrix products done by numpy's BLAS.

    thinc multiplies matrices with the blis library it bundles. Measured on this
    project's machine (x86-64 with AVX2 and AVX-512), it was 6.7 times slower than
    numpy's OpenBLAS on tok2vec-sized products (110 ms against 16.5 ms for 20,000 x 288
    by 288 x 288), and tok2vec is most of the pipeline's time. The products are the
    same, summed in another order; on 8,000 real sentences (111,093 tokens) every tag,
    lemma and sentence start was identical.
    """

    name = "numpy_blas"

    def gemm(
        self,
        x: numpy.ndarray,
        y: numpy.ndarray,
        out: numpy.ndarray | None = None,
        trans1: bool = False,
        trans2: bool = False,
    ) -> numpy.ndarray:
        """``x @ y`` (each transposed when asked), into ``out`` when given."""
        a = x.T if trans1 else x
        b = y.T if trans2 else y
        product: numpy.ndarray = numpy.matmul(a, b) if out is None else numpy.matmul(a, b, out=out)
        return product


def use_blas(nlp: Language) -> Language:
    """Give every statistical component of ``nlp`` :class:`BlasOps`; return ``nlp``."""
    ops = BlasOps()
    for _name, component in nlp.pipeline:
        model = getattr(component, "model", None)
        if model is not None and hasattr(model, "walk"):
            for node in model.walk():
                node.ops = ops
    return nlp


def load_pipeline(*, parser: bool = False) -> Language:
    """Load the French pipeline used for segmentation and lexicon matching.

    Call it once and keep the object: loading takes about two seconds.

    Args:
        parser: use the dependency parser for boundaries instead of the senter
            (slower; see the module docstring for the measurement).

    Returns:
        A pipeline whose docs have sentence boundaries, lemmas and folded lemmas in
        ``Token.norm_``.
    """
    exclude = ["ner"] if parser else ["ner", "parser"]
    nlp = spacy.load(MODEL, exclude=exclude)
    if not parser:
        nlp.enable_pipe("senter")
    elif "senter" in nlp.pipe_names:
        nlp.disable_pipe("senter")
    nlp.add_pipe("valpub_boundaries", first=True)
    nlp.add_pipe("valpub_fold", last=True)
    _index_as_sets(nlp)
    use_tables(nlp)
    return use_blas(nlp)


class _IndexList(list[str]):
    """A list whose membership test is a set lookup.

    Still a list, so the pipeline serialises (``to_bytes``, pickling) as before.
    """

    def __init__(self, items: Iterable[str] = ()) -> None:
        super().__init__(items)
        self._members = frozenset(self)

    def __contains__(self, item: object) -> bool:
        return item in self._members


def _index_as_sets(nlp: Language) -> None:
    """Give the French lemmatizer's word lists set-speed membership tests.

    ``FrenchLemmatizer.rule_lemmatize`` tests ``word in index`` on lists of up to 66,000
    lemmas, once per rule tried: on our pages that made the lemmatizer slower than the
    statistical model. Membership, hence the lemmas, are unchanged.
    """
    lemmatizer = nlp.get_pipe("lemmatizer")
    assert isinstance(lemmatizer, Lemmatizer)
    table = lemmatizer.lookups.get_table("lemma_index")
    for key in list(table.keys()):
        table[key] = _IndexList(table[key])


def _page_sentences(page: Page, doc: Doc) -> Iterator[tuple[Sentence, Span]]:
    """Cut one processed page into trimmed sentences with their spans."""
    text = page.text
    for sent in doc.sents:
        first, last = sent.start, sent.end
        while first < last and doc[first].is_space:
            first += 1
        while last > first and doc[last - 1].is_space:
            last -= 1
        if first == last:
            continue
        span = doc[first:last]
        start, end = span.start_char, span.end_char
        line_start = text.rfind("\n", 0, start) + 1
        line_end = text.find("\n", end)
        line = text[line_start : len(text) if line_end == -1 else line_end]
        whole_line = text[line_start:start].strip() == "" and line[end - line_start :].strip() == ""
        yield (
            Sentence(
                doc_sha256=page.doc_sha256,
                page=page.page,
                start=start,
                end=end,
                text=text[start:end],
                is_heading=whole_line and is_heading_line(line),
            ),
            span,
        )


def iter_sentence_spans(
    nlp: Language, pages: Iterable[Page], batch_size: int = DEFAULT_BATCH_SIZE
) -> Iterator[tuple[Sentence, Span]]:
    """Segment pages and keep, for each sentence, its spaCy span.

    The span belongs to a ``Doc`` of the whole page (normalised text, see
    ``normalise_text``; the page text as extracted is kept in
    ``doc.user_data[ORIGINAL_TEXT_KEY]``), so span character offsets are page
    offsets. Pass the spans to ``nlp.language.lexicon_match.LexiconMatcher.match``
    rather than running the pipeline again.

    Args:
        nlp: a pipeline from ``load_pipeline``.
        pages: pages in any order; their text is read once.
        batch_size: pages per ``nlp.pipe`` batch.

    Yields:
        ``(Sentence, Span)`` pairs in page order, then text order.
    """
    stream = ((normalise_text(page.text), page) for page in pages)
    for doc, page in nlp.pipe(stream, as_tuples=True, batch_size=batch_size):
        doc.user_data[ORIGINAL_TEXT_KEY] = page.text
        yield from _page_sentences(page, doc)


def split_sentences(
    nlp: Language, pages: Iterable[Page], batch_size: int = DEFAULT_BATCH_SIZE
) -> Iterator[Sentence]:
    """Segment pages into sentences (see ``iter_sentence_spans``).

    Args:
        nlp: a pipeline from ``load_pipeline``.
        pages: the pages to segment.
        batch_size: pages per ``nlp.pipe`` batch.

    Yields:
        Sentences with ``page.text[start:end] == text``.
    """
    for sentence, _span in iter_sentence_spans(nlp, pages, batch_size=batch_size):
        yield sentence
