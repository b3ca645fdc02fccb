"""Parity and speed of the page readers (pdfplumber, pdfium, auto) on ../shared/corpus.

For every text page (pdfplumber gives text and the page does not need OCR), the clean
text of ``pdfium`` and ``auto`` is compared with pdfplumber's: normalised character
similarity (whitespace collapsed, difflib ratio) must be >= 0.99. Speed: pages per
second of each reader through :func:`nlp.extract.document.iter_pages` (layout and cleanup
included), and of bare pdfplumber ``extract_text`` measured in the same run as the
baseline, by wall-clock time and by CPU time (the CPU figures hold on a machine other
jobs share). Pages that differ are listed with a reason category. Documents are shared
out over ``--workers`` processes; each reader's time is summed over them, so the
ratios compare like with like.

Label parity (``--labels N``, N documents spread over those measured): the pages of
pdfplumber and of ``auto`` are segmented and labelled with the shipped model
(:func:`nlp.model.tagging.tag_document`); each pdfplumber sentence is paired with the
``auto`` sentence of its page with the same text, else the most similar one, and its
labels must be the same in every scheme.

Usage: python benchmarks/parity_bench.py [--docs N] [--workers 2] [--labels N] [--json FILE]
"""

from __future__ import annotations

import argparse
import csv
import difflib
import re
import sys
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from common import CORPUS, ROOT, corpus_present, write_json

READERS = ("pdfplumber", "pdfium", "auto")
THRESHOLD = 0.99


