"""Speed of ``valpub tag-text``'s work: sentences per second, with baselines, in one run.

Rows: lexicon-only tagging (spaCy lemmas + matcher), full tagging (lexicons + current
model, batched), and one-call-per-sentence prediction (the classifier called for each
sentence), and tag-text's work spread over 2 and 4 forked worker processes.
Input: the written training sentences, repeated to --n. Prints a table and JSON.

    .venv/bin/python benchmarks/tag_text_bench.py [--n 3000] [--models outputs/models]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from flows.model_cmds import BATCH, DEFAULT_LEXICONS, DEFAULT_TRAIN, Tagger, tag_batches
from nlp.classify import lexicon_matrix, lexicon_tags
from nlp.training import load_examples


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=3000)
    parser.add_argument("--models", type=Path, default=Path("outputs/models"))
    args = parser.parse_args()
    texts = [e.text for e in load_examples(DEFAULT_TRAIN)]
    texts = (texts * (args.n // len(texts) + 1))[: args.n]
    started = time.perf_counter()
    tagger = Tagger(DEFAULT_LEXICONS, args.models)
    load_s = time.perf_counter() - started
    rows = []

    t = time.perf_counter()
    tags = lexicon_tags(tagger.nlp, tagger.matcher, texts, batch_size=512)
    rows.append(("lexicon only (spaCy + matcher)", len(texts), time.perf_counter() - t))

    t = time.perf_counter()
    tagger.tag(texts)
    rows.append(("tag-text work (lexicons + model, batches)", len(texts), time.perf_counter() - t))

    for workers in (2, 4):
        batches = iter([list(enumerate(texts[i : i + BATCH])) for i in range(0, len(texts), BATCH)])
        t = time.perf_counter()
        for _batch, _results in tag_batches(tagger, batches, workers):
            pass
        rows.append(
            (f"tag-text work, {workers} worker processes", len(texts), time.perf_counter() - t)
        )

    if tagger.classifier is not None:
        clf = tagger.classifier
        t = time.perf_counter()
        clf.predict_proba(texts, lexicon_matrix(tags))
        rows.append(("classifier only, batched", len(texts), time.perf_counter() - t))
        few = texts[:300]
        t = time.perf_counter()
        for i, text in enumerate(few):
            clf.predict_proba([text], lexicon_matrix(tags[i : i + 1]))
        rows.append(("classifier only, one call per sentence", len(few), time.perf_counter() - t))

    print(f"load (spaCy, lexicons, model): {load_s:.1f} s; model: {tagger.classifier is not None}")
    print(f"{'what':45s} {'n':>6s} {'s':>7s} {'sent/s':>8s}")
    result = []
    for name, n, secs in rows:
        print(f"{name:45s} {n:6d} {secs:7.2f} {n / secs:8.0f}")
        result.append({"what": name, "n": n, "seconds": round(secs, 3), "per_s": round(n / secs)})
    print(json.dumps({"load_seconds": round(load_s, 2), "rows": result}))


if __name__ == "__main__":
    main()
