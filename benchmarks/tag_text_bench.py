"""Speed of ``valpub tag-text``: sentences per second, with baselines, in one run.

Two inputs, each of --n sentences:

- ``real``: sentences of the real documents of ../shared/corpus (its text PDFs, in
  path order, extracted and segmented here before timing; nothing is written), the
  sentences tag-text meets in use. Skipped when ../shared/corpus is absent.
- ``written``: the project's written training sentences (distinct, at most --n). They
  are longer than most real ones, so slower per sentence.

Real documents repeat sentences (about a third of the corpus's sentences occur more
than once); tag-text tags each distinct text once, so the share of repeats is printed.

Rows per input: lexicon-only tagging (spaCy lemmas + matcher), tag-text's work
(lexicons + current model, batches, JSON lines) in this process, then spread over 2
and 4 forked worker processes, and the classifier alone, batched and one call per
sentence (the naive way). Then the command itself, ``valpub tag-text --workers 1|2``
on the real sentences as a JSONL file, end to end (start-up included, reported apart).
Prints a table and JSON; ratios are against one process in the same run.

    .venv/bin/python benchmarks/tag_text_bench.py [--n 6000] [--models outputs/models]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from flows.defaults import DEFAULT_LEXICONS, DEFAULT_TRAIN
from flows.tag_text import BATCH, Tagger, tag_batches
from nlp.model.lexicon_features import lexicon_matrix, lexicon_tags
from nlp.model.training import load_examples

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "corpus"


def real_sentences(nlp: object, n: int) -> list[str]:
    """The first ``n`` sentences of the text PDFs of ../shared/corpus, in path order."""
    from nlp.extract.document import Page, extract_document
    from nlp.ingest.corpus import discover
    from nlp.language.segment import split_sentences

    texts: list[str] = []
    for doc in discover(SHARED):
        if not doc.path.is_file():
            continue
        pages: list[Page] = []
        report = extract_document(doc.path, pages.append)
        if report.status != "ok":
            continue
        texts += [s.text for s in split_sentences(nlp, pages) if s.text.strip()]  # type: ignore[arg-type]
        if len(texts) >= n:
            break
    return texts[:n]


def time_rows(tagger: Tagger, texts: list[str], label: str) -> list[tuple[str, int, float]]:
    rows = []
    t = time.perf_counter()
    tags = lexicon_tags(tagger.nlp, tagger.matcher, texts, batch_size=512)
    rows.append((f"{label}: lexicons only (spaCy + matcher)", len(texts), time.perf_counter() - t))
    batched = [list(enumerate(texts[i : i + BATCH])) for i in range(0, len(texts), BATCH)]
    for workers in (1, 2, 4):
        tagger.forget()  # each row starts with nothing kept from the previous one
        t = time.perf_counter()
        for _batch, _lines in tag_batches(tagger, iter(batched), workers):
            pass
        what = "one process" if workers == 1 else f"{workers} worker processes"
        rows.append((f"{label}: tag-text work, {what}", len(texts), time.perf_counter() - t))
    if tagger.classifier is not None:
        clf = tagger.classifier
        t = time.perf_counter()
        clf.predict_proba(texts, lexicon_matrix(tags))
        rows.append((f"{label}: classifier only, batched", len(texts), time.perf_counter() - t))
        few = texts[:300]
        t = time.perf_counter()
        for i, text in enumerate(few):
            clf.predict_proba([text], lexicon_matrix(tags[i : i + 1]))
        rows.append(
            (f"{label}: classifier, one call per sentence", len(few), time.perf_counter() - t)
        )
    return rows


def command_rows(texts: list[str], models: Path) -> list[tuple[str, int, float]]:
    """``valpub tag-text`` end to end, and its start-up alone (one sentence)."""
    valpub = Path(sys.executable).parent / "valpub"
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        big, one = Path(tmp) / "in.jsonl", Path(tmp) / "one.jsonl"
        lines = [json.dumps({"id": i, "text": t}, ensure_ascii=False) for i, t in enumerate(texts)]
        big.write_text("\n".join(lines) + "\n", encoding="utf-8")
        one.write_text(lines[0] + "\n", encoding="utf-8")
        env = {**os.environ, "PYTHONWARNINGS": "ignore"}
        for path, n, workers, what in (
            (one, 1, 1, "valpub tag-text start-up (1 sentence)"),
            (big, len(texts), 1, "valpub tag-text --workers 1, end to end"),
            (big, len(texts), 2, "valpub tag-text --workers 2, end to end"),
        ):
            t = time.perf_counter()
            subprocess.run(
                [
                    *(str(valpub), "tag-text", "--in", str(path), "--out", os.devnull),
                    *("--models", str(models), "--workers", str(workers)),
                ],
                check=True,
                env=env,
                stderr=subprocess.DEVNULL,
            )
            rows.append((f"real: {what}", n, time.perf_counter() - t))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=6000)
    parser.add_argument("--models", type=Path, default=Path("outputs/models"))
    args = parser.parse_args()
    started = time.perf_counter()
    tagger = Tagger(DEFAULT_LEXICONS, args.models)
    load_s = time.perf_counter() - started
    inputs: dict[str, list[str]] = {}
    if SHARED.is_dir():
        inputs["real"] = real_sentences(tagger.nlp, args.n)
    # distinct sentences only: repeating them would time tag-text's reuse of results
    inputs["written"] = list(dict.fromkeys(e.text for e in load_examples(DEFAULT_TRAIN)))[: args.n]
    tagger.tag(inputs["written"][:100])  # warm up
    rows = []
    for label, texts in inputs.items():
        rows += time_rows(tagger, texts, label)
    if "real" in inputs:
        rows += command_rows(inputs["real"], args.models)

    words = {k: sum(len(t.split()) for t in v) / max(1, len(v)) for k, v in inputs.items()}
    repeats = {k: round(1 - len(set(v)) / max(1, len(v)), 3) for k, v in inputs.items()}
    print(f"load (spaCy, lexicons, model): {load_s:.1f} s; model: {tagger.classifier is not None}")
    print("words per sentence: " + ", ".join(f"{k} {w:.1f}" for k, w in words.items()))
    print("share of repeated sentences: " + ", ".join(f"{k} {r:.1%}" for k, r in repeats.items()))
    print(f"{'what':62s} {'n':>6s} {'s':>7s} {'sent/s':>8s}")
    result = []
    for name, n, secs in rows:
        print(f"{name:62s} {n:6d} {secs:7.2f} {n / secs:8.0f}")
        result.append({"what": name, "n": n, "seconds": round(secs, 3), "per_s": round(n / secs)})
    by = {r["what"]: r for r in result}
    ratios = {}
    for label in inputs:
        one = by[f"{label}: tag-text work, one process"]["per_s"]
        for workers in (2, 4):
            two = by[f"{label}: tag-text work, {workers} worker processes"]["per_s"]
            ratios[f"{label}: {workers} workers / one process"] = round(two / one, 2)
    if "real" in inputs:
        start = by["real: valpub tag-text start-up (1 sentence)"]["seconds"]
        for workers in (1, 2):
            row = by[f"real: valpub tag-text --workers {workers}, end to end"]
            steady = row["n"] / max(1e-9, row["seconds"] - start)
            ratios[f"real: command --workers {workers}, sentences/s after start-up"] = round(steady)
    for name, value in ratios.items():
        print(f"{name}: {value}")
    print(
        json.dumps(
            {"load_seconds": round(load_s, 2), "words_per_sentence": words, "rows": result}
            | {"repeated_share": repeats, "ratios": ratios}
        )
    )


if __name__ == "__main__":
    main()
