"""Page text from ordered lines: where one paragraph, heading, bullet item or cell ends.

:mod:`nlp.extract.layout` decides which lines a page has and in which order; this
module decides which of them belong together, from their geometry (a change of block,
size or weight, a first-line indent, a wider gap, a line that stops short of its
column edge) and their text (bullet items), and joins each unit into one line of page
text, so that sentences are not cut at line ends. A sentence running from the foot of
one column to the head of the next stays whole. It also counts the words of a
document's lines, the vocabulary that decides whether a hyphen at a line end is kept.
"""

from __future__ import annotations

import itertools
import statistics
from collections import Counter
from collections.abc import Sequence

from nlp.extract.layout import Line
from nlp.extract.textclean import continue_line, is_bullet_line, words_of


def assemble_text(lines: Sequence[Line], vocabulary: Counter[str] | None = None) -> str:
    """Join lines into page text: one paragraph, heading, bullet item or cell per line.

    Lines of one paragraph are joined with a space, or without the hyphen when a
    word was cut at the line end (see :func:`nlp.extract.textclean.join_hyphenated`).
    """
    gaps = [
        b.top - a.bottom
        for a, b in itertools.pairwise(lines)
        if a.block == b.block and not a.cell and not b.cell and b.top > a.bottom - 1
    ]
    median_gap = statistics.median(gaps) if gaps else 2.0
    out: list[str] = []
    current = ""
    prev: Line | None = None
    for line in lines:
        text = line.text
        if prev is not None and current and not _breaks(prev, line, median_gap):
            current = continue_line(current, text, vocabulary)
        else:
            if current:
                out.append(current)
            current = text
        prev = line
    if current:
        out.append(current)
    return "\n".join(s.strip() for s in out if s.strip())


def _breaks(a: Line, b: Line, median_gap: float) -> bool:
    """Tell whether line ``b`` starts a new unit after line ``a``."""
    if a.block != b.block:
        return not _flows_into_next_column(a, b)
    if a.cell or b.cell or is_bullet_line(b.text):
        return True
    if abs(a.size - b.size) > 1.0 or a.bold != b.bold:
        return True
    # A first-line indent opens a paragraph (bullet items indent their continuation
    # lines instead, so the rule does not apply after a bullet line).
    if b.x0 > a.x0 + 0.8 * a.size and not is_bullet_line(a.text) and a.x0 <= b.x0 - 4:
        return True
    gap = b.top - a.bottom
    if gap < -1 or gap > max(1.6 * median_gap, median_gap + 0.45 * a.size):
        return True
    # A line that stops well before the column edge, although the next word would have
    # fitted, ends its paragraph (or is a heading).
    room = a.right_edge - a.x1
    return room > b.first_width + 0.6 * a.size


def _flows_into_next_column(a: Line, b: Line) -> bool:
    """A sentence that runs from the foot of one column to the head of the next."""
    return (
        not (a.cell or b.cell)
        and b.top < a.top  # the next column starts higher up the page
        and a.right_edge - a.x1 < 1.5 * a.size  # the last line is full
        and not a.text.rstrip().endswith((".", "!", "?", ":", ";", "»", '"'))
        and b.text[:1].islower()
        and abs(a.size - b.size) <= 1.0
        and a.bold == b.bold
    )


def line_words(lines: Sequence[Line]) -> Counter[str]:
    """Count the words of ``lines`` (the vocabulary used to repair hyphenation)."""
    counts: Counter[str] = Counter()
    for line in lines:
        counts.update(words_of(line.text))
    return counts
