"""Make the fixed split of the written training sentences.

Reads every record of ``train.jsonl`` and ``heldout.jsonl`` (and, the first time, the
original ``written_*.jsonl`` files), splits them again with
``nlp.model.training.iterative_split`` (20 % held out, stratified over every label, order and
ties from a hash of each id) and writes the two files sorted by id. Running it twice
gives identical files; a sentence added to either file lands where the split puts it.

    .venv/bin/python corpus/training/split.py [--check]

``--check`` writes nothing and exits 1 when the files are not what the split gives.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from nlp.model.training import iterative_split, read_jsonl

HERE = Path(__file__).resolve().parent
TRAIN = HERE / "train.jsonl"
HELDOUT = HERE / "heldout.jsonl"
SOURCES = (TRAIN, HELDOUT, *sorted(HERE.glob("written_*.jsonl")))


def load_records() -> list[dict[str, object]]:
    by_id: dict[str, dict[str, object]] = {}
    for path in SOURCES:
        if path.is_file():
            for rec in read_jsonl(path):
                rid = str(rec["id"])
                if rid in by_id and by_id[rid] != rec:
                    raise SystemExit(f"{rid} differs between files")
                by_id[rid] = rec
    return [by_id[k] for k in sorted(by_id)]


def render(records: list[dict[str, object]]) -> str:
    return "".join(json.dumps(rec, ensure_ascii=False) + "\n" for rec in records)


def main(argv: list[str]) -> int:
    from nlp.model.training import example_from_record

    records = load_records()
    examples = [example_from_record(rec) for rec in records]
    train, held = iterative_split(examples)
    held_ids = {ex.id for ex in held}
    train_text = render([r for r in records if r["id"] not in held_ids])
    held_text = render([r for r in records if r["id"] in held_ids])
    if "--check" in argv:
        ok = (
            TRAIN.is_file()
            and TRAIN.read_text(encoding="utf-8") == train_text
            and HELDOUT.is_file()
            and HELDOUT.read_text(encoding="utf-8") == held_text
        )
        print("split is up to date" if ok else "split files differ from the split")
        return 0 if ok else 1
    TRAIN.write_text(train_text, encoding="utf-8")
    HELDOUT.write_text(held_text, encoding="utf-8")
    print(f"{len(train)} train, {len(held)} held out -> {TRAIN.name}, {HELDOUT.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
