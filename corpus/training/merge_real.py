"""Turn an annotation round on real sentences into the project's standoff files.

Input (outside the repository, since it holds sentence text): the folder written by
``sample_real.py`` (``frame.jsonl``: the standoff pointer and sample of each drawn
sentence; ``double.json``: the sentences given to two annotators) and the annotators'
label files (``labels/<annotator>/<batch>.jsonl``, one ``{"id", <scheme>: [...]}`` per
sentence), plus optional adjudications (``adjudicated.jsonl``, same shape) for the
sentences whose two readings differ.

Output (in the repository, no text):

* ``real_annotations.jsonl``: one standoff record per sentence and position drawn, with
  its final labels and ``sample`` (``random`` or ``targeted``);
* ``agreement.jsonl``: for each doubly annotated sentence, both independent readings
  (``first``, ``second``) and the final one, by sentence hash: what Cohen's kappa is
  computed from (``nlp.model.evaluation.cohen_kappa``; ``tests/test_real_annotations.py``).

    .venv/bin/python corpus/training/merge_real.py --round /tmp/annot/r1 /tmp/annot/labels1 \
        --round /tmp/annot/r2 /tmp/annot/labels2 --adjudicated /tmp/annot/adjudicated.jsonl
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from nlp.model.training import SCHEMES
from nlp.records.codebook import CODEBOOK_LABELS

HERE = Path(__file__).resolve().parent


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """The JSON objects of a file, blank lines skipped."""
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def clean(obj: dict[str, Any]) -> dict[str, list[str]]:
    """The six label lists of an annotator's line, codebook order, unknown ids refused."""
    out = {}
    for scheme in SCHEMES:
        given = set(obj.get(scheme) or [])
        unknown = given - set(CODEBOOK_LABELS[scheme])
        if unknown:
            raise ValueError(f"{obj['id']}: unknown {scheme} labels {sorted(unknown)}")
        out[scheme] = [lab for lab in CODEBOOK_LABELS[scheme] if lab in given]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--round",
        nargs=2,
        action="append",
        type=Path,
        required=True,
        metavar=("FRAME_DIR", "LABELS_DIR"),
        help="a round: the sample_real.py folder and its labels/<annotator>/*.jsonl folder",
    )
    parser.add_argument("--adjudicated", type=Path, help="adjudications (JSONL)")
    parser.add_argument("--out", type=Path, default=HERE)
    args = parser.parse_args()

    readings: dict[str, list[tuple[str, dict[str, list[str]]]]] = {}
    frame: list[dict[str, Any]] = []
    for frame_dir, labels_dir in args.round:
        frame += read_jsonl(frame_dir / "frame.jsonl")
        for path in sorted(labels_dir.glob("*/*.jsonl")):
            annotator = path.parent.name
            for obj in read_jsonl(path):
                readings.setdefault(obj["id"], []).append((annotator, clean(obj)))
    adjudicated: dict[str, dict[str, list[str]]] = {}
    if args.adjudicated and args.adjudicated.is_file():
        adjudicated = {obj["id"]: clean(obj) for obj in read_jsonl(args.adjudicated)}

    final: dict[str, dict[str, list[str]]] = {}
    agreement = []
    missing = []
    for sid, reads in readings.items():
        if len(reads) == 1:
            final[sid] = reads[0][1]
            continue
        (_a, first), (_b, second) = sorted(reads)[:2]
        merged = {}
        for scheme in SCHEMES:
            if first[scheme] == second[scheme]:
                merged[scheme] = first[scheme]
            elif sid in adjudicated:
                merged[scheme] = adjudicated[sid][scheme]
            else:
                missing.append(sid)
                merged[scheme] = first[scheme]
        final[sid] = merged
        agreement.append({"sid": sid, "first": first, "second": second, "final": merged})

    records = []
    for row in sorted(frame, key=lambda r: (r["file"], r["page"], r["start"])):
        if row["id"] not in final:
            continue
        records.append(
            {
                "id": f"r-{len(records) + 1:04d}",
                "doc_sha256": row["doc_sha256"],
                "file": row["file"],
                "page": row["page"],
                "start": row["start"],
                "end": row["end"],
                "sentence_hash": row["sentence_hash"],
                "labels": final[row["id"]],
                "sample": row["sample"],
                "source": "real",
                "annotator": "valpub-team",
            }
        )
    hashes = {row["id"]: row["sentence_hash"] for row in frame}
    with (args.out / "real_annotations.jsonl").open("w", encoding="utf-8") as fh:
        for rec in records:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    with (args.out / "agreement.jsonl").open("w", encoding="utf-8") as fh:
        for row in sorted(agreement, key=lambda r: hashes[r["sid"]]):
            out = {"sentence_hash": hashes[row["sid"]]}
            out.update({k: row[k] for k in ("first", "second", "final")})
            fh.write(json.dumps(out, ensure_ascii=False) + "\n")
    print(f"{len(records)} records, {len(agreement)} doubly annotated")
    if missing:
        print(f"{len(set(missing))} disagreements without adjudication (first reading kept)")


if __name__ == "__main__":
    main()
