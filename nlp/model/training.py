"""Training data: the JSONL format, loading, standoff resolution and the fixed split.

Two kinds of records feed the classifier (the format is documented in
``corpus/training/README.md``):

* *written* sentences, composed by the project, carry their text::

    {"id": "w-pv-0001", "text": "...", "labels": {scheme: [label, ...]},
     "source": "written", "annotator": "valpub-team", "register": "strategie"}

  Optional provenance keys (``doc_sha256``, ``page``, ``start``, ``end``) may be added.
* *real* sentences of ``../shared/corpus`` are not ours, so they are kept as standoff
  records with **no text**: document sha256, file, page, character offsets into the
  extracted page text and a hash of the sentence (:func:`sentence_hash`). They are
  resolved against the corpus at training time (:func:`resolve_standoff`); records that
  cannot be resolved are reported, never fatal.

The written sentences are split once, deterministically, into ``train.jsonl`` and a
20 % ``heldout.jsonl`` by iterative stratification (:func:`iterative_split`), so that
every label keeps about 20 % of its examples in the held-out file.
"""

from __future__ import annotations

import hashlib
import json
import logging
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from nlp.records.codebook import CODEBOOK_LABELS

log = logging.getLogger(__name__)

SCHEMES: tuple[str, ...] = tuple(CODEBOOK_LABELS)
"""Scheme ids in codebook order."""

STANDOFF_KEYS = frozenset(
    {
        "id",
        "doc_sha256",
        "file",
        "page",
        "start",
        "end",
        "sentence_hash",
        "labels",
        "source",
        "annotator",
    }
)
"""Keys every standoff record has."""

OPTIONAL_STANDOFF_KEYS = frozenset({"sample"})
"""Keys a standoff record may have: ``sample`` is ``random`` (drawn uniformly from the
corpus: the natural rate) or ``targeted`` (chosen to hold rare labels)."""


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


def _check_labels(rec_id: str, labels: Any) -> dict[str, tuple[str, ...]]:
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
        labels=_check_labels(rec_id, rec.get("labels")),
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


@dataclass
class Resolution:
    """Outcome of resolving standoff records against the corpus.

    Attributes:
        examples: the records whose sentence was found, with its text (in memory only).
        unresolved: ids of records whose sentence was not found, with the reason.
        skipped_reason: set when nothing could be resolved at all (no file, no corpus).
    """

    examples: list[Example] = field(default_factory=list)
    unresolved: dict[str, str] = field(default_factory=dict)
    skipped_reason: str | None = None


def load_standoff(path: Path | str) -> list[dict[str, Any]]:
    """Load standoff records, checking they hold the documented keys and no text.

    Raises:
        TrainingDataError: a record has missing or extra keys (a ``text`` key is refused:
            real sentences are never kept in the project).
    """
    records = list(read_jsonl(path))
    for rec in records:
        keys = set(rec)
        extra = keys - STANDOFF_KEYS - OPTIONAL_STANDOFF_KEYS
        if not keys >= STANDOFF_KEYS or extra:
            raise TrainingDataError(
                f"{rec.get('id')}: standoff keys must be {sorted(STANDOFF_KEYS)} "
                f"(optional: {sorted(OPTIONAL_STANDOFF_KEYS)}); "
                f"missing {sorted(STANDOFF_KEYS - keys)}, extra {sorted(extra)}"
            )
        if rec.get("sample", "targeted") not in ("random", "targeted"):
            raise TrainingDataError(f"{rec.get('id')}: sample must be 'random' or 'targeted'")
        _check_labels(str(rec["id"]), rec["labels"])
    return records


def _cached_pages(pages_dir: Path | None, sha: str) -> dict[int, str] | None:
    if pages_dir is None:
        return None
    path = pages_dir / f"{sha}.jsonl"
    if not path.is_file():
        return None
    pages: dict[int, str] = {}
    for obj in read_jsonl(path):
        if "page" in obj and "text" in obj:
            pages[int(obj["page"])] = str(obj["text"])
    return pages


#: Characters a sentence may have moved on its page since it was annotated.
SHIFT = 60


def _find_sentence(
    text: str, rec: Mapping[str, Any], segment: Any | None
) -> tuple[int, int] | None:
    """Offsets of the record's sentence in a page text, or ``None``."""
    wanted = rec["sentence_hash"]
    start, end = int(rec["start"]), int(rec["end"])
    if sentence_hash(text[start:end]) == wanted:
        return start, end
    # offsets are a hint: an extractor change upstream shifts them by a few characters
    for delta in sorted(range(-SHIFT, SHIFT + 1), key=abs):
        if start + delta >= 0 and sentence_hash(text[start + delta : end + delta]) == wanted:
            return start + delta, end + delta
    # then look for the same line, then segment the page
    for line_start, line in _lines(text):
        if sentence_hash(line) == wanted:
            offset = len(line) - len(line.lstrip())
            return line_start + offset, line_start + len(line.rstrip())
    if segment is not None:
        for s_start, s_end in segment(text):
            if sentence_hash(text[s_start:s_end]) == wanted:
                return s_start, s_end
    return None


