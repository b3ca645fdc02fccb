"""Training data: format checks, the fixed split, iterative stratification, standoff resolution."""

from __future__ import annotations

import json
import subprocess
import sys
import unicodedata
from pathlib import Path

import numpy as np
import pytest

from nlp.model.standoff import load_standoff, resolve_standoff
from nlp.model.training import (
    SCHEMES,
    Example,
    TrainingDataError,
    all_label_matrix,
    example_from_record,
    iterative_folds,
    kfold_indices,
    load_examples,
    sentence_hash,
)
from tests.paths import ROOT

TRAINING = ROOT / "corpus" / "training"

EMPTY = {scheme: [] for scheme in SCHEMES}


def test_sentence_hash_is_nfc_and_strip_insensitive() -> None:
    composed = "La médiathèque propose des ateliers numériques."
    decomposed = unicodedata.normalize("NFD", composed)
    assert decomposed != composed
    assert sentence_hash(composed) == sentence_hash("  " + decomposed + "\n")
    assert len(sentence_hash(composed)) == 16
    assert sentence_hash(composed) != sentence_hash(composed.replace("ateliers", "cours"))


def test_split_files_are_stable_and_disjoint() -> None:
    result = subprocess.run(
        [sys.executable, str(TRAINING / "split.py"), "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    train = load_examples(TRAINING / "train.jsonl")
    held = load_examples(TRAINING / "heldout.jsonl")
    assert not {e.id for e in train} & {e.id for e in held}
    assert 0.19 <= len(held) / (len(train) + len(held)) <= 0.21
    share = all_label_matrix(held).sum(0) / (
        all_label_matrix(held).sum(0) + all_label_matrix(train).sum(0)
    )
    assert share.min() >= 0.17 and share.max() <= 0.23, share
    assert all(e.source == "written" for e in train + held)


def test_record_validation_names_the_fault() -> None:
    ok = {"id": "w-x", "text": "Une phrase.", "labels": {**EMPTY, "pillar": ["data"]}}
    assert example_from_record(ok).labels["pillar"] == ("data",)
    with pytest.raises(TrainingDataError, match="unknown ids"):
        example_from_record({**ok, "labels": {"pillar": ["donnees"]}})
    with pytest.raises(TrainingDataError, match="unknown scheme"):
        example_from_record({**ok, "labels": {"valeur": []}})
    with pytest.raises(TrainingDataError, match="text"):
        example_from_record({**ok, "text": "  "})


def test_iterative_folds_are_deterministic_and_balanced() -> None:
    rng = np.random.default_rng(0)
    y = (rng.random((500, 6)) < [0.02, 0.05, 0.1, 0.2, 0.3, 0.5]).astype(np.int8)
    keys = [f"{i:04d}" for i in range(500)]
    a = iterative_folds(y, keys, [0.2] * 5)
    b = iterative_folds(y, keys, [0.2] * 5)
    assert (a == b).all()
    assert set(a.tolist()) == set(range(5))
    for j in range(6):
        per_fold = np.bincount(a[y[:, j] == 1], minlength=5)
        assert per_fold.max() - per_fold.min() <= 1, (j, per_fold)
    sizes = np.bincount(a, minlength=5)
    assert sizes.max() - sizes.min() <= 5


def test_kfold_covers_every_example_once() -> None:
    examples = load_examples(TRAINING / "heldout.jsonl")[:200]
    seen: list[int] = []
    for train_idx, test_idx in kfold_indices(examples, 4):
        assert not set(train_idx) & set(test_idx)
        seen.extend(test_idx.tolist())
    assert sorted(seen) == list(range(len(examples)))


# ----------------------------------------------------------------------- standoff

PAGE = (
    "Conseil municipal du 14 mars\n"
    "La commune ouvre un guichet numérique pour les démarches d'état civil.\n"
    "Les habitants pourront proposer des projets au budget participatif."
)
SHA = "a" * 64


def _record(rid: str, text: str, start: int, end: int, page: int = 1) -> dict[str, object]:
    return {
        "id": rid,
        "doc_sha256": SHA,
        "file": "pdf/commune.pdf",
        "page": page,
        "start": start,
        "end": end,
        "sentence_hash": sentence_hash(text),
        "labels": {**EMPTY, "coproduction": ["active"]},
        "source": "real",
        "annotator": "valpub-team",
    }


def test_standoff_records_refuse_text(tmp_path: Path) -> None:
    rec = _record("r-0001", "x", 0, 1)
    path = tmp_path / "real.jsonl"
    path.write_text(json.dumps({**rec, "text": "x"}) + "\n", encoding="utf-8")
    with pytest.raises(TrainingDataError, match="extra"):
        load_standoff(path)


def test_resolution_by_offsets_by_line_and_unresolved(tmp_path: Path) -> None:
    second = PAGE.split("\n")[1]
    third = PAGE.split("\n")[2]
    start = PAGE.index(second)
    records = [
        _record("r-0001", second, start, start + len(second)),
        # offsets moved by a better extraction: found again by its hash
        _record("r-0002", third, 3, 40),
        _record("r-0003", "Une phrase qui n'est pas sur la page.", 0, 10),
        _record("r-0004", second, start, start + len(second), page=7),
        # part of a line, two characters further than when it was annotated
        _record("r-0005", "La commune ouvre", start - 2, start - 2 + len("La commune ouvre")),
    ]
    corpus = tmp_path / "corpus"
    (corpus / "pdf").mkdir(parents=True)
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / f"{SHA}.jsonl").write_text(
        json.dumps({"page": 1, "text": PAGE}, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    cache = tmp_path / "cache"
    result = resolve_standoff(records, corpus, pages_dir=pages, cache_dir=cache)
    assert [e.id for e in result.examples] == ["r-0001", "r-0002", "r-0005"]
    assert result.examples[2].text == "La commune ouvre"
    assert result.examples[0].text == second
    assert result.examples[1].text == third
    assert result.examples[0].source == "real"
    assert result.examples[0].labels["coproduction"] == ("active",)
    assert set(result.unresolved) == {"r-0003", "r-0004"}
    assert "hash" in result.unresolved["r-0003"]
    # the cache answers without the pages
    (pages / f"{SHA}.jsonl").unlink()
    again = resolve_standoff(records[:2], corpus, pages_dir=pages, cache_dir=cache)
    assert [e.text for e in again.examples] == [second, third]


def test_absent_corpus_skips_with_a_reason(tmp_path: Path) -> None:
    result = resolve_standoff([_record("r-0001", "x", 0, 1)], tmp_path / "nowhere")
    assert result.examples == []
    assert result.skipped_reason and "absent" in result.skipped_reason


def test_example_is_frozen() -> None:
    ex = Example("w-1", "t", {s: () for s in SCHEMES}, "written")
    with pytest.raises(AttributeError):
        ex.text = "u"  # type: ignore[misc]
