"""Generate valpub's own sample corpus: fictional French territorial PDFs with a text layer.

Run from the repository root::

    .venv/bin/python corpus/make_samples.py            # writes corpus/<territory>/*.pdf + manifest
    .venv/bin/python corpus/make_samples.py --out DIR  # same files under DIR (the test uses this)
    .venv/bin/python corpus/make_samples.py --report   # also prints where each layout feature is

The text lives in ``corpus/samples/*.yaml`` (written for valpub, fictional territories), loaded
by ``corpus/samples_text.py``. This module is the layout engine: with ``corpus/typeset.py``,
which breaks lines itself (greedy fill measured with ``pdfmetrics.stringWidth``, breaks at real
hyphens and at French syllable boundaries) and justifies them, it flows two columns, and draws
running headers, footers, footnote calls, bullet lists and ruled tables, so the samples exercise
what the extractor meets in real documents.

Output is byte-for-byte deterministic: reportlab runs in invariant mode (fixed dates and document
id) and the fonts are the Bitstream Vera TTFs shipped inside reportlab itself, so no system font is
needed. The bytes can change with another reportlab version; regenerate and commit then.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, Table, TableStyle

sys.path.insert(0, str(Path(__file__).resolve().parent))
import samples_text as st
from typeset import (
    BODY,
    BODY_LEAD,
    BODY_SIZE,
    BOLD,
    BOTTOM_Y,
    COL_W,
    FOOTER_Y,
    GREY,
    GUTTER,
    HEADER_Y,
    ITALIC,
    MARGIN_X,
    NOTE_LEAD,
    NOTE_SIZE,
    PAGE_H,
    PAGE_W,
    REGULAR,
    TEXT_W,
    TOP_Y,
    Breaks,
    Font,
    Line,
    break_lines,
    draw_line,
    french_spacing,
    parse_words,
)

from nlp.ingest.corpus import MANIFEST_COLUMNS

rl_config.invariant = 1  # fixed creation date and document id: identical bytes on every run

CORPUS_DIR = Path(__file__).resolve().parent

# ---------------------------------------------------------------- laid-out items
Draw = Callable[[Canvas, float, float], None]  # (canvas, x, y_top)


@dataclass
class Item:
    """A laid-out piece of a page: its height and how to draw it from its top-left corner."""

    height: float
    draw: Draw
    kind: str = "text"  # "text", "heading", "blank"


def _baseline(top: float, font: Font) -> float:
    return top - font.lead + (font.lead - font.size) / 2 + 0.2 * font.size


def text_items(
    text: str,
    font: Font,
    width: float,
    breaks: Breaks,
    *,
    justify: bool,
    indent: float = 0.0,
    color: colors.Color = colors.black,
    kind: str = "text",
    hyphenate: bool = True,
) -> list[Item]:
    lines = break_lines(
        parse_words(text), font, width, breaks, first_indent=indent, hyphenate=hyphenate
    )
    items = []
    for n, line in enumerate(lines):
        dx = indent if n == 0 else 0.0

        def draw(c: Canvas, x: float, top: float, line: Line = line, dx: float = dx) -> None:
            c.setFillColor(color)
            draw_line(c, line, font, x + dx, _baseline(top, font), width - dx, justify)
            c.setFillColor(colors.black)

        items.append(Item(font.lead, draw, kind))
    return items


def spacer(height: float) -> Item:
    return Item(height, lambda c, x, top: None, "blank")


def centered_items(text: str, font: Font, width: float) -> list[Item]:
    def draw(c: Canvas, x: float, top: float) -> None:
        c.setFont(font.name, font.size)
        c.drawCentredString(x + width / 2, _baseline(top, font), french_spacing(text))

    return [Item(font.lead, draw)]


def marked_lines(
    text: str,
    mark: str,
    font: Font,
    width: float,
    mark_x: float,
    text_x: float,
    breaks: Breaks,
) -> list[Item]:
    """The lines of a text hanging after a mark (a bullet, a footnote number) on its first."""
    out: list[Item] = []
    for k, line in enumerate(break_lines(parse_words(text), font, width - text_x, breaks)):

        def draw(c: Canvas, x: float, top: float, line: Line = line, k: int = k) -> None:
            base = _baseline(top, font)
            if k == 0:
                c.setFont(font.name, font.size)
                c.drawString(x + mark_x, base, mark)
            draw_line(c, line, font, x + text_x, base, width - text_x, justify=False)

        out.append(Item(font.lead, draw))
    return out


def bullet_items(items: Sequence[str], width: float, breaks: Breaks) -> list[Item]:
    """« • » items, and « – » sub-items for entries written with a leading "- "."""
    out: list[Item] = []
    for n, raw in enumerate(items):
        sub = raw.startswith("- ")
        mark, text = ("–", raw[2:]) if sub else ("•", raw)
        mark_x, text_x = (20.0, 32.0) if sub else (6.0, 18.0)
        out += marked_lines(text, mark, BODY, width, mark_x, text_x, breaks)
        if n < len(items) - 1:
            out.append(spacer(2.5))
    return out


def table_item(block: st.Table, width: float) -> Item:
    cell = ParagraphStyle("cell", fontName=REGULAR, fontSize=8.5, leading=10.4)
    head = ParagraphStyle("head", fontName=BOLD, fontSize=8.5, leading=10.4)

    def para(text: str, style: ParagraphStyle) -> Paragraph:
        safe = french_spacing(text).replace("&", "&amp;").replace("<", "&lt;")
        return Paragraph(safe, style)

    data = [[para(t, head) for t in block.header]]
    data += [[para(t, cell) for t in row] for row in block.rows]
    total = sum(block.widths)
    table = Table(data, colWidths=[width * w / total for w in block.widths])
    style = [
        ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
        ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.86, 0.88, 0.92)),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]
    if block.total_row:
        style.append(("BACKGROUND", (0, -1), (-1, -1), colors.Color(0.94, 0.94, 0.94)))
    table.setStyle(TableStyle(style))
    _, height = table.wrap(width, PAGE_H)

    def draw(c: Canvas, x: float, top: float) -> None:
        table.drawOn(c, x, top - height)

    return Item(height, draw)


TITLE = Font(BOLD, 17.0, 21.0)
SUBTITLE = Font(ITALIC, 11.5, 15.0)
META = Font(ITALIC, 9.0, 12.0)
H1 = Font(BOLD, 12.5, 16.5)
H2 = Font(BOLD, 10.5, 14.0)
CENTER_BOLD = Font(BOLD, 11.0, 15.0)
CENTER = Font(REGULAR, 10.0, 14.0)
NOTE = Font(REGULAR, NOTE_SIZE, NOTE_LEAD)


def block_items(block: st.Block, width: float, breaks: Breaks, justify: bool) -> list[Item]:
    """Lay out one block of the flowing page body."""
    if isinstance(block, st.Title):
        items = text_items(block.text, TITLE, width, breaks, justify=False, hyphenate=False)
        if block.subtitle:
            sub = text_items(
                block.subtitle, SUBTITLE, width, breaks, justify=False, hyphenate=False
            )
            items += [spacer(3.0), *sub]
        return [*items, spacer(8.0)]
    if isinstance(block, st.Meta):
        meta = text_items(
            block.text, META, width, breaks, justify=False, color=GREY, hyphenate=False
        )
        return [*meta, spacer(8.0)]
    if isinstance(block, st.Heading):
        font = H1 if block.level == 1 else H2
        return [
            spacer(7.0 if block.level == 1 else 4.0),
            *text_items(
                block.text, font, width, breaks, justify=False, kind="heading", hyphenate=False
            ),
            spacer(3.0),
        ]
    if isinstance(block, st.Para):
        return [*text_items(block.text, BODY, width, breaks, justify=justify), spacer(6.0)]
    if isinstance(block, st.Plain):
        font = Font(BOLD, BODY_SIZE, BODY_LEAD) if block.bold else BODY
        items = text_items(block.text, font, width, breaks, justify=False, hyphenate=False)
        return [*items, spacer(6.0 if block.space_after else 0.0)]
    if isinstance(block, st.Centered):
        font = CENTER_BOLD if block.bold else CENTER
        return [item for line in block.lines for item in centered_items(line, font, width)] + [
            spacer(6.0)
        ]
    if isinstance(block, st.Bullets):
        return [*bullet_items(block.items, width, breaks), spacer(6.0)]
    if isinstance(block, st.Table):
        return [spacer(2.0), table_item(block, width), spacer(9.0)]
    if isinstance(block, st.Columns):
        return [columns_item(block, breaks, justify), spacer(6.0)]
    raise TypeError(f"no layout for {block!r}")


def columns_item(block: st.Columns, breaks: Breaks, justify: bool) -> Item:
    """Flow paragraphs and headings in two balanced columns whose lines share one baseline grid."""
    lines: list[Item] = []
    for inner in block.blocks:
        if isinstance(inner, st.Heading):
            if lines:
                lines.append(Item(BODY.lead, lambda c, x, top: None, "blank"))
            head = Font(BOLD, BODY_SIZE, BODY_LEAD)
            lines += text_items(
                inner.text, head, COL_W, breaks, justify=False, kind="heading", hyphenate=False
            )
        elif isinstance(inner, st.Para):
            lines += text_items(inner.text, BODY, COL_W, breaks, justify=justify, indent=12.0)
        else:
            raise TypeError(f"only headings and paragraphs flow in columns, not {inner!r}")
    left_n = (len(lines) + 1) // 2
    while left_n > 1 and lines[left_n - 1].kind in ("heading", "blank"):
        left_n -= 1
    left, right = lines[:left_n], lines[left_n:]
    while right and right[0].kind == "blank":
        right = right[1:]

    def draw(c: Canvas, x: float, top: float) -> None:
        for col_x, col in ((x, left), (x + COL_W + GUTTER, right)):
            y = top
            for item in col:
                item.draw(c, col_x, y)
                y -= item.height

    return Item(max(len(left), len(right)) * BODY.lead, draw)


# ---------------------------------------------------------------- pages and documents
class LayoutError(RuntimeError):
    """A page's text does not fit: shorten it or move a block to the next page."""


