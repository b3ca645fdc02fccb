"""The sample corpus (corpus/): committed files equal the generator output; it has what it claims.

Every check reads the real PDFs with pdfplumber. The layout features are checked where
corpus/README.md says they are, by parsing its features table.
"""

from __future__ import annotations

import csv
import functools
import importlib.util
import itertools
import re
import statistics
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pdfplumber
import pytest

from nlp.ingest.corpus import MANIFEST_COLUMNS
from tests.paths import ROOT

CORPUS = ROOT / "corpus"
GENERATOR = CORPUS / "make_samples.py"
MANIFEST = CORPUS / "manifest.csv"
README = CORPUS / "README.md"
COLUMNS = list(MANIFEST_COLUMNS)
TERRITORY_TYPES = {"commune", "epci", "departement", "region", "syndicat"}
FEATURES = {
    "two-column",
    "header-footer",
    "hyphenation",
    "compound-hyphen",
    "bullets",
    "table",
    "footnote",
}
SAMPLE_PDFS = sorted(CORPUS.glob("*/*.pdf"))


def rel(path: Path) -> str:
    return path.relative_to(CORPUS).as_posix()


def manifest_rows() -> list[dict[str, str]]:
    with MANIFEST.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def readme_features() -> list[tuple[str, str, str, str]]:
    text = README.read_text(encoding="utf-8")
    block = text.split("<!-- features:start -->")[1].split("<!-- features:end -->")[0]
    rows = [
        [cell.strip() for cell in line.strip().strip("|").split("|")]
        for line in block.splitlines()
        if line.startswith("|")
    ]
    assert rows[0] == ["file", "page", "feature", "detail"]
    assert all(len(r) == 4 for r in rows)
    return [(r[0], r[1], r[2], r[3]) for r in rows[2:]]


@dataclass(frozen=True)
class PageData:
    width: float
    height: float
    words: tuple[dict[str, Any], ...]  # pdfplumber words with their font size

    def band(self, top: float, bottom: float) -> str:
        """Text of the words whose top lies in [top, bottom), in reading order."""
        return " ".join(" ".join(w["text"] for w in row) for row in self.rows(top, bottom))

    def rows(
        self, top: float = 0.0, bottom: float = 1e9, x0: float = 0.0, x1: float = 1e9
    ) -> list[list[dict[str, Any]]]:
        """Words grouped into lines (same top), each sorted left to right."""
        rows: dict[float, list[dict[str, Any]]] = {}
        for w in self.words:
            if top <= w["top"] < bottom and w["x0"] >= x0 and w["x1"] <= x1:
                rows.setdefault(round(w["top"], 1), []).append(w)
        return [sorted(ws, key=lambda w: w["x0"]) for _, ws in sorted(rows.items())]


@functools.cache
def pages_of(path: Path) -> tuple[PageData, ...]:
    out = []
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            words = tuple(page.extract_words(extra_attrs=["size"]))
            out.append(PageData(page.width, page.height, words))
            page.close()
    return tuple(out)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("samples")
    subprocess.run([sys.executable, str(GENERATOR), "--out", str(out)], check=True, timeout=120)
    return out


