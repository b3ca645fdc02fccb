"""Page geometry: from pdfplumber words to text lines in reading order.

Owns column detection (vertical gutters, with full-width titles between column
bands), tables (each cell becomes its own line), footnote calls (small raised digits,
dropped so they do not glue onto words) and the marking of lines in the top and
bottom margin zones. Joining the lines into paragraphs is left to
:mod:`nlp.extract.paragraphs`. It reads a ``pdfplumber.page.Page`` but never opens or
closes files: that is :mod:`nlp.extract.document`'s job.
"""

from __future__ import annotations

import itertools
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from nlp.extract.textclean import continue_line, normalize_chars

#: Minimum width (points) of an empty vertical band to be a column gutter.
DEFAULT_MIN_GUTTER = 5.0
#: Share of words allowed to cross a gutter (full-width titles, spanning lines).
DEFAULT_GUTTER_TOLERANCE = 0.02
#: Top and bottom share of the page where running headers and footers are looked for.
DEFAULT_MARGIN_ZONE = 0.09

Word = dict[str, Any]


@dataclass(slots=True)
class Line:
    """One visual line (or one table cell) of a page, in reading order."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    block: int  # lines of different blocks never join into one paragraph
    right_edge: float  # right edge of the column the line sits in
    first_width: float  # width of the line's first word, to tell short lines
    cell: bool = False
    margin: bool = False  # in the top or bottom margin zone
    anchor: tuple[str, int] = ("", 0)  # margin lines: zone ("top"/"bottom") and 4-pt slot
    segments: tuple[str, ...] = ()  # parts of the line separated by wide gaps
    bold: bool = False


@dataclass(slots=True)
class PageLayout:
    """What :func:`page_layout` learns about a page."""

    lines: list[Line]
    n_chars: int
    image_coverage: float  # share of the page area under images (capped at 1)
    columns: int


def page_layout(page: Any, margin_zone: float = DEFAULT_MARGIN_ZONE) -> PageLayout:
    """Return the lines of ``page`` (a pdfplumber page) in reading order."""
    width, height = float(page.width), float(page.height)
    words: list[Word] = page.extract_words(
        extra_attrs=["size", "upright", "fontname"], use_text_flow=False
    )
    # Rotated text (vertical banners, margin stamps) comes out one letter per line:
    # it is left out of the reading flow.
    words = [w for w in words if w["upright"] and w["text"].strip()]
    n_chars = sum(len(w["text"]) for w in words)
    coverage = _image_coverage(page.images, width, height)

    cell_lines: list[tuple[float, float, float, float, list[Line]]] = []
    if len(page.lines) + len(page.rects) >= 4:
        words, cell_lines = _take_tables(page, words)
    words = _drop_footnote_calls(words)

    gutters = _find_gutters(words, 0.0, width) if len(words) >= 30 else []
    lines = _order_lines(words, cell_lines, gutters, width)
    for line in lines:
        if line.top < margin_zone * height:
            line.margin, line.anchor = True, ("top", round(line.top / 4))
        elif line.bottom > (1 - margin_zone) * height:
            line.margin, line.anchor = True, ("bottom", round((height - line.bottom) / 4))
    return PageLayout(lines, n_chars, coverage, len(gutters) + 1)


def _image_coverage(images: Sequence[Word], width: float, height: float) -> float:
    area = 0.0
    for im in images:
        x0, x1 = max(0.0, float(im["x0"])), min(width, float(im["x1"]))
        top, bottom = max(0.0, float(im["top"])), min(height, float(im["bottom"]))
        if x1 > x0 and bottom > top:
            area += (x1 - x0) * (bottom - top)
    return min(1.0, area / (width * height)) if width and height else 0.0


def _take_tables(
    page: Any, words: list[Word]
) -> tuple[list[Word], list[tuple[float, float, float, float, list[Line]]]]:
    """Remove the words of ruled tables from ``words``; return tables as cell lines."""
    tables = []
    for table in page.find_tables():
        rows = table.rows
        if len(rows) < 2 or max(len(r.cells) for r in rows) < 2:
            continue
        x0, top, x1, bottom = table.bbox
        cells: list[Line] = []
        texts = table.extract()
        for r_i, (row, row_text) in enumerate(zip(rows, texts, strict=False)):
            for c_i, (bbox, text) in enumerate(zip(row.cells, row_text, strict=False)):
                if bbox is None or not text or not text.strip():
                    continue
                clean = normalize_chars(_join_cell_lines(text.split("\n")))
                order = top + r_i * 1e-3 + c_i * 1e-6
                size = 10.0
                cells.append(Line(clean, bbox[0], bbox[2], order, order, size, 0, x1, 0.0, True))
        tables.append((x0, top, x1, bottom, cells))
    if not tables:
        return words, []

    def inside(w: Word) -> bool:
        cx, cy = (w["x0"] + w["x1"]) / 2, (w["top"] + w["bottom"]) / 2
        return any(t[0] <= cx <= t[2] and t[1] <= cy <= t[3] for t in tables)

    return [w for w in words if not inside(w)], tables


def _join_cell_lines(lines: list[str]) -> str:
    """Join the lines of a table cell, repairing words cut at a line end."""
    out = ""
    for line in (ln.strip() for ln in lines):
        if line:
            out = continue_line(out, line)
    return out


def _drop_footnote_calls(words: list[Word]) -> list[Word]:
    """Drop small raised numbers stuck to the previous word (footnote calls)."""
    if len(words) < 3:
        return words
    body = statistics.median(float(w["size"]) for w in words)
    keep: list[Word] = []
    dropped: Word | None = None
    for w in words:
        prev = keep[-1] if keep else None
        if (
            prev is not None
            and len(w["text"]) <= 3
            and w["text"].strip("*,()").isdigit()
            and float(w["size"]) < 0.8 * body
            and float(w["bottom"]) < float(prev["bottom"]) - 0.15 * float(prev["size"])
            and abs(float(w["x0"]) - float(prev["x1"])) < 1.5
        ):
            dropped = w
            continue
        # Punctuation that followed the call closes up on the word again.
        if (
            dropped is not None
            and prev is not None
            and not w["text"][0].isalnum()
            and 0 <= float(w["x0"]) - float(dropped["x1"]) < 1.5
        ):
            w = {**w, "x0": float(prev["x1"])}
        dropped = None
        keep.append(w)
    return keep


def _find_gutters(words: list[Word], x_min: float, x_max: float, depth: int = 0) -> list[float]:
    """Return x positions of column gutters between ``x_min`` and ``x_max``."""
    inner = [w for w in words if w["x0"] >= x_min - 1 and w["x1"] <= x_max + 1]
    if depth > 2 or len(inner) < 30:
        return []
    span = x_max - x_min
    cover = np.zeros(int(span) + 2, dtype=np.int32)
    for w in inner:
        a = int(max(0.0, w["x0"] - x_min))
        b = int(max(0.0, w["x1"] - x_min)) + 1
        cover[a:b] += 1
    tol = max(1, int(DEFAULT_GUTTER_TOLERANCE * len(inner)))
    lo, hi = int(0.2 * span), int(0.8 * span)
    best: tuple[int, float] | None = None
    start = None
    for i in range(lo, hi + 1):
        empty = cover[i] <= tol
        if empty and start is None:
            start = i
        if (not empty or i == hi) and start is not None:
            end = i if not empty else i + 1
            width = end - start
            if width >= DEFAULT_MIN_GUTTER and (best is None or width > best[0]):
                best = (width, x_min + (start + end) / 2)
            start = None
    if best is None:
        return []
    x = best[1]
    left = [w for w in inner if w["x1"] <= x]
    right = [w for w in inner if w["x0"] >= x]
    if not _is_column(left, len(inner)) or not _is_column(right, len(inner)):
        return []
    if not _overlap(left, right):
        return []
    return [
        *_find_gutters(left, x_min, x, depth + 1),
        x,
        *_find_gutters(right, x, x_max, depth + 1),
    ]


def _is_column(words: list[Word], total: int) -> bool:
    """A column holds a real share of the words, in lines of several words."""
    if len(words) < max(12, 0.12 * total):
        return False
    rows = Counter(round(float(w["top"]) / 3) for w in words)
    return len(words) / max(1, len(rows)) >= 2.5


def _overlap(left: list[Word], right: list[Word]) -> bool:
    l_top, l_bot = min(w["top"] for w in left), max(w["bottom"] for w in left)
    r_top, r_bot = min(w["top"] for w in right), max(w["bottom"] for w in right)
    shared = min(l_bot, r_bot) - max(l_top, r_top)
    return bool(shared > 0.3 * min(l_bot - l_top, r_bot - r_top))


def _order_lines(
    words: list[Word],
    tables: list[tuple[float, float, float, float, list[Line]]],
    gutters: list[float],
    width: float,
) -> list[Line]:
    """Group words into lines and put lines and table cells in reading order."""
    bounds = [0.0, *gutters, width]

    def spans(x0: float, x1: float) -> bool:
        return any(x0 < g - 1 and x1 > g + 1 for g in gutters)

    def column(x0: float, x1: float) -> int:
        centre = (x0 + x1) / 2
        return sum(1 for g in gutters if centre > g)

    span_rows = _spanning_rows(words, spans)
    spanning_ids = {id(w) for row in span_rows for w in row}
    cuts = [min(float(w["top"]) for w in row) for row in span_rows]
    # Tables that cross a gutter cut the column bands like a full-width title.
    for t in tables:
        if spans(t[0], t[2]):
            cuts.append(t[1])
    cuts.sort()

    def band(top: float) -> int:
        return sum(1 for c in cuts if c < top - 0.5)

    groups: dict[tuple[int, int, int], list[Word]] = {}
    for w in words:
        if id(w) in spanning_ids:
            continue
        groups.setdefault((band(float(w["top"])), 0, column(w["x0"], w["x1"])), []).append(w)
    for row in span_rows:
        top = min(float(w["top"]) for w in row)
        groups.setdefault((band(top), 1, 0), []).extend(row)

    keyed: dict[tuple[int, int, int], list[Line]] = {}
    for key, group in groups.items():
        right = bounds[key[2] + 1] if key[1] == 0 else width
        keyed.setdefault(key, []).extend(_make_line(r, right) for r in _rows(group))
    for t in tables:
        spanning_table = spans(t[0], t[2])
        key = (band(t[1]), 1 if spanning_table else 0, 0 if spanning_table else column(t[0], t[2]))
        keyed.setdefault(key, []).extend(t[4])

    lines: list[Line] = []
    block = 0
    for key in sorted(keyed):
        group_lines = sorted(keyed[key], key=lambda ln: ln.top)
        for line in group_lines:
            line.block = block
            if line.cell:
                block += 1
        lines.extend(group_lines)
        block += 1
    ends: dict[int, list[float]] = {}
    for line in lines:
        if not line.cell:
            ends.setdefault(line.block, []).append(line.x1)
    for line in lines:
        if not line.cell:
            line.right_edge = min(line.right_edge, _column_edge(ends[line.block]))
    return lines


def _column_edge(ends: list[float]) -> float:
    """Where the lines of a block end when they are full: the upper quartile of line ends.

    Not the maximum: one line that overshoots the column (a word set tight, a
    non-breaking space) would make every other line look short.
    """
    if len(ends) < 4:
        return max(ends)
    return float(np.percentile(ends, 75))


def _spanning_rows(words: list[Word], spans: Any) -> list[list[Word]]:
    """Rows that cross a gutter (titles), with the words that continue them on either side."""
    crossing = [w for w in words if spans(w["x0"], w["x1"])]
    if not crossing:
        return []
    rows = []
    for seed in _rows(crossing):
        top = min(float(w["top"]) for w in seed)
        size = max(float(w["size"]) for w in seed)
        same = sorted(
            (w for w in words if abs(float(w["top"]) - top) <= max(2.0, 0.35 * size)),
            key=lambda w: float(w["x0"]),
        )
        chosen = {id(w) for w in seed}
        grew = True
        while grew:
            grew = False
            for a, b in itertools.pairwise(same):
                near = float(b["x0"]) - float(a["x1"]) < 1.5 * size
                if near and (id(a) in chosen) != (id(b) in chosen):
                    chosen |= {id(a), id(b)}
                    grew = True
        rows.append([w for w in same if id(w) in chosen])
    return rows


def _rows(words: list[Word]) -> list[list[Word]]:
    """Cluster words into visual rows by their top coordinate."""
    rows: list[list[Word]] = []
    for w in sorted(words, key=lambda w: (float(w["top"]), float(w["x0"]))):
        if rows:
            ref = rows[-1][0]
            if abs(float(w["top"]) - float(ref["top"])) <= max(2.0, 0.35 * float(ref["size"])):
                rows[-1].append(w)
                continue
        rows.append([w])
    return rows


def _make_line(row: list[Word], right_edge: float) -> Line:
    row = sorted(row, key=lambda w: float(w["x0"]))
    segments: list[list[str]] = [[row[0]["text"]]]
    for prev, w in itertools.pairwise(row):
        gap = float(w["x0"]) - float(prev["x1"])
        size = float(w["size"])
        if gap < 0.12 * size:  # a word split by a change of font size
            segments[-1][-1] += w["text"]
        elif gap > 2.5 * size:  # "Conseil du 3 mars        Page 2 / 5"
            segments.append([w["text"]])
        else:
            segments[-1].append(w["text"])
    parts = tuple(normalize_chars(" ".join(seg)).strip() for seg in segments)
    sizes = [float(w["size"]) for w in row]
    first = row[0]
    return Line(
        text=" ".join(parts),
        x0=float(first["x0"]),
        x1=float(row[-1]["x1"]),
        top=min(float(w["top"]) for w in row),
        bottom=max(float(w["bottom"]) for w in row),
        size=statistics.median(sizes),
        block=0,
        right_edge=right_edge,
        first_width=float(first["x1"]) - float(first["x0"]),
        segments=parts,
        bold=sum(_is_bold(w) for w in row) * 2 > len(row),
    )


def _is_bold(word: Word) -> bool:
    name = str(word.get("fontname", "")).lower()
    return "bold" in name or "black" in name or "heavy" in name
