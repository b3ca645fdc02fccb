"""Checks of extracted text that the real-corpus tests and the benchmark share."""

from __future__ import annotations

import os
import random
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path

from nlp.extract.document import Page
from nlp.extract.textclean import running_signature, words_of
from tests.paths import ROOT

SHARED_CORPUS = ROOT.parent / "shared" / "corpus"
SPLIT = re.compile(r"\b([^\W\d_]{2,})- ([^\W\d_]{2,})\b")
#: ``VALPUB_REALCORPUS=all`` makes the extraction tests read every document of the corpus.
SAMPLE_SWITCH = "VALPUB_REALCORPUS"
#: Pages of the longest document the sample reads when it is not a robustness file.
LONGEST = 60


def robustness(row: dict[str, str]) -> bool:
    """A manifest row kept in the corpus to test robustness (scans, encryption, layouts)."""
    return "ROBUSTNESS" in row["notes"]


def flagged(row: dict[str, str]) -> bool:
    """A manifest row kept for robustness, or with pages without a text layer."""
    return robustness(row) or "without text" in row["notes"]


def pages_of(row: dict[str, str]) -> int:
    """The manifest's page count of a row (0 when it does not say)."""
    return int(row["pages"]) if row["pages"].isdigit() else 0


def whole_corpus() -> bool:
    """Whether ``VALPUB_REALCORPUS=all`` asks the tests to read every document."""
    return os.environ.get(SAMPLE_SWITCH, "").strip().lower() == "all"


def extraction_sample(
    rows: list[dict[str, str]],
    corpus: Path = SHARED_CORPUS,
    per_group: int = 1,
    short: int = 10,
    longest: int = LONGEST,
    seed: str = "valpub-sample-1",
) -> list[dict[str, str]]:
    """The manifest rows whose documents the real-corpus extraction tests read.

    - every row whose notes flag ROBUSTNESS (scans, encrypted files, symbol soup, stamps
      as the only text layer, multi-column magazines, the longest table-heavy report,
      slides);
    - every document of at most ``longest`` pages with pages without a text layer
      (documents with scanned annexes);
    - every document of at most ``short`` pages with running headers or footers (as
      :func:`running_lines_in_pdf` finds them, independently of valpub): what the
      running-line test checks, at little extraction cost;
    - ``per_group`` other document(s) of at most ``longest`` pages of each territory in
      each register (``category``: deliberation, other), drawn with a fixed seed.

    That keeps every territory and register that has a document of at most ``longest``
    pages, while leaving out most of the ~130 look-alike council minutes of two communes
    and the few long reports (a 100-page document costs what twenty council minutes do):
    86 documents and 879 pages, under a third of the extraction time of the whole corpus.
    With ``VALPUB_REALCORPUS=all`` in the environment, every row. Rows keep their manifest
    order.
    """
    if whole_corpus():
        return list(rows)
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    chosen = set()
    for row in rows:
        pages = pages_of(row)
        if robustness(row) or (flagged(row) and pages <= longest):
            chosen.add(row["file"])
        elif flagged(row):
            continue
        elif 0 < pages <= short and running_lines_in_pdf(corpus / row["file"]):
            chosen.add(row["file"])
        elif pages <= longest:
            groups[(row["territory"], row["category"])].append(row["file"])
    for key in sorted(groups):
        files = sorted(groups[key])
        random.Random(f"{seed}|{key[0]}|{key[1]}").shuffle(files)
        chosen.update(files[:per_group])
    return [row for row in rows if row["file"] in chosen]


def evaluation_only(corpus: Path = SHARED_CORPUS) -> set[str]:
    """File names that ../shared/corpus/README.md reserves for evaluation."""
    readme = (corpus / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Evaluation only", 1)[1]
    names = set(re.findall(r"^- ([\w.-]+\.pdf)", section, flags=re.M))
    if "every Lannion document" in section:
        names |= {p.name for p in (corpus / "pdf").glob("lannion__*.pdf")}
    return names


def running_lines_in_pdf(path: Path, zone: float = 0.08, share: float = 0.5) -> set[str]:
    """Running headers/footers of a PDF, found independently of valpub with pdfium.

    A running line is text in the top or bottom ``zone`` of a page that recurs, at about
    the same height (4 pt), on at least half of the document's pages and on three pages
    or more ("lines repeated across pages at about the same place"). Page numbers alone
    are left out (numbers are folded). The zone is a little narrower than the
    extractor's, so that lines on its edge do not count.
    """
    import pypdfium2 as pdfium

    places: dict[str, list[tuple[int, float]]] = {}
    pdf = pdfium.PdfDocument(str(path))
    try:
        for number in range(len(pdf)):
            page = pdf[number]
            height = page.get_height()
            text = page.get_textpage()
            rows: dict[int, list[tuple[float, str]]] = {}  # whole lines: rects on one baseline
            for i in range(text.count_rects()):
                left, bottom, right, top = text.get_rect(i)
                if bottom > zone * height and top < (1 - zone) * height:
                    continue
                row = next((r for r in rows if abs(r - top) <= 2), round(top))
                rows.setdefault(row, []).append(
                    (left, text.get_text_bounded(left, bottom, right, top))
                )
            for top, parts in rows.items():
                sig = running_signature(" ".join(t for _, t in sorted(parts)))
                if len(sig.replace("#", "").strip()) >= 6:
                    places.setdefault(sig, []).append((number, height - top))
            text.close()
            page.close()
        n_pages = len(pdf)
    finally:
        pdf.close()
    running = set()
    need = max(3, share * n_pages) if n_pages > 3 else n_pages
    for sig, where in places.items():
        for _, y in where:
            pages = {n for n, y2 in where if abs(y - y2) <= 4}
            if len(pages) >= need:
                running.add(sig)
                break
    return running


def pages_containing(pages: Iterable[Page], signature: str) -> int:
    """On how many pages a whole line has the signature ``signature``."""
    count = 0
    for page in pages:
        sigs = [running_signature(ln) for ln in page.text.split("\n")]
        if signature in sigs:
            count += 1
    return count


def surviving_running_lines(pages: Iterable[Page], edge: int = 2) -> dict[str, int]:
    """Signatures found among the first/last ``edge`` lines of more than two pages."""
    counts: Counter[str] = Counter()
    for page in pages:
        lines = [ln for ln in page.text.split("\n") if ln.strip()]
        sigs = {running_signature(ln) for ln in lines[:edge] + lines[-edge:]}
        counts.update(s for s in sigs if len(s) >= 6)
    return {s: n for s, n in counts.items() if n > 2}


def split_words(pages: Iterable[Page], common: Counter[str]) -> list[str]:
    """'déve- loppement' splits left in the text whose joined word is common."""
    found = []
    for page in pages:
        for m in SPLIT.finditer(page.text):
            joined = (m.group(1) + m.group(2)).lower()
            hyphenated = (m.group(1) + "-" + m.group(2)).lower()
            if common.get(joined, 0) >= 3 or common.get(hyphenated, 0) >= 3:
                found.append(m.group(0))
    return found


def vocabulary(pages: Iterable[Page]) -> Counter[str]:
    """Word counts over pages."""
    counts: Counter[str] = Counter()
    for page in pages:
        counts.update(words_of(page.text))
    return counts