@pytest.fixture(scope="module")
def typeset() -> ModuleType:
    """The generator's typesetting module (line breaking, French syllables)."""
    spec = importlib.util.spec_from_file_location("typeset_under_test", CORPUS / "typeset.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


# ------------------------------------------------------------------ committed == generated
def test_committed_files_match_generator(generated: Path) -> None:
    produced = sorted(p for p in generated.rglob("*") if p.is_file())
    assert len(produced) >= 9
    for path in produced:
        name = path.relative_to(generated).as_posix()
        committed = CORPUS / name
        assert committed.is_file(), f"{name} is generated but not in corpus/: regenerate"
        assert committed.read_bytes() == path.read_bytes(), (
            f"{name} differs from the generator's output: run corpus/make_samples.py"
        )
    assert {rel(p) for p in SAMPLE_PDFS} == {
        p.relative_to(generated).as_posix() for p in produced if p.suffix == ".pdf"
    }, "a PDF under corpus/<territory>/ is not made by corpus/make_samples.py"


# ------------------------------------------------------------------ real PDFs with text
@pytest.mark.parametrize("pdf_path", SAMPLE_PDFS, ids=rel)
def test_pdf_has_text_layer_on_every_page(pdf_path: Path) -> None:
    assert pdf_path.stat().st_size < 60_000
    pages = pages_of(pdf_path)
    assert 1 <= len(pages) <= 5
    for n, page in enumerate(pages, start=1):
        assert len(page.words) >= 40, f"page {n} has almost no text"
        assert re.search(r"[éèàç]", page.band(0, page.height)), "French accents are lost"


# ------------------------------------------------------------------ manifest
def test_manifest_has_exact_columns_and_valid_rows() -> None:
    with MANIFEST.open(encoding="utf-8", newline="") as fh:
        raw = list(csv.reader(fh))
    assert raw[0] == COLUMNS
    assert len(raw) - 1 == 8
    for fields in raw[1:]:
        assert len(fields) == len(COLUMNS), fields
    codes_by_folder: dict[str, set[str]] = {}
    for row in manifest_rows():
        assert (CORPUS / row["file"]).is_file(), row["file"]
        assert row["territory_type"] in TERRITORY_TYPES
        assert row["language"] == "fr"
        assert re.fullmatch(r"20\d\d", row["year"])
        assert row["source_url"] == ""
        assert row["title"] and row["territory_name"]
        assert row["notes"].startswith("Fictional sample")
        if row["territory_type"] in ("epci", "syndicat"):
            assert re.fullmatch(r"299\d{6}", row["territory_code"]), row["territory_code"]
        else:
            assert re.fullmatch(r"99\d{3}", row["territory_code"]), row["territory_code"]
        codes_by_folder.setdefault(row["file"].split("/")[0], set()).add(row["territory_code"])
    assert len(codes_by_folder) == 4
    assert all(len(codes) == 1 for codes in codes_by_folder.values())
    years: dict[str, set[str]] = {}
    for row in manifest_rows():
        years.setdefault(row["territory_code"], set()).add(row["year"])
    assert any(len(y) >= 2 for y in years.values()), "no territory with two years to compare"


def test_exactly_one_pdf_without_row_sits_in_a_territory_folder() -> None:
    listed = {row["file"] for row in manifest_rows()}
    unlisted = [rel(p) for p in SAMPLE_PDFS if rel(p) not in listed]
    assert len(unlisted) == 1
    folders = {f.split("/")[0] for f in listed}
    assert unlisted[0].split("/")[0] in folders


# ------------------------------------------------------------------ the generator's own rules
def test_syllable_breaks_follow_french_rules(typeset: ModuleType) -> None:
    def splits(word: str) -> list[str]:
        return [f"{word[:i]}-{word[i:]}" for i in typeset.syllable_breaks(word)]

    assert "dévelop-pement" in splits("développement")
    assert "accompa-gnement" in splits("accompagnement")
    assert "trans-port" in splits("transport")
    assert splits("publique") == []  # never a mute "-que" after the hyphen
    assert not any(s.endswith("-que") for s in splits("numérique"))
    assert splits("Valmont") == []  # names are never split
    assert splits("exemple") == []


def test_line_breaker_keeps_lines_within_width(typeset: ModuleType) -> None:
    ms = typeset
    text = " ".join(["la co-construction des e-services numériques intercommunaux"] * 12)
    lines = ms.break_lines(ms.parse_words(text), ms.BODY, 200.0, ms.Breaks())
    space = ms.pdfmetrics.stringWidth(" ", ms.BODY.name, ms.BODY.size)
    for line in lines:
        width = sum(ms.word_width(w, ms.BODY) for w in line.words)
        assert width + space * (len(line.words) - 1) <= 200.0 + 1e-6
    assert any(line.words[-1][-1].text.endswith("-") for line in lines[:-1])


# ------------------------------------------------------------------ layout features (README)
def check_two_column(page: PageData, detail: str) -> None:
    mid = page.width / 2
    rows = page.rows(80, page.height - 80)

    def crosses(row: list[dict[str, Any]]) -> bool:
        return any(w["x0"] < mid < w["x1"] for w in row)

    def both_halves(row: list[dict[str, Any]]) -> bool:
        return any(w["x1"] < mid - 4 for w in row) and any(w["x0"] > mid + 4 for w in row)

    columns = [r for r in rows if both_halves(r) and not crosses(r)]
    assert len(columns) >= 20, "the two halves do not share line heights"
    first = columns[0][0]["top"]
    below = [r for r in rows if r[0]["top"] >= first]
    assert not any(crosses(r) for r in below), "a line below the title crosses the gutter"
    above = [r for r in rows if r[0]["top"] < first]
    assert any(crosses(r) or both_halves(r) for r in above), "no full-width title above"


def check_header_footer(pages: tuple[PageData, ...], detail: str) -> None:
    assert len(pages) > 1
    headers = []
    for n, page in enumerate(pages, start=1):
        headers.append(page.band(0, 70))
        bottom = page.band(page.height - 60, page.height)
        assert detail.format(n=n, N=len(pages)) in bottom, f"page {n} footer: {bottom!r}"
    assert len(headers[0]) > 15 and len(set(headers)) == 1, headers


def check_split(page: PageData, detail: str) -> None:
    left, right = (s.strip() for s in detail.split("/"))
    assert left.endswith("-")
    mid = page.width / 2
    for x0, x1 in ((0.0, page.width), (0.0, mid), (mid, page.width)):
        lines = [" ".join(w["text"] for w in row) for row in page.rows(x0=x0, x1=x1)]
        for a, b in itertools.pairwise(lines):
            if (a == left or a.endswith((" " + left, "’" + left))) and b.startswith(right):
                return
    raise AssertionError(f"no line ending in {left!r} followed by a line starting {right!r}")


def check_bullets(page: PageData, detail: str) -> None:
    rows = page.rows()
    dots = [i for i, r in enumerate(rows) if r[0]["text"] == "•"]
    dashes = [i for i, r in enumerate(rows) if r[0]["text"] == "–"]
    assert dots and dashes
    spanning = 0
    for i in dots + dashes:
        text_x0 = rows[i][1]["x0"]
        nxt = rows[i + 1] if i + 1 < len(rows) else None
        if nxt and nxt[0]["text"] not in "•–" and abs(nxt[0]["x0"] - text_x0) < 1.0:
            spanning += 1
    assert spanning >= 2, "no bullet item continues on a second, hanging-indented line"


def check_table(page: Any, detail: str) -> None:
    tables = page.find_tables()
    assert tables, "find_tables() found no ruled table"
    cells = tables[0].extract()
    ncols = int(re.match(r"(\d+) columns", detail).group(1))  # type: ignore[union-attr]
    assert len(cells[0]) == ncols
    assert len(cells) >= 4
    assert all(cells[0]), "header row has empty cells"


def check_footnote(page: Any, detail: str) -> None:
    word, mark = detail.rsplit(" ", 1)
    chars = page.chars
    body_size = statistics.median(c["size"] for c in chars)
    calls = [
        i
        for i, c in enumerate(chars)
        if c["text"] == mark
        and c["size"] < 0.75 * body_size
        and "".join(ch["text"] for ch in chars[max(0, i - len(word)) : i]) == word
    ]
    assert calls, f"no small {mark!r} right after {word!r}"
    call, before = chars[calls[0]], chars[calls[0] - 1]
    assert call["bottom"] < before["bottom"] - 2, "the call is not raised above the baseline"
    assert call["top"] < page.height * 0.75
    notes = [
        w
        for w in page.extract_words(extra_attrs=["size"])
        if w["top"] > page.height * 0.75 and w["size"] < 0.9 * body_size
    ]
    assert notes, "no footnote text at the bottom of the page"
    first = min(notes, key=lambda w: (round(w["top"]), w["x0"]))
    assert first["text"] == mark
    assert sum(1 for w in notes if abs(w["top"] - first["top"]) < 1) >= 5


def _feature_rows() -> Iterator[Any]:
    for file, page, feature, detail in readme_features():
        yield pytest.param(file, page, feature, detail, id=f"{feature}:{file}:{page}")


def test_readme_lists_every_feature() -> None:
    rows = readme_features()
    assert {feature for _, _, feature, _ in rows} == FEATURES
    assert all((CORPUS / file).is_file() for file, _, _, _ in rows)


@pytest.mark.parametrize(("file", "page", "feature", "detail"), list(_feature_rows()))
def test_readme_feature_is_where_it_says(file: str, page: str, feature: str, detail: str) -> None:
    pages = pages_of(CORPUS / file)
    if feature == "header-footer":
        assert page == "all"
        check_header_footer(pages, detail)
    elif feature == "two-column":
        check_two_column(pages[int(page) - 1], detail)
    elif feature in ("hyphenation", "compound-hyphen"):
        check_split(pages[int(page) - 1], detail)
    elif feature == "bullets":
        check_bullets(pages[int(page) - 1], detail)
    else:  # table, footnote: need pdfplumber's own objects
        with pdfplumber.open(CORPUS / file) as pdf:
            check = check_table if feature == "table" else check_footnote
            check(pdf.pages[int(page) - 1], detail)


def test_every_multipage_pdf_repeats_header_and_numbers_pages() -> None:
    checked = 0
    for pdf_path in SAMPLE_PDFS:
        pages = pages_of(pdf_path)
        if len(pages) < 2:
            continue
        assert len({p.band(0, 70) for p in pages} - {""}) == 1, rel(pdf_path)
        for n, p in enumerate(pages, start=1):
            bottom = p.band(p.height - 60, p.height)
            assert re.search(rf"(?<!\d){n}(?!\d)", bottom), (rel(pdf_path), n, bottom)
        checked += 1
    assert checked == 8