def footnote_items(notes: Sequence[st.Footnote], breaks: Breaks) -> list[Item]:
    items: list[Item] = []
    for note in notes:
        items += marked_lines(note.text, note.mark, NOTE, TEXT_W, 0.0, 10.0, breaks)
    return items


def draw_running(c: Canvas, doc: st.Document, page_no: int, pages: int) -> None:
    """Running header (title of the document) and footer (page number) of every page."""
    c.setFillColor(GREY)
    c.setFont(ITALIC, 8.0)
    c.drawString(MARGIN_X, HEADER_Y, french_spacing(doc.header))
    c.setStrokeColor(GREY)
    c.setLineWidth(0.4)
    c.line(MARGIN_X, HEADER_Y - 5.0, PAGE_W - MARGIN_X, HEADER_Y - 5.0)
    c.setFont(REGULAR, 8.0)
    footer = doc.footer.format(n=page_no, N=pages)
    if doc.footer_align == "right":
        c.drawRightString(PAGE_W - MARGIN_X, FOOTER_Y, footer)
    else:
        c.drawCentredString(PAGE_W / 2, FOOTER_Y, footer)
    if doc.footer_left:
        c.drawString(MARGIN_X, FOOTER_Y, french_spacing(doc.footer_left))
    c.setFillColor(colors.black)
    c.setStrokeColor(colors.black)


