"""Typesetting of the sample corpus: fonts, page geometry, French typography, line breaking.

What :mod:`make_samples` lays out with: the Bitstream Vera fonts shipped inside
reportlab, French spacing and syllable breaks, and a greedy line breaker measured with
``pdfmetrics.stringWidth`` that breaks at real hyphens and at syllables, and justifies.
"""

from __future__ import annotations

import itertools
import re
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import reportlab
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

# ---------------------------------------------------------------- fonts and page geometry
_FONT_DIR = Path(reportlab.__file__).resolve().parent / "fonts"
REGULAR, BOLD = "Vera", "VeraBd"
ITALIC = REGULAR  # one face fewer keeps the files small: "italic" text is drawn in grey
for _name in (REGULAR, BOLD):
    pdfmetrics.registerFont(TTFont(_name, str(_FONT_DIR / f"{_name}.ttf")))

PAGE_W, PAGE_H = A4
MARGIN_X = 68.0
TEXT_W = PAGE_W - 2 * MARGIN_X
TOP_Y = PAGE_H - 74.0  # top of the body area
BOTTOM_Y = 66.0  # bottom of the body area (above the footer)
HEADER_Y = PAGE_H - 44.0
FOOTER_Y = 34.0
GUTTER = 20.0
COL_W = (TEXT_W - GUTTER) / 2

BODY_SIZE, BODY_LEAD = 10.0, 13.6
SUP_SIZE, SUP_RISE = 6.2, 3.8
NOTE_SIZE, NOTE_LEAD = 7.5, 9.4
HYPHENATE_IF_FREE = 0.08  # split a word at a syllable only if the line would lose > 8 % of width
GREY = colors.Color(0.35, 0.35, 0.35)

# ---------------------------------------------------------------- French typography
_NBSP = "\u00a0"
_SHY = "\u00ad"


def french_spacing(text: str) -> str:
    """Insert the no-break spaces a French word processor puts in (« x », x : y, 1 000 €)."""
    text = text.replace("~", _SHY)
    text = re.sub(r" ([:;!?»])", _NBSP + r"\1", text)
    text = text.replace("« ", "«" + _NBSP)
    text = re.sub(r"(\d) (?=\d{3}\b)", r"\1" + _NBSP, text)
    text = re.sub(r"(\d) (?=(?:€|M€|%|GWh|h\b|voix|heures|ans|agents))", r"\1" + _NBSP, text)
    return re.sub(r"\b(n°|M\.|Mme|art\.) ", r"\1" + _NBSP, text)


_VOWELS = set("aeiouyàâäéèêëîïôöùûüœæ")
_ONSETS = {"bl", "cl", "fl", "gl", "pl", "br", "cr", "dr", "fr", "gr", "pr", "tr", "vr"}
_ONSETS |= {"ch", "ph", "gn", "th", "qu"}
_ONSETS3 = {"chr", "phr", "thr", "chl", "phl"}
_MUTE_END = re.compile(r"(?:qu|gu|[^aeiouyàâäéèêëîïôöùûüœæ])*(e|es|ent)")
_LOWER_WORD = re.compile(r"[a-zàâäéèêëîïôöùûüçœæ]+")


def syllable_breaks(word: str) -> list[int]:
    """Return the indexes where a lowercase French word may be hyphenated (V-CV, VC-CV rules).

    A small rule set, not a dictionary: consonant clusters such as ``tr`` or ``gn`` stay
    together, vowels are never separated, and a break leaves at least two letters before and
    three after, never a mute final syllable (``-que``, ``-tes``) after the hyphen.
    """
    if len(word) < 7 or not _LOWER_WORD.fullmatch(word):
        return []
    units: list[tuple[int, bool]] = []  # (start index, is vowel group)
    i = 0
    while i < len(word):
        if word[i] in _VOWELS:
            j = i
            while j < len(word) and word[j] in _VOWELS:
                j += 1
            units.append((i, True))
            i = j
        elif word[i : i + 3] in _ONSETS3:
            units.append((i, False))
            i += 3
        elif word[i : i + 2] in _ONSETS or (
            word[i : i + 2] == "gu" and word[i + 2 : i + 3] in "eiy"
        ):
            units.append((i, False))
            i += 2
        else:
            units.append((i, False))
            i += 1
    breaks: list[int] = []
    vowel_idx = [k for k, (_, vowel) in enumerate(units) if vowel]
    for a, b in itertools.pairwise(vowel_idx):
        run = units[a + 1 : b]
        if not run:
            continue
        pos = run[-1][0]
        if len(run) == 1 and word[pos] in "xh":
            continue
        left, right = word[:pos], word[pos:]
        if len(left) < 3 or len(right) < 3:
            continue
        if _MUTE_END.fullmatch(right) and right not in ("ment", "ments"):
            continue
        if "x" in word[pos - 1 : pos + 1]:
            continue
        breaks.append(pos)
    return breaks


# ---------------------------------------------------------------- words and line breaking
@dataclass(frozen=True)
class Run:
    """A piece of a word drawn in one style; ``sup`` marks a footnote call."""

    text: str
    sup: bool = False


Word = tuple[Run, ...]


@dataclass(frozen=True)
class Font:
    name: str
    size: float
    lead: float


BODY = Font(REGULAR, BODY_SIZE, BODY_LEAD)


