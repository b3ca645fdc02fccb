"""Sentence boundaries from the page layout: the ``valpub_boundaries`` component.

The extractor puts each sentence proper, heading, bullet item or table cell on its own
line of ``Page.text``. ``valpub_boundaries`` (first in ``nlp.language.segment.load_pipeline``)
sets ``Token.is_sent_start`` from that layout, which the statistical senter then
respects: every line of the page text starts a unit and no unit crosses a line break;
headings (a short line with no final punctuation, :func:`is_heading_line`) and vote
lines of council minutes ("Vote : 14 pour / 0 contre ...") are one unit each; bullets
and enumerations ("-", "•", "1)", "a.", "2°") keep their marker with their text, and an
inline "•" or an enumeration after ":" or ";" starts a new unit; abbreviations (M., Mme,
art., n°, p., cf., etc. followed by lower case, initials), guillemets « ... » and a
colon introducing a list never end a unit.
"""

from __future__ import annotations

import bisect
import re
from typing import Any

import numpy
from spacy.attrs import IDX, IS_SPACE, LOWER, ORTH, SENT_START, SPACY
from spacy.language import Language
from spacy.tokens import Doc

HEADING_MAX_CHARS = 90
"""A line longer than this is never taken for a heading."""

HEADING_MAX_WORDS = 12
"""A line with more words than this is never taken for a heading."""

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
    """Plain-Python views of a doc's tokens and text, read once from arrays.

    Token objects, and ``Doc.text`` which joins them at every access, are slow.
    """

    __slots__ = ("doc_text", "idx", "lower", "n", "space", "text", "ws")

    def __init__(self, doc: Doc) -> None:
        strings = doc.vocab.strings
        columns = doc.to_array([ORTH, SPACY, IS_SPACE, LOWER, IDX]).tolist()
        self.text: list[str] = [strings[row[0]] for row in columns]
        self.ws: list[bool] = [bool(row[1]) for row in columns]
        self.space: list[bool] = [bool(row[2]) for row in columns]
        self.lower: list[str] = [strings[row[3]] for row in columns]
        self.idx: list[int] = [row[4] for row in columns]
        self.n = len(self.text)
        self.doc_text = "".join(
            [text + " " if ws else text for text, ws in zip(self.text, self.ws, strict=True)]
        )


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
        _line_flags(toks, toks.doc_text, first, end, flags)
    flags[0] = 1
    values: Any = numpy.array(flags, dtype="int64").astype("uint64").reshape(-1, 1)
    doc.from_array([SENT_START], values)
    return doc