@dataclass
class PageReport:
    features: list[str]
    breaks: list[tuple[str, str, bool]]


def render(doc: st.Document) -> tuple[bytes, list[PageReport]]:
    """Lay out and draw one document; return its PDF bytes and what each page holds."""
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4, pageCompression=1, invariant=1)
    c.setTitle(doc.title)
    c.setAuthor(f"{doc.territory.name} (fictional sample)")
    c.setSubject("valpub sample corpus: fictional document")
    c.setCreator("valpub corpus/make_samples.py")
    reports: list[PageReport] = []
    multi = len(doc.pages) > 1
    for page_no, blocks in enumerate(doc.pages, start=1):
        breaks = Breaks()
        notes = [b for b in blocks if isinstance(b, st.Footnote)]
        body = [b for b in blocks if not isinstance(b, st.Footnote)]
        items = [i for b in body for i in block_items(b, TEXT_W, breaks, doc.justify)]
        note_items = footnote_items(notes, breaks)
        floor = BOTTOM_Y + (sum(i.height for i in note_items) + 12.0 if note_items else 0.0)
        used = sum(i.height for i in items)
        if TOP_Y - used < floor:
            raise LayoutError(
                f"{doc.path} page {page_no}: body overflows by {floor - (TOP_Y - used):.0f} pt"
            )
        y = TOP_Y
        for item in items:
            item.draw(c, MARGIN_X, y)
            y -= item.height
        if note_items:
            y = floor - 4.0
            c.setLineWidth(0.5)
            c.line(MARGIN_X, y + 4.0, MARGIN_X + 90.0, y + 4.0)
            for item in note_items:
                item.draw(c, MARGIN_X, y)
                y -= item.height
        if multi:
            draw_running(c, doc, page_no, len(doc.pages))
        c.showPage()
        reports.append(PageReport(page_features(body, notes, multi), breaks.items))
    c.save()
    return buf.getvalue(), reports