def documents(limit: int) -> list[Path]:
    """PDFs of the shared corpus with a text layer, a deterministic spread."""
    with (CORPUS / "manifest.csv").open(encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if "no text layer" not in r["notes"]]
    rows.sort(key=lambda r: r["file"])
    step = max(1, len(rows) // limit) if limit else 1
    chosen = rows[::step][:limit] if limit else rows
    return [CORPUS / r["file"] for r in chosen if (CORPUS / r["file"]).is_file()]


def normalise(text: str) -> str:
    """Whitespace collapsed: line breaks between units do not count as differences."""
    return re.sub(r"\s+", " ", text).strip()


def similarity(a: str, b: str) -> float:
    """Character similarity of two normalised texts (1.0 when equal)."""
    a, b = normalise(a), normalise(b)
    if a == b:
        return 1.0
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def category(reference: str, other: str, doubt: str) -> str:
    """A short reason for a difference."""
    a, b = normalise(reference), normalise(other)
    if doubt:
        return f"read by pdfplumber in auto ({doubt}), differs through cross-page state"
    if a.replace(" ", "") == b.replace(" ", ""):
        return "word spacing (a space more or less)"
    if a.replace("-", "").replace(" ", "") == b.replace("-", "").replace(" ", ""):
        return "hyphenation"
    if sorted(a.split()) == sorted(b.split()):
        return "reading order"
    if len(b) < 0.9 * len(a):
        return "text missing in pdfium"
    if len(b) > 1.1 * len(a):
        return "extra text in pdfium"
    return "characters differ"


def measure(path: Path) -> dict[str, Any]:
    """Read one document with every reader; return times and per-page texts."""
    import pdfplumber

    from nlp.extract.document import DocumentReport, iter_pages

    out: dict[str, Any] = {"file": path.name, "seconds": {}, "cpu": {}, "pages": {}, "error": ""}
    start, cpu = time.perf_counter(), time.process_time()
    try:
        with pdfplumber.open(path) as pdf:
            for page in pdf.pages:
                page.extract_text()
                page.close()
    except Exception as exc:
        out["error"] = f"bare pdfplumber: {type(exc).__name__}"
    out["seconds"]["bare"] = time.perf_counter() - start
    out["cpu"]["bare"] = time.process_time() - cpu
    for reader in READERS:
        start, cpu = time.perf_counter(), time.process_time()
        report = DocumentReport(str(path), "", 0)
        try:
            pages = list(iter_pages(path, "", report, extractor=reader))
        except Exception as exc:
            out["error"] += f" {reader}: {type(exc).__name__}"
            pages = []
        out["seconds"][reader] = time.perf_counter() - start
        out["cpu"][reader] = time.process_time() - cpu
        out["pages"][reader] = {p.page: (p.text, p.needs_ocr) for p in pages}
    out["doubts"] = _doubts(path)
    return out


def _doubts(path: Path) -> dict[int, str]:
    """Why auto gave each page to pdfplumber ("" for pages pdfium read)."""
    import pypdfium2

    from nlp.extract.pdfium_words import doubts, read_page

    found: dict[int, str] = {}
    try:
        pdf = pypdfium2.PdfDocument(str(path))
    except pypdfium2.PdfiumError:
        return found
    try:
        for i in range(len(pdf)):
            page = pdf[i]
            try:
                found[i + 1] = doubts(read_page(page))
            except Exception:
                found[i + 1] = "unreadable"
            finally:
                page.close()
    finally:
        pdf.close()
    return found


def label_parity(results: list[dict[str, Any]], limit: int) -> dict[str, Any]:
    """Sentence labels of ``auto``'s pages against pdfplumber's, on ``limit`` documents."""
    from flows.defaults import DEFAULT_LEXICONS, SHIPPED_MODELS
    from flows.tagging import load_tagger
    from nlp.extract.document import Page
    from nlp.model.registry import Registry
    from nlp.model.tagging import tag_document
    from nlp.records.codebook import SCHEMES

    loaded = load_tagger(DEFAULT_LEXICONS, SHIPPED_MODELS, Registry(SHIPPED_MODELS).current())
    chosen = [r for r in results if r["pages"].get("pdfplumber")]
    chosen = chosen[:: max(1, len(chosen) // limit)][:limit]
    sentences = same_text = same_labels = 0
    differing: list[dict[str, Any]] = []
    for res in chosen:
        tagged: dict[str, dict[int, list[tuple[str, tuple[tuple[str, ...], ...]]]]] = {}
        for reader in ("pdfplumber", "auto"):
            pages = [
                Page(res["file"], number, text, needs_ocr)
                for number, (text, needs_ocr) in sorted(res["pages"][reader].items())
            ]
            frame = tag_document(
                loaded["nlp"], loaded["matcher"], pages, classifier=loaded["classifier"]
            )
            by_page = tagged.setdefault(reader, {})
            for row in frame.to_dict("records"):
                labels = tuple(tuple(row[scheme]) for scheme in SCHEMES)
                by_page.setdefault(int(row["page"]), []).append((row["text"], labels))
        for number, rows in tagged["pdfplumber"].items():
            candidates = tagged["auto"].get(number, [])
            for text, labels in rows:
                sentences += 1
                match = next((c for c in candidates if c[0] == text), None)
                same_text += match is not None
                if match is None and candidates:
                    match = max(candidates, key=lambda c: similarity(text, c[0]))
                if match is not None and match[1] == labels:
                    same_labels += 1
                else:
                    # where, and which labels: never the sentence (the corpus is not ours)
                    differing.append(
                        {
                            "file": res["file"],
                            "page": number,
                            "pdfplumber": labels,
                            "auto": match[1] if match else None,
                        }
                    )
    return {
        "documents": len(chosen),
        "sentences": sentences,
        "same_text": round(same_text / sentences, 4) if sentences else 1.0,
        "same_labels": round(same_labels / sentences, 4) if sentences else 1.0,
        "differing": differing,
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=0, help="documents (0: all text PDFs)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--labels", type=int, default=30, help="documents for label parity (0: none)"
    )
    parser.add_argument("--json", type=Path, default=ROOT / "outputs" / "bench-parity.json")
    args = parser.parse_args()
    if not corpus_present():
        return 0
    files = documents(args.docs)
    wall = time.perf_counter()
    with ProcessPoolExecutor(args.workers) as pool:
        results = list(pool.map(measure, files))
    wall = time.perf_counter() - wall

    seconds: Counter[str] = Counter()
    cpu: Counter[str] = Counter()
    pages_read: Counter[str] = Counter()
    compared: Counter[str] = Counter()
    equal: Counter[str] = Counter()
    auto_readers: Counter[str] = Counter()
    differing: list[dict[str, Any]] = []
    for res in results:
        seconds.update(res["seconds"])
        cpu.update(res["cpu"])
        reference = res["pages"]["pdfplumber"]
        for reader in ("bare", *READERS):
            pages_read[reader] += len(reference)
        for number, (text, needs_ocr) in reference.items():
            if needs_ocr or not text.strip():
                continue
            doubt = res["doubts"].get(number, "")
            auto_readers["pdfplumber: " + doubt if doubt else "pdfium"] += 1
            for reader in ("pdfium", "auto"):
                other = res["pages"][reader].get(number, ("", False))[0]
                sim = similarity(text, other)
                compared[reader] += 1
                equal[reader] += sim >= THRESHOLD
                if sim < THRESHOLD:
                    differing.append(
                        {
                            "file": res["file"],
                            "page": number,
                            "reader": reader,
                            "similarity": round(sim, 4),
                            "category": category(text, other, doubt if reader == "auto" else ""),
                        }
                    )
    speed = {r: pages_read[r] / seconds[r] for r in ("bare", *READERS) if seconds[r]}
    cpu_speed = {r: pages_read[r] / cpu[r] for r in ("bare", *READERS) if cpu[r]}
    result = {
        "documents": len(files),
        "text_pages": compared["auto"],
        "threshold": THRESHOLD,
        "parity": {r: round(equal[r] / compared[r], 4) for r in ("pdfium", "auto") if compared[r]},
        "pages_per_s": {r: round(v, 2) for r, v in speed.items()},
        "ratio_vs_pdfplumber": {r: round(speed[r] / speed["pdfplumber"], 2) for r in speed},
        "cpu_pages_per_s": {r: round(v, 2) for r, v in cpu_speed.items()},
        "cpu_ratio_vs_pdfplumber": {
            r: round(cpu_speed[r] / cpu_speed["pdfplumber"], 2) for r in cpu_speed
        },
        "auto_readers": dict(auto_readers.most_common()),
        "differing_categories": {
            r: dict(Counter(d["category"] for d in differing if d["reader"] == r).most_common())
            for r in ("pdfium", "auto")
        },
        "differing": differing,
        "errors": {res["file"]: res["error"] for res in results if res["error"]},
        "wall_seconds": round(wall, 1),
        "labels": label_parity(results, args.labels) if args.labels else {},
    }
    print(f"{len(files)} documents, {compared['auto']} text pages of ../shared/corpus")
    print(f"{'reader':<22} {'pages/s':>8} {'x pdfplumber':>13} {'CPU pages/s':>12} {'x':>6} ")
    names = {"bare": "bare extract_text", "pdfplumber": "valpub pdfplumber"}
    for r in ("bare", *READERS):
        parity = result["parity"].get(r)
        print(
            f"{names.get(r, 'valpub ' + r):<22} {speed[r]:>8.2f} "
            f"{speed[r] / speed['pdfplumber']:>13.2f} {cpu_speed[r]:>12.2f} "
            f"{cpu_speed[r] / cpu_speed['pdfplumber']:>6.2f} "
            f"{'' if parity is None else f'parity {100 * parity:.1f} %'}"
        )
    print("auto: pages read by", result["auto_readers"])
    for r in ("pdfium", "auto"):
        print(f"{r}: pages under {THRESHOLD}:", result["differing_categories"][r])
    for d in differing:
        if d["reader"] == "auto":
            print(f"  auto {d['file']} p.{d['page']} {d['similarity']}: {d['category']}")
    if result["labels"]:
        lab = result["labels"]
        print(
            f"labels ({lab['documents']} documents, {lab['sentences']} pdfplumber sentences): "
            f"same text {100 * lab['same_text']:.1f} %, "
            f"same labels {100 * lab['same_labels']:.1f} %"
        )
    write_json(args.json, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
