"""pdfium's paths, as :mod:`nlp.extract.pdfium_graphics` lists them, against pdfplumber's own lists.

Generated PDFs hold every kind of path pdfminer tells apart (lines, rectangles from
``re`` and from four drawn sides, closed or not, skewed quadrilaterals and Bézier
curves, several subpaths in one path, paths under a ``cm`` matrix) and a ruled table
drawn inside a form XObject, on an upright and on a rotated page. pdfplumber reads the
same files: its lines, rectangles, curves, edges and tables are the reference.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pdfplumber
import pypdfium2
import pytest
from reportlab.pdfgen import canvas

from nlp.extract.pdfium_words import PdfiumPage, read_page
from tests.pdfgen import raw_pdf

SHAPES = b"""
0.5 w
100 700 200 50 re S
100 600 m 300 600 l S
100 590 m 300 590 l h S
100 550 m 300 550 l 300 500 l 100 500 l h S
100 450 m 300 450 l 300 400 l 100 400 l 100 450 l h f
320 450 m 500 450 l 500 400 l 320 400 l 320 450 l S
100 350 m 300 360 l 300 300 l 100 300 l h S
100 250 m 150 280 200 280 250 250 c S
320 250 m 400 250 l 400 200 l S
q 2 0 0 2 50 50 cm 10 10 m 60 10 l S 10 20 30 30 re f Q
100 150 m 200 150 l 100 120 m 200 120 l S
"""


def both(path: Path, number: int = 1) -> tuple[Any, PdfiumPage]:
    """Page ``number`` as pdfplumber reads it, and as pdfium does (both left open)."""
    plumber = pdfplumber.open(path).pages[number - 1]
    pdfium = read_page(pypdfium2.PdfDocument(str(path))[number - 1])
    return plumber, pdfium


def boxes(objects: list[dict[str, Any]]) -> list[tuple[float, ...]]:
    """Sorted, rounded boxes (and orientation, for edges) of pdfplumber-style objects."""
    return sorted(
        (*(round(float(o[k]), 2) for k in ("x0", "top", "x1", "bottom")), o.get("orientation"))
        for o in objects
    )


def points(curves: list[dict[str, Any]]) -> list[list[tuple[float, float]]]:
    return sorted([(round(x, 2), round(y, 2)) for x, y in c["pts"]] for c in curves)


def test_paths_are_the_lines_rects_and_curves_pdfplumber_lists(tmp_path: Path) -> None:
    plumber, pdfium = both(raw_pdf(tmp_path / "shapes.pdf", [SHAPES]))
    assert len(pdfium.lines) == len(plumber.lines) == 5
    assert len(pdfium.rects) == len(plumber.rects) == 5
    assert len(pdfium.curves) == len(plumber.curves) == 3
    for kind in ("lines", "rects", "curves"):
        assert boxes(getattr(pdfium, kind)) == boxes(getattr(plumber, kind)), kind
    assert points(pdfium.curves) == points(plumber.curves)
    assert boxes(pdfium.edges) == boxes(plumber.edges)


def grid_in_form_pdf(path: Path, rotation: int) -> Path:
    """A 3 x 4 ruled table whose rules are a form XObject placed under a matrix."""
    c = canvas.Canvas(str(path), pagesize=(595, 842), invariant=1)
    c.setPageRotation(rotation)
    c.beginForm("grid")
    for i in range(5):  # horizontal rules of 4 rows
        c.line(0, i * 20, 300, i * 20)
    for j in range(4):  # vertical rules of 3 columns
        c.line(j * 100, 0, j * 100, 80)
    c.endForm()
    c.saveState()
    c.translate(120, 500)
    c.scale(1.2, 1.5)
    c.doForm("grid")
    c.restoreState()
    c.setFont("Helvetica", 10)
    for row in range(4):
        for col in range(3):
            c.drawString(125 + col * 120, 508 + row * 30, f"r{row} c{col}")
    c.save()
    return path


@pytest.mark.parametrize("rotation", [0, 90])
def test_tables_inside_a_form_are_found_as_pdfplumber_finds_them(
    tmp_path: Path, rotation: int
) -> None:
    plumber, pdfium = both(grid_in_form_pdf(tmp_path / "grid.pdf", rotation))
    assert boxes(pdfium.edges) == boxes(plumber.edges)
    expected = plumber.find_tables()
    tables = pdfium.find_tables()
    assert len(tables) == len(expected) == 1
    assert [round(v, 2) for v in tables[0].bbox] == [round(v, 2) for v in expected[0].bbox]
    assert tables[0].extract() == expected[0].extract()
    assert sum(bool(cell) for row in tables[0].extract() for cell in row) == 12
