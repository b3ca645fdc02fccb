"""Draw the real sentences to annotate from a ``valpub run`` over ``../shared/corpus``.

Two samples, recorded in each standoff record's ``sample`` field:

* ``random``: sentences drawn uniformly from every sentence of the non-evaluation
  documents, headings and fragments included: the rate at which a label occurs there is
  the rate at which the pipeline meets it, so precision measured on this sample is the
  precision of the published profiles;
* ``targeted``: sentences chosen to hold rare labels (lexicon hits of each public-value
  and co-production label, cues of the codebook the lexicons miss), spread over every
  document and territory with at most a few per document and cue.

Evaluation-only documents (``## Evaluation only`` of the corpus README) are never drawn.
The output holds sentence text, so it goes outside the repository (``--to``): one JSONL
batch per annotator with the neighbouring sentences as context, and ``frame.jsonl``, the
standoff pointer of every drawn sentence. Deterministic for a given run and ``--seed``.

    .venv/bin/python corpus/training/sample_real.py --run OUT --corpus ../shared/corpus \
        --to /tmp/annot --random 1800 --targeted 1600
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
from collections import defaultdict
from pathlib import Path

import pandas as pd

from nlp.ingest.evaluation import evaluation_only, is_evaluation_only
from nlp.model.standoff import load_standoff
from nlp.model.training import sentence_hash

HERE = Path(__file__).resolve().parent

#: Cues of the codebook (and their near relatives) that point to a candidate sentence
#: for a rare label, whatever the lexicons matched. Used only to choose what to read.
CUES: dict[str, str] = {
    "political": r"concertation|consultation|démocrati|participati|débat public|conseil citoyen"
    r"|référendum|enquête publique|réunion publique|avis des habitants",
    "ideological": r"sobriét|souverain|éthique|responsable|logiciels? libres?|laïc|neutralit"
    r"|transition écologique|développement durable|valeurs? du service public",
    "stewardship": r"transparen|rendre compte|redevab|confiance|intégrit|exemplar|bonne gestion"
    r"|open ?data|données ouvertes|rapport annuel|qualité du service",
    "strategic": r"stratégi|feuille de route|schéma directeur|pilotage|aide à la décision"
    r"|innovation|moderni|interopérab|projet de territoire|plateforme de données",
    "economic": r"économi|attractivit|emploi|entreprises|commerce|retombées|coûts?\b|fiscal",
    "social": r"inclusion|lien social|cohésion|fracture|médiation|solidarit|égalité|isolement"
    r"|personnes âgées|France Services",
    "quality_of_life": r"cadre de vie|santé|sécurité|tranquillit|mobilit|proximit|bien-être"
    r"|qualité de l'air|confort|nuisances",
    "active": r"en ligne|application|signalement|e-services?|démarches|guichet|portail"
    r"|PanneauPocket|rendez-vous|notification|site internet|téléservice",
    "participative": r"co-?construction|co-?conception|atelier|ateliers participatifs"
    r"|budget participatif|panel|consultation|concertation|idéation",
    "enhanced": r"innovation ouverte|appel à (?:initiatives|projets)|communs?|hackathon"
    r"|fablab|tiers-lieu|laboratoire|living lab|initiatives? citoyennes?|bénévol"
    r"|jumeau numérique|associations? (?:qui|porte)",
}


def load_run(run: Path) -> pd.DataFrame:
    """Every sentence of a run, with its document's file and territory."""
    frame = pd.read_parquet(run / "sentences.parquet")
    frame["territory"] = frame["territory_name"].astype(str)
    return frame.reset_index(drop=True)


