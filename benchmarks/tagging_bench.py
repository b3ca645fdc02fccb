"""Speed of tagging extracted pages, against bare pdfplumber on the same pages, one run.

Tagging is what the pipeline does to a document once its pages are extracted
(:func:`nlp.model.tagging.tag_document`: segmentation, lemmas, lexicon matching, classifier
prediction), here in one process with the shipped model. The workload: ``--docs`` text
PDFs of ../shared/corpus, a deterministic spread, evaluation-only documents left out;
their pages are extracted once before timing (``--pages`` keeps them in a pickle file
between runs). Baseline, in the same run: pdfplumber ``extract_text()`` with
``page.close()`` on the same PDFs, one process. Each timing is the best of ``--repeat``.

Prints a table and JSON: pages/s and sentences/s of tagging, and the ratio of tagging's
pages/s to bare pdfplumber's (above 1: tagging keeps up with extraction's baseline).

Usage: python benchmarks/tagging_bench.py [--docs 40] [--repeat 3] [--pages FILE] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import sys
import time
from pathlib import Path
from typing import Any

from common import CORPUS, ROOT, bare_pdfplumber, corpus_present, text_documents, write_json

from nlp.extract.document import Page


def workload(docs: int) -> list[Path]:
    """``docs`` text PDFs of the corpus, a deterministic spread, none evaluation-only."""
    from nlp.ingest.evaluation import evaluation_only, is_evaluation_only

    patterns = evaluation_only(CORPUS)
    rows = [r for r in text_documents(0) if not is_evaluation_only(r["file"], patterns)]
    step = max(1, len(rows) // docs)
    return [CORPUS / r["file"] for r in rows[::step][:docs]]


def extracted(files: list[Path], cache: Path | None = None) -> list[list[Page]]:
    """Each file's clean pages (``iter_pages``), read from ``cache`` if it holds them."""
    from nlp.extract.document import iter_pages
    from nlp.records.files import file_sha256

    names = [f.name for f in files]
    if cache is not None and cache.is_file():
        kept = pickle.loads(cache.read_bytes())
        if kept["files"] == names:
            return list(kept["pages"])
    pages = [list(iter_pages(f, file_sha256(f))) for f in files]
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_bytes(pickle.dumps({"files": names, "pages": pages}))
    return pages


def load_tagging() -> dict[str, Any]:
    """spaCy, the lexicons and the shipped model, as a pipeline worker holds them."""
    from flows.defaults import DEFAULT_LEXICONS, SHIPPED_MODELS
    from flows.tagging import load_tagger
    from nlp.model.registry import Registry

    return load_tagger(DEFAULT_LEXICONS, SHIPPED_MODELS, Registry(SHIPPED_MODELS).current())


def tag_all(loaded: dict[str, Any], documents: list[list[Page]]) -> list[Any]:
    """The sentence table of each document, tagged as the pipeline tags it."""
    from nlp.model.tagging import tag_document

    return [
        tag_document(loaded["nlp"], loaded["matcher"], pages, classifier=loaded["classifier"])
        for pages in documents
    ]


def best_of(repeat: int, run: Any) -> tuple[Any, float]:
    """``run()``'s result and its shortest wall time over ``repeat`` calls."""
    best = float("inf")
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - start)
    return result, best


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pages", type=Path, default=None, help="pickle file keeping the pages")
    parser.add_argument("--json", type=Path, default=ROOT / "outputs" / "bench-tagging.json")
    args = parser.parse_args()
    if not corpus_present():
        return 0
    files = workload(args.docs)
    documents = extracted(files, args.pages)
    n_pages = sum(len(d) for d in documents)
    started = time.perf_counter()
    loaded = load_tagging()
    load_s = time.perf_counter() - started
    tag_all(loaded, documents[:2])  # warm up
    tables, tag_s = best_of(args.repeat, lambda: tag_all(loaded, documents))
    n_sentences = sum(len(t) for t in tables)
    words = sum(len(s.split()) for t in tables for s in t["text"])
    (n_bare, _), bare_s = best_of(args.repeat, lambda: bare_pdfplumber(files))
    rows = [
        ("bare pdfplumber extract_text", n_bare, None, bare_s),
        ("tagging (segment, lexicons, classifier)", n_pages, n_sentences, tag_s),
    ]
    ratio = (n_pages / tag_s) / (n_bare / bare_s)
    load = os.getloadavg()[0]
    print(f"{len(files)} text PDFs of ../shared/corpus, {n_pages} pages, {words} words")
    print(f"load: spaCy, lexicons, model {load_s:.1f} s; load average {load:.2f}")
    print(f"best of {args.repeat}")
    print(f"{'run':<42} {'pages':>6} {'sentences':>9} {'seconds':>8} {'pages/s':>8} {'sent/s':>8}")
    for name, pages, sentences, secs in rows:
        per_s = f"{sentences / secs:8.0f}" if sentences else f"{'':>8}"
        print(
            f"{name:<42} {pages:>6} {sentences or '':>9} {secs:>8.2f} {pages / secs:>8.1f} {per_s}"
        )
    print(f"tagging pages/s / bare pdfplumber pages/s: {ratio:.2f}")
    result = {
        "documents": len(files),
        "pages": n_pages,
        "sentences": n_sentences,
        "words": words,
        "repeat": args.repeat,
        "load_average": round(load, 2),
        "load_seconds": round(load_s, 2),
        "bare": {"seconds": round(bare_s, 3), "pages_per_s": round(n_bare / bare_s, 2)},
        "tagging": {
            "seconds": round(tag_s, 3),
            "pages_per_s": round(n_pages / tag_s, 2),
            "sentences_per_s": round(n_sentences / tag_s),
        },
        "ratio_tagging_vs_bare": round(ratio, 3),
    }
    print(json.dumps(result))
    write_json(args.json, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