def parse_words(text: str) -> list[Word]:
    """Split on ordinary spaces (no-break spaces stay inside a word); ``[^3]`` is a call."""
    words: list[Word] = []
    for token in french_spacing(text).split(" "):
        if not token:
            continue
        runs: list[Run] = []
        for part in re.split(r"(\[\^\w+\])", token):
            if part.startswith("[^"):
                runs.append(Run(part[2:-1], sup=True))
            elif part:
                runs.append(Run(part))
        words.append(tuple(runs))
    return words


def _run_width(run: Run, font: Font) -> float:
    size = SUP_SIZE * font.size / BODY_SIZE if run.sup else font.size
    return float(pdfmetrics.stringWidth(run.text.replace(_SHY, ""), font.name, size))


def word_width(word: Word, font: Font) -> float:
    return sum(_run_width(r, font) for r in word)


def split_candidates(word: Word) -> list[tuple[Word, Word, bool]]:
    """Ways to split a word across lines, shortest left part first; bool = at a real hyphen."""
    head, tail = word[0], word[1:]
    if head.sup:
        return []
    text = head.text
    out: list[tuple[int, int, str, bool]] = []  # (cut, resume, hyphen to add, hard)
    for i, ch in enumerate(text):
        if ch == "-" and i > 0 and text[i - 1].isalpha() and text[i + 1 : i + 3].isalpha():
            out.append((i + 1, i + 1, "", True))
        elif ch == _SHY:
            out.append((i, i + 1, "-", False))
    for m in re.finditer(r"[^\W\d_]+", text):
        start = m.start()
        if start > 0 and text[start - 1] not in "-’'" + _SHY:
            continue
        out.extend((start + b, start + b, "-", False) for b in syllable_breaks(m.group()))
    out.sort()
    return [
        ((Run(text[:cut] + hyph),), (Run(text[resume:]), *tail), hard)
        for cut, resume, hyph, hard in out
    ]


@dataclass
class Line:
    words: list[Word]
    last: bool = False  # last line of a paragraph: not justified


@dataclass
class Breaks:
    """Line-end splits made while laying out, kept for the --report listing."""

    items: list[tuple[str, str, bool]] = field(default_factory=list)


def break_lines(
    words: Sequence[Word],
    font: Font,
    width: float,
    breaks: Breaks,
    first_indent: float = 0.0,
    hyphenate: bool = True,
) -> list[Line]:
    """Greedy fill: add words while they fit, else split the word at its best break point.

    A word is split at a real hyphen whenever its first part fits; at a syllable (or a ``~``
    soft hyphen) only when ``hyphenate`` and the line would otherwise lose over
    ``HYPHENATE_IF_FREE`` of its width.
    """
    space = pdfmetrics.stringWidth(" ", font.name, font.size)
    lines: list[Line] = []
    cur: list[Word] = []
    cur_w = 0.0
    queue: deque[Word] = deque(words)
    while queue:
        avail = width - (first_indent if not lines else 0.0)
        word = queue.popleft()
        gap = space if cur else 0.0
        if cur_w + gap + word_width(word, font) <= avail:
            cur.append(word)
            cur_w += gap + word_width(word, font)
            continue
        free = avail - cur_w
        for left, right, hard in reversed(split_candidates(word)):
            if cur_w + gap + word_width(left, font) <= avail and (
                hard or (hyphenate and free > HYPHENATE_IF_FREE * avail)
            ):
                cur.append(left)
                breaks.items.append((left[0].text, right[0].text, hard))
                lines.append(Line(cur))
                cur, cur_w = [], 0.0
                queue.appendleft(right)
                break
        else:
            if not cur:  # a word longer than the line: let it overflow
                lines.append(Line([word]))
                continue
            lines.append(Line(cur))
            cur, cur_w = [], 0.0
            queue.appendleft(word)
    if cur:
        lines.append(Line(cur, last=True))
    elif lines:
        lines[-1].last = True
    return lines


def draw_line(
    c: Canvas, line: Line, font: Font, x: float, baseline: float, width: float, justify: bool
) -> None:
    """Draw one line as one text object; justify with word spacing (Tw) on its spaces."""
    space = pdfmetrics.stringWidth(" ", font.name, font.size)
    natural = sum(word_width(w, font) for w in line.words) + space * (len(line.words) - 1)
    extra = 0.0
    if justify and not line.last and len(line.words) > 1:
        extra = round(max(0.0, width - natural) / (len(line.words) - 1), 3)
    text = c.beginText()
    text.setTextOrigin(x, baseline)
    text.setFont(font.name, font.size)
    if extra:
        text.setWordSpace(extra)  # applies to byte 32: reportlab's subsets keep ASCII codes
    for k, word in enumerate(line.words):
        for run in word:
            chars = run.text.replace(_SHY, "")
            if run.sup:
                text.setFont(font.name, SUP_SIZE * font.size / BODY_SIZE)
                text.setRise(SUP_RISE * font.size / BODY_SIZE)
                text.textOut(chars)
                text.setRise(0)
                text.setFont(font.name, font.size)
            else:
                text.textOut(chars)
        if k < len(line.words) - 1:
            text.textOut(" ")
    if extra:
        text.setWordSpace(0)  # Tw outlives the text object: reset it
    c.drawText(text)
