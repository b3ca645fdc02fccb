"""A page read with pdfium that looks, to :func:`nlp.extract.layout.page_layout`, like pdfplumber's.

pdfplumber (pdfminer) is the reference reader, but it is slow: it interprets every
content stream in Python. pdfium reads the same characters in C. This module turns
pdfium's characters into the char dicts pdfplumber would make (loose glyph boxes, in
pdfplumber's top-down coordinates, with size, upright and font name) and groups them
into words with pdfplumber's own ``WordExtractor``, so that the words, and everything
:mod:`nlp.extract.layout` does with them (columns, tables, footnote calls, running lines,
hyphenation), are the same code whichever library read the page.

:class:`PdfiumPage` also counts ruling lines and rectangles and gives image boxes, as
``page.lines``, ``page.rects`` and ``page.images`` do. Ruled tables are still found by
pdfplumber's table finder: ``find_tables`` opens that page with pdfplumber on demand.
:func:`doubts` says why a pdfium page should rather be read by pdfplumber (the ``auto``
extractor of :mod:`nlp.extract.document`).
"""

from __future__ import annotations

import ctypes
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

#: pdfplumber's word grouping, as :func:`nlp.extract.layout.page_layout` asks for it.
X_TOLERANCE = 3.0
Y_TOLERANCE = 3.0
#: Attributes that split words when they change, as in :func:`nlp.extract.layout.page_layout`.
EXTRA_ATTRS = ("size", "upright", "fontname")
#: What pdfminer writes for a glyph without a Unicode mapping (dropped by normalize_chars).
UNMAPPED = "(cid:0)"
#: pdfium characters that are not text: "no character", non-characters.
_NO_UNICODE = {0, 0xFFFE, 0xFFFF}
#: A subpath with these segment kinds (m: move, l: line, h: closed) is a ruling line.
_LINE_SHAPES = {"ml", "mlh"}
_RECT_SHAPES = {"mlllh", "mllll", "mllllh"}
#: pdfium marks a hyphen that ends a line with this code.
_LINE_END_HYPHEN = 2


@dataclass(slots=True)
class PdfiumPage:
    """One page as pdfium reads it, with the attributes ``page_layout`` reads.

    ``chars`` are pdfplumber-style char dicts; ``lines`` and ``rects`` the ruling
    segments and rectangles (only their number is used); ``images`` image boxes.
    ``table_page`` returns the same page opened by pdfplumber, for ruled tables.
    """

    width: float
    height: float
    rotation: int
    chars: list[dict[str, Any]]
    images: list[dict[str, float]]
    lines: list[dict[str, float]]
    rects: list[dict[str, float]]
    unmapped: int = 0  # characters without a Unicode mapping
    table_page: Callable[[], Any] | None = field(default=None, repr=False)

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
        """Ruled tables, found by pdfplumber's table finder on this page."""
        if self.table_page is None:
            return []
        return list(self.table_page().find_tables())


def read_page(page: Any, table_page: Callable[[], Any] | None = None) -> PdfiumPage:
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
    images, lines, rects = _graphics(pdfium_c, page, to_top)
    return PdfiumPage(width, height, rotation, chars, images, lines, rects, unmapped, table_page)


Transform = Callable[[float, float], tuple[float, float]]


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
    n = pdfium_c.FPDFText_CountChars(textpage)
    rect = pdfium_c.FS_RECTF()
    matrix = pdfium_c.FS_MATRIX()
    name_buf = ctypes.create_string_buffer(256)
    flags = ctypes.c_int()
    fonts: dict[int, str] = {}
    out: list[dict[str, Any]] = []
    unmapped = 0
    doctop = 0.0
    ends_in_space: dict[tuple[int, bool], bool] = {}
    for i in range(n):
        code = pdfium_c.FPDFText_GetUnicode(textpage, i)
        if pdfium_c.FPDFText_IsGenerated(textpage, i):
            # pdfium drops a real space that ends (or starts) a text object and puts a
            # generated one in its place: that space still ends a word, as in pdfminer.
            if code == 32 and out and _real_space(pdfium_c, textpage, i, ends_in_space):
                out.append({**out[-1], "text": " "})
            continue
        if code in (10, 13):  # line breaks pdfium adds between text objects
            continue
        if code in _NO_UNICODE or pdfium_c.FPDFText_HasUnicodeMapError(textpage, i):
            text = UNMAPPED
            unmapped += 1
        elif code == _LINE_END_HYPHEN:
            text = "-"
        else:
            text = chr(code)
        pdfium_c.FPDFText_GetLooseCharBox(textpage, i, rect)
        pdfium_c.FPDFText_GetMatrix(textpage, i, matrix)
        # pdfium gives the Tf size; pdfminer's is that size scaled by the char matrix
        # (Word's PDFs draw 14.72-pt text under a 0.75 scale: 11.04 pt on the page).
        size = float(pdfium_c.FPDFText_GetFontSize(textpage, i)) * math.hypot(matrix.c, matrix.d)
        obj = pdfium_c.FPDFText_GetTextObject(textpage, i)
        key = ctypes.cast(obj, ctypes.c_void_p).value or 0
        font = fonts.get(key)
        if font is None:
            length = pdfium_c.FPDFText_GetFontInfo(textpage, i, name_buf, 256, flags)
            font = name_buf.raw[: max(0, length - 1)].decode("utf-8", "replace")
            fonts[key] = font
        xa, ya = to_top(rect.left, rect.top)
        xb, yb = to_top(rect.right, rect.bottom)
        upright = _upright((matrix.a, matrix.b, matrix.c, matrix.d), rotation)
        left, right = min(xa, xb), max(xa, xb)
        top, bottom = min(ya, yb), max(ya, yb)
        if upright:
            # pdfminer's box is one font size high, from the descent up
            top = bottom - size if size > 0 else top
        out.append(
            {
                "text": text,
                "x0": left,
                "x1": right,
                "top": top,
                "bottom": bottom,
                "doctop": doctop + top,
                "size": size,
                "upright": upright,
                "fontname": font,
            }
        )
    return out, unmapped


