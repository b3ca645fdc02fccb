"""Small real PDFs made by the tests themselves (reportlab, pypdf, or raw PDF syntax)."""

from __future__ import annotations

import io
import zlib
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas


def register_font() -> str:
    """A TrueType font with French accents, guillemets and bullets (shipped by reportlab)."""
    import reportlab
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if "Vera" not in pdfmetrics.getRegisteredFontNames():
        fonts = Path(reportlab.__file__).parent / "fonts"
        pdfmetrics.registerFont(TTFont("Vera", str(fonts / "Vera.ttf")))
    return "Vera"


def draw_justified(
    c: canvas.Canvas, words: list[str], x: float, y: float, width: float, font: str, size: float
) -> None:
    """Draw one line with its words spread over ``width`` (as justified text is)."""
    if len(words) == 1:
        c.drawString(x, y, words[0])
        return
    used = sum(c.stringWidth(w, font, size) for w in words)
    gap = (width - used) / (len(words) - 1)
    for w in words:
        c.drawString(x, y, w)
        x += c.stringWidth(w, font, size) + gap


def text_pdf(
    path: Path,
    pages: list[list[str]],
    header: str | None = None,
    footer: bool = False,
    size: float = 11,
    x: float = 72,
    width: float | None = None,
) -> Path:
    """Paragraphs (or pre-broken lines) on A4 pages, with optional running header/footer.

    Each item of a page is a paragraph, wrapped to ``width`` and justified except for
    its last line. An item containing "\n" is taken as lines already broken (for
    hyphenation), justified likewise.
    """
    from reportlab.lib.utils import simpleSplit

    font = register_font()
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    page_w, height = A4
    width = width or page_w - 2 * x
    for number, paragraphs in enumerate(pages, start=1):
        if header:
            c.setFont(font, 9)
            c.drawString(x, height - 40, header)
        if footer:
            c.setFont(font, 9)
            c.drawCentredString(page_w / 2, 30, f"Page {number} / {len(pages)}")
        c.setFont(font, size)
        y = height - 90
        for para in paragraphs:
            lines = para.split("\n") if "\n" in para else simpleSplit(para, font, size, width)
            for i, line in enumerate(lines):
                if i < len(lines) - 1:
                    draw_justified(c, line.split(), x, y, width, font, size)
                else:
                    c.drawString(x, y, line)
                y -= size * 1.3
            y -= size * 0.8
        c.showPage()
    c.save()
    return path


def two_column_pdf(path: Path, title: str, left: list[str], right: list[str]) -> Path:
    """A full-width title above two columns of lines sharing the same baselines."""
    font = register_font()
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    width, height = A4
    c.setFont(font, 16)
    c.drawString(60, height - 70, title)
    c.setFont(font, 10)
    for col_x, lines in ((60, left), (width / 2 + 15, right)):
        y = height - 110
        for line in lines:
            c.drawString(col_x, y, line)
            y -= 13
    c.showPage()
    c.save()
    return path


def footnote_pdf(path: Path) -> Path:
    """A sentence whose word carries a raised small footnote number."""
    FONT = register_font()
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    width, height = A4
    y = height - 100
    c.setFont(FONT, 11)
    before = "La commune publie ses données ouvertes"
    c.drawString(72, y, before)
    x = 72 + c.stringWidth(before, FONT, 11)
    c.setFont(FONT, 7)
    c.drawString(x + 0.3, y + 4, "1")
    c.setFont(FONT, 11)
    c.drawString(x + 8, y, "chaque trimestre sur son portail.")
    c.setFont(FONT, 8)
    c.drawString(72, 60, "1 Délibération du 3 mars.")
    c.showPage()
    c.save()
    return path


def image_only_pdf(path: Path, pages: int = 2) -> Path:
    """Pages that hold only a raster image (a scan without text layer)."""
    from PIL import Image, ImageDraw

    img = Image.new("L", (400, 560), 255)
    draw = ImageDraw.Draw(img)
    for i in range(20):
        draw.line((30, 40 + 25 * i, 370, 40 + 25 * i), fill=0, width=3)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    from reportlab.lib.utils import ImageReader

    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    width, height = A4
    for _ in range(pages):
        buf.seek(0)
        c.drawImage(ImageReader(buf), 0, 0, width, height)
        c.showPage()
    c.save()
    return path


def encrypted_pdf(source: Path, path: Path, user_password: str, owner_password: str) -> Path:
    """``source`` encrypted with pypdf."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(str(source)).pages:
        writer.add_page(page)
    writer.encrypt(user_password=user_password, owner_password=owner_password, algorithm="AES-128")
    with path.open("wb") as fh:
        writer.write(fh)
    return path


def raw_pdf(path: Path, streams: list[bytes]) -> Path:
    """A PDF written by hand: one page per content stream, Helvetica as /F1."""
    objects: list[bytes] = []
    n_pages = len(streams)
    kids = " ".join(f"{3 + 2 * i} 0 R" for i in range(n_pages))
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {n_pages} >>".encode())
    font_id = 3 + 2 * n_pages
    for i, stream in enumerate(streams):
        data = zlib.compress(stream)
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents {4 + 2 * i} 0 R "
            f"/Resources << /Font << /F1 {font_id} 0 R >> >> >>".encode()
        )
        objects.append(
            f"<< /Length {len(data)} /Filter /FlateDecode >>\nstream\n".encode()
            + data
            + b"\nendstream"
        )
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    path.write_bytes(bytes(out))
    return path


def slow_pdf(path: Path, operations: int = 400_000) -> Path:
    """One page whose content stream holds a very large number of text operations."""
    op = b"BT /F1 2 Tf 10 10 Td (a) Tj ET\n"
    return raw_pdf(path, [op * operations])


def scanned_text_pdf(path: Path, lines: list[str], dpi: int = 200, points: float = 14.4) -> Path:
    """A page that is only a picture of printed text (a scan of a typed A4 page).

    ``dpi`` is the scan's resolution, ``points`` the size of the typed characters.
    """
    import reportlab
    from PIL import Image, ImageDraw, ImageFont
    from reportlab.lib.utils import ImageReader

    pixels = round(points / 72 * dpi)
    font = ImageFont.truetype(str(Path(reportlab.__file__).parent / "fonts" / "Vera.ttf"), pixels)
    img = Image.new("L", (round(8.27 * dpi), round(11.69 * dpi)), 255)
    draw = ImageDraw.Draw(img)
    for i, line in enumerate(lines):
        draw.text((dpi * 3 // 4, dpi + round(1.75 * pixels) * i), line, fill=0, font=font)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    buf.seek(0)
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    width, height = A4
    c.drawImage(ImageReader(buf), 0, 0, width, height)
    c.showPage()
    c.save()
    return path
