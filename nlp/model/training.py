"""Training data: the JSONL format, loading, the sentence hash and the fixed split.

Two kinds of records feed the classifier (the format is documented in
``corpus/training/README.md``):

* *written* sentences, composed by the project, carry their text::

    {"id": "w-pv-0001", "text": "...", "labels": {scheme: [label, ...]},
     "source": "written", "annotator": "valpub-team", "register": "strategie"}

  Optional provenance keys (``doc_sha256``, ``page``, ``start``, ``end``) may be added.
* *real* sentences of ``../shared/corpus`` are not ours, so they are kept as standoff
  records with **no text**: document sha256, file, page, character offsets into the
  extracted page text and a hash of the sentence (:func:`sentence_hash`), resolved
  against the corpus at training time by :mod:`nlp.model.standoff`.

The written sentences are split once, deterministically, into ``train.jsonl`` and a
20 % ``heldout.jsonl`` by iterative stratification (:func:`iterative_split`), so that
every label keeps about 20 % of its examples in the held-out file.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from nlp.records.codebook import CODEBOOK_LABELS

SCHEMES: tuple[str, ...] = tuple(CODEBOOK_LABELS)
"""Scheme ids in codebook order."""


def sentence_hash(text: str) -> str:
    """Key of a sentence: first 16 hex digits of the sha256 of its NFC, stripped text.

    Standoff records store this instead of the sentence, so that a real sentence can be
    found again in its page without the project holding its text.
    """
    normal = unicodedata.normalize("NFC", text).strip()
    return hashlib.sha256(normal.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class Example:
    """One labelled sentence, ready for training or evaluation.

    Attributes:
        id: record id (``w-...`` written, ``r-...`` real).
        text: the sentence.
        labels: per scheme (all six present), the label ids.
        source: ``written`` or ``real``.
        annotator: who labelled it.
        register: kind of document the sentence imitates or comes from, when known.
        provenance: document sha256, page and offsets for real sentences.
    """

    id: str
    text: str
    labels: dict[str, tuple[str, ...]]
    source: str
    annotator: str = ""
    register: str = ""
    provenance: dict[str, Any] = field(default_factory=dict)


class TrainingDataError(ValueError):
    """A training record does not follow the documented format."""


def check_labels(rec_id: str, labels: Any) -> dict[str, tuple[str, ...]]:
    """The labels of a record, checked against the codebook (a TrainingDataError if not)."""
    if not isinstance(labels, dict):
        raise TrainingDataError(f"{rec_id}: 'labels' must be a mapping of scheme to list")
    unknown = set(labels) - set(SCHEMES)
    if unknown:
        raise TrainingDataError(f"{rec_id}: unknown scheme(s) {sorted(unknown)}")
    out: dict[str, tuple[str, ...]] = {}
    for scheme in SCHEMES:
        values = labels.get(scheme, [])
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise TrainingDataError(f"{rec_id}: labels[{scheme}] must be a list of label ids")
        bad = set(values) - set(CODEBOOK_LABELS[scheme])
        if bad:
            raise TrainingDataError(f"{rec_id}: labels[{scheme}] has unknown ids {sorted(bad)}")
        out[scheme] = tuple(sorted(set(values)))
    return out


def read_jsonl(path: Path | str) -> Iterator[dict[str, Any]]:
    """Yield the JSON objects of a JSONL file (blank lines skipped).

    Raises:
        TrainingDataError: a line is not a JSON object; the message names the line.
    """
    path = Path(path)
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise TrainingDataError(f"{path}:{number}: invalid JSON: {exc}") from exc
            if not isinstance(obj, dict):
                raise TrainingDataError(f"{path}:{number}: expected a JSON object")
            yield obj


def example_from_record(rec: Mapping[str, Any]) -> Example:
    """Validate a written record (with text) and turn it into an :class:`Example`."""
    rec_id = rec.get("id")
    if not isinstance(rec_id, str) or not rec_id:
        raise TrainingDataError(f"record without an id: {dict(rec)!r:.80}")
    text = rec.get("text")
    if not isinstance(text, str) or not text.strip():
        raise TrainingDataError(f"{rec_id}: 'text' must be a non-empty string")
    provenance = {k: rec[k] for k in ("doc_sha256", "file", "page", "start", "end") if k in rec}
    return Example(
        id=rec_id,
        text=text,
        labels=check_labels(rec_id, rec.get("labels")),
        source=str(rec.get("source", "written")),
        annotator=str(rec.get("annotator", "")),
        register=str(rec.get("register", "")),
        provenance=provenance,
    )


def load_examples(path: Path | str) -> list[Example]:
    """Load a JSONL file of written records (``train.jsonl``, ``heldout.jsonl``).

    Raises:
        TrainingDataError: a record is malformed or an id is repeated.
    """
    examples = [example_from_record(rec) for rec in read_jsonl(path)]
    seen: set[str] = set()
    for ex in examples:
        if ex.id in seen:
            raise TrainingDataError(f"{path}: id {ex.id} appears twice")
        seen.add(ex.id)
    return examples


def label_matrix(examples: Sequence[Example], scheme: str) -> npt.NDArray[np.int8]:
    """Binary indicator matrix (examples x labels of ``scheme``, codebook order)."""
    labels = CODEBOOK_LABELS[scheme]
    y = np.zeros((len(examples), len(labels)), dtype=np.int8)
    index = {label: j for j, label in enumerate(labels)}
    for i, ex in enumerate(examples):
        for label in ex.labels.get(scheme, ()):
            y[i, index[label]] = 1
    return y


def all_label_matrix(examples: Sequence[Example]) -> npt.NDArray[np.int8]:
    """Indicator matrix over every label of every scheme (for stratification)."""
    return np.hstack([label_matrix(examples, scheme) for scheme in SCHEMES])


# --------------------------------------------------------------------------- splitting


def _id_key(ident: str, salt: str = "") -> str:
    return hashlib.sha256((salt + ident).encode("utf-8")).hexdigest()


def iterative_folds(
    y: npt.NDArray[np.integer[Any]],
    keys: Sequence[str],
    proportions: Sequence[float],
) -> npt.NDArray[np.int64]:
    """Assign rows to folds by iterative stratification (Sechidis et al. 2011).

    Deterministic: ties are broken by ``keys`` (e.g. hashes of the ids), never by a
    random generator, so the same rows always get the same folds.

    Args:
        y: binary label matrix, rows x labels.
        keys: one sortable key per row (tie-breaker and order of rows).
        proportions: share of rows wanted in each fold (sums to 1).

    Returns:
        The fold index of each row.
    """
    n, m = y.shape
    k = len(proportions)
    props = np.asarray(proportions, dtype=float)
    desired_rows = props * n
    desired_labels = np.outer(props, y.sum(axis=0)).astype(float)  # folds x labels
    fold = np.full(n, -1, dtype=np.int64)
    order = sorted(range(n), key=lambda i: keys[i])
    remaining = set(order)
    label_left = y.sum(axis=0).astype(float)
    y_bool = y.astype(bool)
    while remaining:
        # rarest label that still has unassigned rows
        active = [j for j in range(m) if label_left[j] > 0]
        if not active:
            for i in order:
                if i in remaining:
                    f = int(np.argmax(desired_rows - np.arange(k) * 1e-9))
                    fold[i] = f
                    desired_rows[f] -= 1
            break
        j = min(active, key=lambda j: (label_left[j], j))
        rows = [i for i in order if i in remaining and y_bool[i, j]]
        for i in rows:
            want = desired_labels[:, j]
            best = np.flatnonzero(want == want.max())
            if len(best) > 1:
                rows_want = desired_rows[best]
                best = best[rows_want == rows_want.max()]
            f = int(best[0])
            fold[i] = f
            remaining.discard(i)
            desired_rows[f] -= 1
            desired_labels[f] -= y[i]
            label_left -= y[i]
    return fold


def iterative_split(
    examples: Sequence[Example], heldout_share: float = 0.2, salt: str = "valpub-split"
) -> tuple[list[Example], list[Example]]:
    """Split examples into (train, held-out), stratified over every label.

    The row order and ties come from a hash of each id, so the split depends only on
    the records, not on file order or a random seed.
    """
    y = all_label_matrix(examples)
    keys = [_id_key(ex.id, salt) for ex in examples]
    folds = iterative_folds(y, keys, [1 - heldout_share, heldout_share])
    train = [ex for ex, f in zip(examples, folds, strict=True) if f == 0]
    held = [ex for ex, f in zip(examples, folds, strict=True) if f == 1]
    return train, held


def kfold_indices(
    examples: Sequence[Example], k: int = 5, salt: str = "valpub-cv"
) -> list[tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]]:
    """Iteratively stratified k-fold (train indices, test indices) pairs."""
    y = all_label_matrix(examples)
    keys = [_id_key(ex.id, salt) for ex in examples]
    folds = iterative_folds(y, keys, [1.0 / k] * k)
    return [(np.flatnonzero(folds != f), np.flatnonzero(folds == f)) for f in range(k)]


# --------------------------------------------------------------------------- standoff


def data_fingerprint(paths: Iterable[Path]) -> dict[str, dict[str, Any]]:
    """sha256 and line count of each existing data file (for the model card)."""
    out: dict[str, dict[str, Any]] = {}
    for path in paths:
        if path.is_file():
            data = path.read_bytes()
            out[path.name] = {
                "sha256": hashlib.sha256(data).hexdigest(),
                "records": sum(1 for line in data.splitlines() if line.strip()),
            }
    return out
