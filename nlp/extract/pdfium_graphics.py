"""The images, ruling lines, rectangles and curves of a pdfium page, as pdfplumber lists them.

pdfplumber's table finder builds tables from the edges of a page's lines, rectangles
and curves. pdfminer makes those objects from every painted subpath: a single segment
is a line, a closed axis-aligned four-sided subpath a rectangle, anything else a curve
through its segments' end points. This module applies the same rules to the paths pdfium
parsed, so that ``pdfplumber.table.TableFinder`` finds the same tables on
:class:`nlp.extract.pdfium_words.PdfiumPage` as on pdfplumber's page. Objects inside form
XObjects are placed on the page through their forms' matrices, as pdfminer does when it
runs a form's content.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

Obj = dict[str, Any]
Point = tuple[float, float]
Matrix = tuple[float, float, float, float, float, float]
Transform = Callable[[float, float], Point]

IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
#: How deep form XObjects are entered (pypdfium2's own default).
MAX_FORM_DEPTH = 15
#: pdfium gives a Bézier curve as three segments (two control points, then the end).
_BEZIER_POINTS = 3


@dataclass(slots=True)
class Graphics:
    """Image boxes, and the lines, rectangles and curves pdfplumber would list."""

    images: list[Obj]
    lines: list[Obj]
    rects: list[Obj]
    curves: list[Obj]


def read_graphics(pdfium_c: Any, page: Any, to_top: Transform, height: float) -> Graphics:
    """The graphics of a ``pypdfium2.PdfPage`` in pdfplumber's top-down coordinates.

    ``height`` is the page height, for the bottom-up ``y0``/``y1`` pdfplumber also keeps.
    """
    out = Graphics([], [], [], [])
    for obj, kind, matrix in _objects(pdfium_c, page):
        if kind == pdfium_c.FPDF_PAGEOBJ_IMAGE:
            corners = [_apply(matrix, x, y) for x, y in ((0, 0), (1, 0), (0, 1), (1, 1))]
            out.images.append(_box([to_top(x, y) for x, y in corners], height))
        elif kind == pdfium_c.FPDF_PAGEOBJ_PATH:
            for subpath in _subpaths(pdfium_c, obj, matrix, to_top):
                _add_subpath(out, subpath, height)
    return out


def _objects(pdfium_c: Any, page: Any) -> Iterator[tuple[Any, int, Matrix]]:
    """Every image and path object with its matrix to page space, forms entered."""
    fs = pdfium_c.FS_MATRIX()
    kinds = (pdfium_c.FPDF_PAGEOBJ_IMAGE, pdfium_c.FPDF_PAGEOBJ_PATH)

    def walk(parent: Any, count: Any, get: Any, outer: Matrix, depth: int) -> Iterator[Any]:
        for i in range(count(parent)):
            obj = get(parent, i)
            kind = pdfium_c.FPDFPageObj_GetType(obj)
            if kind not in kinds and kind != pdfium_c.FPDF_PAGEOBJ_FORM:
                continue
            if not pdfium_c.FPDFPageObj_GetMatrix(obj, fs):
                continue
            matrix = _compose((fs.a, fs.b, fs.c, fs.d, fs.e, fs.f), outer)
            if kind != pdfium_c.FPDF_PAGEOBJ_FORM:
                yield obj, kind, matrix
            elif depth < MAX_FORM_DEPTH - 1:
                count_in, get_in = pdfium_c.FPDFFormObj_CountObjects, pdfium_c.FPDFFormObj_GetObject
                yield from walk(obj, count_in, get_in, matrix, depth + 1)

    yield from walk(page, pdfium_c.FPDFPage_CountObjects, pdfium_c.FPDFPage_GetObject, IDENTITY, 0)


def _compose(inner: Matrix, outer: Matrix) -> Matrix:
    """The matrix that applies ``inner``, then ``outer`` (PDF row-vector convention)."""
    a, b, c, d, e, f = inner
    a2, b2, c2, d2, e2, f2 = outer
    return (
        a * a2 + b * c2,
        a * b2 + b * d2,
        c * a2 + d * c2,
        c * b2 + d * d2,
        e * a2 + f * c2 + e2,
        e * b2 + f * d2 + f2,
    )


def _apply(m: Matrix, x: float, y: float) -> Point:
    return (m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5])


def _subpaths(
    pdfium_c: Any, obj: Any, matrix: Matrix, to_top: Transform
) -> list[list[tuple[str, Point]]]:
    """A path object's subpaths as pdfminer's (operator, end point) lists, on the page.

    ``m`` move, ``l`` line, ``c`` curve, ``h`` close (its point is the subpath's start).
    """
    letters = {pdfium_c.FPDF_SEGMENT_MOVETO: "m", pdfium_c.FPDF_SEGMENT_LINETO: "l"}
    bezier = pdfium_c.FPDF_SEGMENT_BEZIERTO
    x, y = ctypes.c_float(), ctypes.c_float()
    subpaths: list[list[tuple[str, Point]]] = []
    current: list[tuple[str, Point]] = []
    controls = 0
    for i in range(pdfium_c.FPDFPath_CountSegments(obj)):
        seg = pdfium_c.FPDFPath_GetPathSegment(obj, i)
        kind = pdfium_c.FPDFPathSegment_GetType(seg)
        if kind == bezier:
            controls += 1
            if controls < _BEZIER_POINTS:
                continue
            controls, op = 0, "c"
        else:
            op = letters.get(kind, "?")
        pdfium_c.FPDFPathSegment_GetPoint(seg, x, y)
        point = to_top(*_apply(matrix, x.value, y.value))
        if op == "m":
            current = []
            subpaths.append(current)
        elif not subpaths:  # a path must begin with a move: pdfminer ignores it
            continue
        current.append((op, point))
        if pdfium_c.FPDFPathSegment_GetClose(seg):
            current.append(("h", current[0][1]))
    return subpaths


def _add_subpath(out: Graphics, path: list[tuple[str, Point]], height: float) -> None:
    """Classify one subpath as pdfminer's ``paint_path`` does and keep it."""
    shape = "".join(op for op, _ in path)
    if len(shape) < 2:  # a lone move draws nothing
        return
    pts = [p for _, p in path]
    # A closing "l" back to the start, followed by "h", is one side, not two.
    if len(shape) > 3 and shape[-2:] == "lh" and pts[-2] == pts[0]:
        shape = shape[:-2] + "h"
        pts.pop()
    if shape in {"mlh", "ml"}:
        out.lines.append(_shape("line", pts[:2], height))
    elif shape in {"mlllh", "mllll"} and _is_rect(pts):
        corners = [pts[0], pts[2]]
        out.rects.append(_shape("rect", corners, height))
    else:
        out.curves.append(_shape("curve", pts, height))


def _is_rect(pts: list[Point]) -> bool:
    """A closed four-sided subpath with horizontal and vertical sides."""
    (x0, y0), (x1, y1), (x2, y2), (x3, y3), last = pts
    square = (x0 == x1 and y1 == y2 and x2 == x3 and y3 == y0) or (
        y0 == y1 and x1 == x2 and y2 == y3 and x3 == x0
    )
    return pts[0] == last and square


def _shape(kind: str, pts: list[Point], height: float) -> Obj:
    """A pdfplumber line, rect or curve dict (what its edge builders read)."""
    obj = _box(pts, height)
    obj["object_type"] = kind
    obj["pts"] = pts
    return obj


def _box(pts: list[Point], height: float) -> Obj:
    """The bounding box of top-down points, with pdfplumber's keys."""
    xs, tops = [p[0] for p in pts], [p[1] for p in pts]
    x0, x1, top, bottom = min(xs), max(xs), min(tops), max(tops)
    return {
        "x0": x0,
        "x1": x1,
        "top": top,
        "bottom": bottom,
        "doctop": top,
        "width": x1 - x0,
        "height": bottom - top,
        "y0": height - bottom,
        "y1": height - top,
    }
