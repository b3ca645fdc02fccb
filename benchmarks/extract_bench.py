"""Extraction speed and memory on ../shared/corpus, against bare pdfplumber in the same run.

Prints a table and writes JSON (``--json``). Baseline: pdfplumber ``extract_text()`` with
``page.close()``, one process, the same documents. Measured: valpub's ``Extractor``
(worker process, layout, header/footer filter, hyphenation) with 1 and 2 parallel
workers. Peak RSS is the worker processes' maximum resident set size.

Usage: python benchmarks/extract_bench.py [--docs N] [--json FILE]
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nlp.extract.document import Page  # noqa: E402
from nlp.extract.process import Extractor  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"


def text_documents(limit: int) -> list[Path]:
    """Text-layer PDFs of the shared corpus, a deterministic spread over sizes."""
    with (CORPUS / "manifest.csv").open(encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if "no text layer" not in r["notes"] and r["pages"]]
    rows.sort(key=lambda r: r["file"])
    step = max(1, len(rows) // limit) if limit else 1
    chosen = rows[::step][:limit] if limit else rows
    return [CORPUS / r["file"] for r in chosen]


def bare_pdfplumber(files: list[Path]) -> tuple[int, float]:
    import pdfplumber

    pages = 0
    start = time.perf_counter()
    for f in files:
        with pdfplumber.open(f) as pdf:
            for page in pdf.pages:
                page.extract_text()
                page.close()
                pages += 1
    return pages, time.perf_counter() - start


def valpub(files: list[Path], workers: int) -> tuple[int, float]:
    counts = [0] * workers
    extractors = [Extractor(timeout=600) for _ in range(workers)]

    def run(i: int) -> None:
        def count(_page: Page) -> None:
            counts[i] += 1

        for f in files[i::workers]:
            extractors[i].extract(f, count)
        extractors[i].close()

    start = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(run, range(workers)))
    return sum(counts), time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=30, help="documents (0: all text PDFs)")
    parser.add_argument("--json", type=Path, default=ROOT / "outputs" / "bench-extract.json")
    args = parser.parse_args()
    if not CORPUS.is_dir():
        print("../shared/corpus is absent: nothing to measure")
        return 0
    files = text_documents(args.docs)
    n_bare, t_bare = bare_pdfplumber(files)
    n_one, t_one = valpub(files, 1)
    n_two, t_two = valpub(files, 2)
    rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    rows = [
        ("bare pdfplumber extract_text", n_bare, t_bare),
        ("valpub extract, 1 worker", n_one, t_one),
        ("valpub extract, 2 workers", n_two, t_two),
    ]
    result = {
        "documents": len(files),
        "runs": {
            name: {"pages": n, "seconds": round(t, 2), "pages_per_s": round(n / t, 2)}
            for name, n, t in rows
        },
        "ratio_1_worker_vs_bare": round((n_one / t_one) / (n_bare / t_bare), 3),
        "ratio_2_workers_vs_1": round((n_two / t_two) / (n_one / t_one), 3),
        "peak_rss_worker_mb": round(rss_mb, 1),
    }
    print(f"{len(files)} documents of ../shared/corpus (text PDFs)")
    print(f"{'run':<32} {'pages':>6} {'seconds':>8} {'pages/s':>8}")
    for name, n, t in rows:
        print(f"{name:<32} {n:>6} {t:>8.1f} {n / t:>8.2f}")
    print(f"valpub 1 worker / bare: {result['ratio_1_worker_vs_bare']}x")
    print(f"valpub 2 workers / 1 worker: {result['ratio_2_workers_vs_1']}x")
    print(f"peak RSS of a worker: {result['peak_rss_worker_mb']} MB")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"JSON: {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
