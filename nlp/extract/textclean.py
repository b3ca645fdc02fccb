"""Character- and line-level repair of text taken from PDFs.

Pure functions with no PDF library in sight, so each rule can be tested on strings:
Unicode and typography normalisation, French line-end hyphenation, and the detection
of running headers, footers and page numbers across the pages of a document.
The geometry that decides *which* lines exist lives in :mod:`nlp.extract.layout`.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Generic, TypeVar

#: Typographic ligatures that some PDF fonts emit as one code point.
LIGATURES = {
    "\ufb00": "ff",
    "\ufb01": "fi",
    "\ufb02": "fl",
    "\ufb03": "ffi",
    "\ufb04": "ffl",
    "\ufb05": "st",
    "\ufb06": "st",
}
#: Spaces of every width become a plain space; invisible characters disappear.
SPACES = "\u00a0\u202f\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u3000\t"
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad\ufffe\uffff"
#: Bullet glyphs, including the private-use code points of Symbol/Wingdings fonts.
BULLETS = "•◦▪▫■□●○►▸▶➢➤✓✔❖◆◇\uf0a7\uf0b7\uf0d8\uf076\uf0fc\uf0a8\uf0e0\uf06e\uf0a0\uf02d"
#: Prefixes after which a line-end hyphen is part of the word ("co-construction").
HYPHEN_PREFIXES = frozenset(
    [
        "co",
        "e",
        "non",
        "vice",
        "sous",
        "demi",
        "semi",
        "après",
        "avant",
        "arrière",
        "néo",
        "quasi",
        "ultra",
        "grand",
        "petit",
        "hors",
        "chef",
        "ci",
        "là",
    ]
)
#: Second parts that stay hyphenated ("peut-/être", "dit-/il", "celles-/ci").
HYPHEN_SUFFIXES = frozenset(
    [
        "t",
        "il",
        "ils",
        "elle",
        "elles",
        "on",
        "je",
        "tu",
        "nous",
        "vous",
        "ce",
        "ci",
        "là",
        "même",
        "mêmes",
        "être",
        "dire",
        "delà",
        "dessus",
        "dessous",
        "clés",
        "clé",
    ]
)

_CID = re.compile(r"\(cid:\d+\)")
_MULTISPACE = re.compile(r" {2,}")
_PAGE_NUMBER = re.compile(
    r"^[\W_]*(?:page|p\.|pages?)?\s*\d{1,3}(?:\s*(?:/|sur|de|of)\s*\d{1,3})?[\W_]*$",
    re.IGNORECASE,
)
_BULLET_START = re.compile(
    rf"^\s*(?:[{re.escape(BULLETS)}]|[-–—*]\s|\d{{1,2}}[.)°]\s"
    r"|[a-zA-Z][.)]\s|[ivxIVX]{1,4}[.)]\s)"
)
_INLINE_SPLIT = re.compile(r"\b([^\W\d_]{2,})- ([^\W\d_]{2,})\b")
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_TRANSLATE = str.maketrans(
    {
        **{ch: " " for ch in SPACES},
        **{ch: "" for ch in INVISIBLE},
        **dict.fromkeys("’‘ʼ′`´", "'"),
        **dict.fromkeys("“”„‟″", '"'),
        **dict.fromkeys(BULLETS, "•"),
        "‐": "-",
        "‑": "-",
        "‒": "–",
        "\u2212": "-",
        "…": "...",
    }
)


def normalize_chars(text: str) -> str:
    """Return ``text`` with PDF artefacts repaired and typography made uniform.

    Drops ``(cid:N)`` glyph references (fonts without a Unicode map), expands
    ligatures, turns non-breaking, thin and other spaces into plain spaces, folds
    curly apostrophes and quotes, maps bullet glyphs to ``•``, puts ordinary
    spaces inside guillemets, and returns NFC text. Newlines are kept.
    """
    if "(cid:" in text:
        text = _CID.sub("", text)
    for lig, repl in LIGATURES.items():
        if lig in text:
            text = text.replace(lig, repl)
    text = text.translate(_TRANSLATE)
    text = "".join(ch for ch in text if ch == "\n" or unicodedata.category(ch)[0] != "C")
    text = re.sub(r"«\s*", "« ", text)
    text = re.sub(r"\s*»", " »", text)
    text = _MULTISPACE.sub(" ", text)
    return unicodedata.normalize("NFC", text)


def is_bullet_line(line: str) -> bool:
    """Tell whether ``line`` opens a bullet or an enumeration item."""
    return bool(_BULLET_START.match(line))


def is_page_number(line: str) -> bool:
    """Tell whether ``line`` is only a page number ("12", "- 3 -", "Page 2 / 9")."""
    return bool(_PAGE_NUMBER.match(line.strip())) and any(c.isdigit() for c in line)


def words_of(text: str) -> Iterator[str]:
    """Yield the lower-cased words of ``text`` (letters, inner apostrophes and hyphens)."""
    for m in _WORD.finditer(text):
        yield m.group().lower()


def join_hyphenated(left: str, right: str, vocabulary: Counter[str] | None = None) -> str:
    """Join a word cut at a line end: ``left`` ends with "-", ``right`` starts the next line.

    The hyphen is dropped when it was only typographic ("déve-" + "loppement") and
    kept when it belongs to the word ("co-" + "construction", "Saint-" + "Aubin").
    Evidence from the document itself (``vocabulary``: words seen elsewhere in it)
    wins over the built-in prefix rules.

    Args:
        left: the last word of the line, with its trailing hyphen.
        right: the first word of the next line.
        vocabulary: word counts of the document, lower-cased.

    Returns:
        The joined word.
    """
    stem = left[:-1]
    head = re.match(r"[^\W\d_]+", right)
    first = head.group() if head else right
    if not stem or not right or not right[0].isalpha() or not right[0].islower():
        return stem + "-" + right
    if vocabulary:
        joined = (stem + first).lower()
        hyphenated = (stem + "-" + first).lower()
        if vocabulary.get(hyphenated, 0) > vocabulary.get(joined, 0):
            return stem + "-" + right
        if vocabulary.get(joined, 0) > 0:
            return stem + right
    last_part = re.split(r"[-']", stem)[-1].lower()
    compound = re.match(r"[^\W\d_]+-[^\W\d_]", right) is not None  # "nid-" + "de-poule"
    if compound or last_part in HYPHEN_PREFIXES or first.lower() in HYPHEN_SUFFIXES:
        return stem + "-" + right
    return stem + right


def continue_line(current: str, line: str, vocabulary: Counter[str] | None = None) -> str:
    """Append the next line of a paragraph, repairing a word cut at the line end."""
    if not current:
        return line
    if current.endswith("-") and len(current) > 1 and current[-2].isalpha():
        head, _, last = current.rpartition(" ")
        first, _, rest = line.partition(" ")
        joined = join_hyphenated(last, first, vocabulary)
        return (head + " " if head else "") + joined + (" " + rest if rest else "")
    return current + " " + line


def repair_inline_splits(text: str, vocabulary: Counter[str]) -> str:
    """Repair "déve- loppement" or "après- midi" left inside a line.

    The document decides: the joined word, or the hyphenated compound, must occur
    elsewhere in it (the compound may also be known by its prefix, "après-midi").
    Constructions such as "pré- et post-opératoire" are kept as they are.
    """

    def _fix(m: re.Match[str]) -> str:
        left, right = m.group(1), m.group(2)
        joined = (left + right).lower()
        hyphenated = f"{left}-{right}".lower()
        if vocabulary.get(hyphenated, 0) > vocabulary.get(joined, 0):
            return f"{left}-{right}"
        if vocabulary.get(joined, 0) > 0:
            return left + right
        if right[0].islower() and left.lower() in HYPHEN_PREFIXES:
            return f"{left}-{right}"
        return m.group(0)

    return _INLINE_SPLIT.sub(_fix, text)


def running_signature(line: str) -> str:
    """Return the key under which a header/footer line is recognised on other pages.

    Numbers become ``#`` (page numbers and dates change from page to page), case and
    spacing are folded.
    """
    sig = re.sub(r"\d+", "#", line.lower())
    sig = re.sub(r"[^\w#]+", " ", sig)
    return " ".join(sig.split())


PageT = TypeVar("PageT")


@dataclass
class RunningLineFilter(Generic[PageT]):
    """Find running headers and footers in a stream of pages, with bounded memory.

    A margin line is *running* when the same key (signature and place, see
    :mod:`nlp.extract.document`) occurs on at least ``min_pages`` pages of its neighbourhood, the
    ``window`` pages before and after it, and on at least ``min_share`` of them.
    Running headers recur on most pages (every page, or every other page); content that
    merely repeats now and then ("Rapporteur : ...", "Adopté à l'unanimité") does not.
    Only ``2 * window + 1`` pages are held at any time: a 500-page document never
    needs all its pages at once.

    Feed ``(page, keys)`` pairs with :meth:`push`; each page comes back from
    :meth:`push` or :meth:`flush` with the set of its keys that are running, in order.
    """

    min_pages: int = 3
    window: int = 6
    min_share: float = 0.4
    _behind: deque[frozenset[str]] = field(default_factory=deque)
    _counts: Counter[str] = field(default_factory=Counter)  # keys of _behind and _buffer
    _buffer: deque[tuple[PageT, frozenset[str]]] = field(default_factory=deque)

    def push(self, page: PageT, keys: Iterable[str]) -> list[tuple[PageT, set[str]]]:
        """Add a page; return the pages whose look-ahead window is now complete."""
        sigs = frozenset(s for s in keys if s)
        self._buffer.append((page, sigs))
        self._counts.update(sigs)
        out = []
        while len(self._buffer) > self.window:
            out.append(self._release())
        return out

    def flush(self) -> list[tuple[PageT, set[str]]]:
        """Release every buffered page (end of document)."""
        out = []
        while self._buffer:
            out.append(self._release())
        return out

    def _release(self) -> tuple[PageT, set[str]]:
        page, sigs = self._buffer.popleft()
        pages = len(self._behind) + 1 + len(self._buffer)
        need = max(2, min(self.min_pages, pages), self.min_share * pages)
        running = {s for s in sigs if self._counts[s] >= need}
        self._behind.append(sigs)
        if len(self._behind) > self.window:
            self._counts.subtract(self._behind.popleft())
        return page, running