def context(frame: pd.DataFrame) -> tuple[list[str], list[str]]:
    """Previous and next sentence of each row, within its document."""
    prev = [""] * len(frame)
    nxt = [""] * len(frame)
    for _sha, idx in frame.groupby("doc_sha256", sort=False).groups.items():
        rows = sorted(idx, key=lambda i: (frame.at[i, "page"], frame.at[i, "start"]))
        for a, b in itertools.pairwise(rows):
            prev[b] = str(frame.at[a, "text"])
            nxt[a] = str(frame.at[b, "text"])
    return prev, nxt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=Path, required=True, help="valpub run output folder")
    parser.add_argument("--corpus", type=Path, required=True, help="the shared corpus folder")
    parser.add_argument("--to", type=Path, required=True, help="folder for batches (not ours)")
    parser.add_argument("--random", type=int, default=1800)
    parser.add_argument("--targeted", type=int, default=1600)
    parser.add_argument("--batches", type=int, default=8)
    parser.add_argument("--double", type=int, default=320, help="sentences in two batches")
    parser.add_argument("--seed", type=int, default=20261207)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    frame = load_run(args.run)
    patterns = evaluation_only(args.corpus)
    manifest = pd.read_csv(args.corpus / "manifest.csv")
    meta = {
        Path(str(f)).name: f"{t} [{c}]"
        for f, t, c in zip(manifest["file"], manifest["title"], manifest["category"], strict=True)
    }
    frame["name"] = frame["file"].map(lambda f: Path(str(f)).name)
    frame = frame[~frame["name"].map(lambda f: is_evaluation_only(f, patterns))]
    frame = frame[frame["text"].astype(str).str.strip() != ""].reset_index(drop=True)
    frame["hash"] = frame["text"].map(sentence_hash)
    prev, nxt = context(frame)
    frame["prev"], frame["next"] = prev, nxt

    chosen: dict[int, str] = {}
    order = list(range(len(frame)))
    rng.shuffle(order)
    seen_hash: set[str] = set()
    for i in order:
        if len(chosen) >= args.random:
            break
        chosen[i] = "random"
        seen_hash.add(frame.at[i, "hash"])

    # earlier annotations are read again blind, so that one reading covers all
    earlier = {r["sentence_hash"]: r for r in load_standoff(HERE / "real_annotations.jsonl")}
    by_hash = {h: i for i, h in reversed(list(enumerate(frame["hash"])))}
    for h in earlier:
        if h in by_hash and h not in seen_hash:
            chosen[by_hash[h]] = "targeted"
            seen_hash.add(h)

    # targeted: for each rare label, lexicon hits and codebook cues, few per document
    per_label = max(1, args.targeted // len(CUES))
    for label, cue in CUES.items():
        scheme = (
            "coproduction" if label in ("active", "participative", "enhanced") else "public_value"
        )
        lex_hit = frame[scheme].map(lambda v, lab=label: lab in list(v) if v is not None else False)
        cue_hit = frame["text"].str.contains(cue, case=False, regex=True)
        cand = frame.index[(lex_hit | cue_hit) & (frame["text"].str.len() >= 30)].tolist()
        rng.shuffle(cand)
        per_doc: dict[str, int] = defaultdict(int)
        taken = 0
        for i in cand:
            if taken >= per_label:
                break
            h = frame.at[i, "hash"]
            doc = frame.at[i, "doc_sha256"]
            if h in seen_hash or per_doc[doc] >= 12:
                continue
            chosen[i] = "targeted"
            seen_hash.add(h)
            per_doc[doc] += 1
            taken += 1

    rows = []
    for i, sample in chosen.items():
        r = frame.loc[i]
        rows.append(
            {
                "id": f"s-{r['hash']}",
                "sample": sample,
                "doc_sha256": r["doc_sha256"],
                "file": f"pdf/{r['name']}",
                "page": int(r["page"]),
                "start": int(r["start"]),
                "end": int(r["end"]),
                "sentence_hash": r["hash"],
                "territory": str(r.get("territory", "")),
                "text": str(r["text"]),
                "prev": str(r["prev"])[-400:],
                "next": str(r["next"])[:400],
                "doc": meta.get(r["name"], r["name"]),
            }
        )
    # the same text drawn twice (random sample) is annotated once
    unique: dict[str, dict[str, object]] = {}
    for row in rows:
        unique.setdefault(str(row["id"]), row)
    items = list(unique.values())
    rng.shuffle(items)
    args.to.mkdir(parents=True, exist_ok=True)
    with (args.to / "frame.jsonl").open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(
                json.dumps(
                    {k: v for k, v in row.items() if k not in ("prev", "next")}, ensure_ascii=False
                )
                + "\n"
            )
    double = items[: args.double]
    single = items[args.double :]
    batches: list[list[dict[str, object]]] = [[] for _ in range(args.batches)]
    for k, row in enumerate(single):
        batches[k % args.batches].append(row)
    for k, row in enumerate(double):  # each in two different batches
        batches[k % args.batches].append(row)
        batches[(k + 1 + k // args.batches % (args.batches - 1)) % args.batches].append(row)
    for b, batch in enumerate(batches):
        rng.shuffle(batch)
        with (args.to / f"b{b:02d}.jsonl").open("w", encoding="utf-8") as fh:
            for row in batch:
                fh.write(
                    json.dumps(
                        {k: row[k] for k in ("id", "text", "prev", "next", "doc")},
                        ensure_ascii=False,
                    )
                    + "\n"
                )
    with (args.to / "double.json").open("w") as fh:
        json.dump([row["id"] for row in double], fh)
    stats = pd.DataFrame(rows)
    print(stats.groupby("sample").size().to_string())
    print("unique sentences:", len(items), "batches:", [len(b) for b in batches])
    print("territories:", stats["territory"].nunique(), "documents:", stats["file"].nunique())


if __name__ == "__main__":
    main()
