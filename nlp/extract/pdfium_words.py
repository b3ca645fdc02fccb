"""A page read with pdfium that looks, to :func:`nlp.extract.layout.page_layout`, like pdfplumber's.

pdfplumber (pdfminer) is the reference reader, but it is slow: it interprets every
content stream in Python. pdfium reads the same characters in C. This module turns
pdfium's characters into the char dicts pdfplumber would make (loose glyph boxes, in
pdfplumber's top-down coordinates, with size, upright and font name) and groups them
into words with pdfplumber's own ``WordExtractor``, so that the words, and everything
:mod:`nlp.extract.layout` does with them (columns, tables, footnote calls, running lines,
hyphenation), are the same code whichever library read the page.

:class:`PdfiumPage` also has the page's lines, rectangles, curves and images as
pdfplumber lists them (:mod:`nlp.extract.pdfium_graphics`), and their edges, so that ruled
tables are found by pdfplumber's own ``TableFinder`` run on the pdfium page: no page
is parsed twice. :func:`doubts` says why a pdfium page should rather be read by
pdfplumber (the ``auto`` extractor of :mod:`nlp.extract.document`).
"""

from __future__ import annotations

import ctypes
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, cast

from nlp.extract.pdfium_graphics import Transform, read_graphics

#: pdfplumber's word grouping, as :func:`nlp.extract.layout.page_layout` asks for it.
X_TOLERANCE = 3.0
Y_TOLERANCE = 3.0
#: Attributes that split words when they change, as in :func:`nlp.extract.layout.page_layout`.
EXTRA_ATTRS = ("size", "upright", "fontname")
#: What pdfminer writes for a glyph without a Unicode mapping (dropped by normalize_chars).
UNMAPPED = "(cid:0)"
#: pdfium characters that are not text: "no character", non-characters.
_NO_UNICODE = {0, 0xFFFE, 0xFFFF}
#: The characters pdfium may add between text objects: spaces and line breaks.
_MAYBE_GENERATED = {32, 10, 13}
#: pdfium marks a hyphen that ends a line with this code.
_LINE_END_HYPHEN = 2


@dataclass(slots=True)
class PdfiumPage:
    """One page as pdfium reads it, with the attributes ``page_layout`` reads.

    ``chars`` are pdfplumber-style char dicts; ``lines``, ``rects`` and ``curves``
    pdfplumber's path objects (:mod:`nlp.extract.pdfium_graphics`); ``images`` image boxes.
    ``bbox``, ``edges`` and ``chars`` are what pdfplumber's ``TableFinder`` and
    ``Table.extract`` read of a page.
    """

    width: float
    height: float
    rotation: int
    chars: list[dict[str, Any]]
    images: list[dict[str, Any]]
    lines: list[dict[str, Any]]
    rects: list[dict[str, Any]]
    curves: list[dict[str, Any]] = field(default_factory=list)
    unmapped: int = 0  # characters without a Unicode mapping
    _edges: list[dict[str, Any]] | None = field(default=None, repr=False)

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        """The page box in top-down coordinates, as ``pdfplumber.Page.bbox``."""
        return (0.0, 0.0, self.width, self.height)

    @property
    def edges(self) -> list[dict[str, Any]]:
        """The edges of lines, rectangles and curves, as ``pdfplumber.Page.edges``."""
        if self._edges is None:
            from pdfplumber.utils.geometry import curve_to_edges, line_to_edge, rect_to_edges

            self._edges = [
                *map(line_to_edge, self.lines),
                *(edge for rect in self.rects for edge in rect_to_edges(rect)),
                *(edge for curve in self.curves for edge in curve_to_edges(curve)),
            ]
        return self._edges

    def extract_words(
        self, extra_attrs: list[str] | None = None, use_text_flow: bool = False
    ) -> list[dict[str, Any]]:
        """Group the characters into words exactly as ``pdfplumber.Page.extract_words``."""
        from pdfplumber.utils.text import WordExtractor

        extractor = WordExtractor(
            x_tolerance=X_TOLERANCE,
            y_tolerance=Y_TOLERANCE,
            extra_attrs=list(extra_attrs or []),
            use_text_flow=use_text_flow,
        )
        words: list[dict[str, Any]] = extractor.extract_words(self.chars)
        return words

    def find_tables(self) -> list[Any]:
        """Ruled tables, found by pdfplumber's ``TableFinder`` (default settings) on this page.

        Each table is given only the characters inside its box to read its cells from:
        ``Table.extract`` scans all its page's characters once per row.
        """
        from pdfplumber.table import TableFinder

        tables = list(TableFinder(cast(Any, self)).tables)
        for table in tables:
            x0, top, x1, bottom = table.bbox
            inside = [
                c
                for c in self.chars
                if x0 <= (c["x0"] + c["x1"]) / 2 <= x1
                and top <= (c["top"] + c["bottom"]) / 2 <= bottom
            ]
            table.page = cast(Any, SimpleNamespace(chars=inside))
        return tables


