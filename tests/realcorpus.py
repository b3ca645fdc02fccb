"""Checks of extracted text that the real-corpus tests and the benchmark share."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from nlp.extract import Page
from nlp.textclean import running_signature, words_of

SHARED_CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
SPLIT = re.compile(r"\b([^\W\d_]{2,})- ([^\W\d_]{2,})\b")


def evaluation_only(corpus: Path = SHARED_CORPUS) -> set[str]:
    """File names that ../shared/corpus/README.md reserves for evaluation."""
    readme = (corpus / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Evaluation only", 1)[1]
    names = set(re.findall(r"^- ([\w.-]+\.pdf)", section, flags=re.M))
    if "every Lannion document" in section:
        names |= {p.name for p in (corpus / "pdf").glob("lannion__*.pdf")}
    return names


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
            if common.get(joined, 0) >= 3:
                found.append(m.group(0))
    return found


def vocabulary(pages: Iterable[Page]) -> Counter[str]:
    """Word counts over pages."""
    counts: Counter[str] = Counter()
    for page in pages:
        counts.update(words_of(page.text))
    return counts