def _lines(text: str) -> Iterator[tuple[int, str]]:
    pos = 0
    for line in text.split("\n"):
        yield pos, line
        pos += len(line) + 1


def resolve_standoff(
    records: Sequence[Mapping[str, Any]],
    corpus_dir: Path,
    *,
    pages_dir: Path | None = None,
    cache_dir: Path | None = None,
    segment: Any | None = None,
) -> Resolution:
    """Find the text of each standoff record in the shared corpus.

    Pages are read from ``pages_dir/<sha>.jsonl`` (a ``valpub run`` output) when present,
    else extracted with ``nlp.extract.document.iter_pages`` (slow: about 8 pages per second; the
    document is read up to the last page any record needs). The resolved texts are
    cached in ``cache_dir`` (outside the repository, e.g. ``outputs/cache``) keyed by
    record id and sentence hash, so a second training run does not extract again.

    Args:
        records: standoff records (see :func:`load_standoff`).
        corpus_dir: the shared corpus folder (holding ``pdf/``).
        pages_dir: folder of stored pages to reuse.
        cache_dir: folder for the cache of resolved texts.
        segment: optional callable ``text -> [(start, end), ...]`` used when neither the
            offsets nor a whole line match (extraction moved the text).

    Returns:
        A :class:`Resolution`; unresolved records are listed with a reason.
    """
    result = Resolution()
    if not records:
        return result
    if not corpus_dir.is_dir():
        result.skipped_reason = f"corpus folder {corpus_dir} is absent"
        log.warning("real annotations skipped: %s", result.skipped_reason)
        return result
    cache: dict[str, str] = {}
    cache_path = cache_dir / "real_sentences.jsonl" if cache_dir else None
    if cache_path is not None and cache_path.is_file():
        for obj in read_jsonl(cache_path):
            cache[str(obj["key"])] = str(obj["text"])
    by_doc: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    found: dict[str, str] = {}
    for rec in records:
        key = f"{rec['id']}:{rec['sentence_hash']}"
        if key in cache and sentence_hash(cache[key]) == rec["sentence_hash"]:
            found[str(rec["id"])] = cache[key]
        else:
            by_doc[str(rec["file"])].append(rec)
    if by_doc:
        from nlp.extract.document import iter_pages  # pdfplumber only when needed

        for name, recs in sorted(by_doc.items()):
            sha = str(recs[0]["doc_sha256"])
            pages = _cached_pages(pages_dir, sha)
            if pages is None:
                path = corpus_dir / name
                if not path.is_file():
                    for rec in recs:
                        result.unresolved[str(rec["id"])] = f"file {name} not in the corpus"
                    continue
                last = max(int(r["page"]) for r in recs)
                pages = {}
                try:
                    for page in iter_pages(path, sha):
                        pages[page.page] = page.text
                        if page.page >= last:
                            break
                except Exception as exc:  # extraction errors must not stop training
                    for rec in recs:
                        result.unresolved[str(rec["id"])] = f"extraction failed: {exc}"
                    continue
            for rec in recs:
                text = pages.get(int(rec["page"]))
                if text is None:
                    result.unresolved[str(rec["id"])] = f"page {rec['page']} not extracted"
                    continue
                span = _find_sentence(text, rec, segment)
                if span is None:
                    result.unresolved[str(rec["id"])] = "sentence hash not found on the page"
                    continue
                found[str(rec["id"])] = text[span[0] : span[1]]
        if cache_path is not None:
            from nlp.records.files import atomic_open

            with atomic_open(cache_path) as handle:
                for rec in records:
                    rid = str(rec["id"])
                    if rid in found:
                        key = f"{rid}:{rec['sentence_hash']}"
                        handle.write(json.dumps({"key": key, "text": found[rid]}) + "\n")
    for rec in records:
        rid = str(rec["id"])
        if rid not in found:
            continue
        result.examples.append(
            Example(
                id=rid,
                text=found[rid],
                labels=_check_labels(rid, rec["labels"]),
                source="real",
                annotator=str(rec.get("annotator", "")),
                provenance={
                    k: rec[k]
                    for k in ("doc_sha256", "file", "page", "start", "end", "sample")
                    if k in rec
                },
            )
        )
    if result.unresolved:
        log.warning(
            "%d real annotation(s) unresolved: %s",
            len(result.unresolved),
            ", ".join(sorted(result.unresolved)[:20]),
        )
    return result


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