def read_page(page: Any) -> PdfiumPage:
    """Read a ``pypdfium2.PdfPage`` into a :class:`PdfiumPage` (the page stays open)."""
    import pypdfium2.raw as pdfium_c

    x0, y0, x1, y1 = (float(v) for v in page.get_mediabox())
    rotation = int(page.get_rotation()) % 360
    to_top = _to_top_down(rotation, x0, y0, x1, y1)
    width, height = (y1 - y0, x1 - x0) if rotation in (90, 270) else (x1 - x0, y1 - y0)
    textpage = page.get_textpage()
    try:
        chars, unmapped = _chars(pdfium_c, textpage, to_top, rotation)
    finally:
        textpage.close()
    graphics = read_graphics(pdfium_c, page, to_top, height)
    return PdfiumPage(
        width,
        height,
        rotation,
        chars,
        graphics.images,
        graphics.lines,
        graphics.rects,
        graphics.curves,
        unmapped,
    )


def _to_top_down(rotation: int, x0: float, y0: float, x1: float, y1: float) -> Transform:
    """PDF user space to pdfplumber's coordinates (x right, top down, page rotated).

    The same matrices as pdfminer's ``PDFPageInterpreter.process_page``, then
    pdfplumber's ``top = height - y``.
    """
    if rotation == 90:
        return lambda x, y: (y - y0, x - x0)
    if rotation == 180:
        return lambda x, y: (x1 - x, y - y0)
    if rotation == 270:
        return lambda x, y: (y1 - y, x1 - x)
    return lambda x, y: (x - x0, y1 - y)


def _upright(matrix: tuple[float, float, float, float], rotation: int) -> bool:
    """Return pdfminer's ``LTChar.upright``: the char matrix times the page rotation."""
    a, b, c, d = matrix
    if rotation == 90:
        a, b, c, d = b, -a, d, -c
    elif rotation == 180:
        a, b, c, d = -a, -b, -c, -d
    elif rotation == 270:
        a, b, c, d = -b, a, -d, c
    return a * d > 0 and b * c <= 0


def _chars(
    pdfium_c: Any, textpage: Any, to_top: Transform, rotation: int
) -> tuple[list[dict[str, Any]], int]:
    """pdfplumber-style char dicts of a text page; generated spaces and breaks left out."""
    # Several pdfium calls per character: the raw handle and local names keep each call
    # cheap (pypdfium2's wrapper converts its argument on every call), and what belongs
    # to the text object (size, matrix, font) is asked once per object.
    tp = textpage.raw
    n = pdfium_c.FPDFText_CountChars(tp)
    get_unicode, is_generated = pdfium_c.FPDFText_GetUnicode, pdfium_c.FPDFText_IsGenerated
    map_error, get_box = pdfium_c.FPDFText_HasUnicodeMapError, pdfium_c.FPDFText_GetLooseCharBox
    text_object = _address_of(pdfium_c.FPDFText_GetTextObject)
    styles: dict[int, tuple[float, bool, str]] = {}
    rect = pdfium_c.FS_RECTF()
    out: list[dict[str, Any]] = []
    unmapped = 0
    ends_in_space: dict[tuple[int, bool], bool] = {}
    for i in range(n):
        code = get_unicode(tp, i)
        # pdfium generates only spaces and line breaks (and flags some unmapped codes)
        if (code in _MAYBE_GENERATED or code in _NO_UNICODE) and is_generated(tp, i):
            # pdfium drops a real space that ends (or starts) a text object and puts a
            # generated one in its place: that space still ends a word, as in pdfminer.
            if code == 32 and out and _real_space(pdfium_c, tp, i, n, ends_in_space):
                out.append({**out[-1], "text": " "})
            continue
        if code in (10, 13):  # line breaks pdfium adds between text objects
            continue
        if code in _NO_UNICODE or map_error(tp, i):
            text = UNMAPPED
            unmapped += 1
        elif code == _LINE_END_HYPHEN:
            text = "-"
        else:
            text = chr(code)
        key = text_object(tp, i) or 0
        style = styles.get(key) if key else None
        if style is None:
            style = _style(pdfium_c, tp, i, rotation)
            if key:
                styles[key] = style
        size, upright, font = style
        get_box(tp, i, rect)
        xa, ya = to_top(rect.left, rect.top)
        xb, yb = to_top(rect.right, rect.bottom)
        left, right = (xa, xb) if xa <= xb else (xb, xa)
        top, bottom = (ya, yb) if ya <= yb else (yb, ya)
        if upright and size > 0:
            # pdfminer's box is one font size high, from the descent up
            top = bottom - size
        out.append(
            {
                "text": text,
                "x0": left,
                "x1": right,
                "top": top,
                "bottom": bottom,
                "doctop": top,
                "size": size,
                "upright": upright,
                "fontname": font,
            }
        )
    return out, unmapped