def _real_space(pdfium_c: Any, textpage: Any, i: int, cache: dict[tuple[int, bool], bool]) -> bool:
    """Whether the text object before or after generated char ``i`` has a space at that end."""
    for j, at_end in ((i - 1, True), (i + 1, False)):
        if not 0 <= j < pdfium_c.FPDFText_CountChars(textpage):
            continue
        obj = pdfium_c.FPDFText_GetTextObject(textpage, j)
        key = ctypes.cast(obj, ctypes.c_void_p).value
        if not key:
            continue
        if (key, at_end) not in cache:
            size = pdfium_c.FPDFTextObj_GetText(obj, textpage, None, 0)
            buf = (ctypes.c_ushort * max(1, size))()
            pdfium_c.FPDFTextObj_GetText(obj, textpage, buf, size)
            text = bytes(buf).decode("utf-16-le", "replace").rstrip("\x00")
            cache[(key, True)] = text[-1:].isspace()
            cache[(key, False)] = text[:1].isspace()
        if cache[(key, at_end)]:
            return True
    return False


def _graphics(
    pdfium_c: Any, page: Any, to_top: Transform
) -> tuple[list[dict[str, float]], list[dict[str, float]], list[dict[str, float]]]:
    """Image boxes, ruling lines and rectangles of a page, as pdfminer counts them."""
    images: list[dict[str, float]] = []
    lines: list[dict[str, float]] = []
    rects: list[dict[str, float]] = []
    kinds = (pdfium_c.FPDF_PAGEOBJ_IMAGE, pdfium_c.FPDF_PAGEOBJ_PATH)
    for obj in page.get_objects(filter=kinds):
        left, bottom, right, top = obj.get_bounds()
        xa, ya = to_top(left, top)
        xb, yb = to_top(right, bottom)
        box = {"x0": min(xa, xb), "x1": max(xa, xb), "top": min(ya, yb), "bottom": max(ya, yb)}
        if obj.type == pdfium_c.FPDF_PAGEOBJ_IMAGE:
            images.append(box)
            continue
        for shape in _subpath_shapes(pdfium_c, obj):
            if shape in _LINE_SHAPES:
                lines.append(box)
            elif shape in _RECT_SHAPES:
                rects.append(box)
    return images, lines, rects


def _subpath_shapes(pdfium_c: Any, obj: Any) -> list[str]:
    """The shape of each subpath of a path object, in pdfminer's letters.

    ``m`` move, ``l`` line, ``c`` curve, ``h`` close; pdfium gives ``re`` rectangles
    as ``mllllh``.
    """
    letters = {
        pdfium_c.FPDF_SEGMENT_MOVETO: "m",
        pdfium_c.FPDF_SEGMENT_LINETO: "l",
        pdfium_c.FPDF_SEGMENT_BEZIERTO: "c",
    }
    shape = []
    for i in range(pdfium_c.FPDFPath_CountSegments(obj)):
        seg = pdfium_c.FPDFPath_GetPathSegment(obj, i)
        shape.append(letters.get(pdfium_c.FPDFPathSegment_GetType(seg), "?"))
        if pdfium_c.FPDFPathSegment_GetClose(seg):
            shape.append("h")
    return re.findall(r"m[^m]*", "".join(shape))


def doubts(page: PdfiumPage) -> str:
    """Why this pdfium page may read differently from pdfplumber ("" when it should not).

    Rotated pages, text that is not upright, glyphs without Unicode, and ruled pages
    (four or more lines and rectangles: tables, found by pdfplumber's table finder
    and read cell by cell) go to pdfplumber in the ``auto`` extractor.
    """
    if page.rotation:
        return "rotated page"
    if page.unmapped:
        return "glyphs without Unicode"
    if any(not c["upright"] for c in page.chars):
        return "rotated text"
    if len(page.lines) + len(page.rects) >= 4:
        return "ruled (table finder)"
    return ""