def page_features(body: Sequence[st.Block], notes: Sequence[st.Footnote], multi: bool) -> list[str]:
    feats = []
    if multi:
        feats.append("header-footer")
    if any(isinstance(b, st.Columns) for b in body):
        feats.append("two-column")
    if any(isinstance(b, st.Bullets) for b in body):
        feats.append("bullets")
    if any(isinstance(b, st.Table) for b in body):
        feats.append("table")
    if notes:
        feats.append("footnote")
    return feats


def doc_notes(doc: st.Document, reports: Sequence[PageReport]) -> str:
    """The manifest's notes: fictional, and which layout features the file exercises where."""
    where: dict[str, list[int]] = {}
    for n, rep in enumerate(reports, start=1):
        for feat in rep.features:
            where.setdefault(feat, []).append(n)
        if any(not hard for _, _, hard in rep.breaks):
            where.setdefault("hyphenation", []).append(n)
        if any(hard for _, _, hard in rep.breaks):
            where.setdefault("compound-hyphen", []).append(n)
    parts = []
    for feat in ("two-column", "table", "bullets", "footnote", "hyphenation", "compound-hyphen"):
        if feat in where:
            parts.append(f"{feat} p. {','.join(map(str, where[feat]))}")
    if "header-footer" in where:
        parts.append("running header/footer on every page")
    return f"Fictional sample written for valpub ({doc.kind}); layout: {'; '.join(parts)}."


def generate(out_dir: Path, report: bool = False) -> list[Path]:
    """Write every sample PDF and manifest.csv under ``out_dir``; return the paths written."""
    written: list[Path] = []
    rows: list[dict[str, str]] = []
    for doc in st.DOCUMENTS:
        pdf, reports = render(doc)
        path = out_dir / doc.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(pdf)
        written.append(path)
        if doc.in_manifest:
            rows.append(
                {
                    "file": doc.path,
                    "territory_code": doc.territory.code,
                    "territory_name": doc.territory.name,
                    "territory_type": doc.territory.type,
                    "title": doc.title,
                    "year": str(doc.year),
                    "language": "fr",
                    "source_url": "",
                    "notes": doc_notes(doc, reports),
                }
            )
        if report:
            print(f"{doc.path}: {len(pdf)} bytes, {len(reports)} pages")
            for n, rep in enumerate(reports, start=1):
                splits = ", ".join(f"{a}/{b}" + (" [hard]" if h else "") for a, b, h in rep.breaks)
                print(f"  p{n} {' '.join(rep.features)} | {splits}")
    manifest = out_dir / "manifest.csv"
    with manifest.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=MANIFEST_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    written.append(manifest)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=CORPUS_DIR, help="output directory")
    parser.add_argument("--report", action="store_true", help="print features and line splits")
    args = parser.parse_args(argv)
    written = generate(args.out, report=args.report)
    print(f"wrote {len(written)} files under {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