def _style(pdfium_c: Any, tp: Any, i: int, rotation: int) -> tuple[float, bool, str]:
    """Size, uprightness and font name of char ``i``, which its whole text object shares."""
    matrix = pdfium_c.FS_MATRIX()
    pdfium_c.FPDFText_GetMatrix(tp, i, matrix)
    # pdfium gives the Tf size; pdfminer's is that size scaled by the char matrix
    # (Word's PDFs draw 14.72-pt text under a 0.75 scale: 11.04 pt on the page).
    size = pdfium_c.FPDFText_GetFontSize(tp, i) * math.hypot(matrix.c, matrix.d)
    upright = _upright((matrix.a, matrix.b, matrix.c, matrix.d), rotation)
    name = ctypes.create_string_buffer(256)
    length = pdfium_c.FPDFText_GetFontInfo(tp, i, name, 256, ctypes.c_int())
    font = name.raw[: max(0, length - 1)].decode("utf-8", "replace")
    return float(size), upright, font


def _address_of(func: Any) -> Callable[[Any, int], int | None]:
    """A pdfium ``(handle, index) -> pointer`` function that returns the bare address.

    pypdfium2 declares a typed pointer result, whose address costs a ``ctypes.cast``
    per call; the same C function declared with a ``void *`` result gives an int.
    """
    prototype = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int)
    address = ctypes.cast(func, ctypes.c_void_p).value
    if address is None:
        raise ValueError("a null pdfium function")
    return cast(Callable[[Any, int], int | None], prototype(address))


def _real_space(
    pdfium_c: Any, tp: Any, i: int, n: int, cache: dict[tuple[int, bool], bool]
) -> bool:
    """Whether the text object before or after generated char ``i`` has a space at that end."""
    for j, at_end in ((i - 1, True), (i + 1, False)):
        if not 0 <= j < n:
            continue
        obj = pdfium_c.FPDFText_GetTextObject(tp, j)
        key = ctypes.cast(obj, ctypes.c_void_p).value
        if not key:
            continue
        if (key, at_end) not in cache:
            size = pdfium_c.FPDFTextObj_GetText(obj, tp, None, 0)
            buf = (ctypes.c_ushort * max(1, size))()
            pdfium_c.FPDFTextObj_GetText(obj, tp, buf, size)
            text = bytes(buf).decode("utf-16-le", "replace").rstrip("\x00")
            cache[(key, True)] = text[-1:].isspace()
            cache[(key, False)] = text[:1].isspace()
        if cache[(key, at_end)]:
            return True
    return False


def doubts(page: PdfiumPage) -> str:
    """Why this pdfium page may read differently from pdfplumber ("" when it should not).

    Rotated pages, text that is not upright and glyphs without Unicode go to
    pdfplumber in the ``auto`` extractor: pdfium places, orders or names those
    characters otherwise than pdfminer does.
    """
    if page.rotation:
        return "rotated page"
    if page.unmapped:
        return "glyphs without Unicode"
    if any(not c["upright"] for c in page.chars):
        return "rotated text"
    return ""
