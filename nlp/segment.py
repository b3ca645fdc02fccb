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
below, the two agree on 4,609 of 4,611 unit starts on 150 pages; of the parser's 8
extra starts, 7 were wrong (table of contents dots, table cells, a closing guillemet:
the parser does not always respect a preset non-start), and the senter pipeline ran
1.36 times faster (12.2k against 9.0k words per CPU second). ``parser=True`` keeps the
parser available.

Two small components frame the statistical model:

* ``valpub_boundaries`` (first in the pipeline) sets ``Token.is_sent_start`` from the
  layout, which the senter then respects: every line of the page text starts a unit
  (lines are units by the extractor's contract) and no unit crosses a line break;
  headings (a short line with no final punctuation) and vote lines of council
  minutes ("Vote : 14 pour / 0 contre ...") are one unit each; bullets and
  enumerations ("-", "•", "1)", "a.", "2°") keep their marker with their text, and an
  inline "•" or an enumeration after ":" or ";" starts a new unit; abbreviations
  (M., Mme, art., n°, p., cf., etc. followed by lower case, initials), guillemets
  « ... » and a colon introducing a list never end a unit.
* ``valpub_fold`` (last) writes the matching key to ``Token.norm_``: the accent- and
  case-folded lemma, with hyphens inside a token dropped ("co-construction" and
  "coconstruction" meet); articles and prepositions fold by their surface ("des",
  "du", "d'" to "de"; "l'", "la", "les" to "le"), whatever the tagger made of them.
  ``nlp.lexicon_match`` matches on it.

Before the text reaches spaCy, typographic apostrophes, non-breaking spaces and
Unicode hyphens are replaced by their ASCII forms one character for one, so offsets
do not move (and the French tagger handles "l'usager" much better than "l’usager").

Speed: the lemmatizer's word lists get set-speed membership tests
(``_index_as_sets``), which made it 20 times faster with identical lemmas. The
statistical components multiply matrices with numpy's BLAS instead of thinc's bundled
blis (:class:`BlasOps`): the pipeline runs about 1.7 times faster, with identical tags,
lemmas and sentence starts on 8,000 real sentences. On the
shared corpus (2,213 pages, 803,576 words, evaluation-only documents left out)
segmentation runs at about 1,000 units and 12,000 words per second on one core,
lexicon matching included.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy
import spacy
from spacy.attrs import SENT_START
from spacy.language import Language
from spacy.pipeline import Lemmatizer
from spacy.tokens import Doc, Span
from thinc.api import NumpyOps

from nlp.extract import Page

MODEL = "fr_core_news_sm"
"""The spaCy package the pipeline is built from."""

DEFAULT_BATCH_SIZE = 64
"""Pages per ``nlp.pipe`` batch: large enough to amortise the model, small in memory."""

HEADING_MAX_CHARS = 90
"""A line longer than this is never taken for a heading."""

HEADING_MAX_WORDS = 12
"""A line with more words than this is never taken for a heading."""

ORIGINAL_TEXT_KEY = "valpub_text"
"""``Doc.user_data`` key holding the page text as extracted (before normalisation)."""

# One character for one, so that offsets into the normalised text are offsets into
# the page text.
_SAME_LENGTH = str.maketrans(
    {
        "\u2019": "'",  # right single quotation mark, the usual French apostrophe
        "\u2018": "'",
        "\u02bc": "'",
        "\u00a0": " ",  # no-break space (before : ; ! ? and inside « »)
        "\u202f": " ",  # narrow no-break space
        "\u2007": " ",
        "\u2009": " ",
        "\t": " ",
        "\u2010": "-",  # hyphen
        "\u2011": "-",  # non-breaking hyphen
        "\r": "\n",
    }
)

# Function words fold by their lower-cased surface, not by their lemma: the tagger
# hesitates between article and preposition for "des" and "du", and an elided "l'"
# may be tagged as a proper noun; a surface key is the same in every context.
FUNCTION_WORDS: dict[str, str] = {
    "le": "le",
    "la": "le",
    "les": "le",
    "l'": "le",
    "de": "de",
    "des": "de",
    "du": "de",
    "d'": "de",
    "à": "a",
    "au": "a",
    "aux": "a",
    "un": "un",
    "une": "un",
    "ce": "ce",
    "cet": "ce",
    "cette": "ce",
    "ces": "ce",
    "c'": "ce",
    "que": "que",
    "qu'": "que",
    "j'": "je",
    "m'": "me",
    "n'": "ne",
    "s'": "se",
    "t'": "te",
    "jusqu'": "jusque",
    "lorsqu'": "lorsque",
    "puisqu'": "puisque",
    "quoiqu'": "quoique",
    "son": "son",
    "sa": "son",
    "ses": "son",
    "leur": "leur",
    "leurs": "leur",
    "notre": "notre",
    "nos": "notre",
    "votre": "votre",
    "vos": "votre",
}

# Abbreviations after which a period never ends a unit (lower-cased, without the
# period; the tokenizer may keep the period attached or split it off).
ABBREVIATIONS = frozenset(
    [
        "m",
        "mm",
        "mme",
        "mmes",
        "mlle",
        "mlles",
        "me",
        "mes",
        "dr",
        "pr",
        "st",
        "ste",
        "sts",
        "stes",
        "art",
        "arts",
        "al",
        "n",
        "no",
        "nos",
        "p",
        "pp",
        "cf",
        "av",
        "bd",
        "boul",
        "chap",
        "vol",
        "éd",
        "ed",
        "fig",
        "réf",
        "ref",
        "coll",
        "dir",
        "op",
        "cit",
        "ibid",
        "id",
        "ex",
        "hab",
        "tél",
        "tel",
        "env",
        "min",
        "max",
        "ann",
        "doc",
        "ch",
        "sq",
        "vs",
        "cie",
        "etc",
        "c.-à-d",
        "i.e",
        "e.g",
    ]
)

_BULLETS = frozenset("-–—•●○◦▪▫■□►▶➢➤✓✔*·\uf0b7\uf0a7\uf0d8\uf076")
_INLINE_BULLETS = frozenset("•●○◦▪▫■□►▶➢➤✓✔\uf0b7\uf0a7\uf0d8\uf076")
_FINAL_PUNCT = frozenset(".!?;:,…")
_FINAL = frozenset(".!?…;")
_CLOSERS = frozenset({"»", ")", "]", '"', "'"})
_NO_START = frozenset(".,;:!?…)]»%")
_TITLES = frozenset({"madame", "monsieur", "mesdames", "messieurs", "mademoiselle", "maître"})
_ENUM_RE = re.compile(
    r"""^(?:
        \(?\d{1,3}\s?(?:°\s?\)?|[.)])(?!\d)          # 1)  1.  (1)  2°  3°)
      | \(?[a-zA-Z]\)                                # a)  (b)
      | [a-z]\.(?=\s)                                # a.
      | [IVXLC]{1,6}[.)](?=\s)                       # II.  IV)
      | \d{1,2}(?:\.\d{1,2}){1,3}\.?(?=\s)           # 1.2  1.2.3.
    )""",
    re.VERBOSE,
)
_ITEM_RE = re.compile(r"^[a-z][.)]\s")
_INLINE_ENUM_RE = re.compile(r"[:;]\s+(\(?(?:\d{1,2}|[a-z])\s?[)°])\s")
_VOTE_RE = re.compile(
    r"""(?ix)
      \b(?:r[ée]sultats?\s+du\s+vote|vote)\s*:
    | \b(?:pour|contre|abstentions?|votants|suffrages\s+exprim[ée]s|exprim[ée]s)\s*:\s*\d
    | \b\d+\s+(?:voix\s+)?pour\s*[/,;–-]\s*\d+\s+contre
    | ^\s*(?:adopt|approuv|rejet)[ée]e?s?\s+(?:à|a)\s+l['’]unanimit[ée]
    | ^\s*unanimit[ée]\b
    """
)


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


def normalise_text(text: str) -> str:
    """Return ``text`` with apostrophes, spaces and hyphens in their ASCII forms.

    The result has exactly the length of ``text``, so offsets carry over.
    """
    return text.translate(_SAME_LENGTH)


def fold(text: str) -> str:
    """Lower-case ``text`` and strip its accents, ligatures and inner hyphens.

    This is the comparison key of lexicon matching: "Coûts", "couts" and "COÛTS" fold
    alike, and so do "co-construction" and "coconstruction". A token made only of
    hyphens stays "-".
    """
    low = text.translate(_SAME_LENGTH).lower().replace("œ", "oe").replace("æ", "ae")
    decomposed = unicodedata.normalize("NFKD", low)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    if stripped.strip("-") == "":
        return stripped
    return stripped.replace("-", "")


def is_heading_line(line: str) -> bool:
    """Tell whether one line of page text reads as a heading.

    A heading is short (at most ``HEADING_MAX_WORDS`` words and
    ``HEADING_MAX_CHARS`` characters), has a letter, does not end with punctuation
    that closes or continues a statement, does not start with a bullet or in lower
    case (a fragment), and is not a vote line. Numbered headings ("2. Les usages") are
    headings; table cells that look the same are too, which is harmless: they are
    still their own unit.
    """
    stripped = line.strip()
    if not stripped or len(stripped) > HEADING_MAX_CHARS:
        return False
    if len(stripped.split()) > HEADING_MAX_WORDS:
        return False
    if stripped[-1] in _FINAL_PUNCT or stripped[0] in _BULLETS:
        return False
    first_letter = next((c for c in stripped if c.isalpha()), None)
    if first_letter is None:
        return False
    marker = _ENUM_RE.match(stripped)
    if (marker and marker.group(0).rstrip()[-1] in ")°") or _ITEM_RE.match(stripped):
        return False  # an enumerated item, not a heading
    body = stripped[marker.end() :].lstrip() if marker else stripped
    if body[:1].isalpha() and body[:1].islower():
        return False
    return _VOTE_RE.search(stripped) is None


class _Tokens:
    """Plain-Python views of a doc's tokens, read once (Token objects are slow)."""

    __slots__ = ("idx", "lower", "n", "space", "text", "ws")

    def __init__(self, doc: Doc) -> None:
        self.text: list[str] = []
        self.lower: list[str] = []
        self.ws: list[bool] = []
        self.space: list[bool] = []
        self.idx: list[int] = []
        for token in doc:
            self.text.append(token.text)
            self.lower.append(token.lower_)
            self.ws.append(bool(token.whitespace_))
            self.space.append(token.is_space)
            self.idx.append(token.idx)
        self.n = len(self.text)


def _is_abbreviation(toks: _Tokens, i: int) -> bool:
    """Tell whether token ``i`` is an abbreviation whose period does not end a unit."""
    low = toks.lower[i]
    if low.endswith(".") and low[:-1] in ABBREVIATIONS:
        return True
    if low in ABBREVIATIONS:
        return i + 1 < toks.n and toks.text[i + 1] == "." and not toks.ws[i]
    text = toks.text[i]
    # an initial: "J. Dupont"
    return len(text) == 2 and text[0].isupper() and text[1] == "."


def _ends_statement(prev: str, before_prev: str | None) -> bool:
    """Tell whether a unit may start after token ``prev`` (itself after ``before_prev``).

    Only after a final punctuation mark, or a closing quote or bracket that follows
    one ("… servir. » Puis"), may the model start a new unit inside a line.
    """
    if prev[-1] in _FINAL:
        return True
    return prev in _CLOSERS and before_prev is not None and before_prev[-1] in _FINAL


def _line_ranges(toks: _Tokens) -> list[tuple[int, int]]:
    """Token ranges ``[start, end)`` of the non-blank lines."""
    ranges: list[tuple[int, int]] = []
    start: int | None = None
    for i in range(toks.n):
        if toks.space[i] and "\n" in toks.text[i]:
            if start is not None:
                ranges.append((start, i))
                start = None
        elif start is None and not toks.space[i]:
            start = i
    if start is not None:
        ranges.append((start, toks.n))
    return ranges


def _line_flags(toks: _Tokens, doc_text: str, first: int, end: int, flags: list[int]) -> None:
    """Apply the layout rules to tokens ``first..end-1`` of one line.

    ``flags`` receives 1 (starts a unit), -1 (does not) or keeps 0 (the model decides).
    """
    text, lower, ws, space, idx = toks.text, toks.lower, toks.ws, toks.space, toks.idx
    line_start = idx[first]
    line_text = doc_text[line_start : idx[end - 1] + len(text[end - 1])]

    def token_at(char: int) -> int | None:
        """Index of the first token starting at or after ``line_start + char``."""
        i = bisect.bisect_left(idx, line_start + char, first, end)
        return i if i < end else None

    def no_split(lo: int, hi: int) -> None:
        for i in range(max(lo, first + 1), min(hi, end)):
            flags[i] = -1

    flags[first] = 1
    # inside a line, a unit starts only after a final punctuation mark (or a closing
    # quote or bracket); never inside a word ("celui-ci"), after a title ("Madame
    # Martin") or in the middle of an upper-case agenda title
    prev: int | None = None
    before_prev: int | None = None
    for i in range(first, end):
        if i > first and (
            space[i]
            or text[i][0] in _NO_START
            or prev is None
            or not _ends_statement(text[prev], None if before_prev is None else text[before_prev])
            or lower[prev] in _TITLES
            or (not ws[prev] and text[prev][-1].isalnum())
        ):
            flags[i] = -1
        if not space[i]:
            prev, before_prev = i, prev

    # abbreviations, n°, etc. followed by lower case
    for i in range(first, end - 1):
        low = lower[i]
        if low in ("n°", "no", "n") and text[i + 1] == "°":
            no_split(i + 1, i + 3)
        elif low == "n°":
            no_split(i + 1, i + 2)
        elif low in ("etc.", "etc"):
            after = i + 2 if text[i + 1] == "." else i + 1
            if after < end and not text[after][:1].isupper():
                no_split(i + 1, after + 1)
        elif _is_abbreviation(toks, i):
            after = i + 2 if text[i + 1] == "." and not ws[i] else i + 1
            no_split(i + 1, after + 1)
        elif text[i] == ":":
            # a colon never ends a unit inside a line: it introduces what follows
            no_split(i + 1, i + 2)

    # guillemets: nothing inside « ... » (closed on the same line) starts a unit
    for i in range(first, end):
        if text[i] == "«":
            close = next((j for j in range(i + 1, min(end, i + 80)) if text[j] == "»"), None)
            no_split(i + 1, (close if close is not None else i + 1) + 1)
        elif text[i] == "»":
            no_split(i, i + 1)

    # enumeration marker at the start of the line stays with its item
    match = _ENUM_RE.match(line_text)
    if match:
        marker_end = token_at(match.end())
        if marker_end is not None:
            no_split(first + 1, marker_end + 1)
    elif text[first][:1] in _BULLETS:
        no_split(first + 1, first + 2)

    # inline bullets and enumerations after ":" or ";" start a new item
    for i in range(first + 1, end):
        if text[i] in _INLINE_BULLETS:
            flags[i] = 1
            no_split(i + 1, i + 2)
    for inline in _INLINE_ENUM_RE.finditer(line_text):
        i_start = token_at(inline.start(1))
        i_after = token_at(inline.end(1))
        if i_start is not None and i_after is not None and i_start > first:
            flags[i_start] = 1
            no_split(i_start + 1, i_after + 1)

    # headings and vote lines are one unit; a vote tally inside a line starts one
    if is_heading_line(line_text):
        no_split(first + 1, end)
    vote = _VOTE_RE.search(line_text)
    if vote:
        i_vote = token_at(vote.start())
        if i_vote is not None:
            if i_vote > first:
                flags[i_vote] = 1
            no_split(i_vote + 1, end)


@Language.component("valpub_boundaries")
def set_layout_boundaries(doc: Doc) -> Doc:
    """Set sentence starts from the layout, before the statistical model runs.

    Every line starts a unit; the whitespace token of a line break never does. See
    the module docstring for the rules inside a line.
    """
    if len(doc) == 0:
        return doc
    toks = _Tokens(doc)
    flags = [0] * toks.n
    for i in range(1, toks.n):
        if toks.space[i] and "\n" in toks.text[i]:
            flags[i] = -1
    for first, end in _line_ranges(toks):
        _line_flags(toks, doc.text, first, end, flags)
    flags[0] = 1
    values: Any = numpy.array(flags, dtype="int64").astype("uint64").reshape(-1, 1)
    doc.from_array([SENT_START], values)
    return doc


def norm_key(surface: str, lemma: str) -> str:
    """Return the matching key of a word (the value of ``Token.norm_``).

    A function word gets its canonical form (see ``FUNCTION_WORDS``), any other word
    its folded lemma.
    """
    function = FUNCTION_WORDS.get(surface.translate(_SAME_LENGTH).lower())
    return function if function is not None else fold(lemma or surface)


@Language.factory("valpub_fold")
def make_fold(nlp: Language, name: str) -> FoldLemmas:
    """Build the component writing matching keys to ``Token.norm_``."""
    return FoldLemmas()


class FoldLemmas:
    """Pipeline component: ``token.norm_ = norm_key(text, lemma)``, the matching key.

    The cache lives in the component, so it dies with its pipeline.
    """

    def __init__(self) -> None:
        self._cache: dict[tuple[str, str], str] = {}

    def __call__(self, doc: Doc) -> Doc:
        """Set ``norm_`` on every token of ``doc``."""
        cache = self._cache
        for token in doc:
            pair = (token.lower_, token.lemma_)
            norm = cache.get(pair)
            if norm is None:
                norm = cache[pair] = norm_key(token.text, token.lemma_)
            token.norm_ = norm
        return doc


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
    offsets. Pass the spans to ``nlp.lexicon_match.LexiconMatcher.match`` rather than running
    the pipeline again.

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
