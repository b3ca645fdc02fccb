"""The whole pipeline on ../shared/corpus against bare pdfplumber and a naive script, one run.

Measured in the same run, on the same text PDFs (the scans flagged in the manifest are
left out, as in the issue's targets):

* ``bare``: pdfplumber ``extract_text()`` with ``page.close()``, one process;
* ``pipeline-1`` / ``pipeline-2``: ``valpub run --workers 1|2`` from a clean output
  folder (extraction, segmentation, lexicons, classifier, profiles, report), wall time
  of the command including Prefect's start-up, with the default extractor (pdfplumber);
* ``auto-1`` / ``auto-2``: the same with ``--extractor auto`` (pdfium, pdfplumber for
  the pages pdfium may read wrong);
* ``pipeline-1core``: ``--workers 1`` with every process pinned to one CPU (``taskset``):
  with one worker, extraction and tagging still run in two processes at once, so on a
  multi-core machine ``pipeline-1`` already uses two cores;
* ``rerun``: ``valpub run --workers 2`` again on the unchanged corpus;
* ``naive``: what one writes first: pdfplumber, the full ``fr_core_news_sm`` pipeline
  (``spacy.load`` with parser and NER), one classifier call per sentence;
* ``startup``: ``valpub run`` on an empty corpus (the fixed cost in every run).

Peak memory: the largest resident set of any process of a run (``RUSAGE_CHILDREN``).
Prints a table and writes JSON with the ratios the targets are stated in.

Usage: python benchmarks/pipeline_bench.py [--docs N] [--skip-naive] [--json FILE]
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import CORPUS, ROOT, corpus_present, text_documents, write_json
from common import bare_pdfplumber as bare

VALPUB = Path(sys.executable).parent / "valpub"


def make_corpus(rows: list[dict[str, str]], folder: Path) -> Path:
    """A corpus folder of symlinks to the chosen PDFs, with their manifest rows."""
    (folder / "pdf").mkdir(parents=True)
    for r in rows:
        (folder / r["file"]).symlink_to(CORPUS / r["file"])
    with (folder / "manifest.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return folder


def peak_child_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def run_valpub(
    corpus: Path, out: Path, models: Path, workers: int, one_core: bool = False, *extra: str
) -> float:
    """Wall time of `valpub run`; with ``one_core``, all its processes pinned to CPU 0."""
    pin = ["taskset", "-c", "0"] if one_core else []
    start = time.perf_counter()
    subprocess.run(
        [
            *pin,
            str(VALPUB),
            "run",
            "--corpus",
            str(corpus),
            "--out",
            str(out),
            "--models",
            str(models),
            "--workers",
            str(workers),
            "--no-progress",
            # the baseline reads no scan: OCR of the few scanned pages would be a cost
            # that bare pdfplumber does not pay
            "--no-ocr",
            *extra,
        ],
        check=True,
        stdout=subprocess.DEVNULL,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    return time.perf_counter() - start


def naive(files: list[Path], models: Path) -> tuple[int, int, float]:
    """pdfplumber, full spaCy, one classifier call per sentence (lexicon features empty)."""
    import warnings

    import pdfplumber
    import spacy

    from nlp.model.classify import SentenceClassifier
    from nlp.model.registry import Registry

    warnings.filterwarnings("ignore")
    start = time.perf_counter()
    nlp = spacy.load("fr_core_news_sm")
    clf = SentenceClassifier(Registry(models).load())
    pages = sentences = 0
    for f in files:
        with pdfplumber.open(f) as pdf:
            for page in pdf.pages:
                text = page.extract_text() or ""
                page.close()
                pages += 1
                for sent in nlp(text).sents:
                    clf.predict([sent.text], [{}])
                    sentences += 1
    return pages, sentences, time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=0, help="documents (0: all text PDFs)")
    parser.add_argument("--skip-naive", action="store_true")
    parser.add_argument("--models", type=Path, default=ROOT / "outputs" / "models")
    parser.add_argument("--json", type=Path, default=ROOT / "outputs" / "bench-pipeline.json")
    args = parser.parse_args()
    if not corpus_present():
        return 0
    rows = text_documents(args.docs)
    files = [CORPUS / r["file"] for r in rows]
    work = Path(tempfile.mkdtemp(prefix="valpub-bench-"))
    try:
        models = work / "models"
        if (args.models / "current").exists():
            shutil.copytree(args.models, models)
        corpus = make_corpus(rows, work / "corpus")
        empty = work / "empty"
        empty.mkdir()
        results: dict[str, dict[str, float]] = {}
        # the first run trains a model when none is given; keep that out of the timings
        results["startup"] = {"seconds": run_valpub(empty, work / "out-empty", models, 1)}
        # --force: the flow's fixed cost, not the "nothing changed" shortcut
        results["startup"]["seconds"] = run_valpub(
            empty, work / "out-empty", models, 1, False, "--force"
        )
        n_pages, t = bare(files)
        results["bare"] = {"pages": n_pages, "seconds": t}
        for extractor, name in (("pdfplumber", "pipeline"), ("auto", "auto")):
            for workers in (1, 2):
                before = peak_child_mb()
                out = work / f"out-{name}-{workers}"
                t = run_valpub(corpus, out, models, workers, False, "--extractor", extractor)
                run = {"pages": n_pages, "seconds": t, "peak_rss_mb": max(before, peak_child_mb())}
                results[f"{name}-{workers}"] = run
        if shutil.which("taskset") and (os.cpu_count() or 1) > 1:
            # `--workers 1` still overlaps extraction and tagging (two processes, so two
            # cores here): pinned to one core, it shows what one core does
            t = run_valpub(corpus, work / "out-1core", models, 1, one_core=True)
            results["pipeline-1core"] = {"pages": n_pages, "seconds": t}
        results["rerun"] = {
            "pages": n_pages,
            "seconds": run_valpub(corpus, work / "out-pipeline-2", models, 2),
        }
        if not args.skip_naive:
            p, s, t = naive(files, models)
            results["naive"] = {"pages": p, "sentences": s, "seconds": t}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for r in results.values():
        if "pages" in r:
            r["pages_per_s"] = r["pages"] / r["seconds"]
    pps = {k: v.get("pages_per_s", 0.0) for k, v in results.items()}
    ratios = {
        "pipeline_1_vs_bare": pps["pipeline-1"] / pps["bare"],
        "pipeline_2_vs_1": pps["pipeline-2"] / pps["pipeline-1"],
        "auto_1_vs_bare": pps["auto-1"] / pps["bare"],
        "auto_2_vs_1": pps["auto-2"] / pps["auto-1"],
        "peak_rss_mb": max(r.get("peak_rss_mb", 0.0) for r in results.values()),
        "rerun_vs_first": results["rerun"]["seconds"] / results["pipeline-2"]["seconds"],
    }
    if "pipeline-1core" in results:
        ratios["pipeline_1core_vs_bare"] = pps["pipeline-1core"] / pps["bare"]
        ratios["pipeline_2_vs_1core"] = pps["pipeline-2"] / pps["pipeline-1core"]
    if "naive" in results:
        ratios["pipeline_2_vs_naive"] = pps["pipeline-2"] / pps["naive"]
        ratios["pipeline_1_vs_naive"] = pps["pipeline-1"] / pps["naive"]
    # the fast path against the baseline, the reference reader, scaling per worker, memory
    targets = {
        "auto_1_vs_bare": (">=", 3.0),
        "pipeline_1_vs_bare": (">=", 0.8),
        "pipeline_2_vs_1": (">=", 1.7),
        "auto_2_vs_1": (">=", 1.7),
        "peak_rss_mb": ("<=", 1500.0),
        "rerun_vs_first": ("<=", 0.05),
        "pipeline_2_vs_naive": (">=", 3.0),
    }
    print(f"{len(files)} text PDFs of ../shared/corpus, {n_pages} pages, {os.cpu_count()} cores")
    print(f"{'run':<14} {'pages':>6} {'seconds':>9} {'pages/s':>8} {'peak MB':>8}")
    for name, r in results.items():
        print(
            f"{name:<14} {r.get('pages', ''):>6} {r['seconds']:>9.1f} "
            f"{r.get('pages_per_s', float('nan')):>8.2f} {r.get('peak_rss_mb', float('nan')):>8.0f}"
        )
    for name, value in ratios.items():
        op, goal = targets.get(name, ("", None))
        verdict = (
            ""
            if goal is None
            else ("met" if (value >= goal if op == ">=" else value <= goal) else "NOT met")
        )
        print(f"{name:<22} {value:6.3f}  target {op} {goal}  {verdict}")
    out = {
        "documents": len(files),
        "cores": os.cpu_count(),
        "runs": {k: {kk: round(vv, 3) for kk, vv in v.items()} for k, v in results.items()},
        "ratios": {k: round(v, 3) for k, v in ratios.items()},
    }
    write_json(args.json, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
