"""Real sentences kept as standoff records, and finding their text in the corpus.

The sentences of ``../shared/corpus`` are not ours, so their annotations hold no text:
document sha256, file, page, character offsets into the extracted page text and a hash
of the sentence (:func:`nlp.model.training.sentence_hash`). They are resolved against
the corpus at training time (:func:`resolve_standoff`); records that cannot be resolved
are reported, never fatal.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nlp.model.training import (
    Example,
    TrainingDataError,
    check_labels,
    read_jsonl,
    sentence_hash,
)

log = logging.getLogger(__name__)

#: Characters a sentence may have moved on its page since it was annotated.
SHIFT = 60


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
        check_labels(str(rec["id"]), rec["labels"])
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
                labels=check_labels(rid, rec["labels"]),
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
