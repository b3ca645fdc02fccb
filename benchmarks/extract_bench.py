"""Extraction speed and memory on ../shared/corpus, against bare pdfplumber in the same run.

Prints a table and writes JSON (``--json``). Baseline: pdfplumber ``extract_text()`` with
``page.close()``, one process, the same documents. Measured: valpub's ``Extractor``
(worker process, layout, header/footer filter, hyphenation) with 1 and 2 parallel
workers. Peak RSS is the worker processes' maximum resident set size.

Usage: python benchmarks/extract_bench.py [--docs N] [--json FILE]
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from common import CORPUS, ROOT, bare_pdfplumber, corpus_present, text_documents, write_json

from nlp.extract.document import Page
from nlp.extract.process import Extractor


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
    if not corpus_present():
        return 0
    files = [CORPUS / r["file"] for r in text_documents(args.docs)]
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
    write_json(args.json, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
