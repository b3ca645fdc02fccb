"""Active learning: which sentences analysts should label next, and the files they label.

Selection (:func:`select_for_annotation`) is a pure function of the sentences table of a
run (``sentences.parquet``) and the current model's thresholds:

1. **Eligible sentences**: not headings, between ``min_chars`` and ``max_chars``
   characters and at least ``min_words`` words, not already judged in the annotation
   store nor in ``corpus/training/real_annotations.jsonl`` (matched by
   ``sentence_hash``), not from a document the corpus README lists as evaluation-only
   (:func:`evaluation_only`), and only the first occurrence of repeated boilerplate.
2. **Uncertainty** of a sentence: the largest, over every label of every scheme, of

   ``u(p, t) = 1 - (p - t) / (1 - t)`` when ``p >= t``, else ``1 - (t - p) / t``

   where ``p`` is the classifier's probability (the ``scores`` column) and ``t`` the
   label's decision threshold: 1 on the threshold, falling linearly to 0 at certainty
   (``p`` = 0 or 1), so labels with low and high thresholds are comparable (ties between
   sentences: the larger sum of ``u`` over all labels first). Without a model (no
   thresholds, or a row whose ``model_version`` is empty) the lexicons stand in: a label
   matched by ``k`` distinct lexicon entries gets ``p = 1 - 0.5**k`` against ``t = 0.5``,
   so a label resting on a single cue is the most uncertain (``u = 1``), two cues give
   0.5, three 0.25, and a label with no cue is certain (``u = 0``).
3. **Diversity**: among the ``pool_factor * n`` most uncertain eligible sentences, a
   greedy farthest-point walk over their TF-IDF vectors (word 1-2 grams, cosine
   distance): start from the most uncertain, then repeatedly take the sentence farthest
   from everything taken so far (ties: more uncertain, then key order), never more than
   ``per_document`` sentences per document.

Everything is deterministic (sorts with explicit tie-breakers, no random generator).

The module also writes what analysts label (Label Studio tasks and labeling config, a
CSV sheet) and reads what they return (Label Studio JSON exports, CSV) into
:class:`nlp.annotations.Judgement` s; formats are documented in ``docs/annotations.md``.
"""

from __future__ import annotations

import csv
import fnmatch
import hashlib
import io
import json
import math
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any
from xml.sax.saxutils import quoteattr

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer

from nlp.annotations import AnnotationError, Judgement, sentence_key
from nlp.codebook import CODEBOOK_LABELS, SCHEMES
from nlp.spreadsheet import read_cell, safe_cell
from nlp.training import sentence_hash

#: Separator of labels inside a CSV cell.
LABEL_SEPARATOR = "|"
#: Columns of the CSV sheet before the scheme columns.
CSV_COLUMNS = ("key", "file", "page", "start", "end", "doc_sha256", "text")
#: ``model_version`` written in Label Studio predictions made by the lexicons alone.
LEXICON_MODEL_VERSION = "lexicons"


@dataclass(frozen=True)
class SelectionConfig:
    """Settings of :func:`select_for_annotation`.

    Attributes:
        n: sentences to select.
        per_document: most sentences taken from one document.
        min_chars: shortest sentence considered (characters, stripped).
        max_chars: longest sentence considered.
        min_words: fewest words a sentence must have.
        pool_factor: the diversity walk runs over the ``pool_factor * n`` most uncertain
            eligible sentences.
    """

    n: int = 200
    per_document: int = 5
    min_chars: int = 40
    max_chars: int = 600
    min_words: int = 6
    pool_factor: int = 4


# --------------------------------------------------------------------------- exclusions

_PDF_NAME = re.compile(r"[A-Za-z0-9_.\-*?\[\]/]+\.pdf", re.IGNORECASE)


def evaluation_only(corpus_dir: Path) -> set[str]:
    """File names and glob patterns listed under ``## Evaluation only`` in the corpus README.

    Each bullet of that section may name a file (``pierrefonds__cm-2023.pdf``) or a glob
    pattern (``lannion__*.pdf``), possibly inside a sentence or backquotes. No README, or
    no such section, gives an empty set.
    """
    readme = Path(corpus_dir) / "README.md"
    if not readme.is_file():
        return set()
    found: set[str] = set()
    inside = False
    for line in readme.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            inside = line.lstrip("#").strip().lower() == "evaluation only"
            continue
        if inside and line.lstrip().startswith(("-", "*", "+")):
            found.update(m.group(0) for m in _PDF_NAME.finditer(line))
    return found


def is_evaluation_only(file: str, patterns: Collection[str]) -> bool:
    """Whether a corpus file (path relative to the corpus) matches an evaluation pattern.

    A pattern matches the file's name or its whole relative path.
    """
    name = PurePosixPath(file).name
    return any(fnmatch.fnmatchcase(name, p) or fnmatch.fnmatchcase(file, p) for p in patterns)


def standoff_hashes(path: Path) -> set[str]:
    """``sentence_hash`` values of a standoff annotation file (absent file: empty set)."""
    path = Path(path)
    if not path.is_file():
        return set()
    out: set[str] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            value = json.loads(line).get("sentence_hash")
            if isinstance(value, str):
                out.add(value)
    return out


def key_hashes(keys: Iterable[str]) -> set[str]:
    """Sentence hashes of store keys (a key starts with the hash of its text)."""
    return {str(k).split(":", 1)[0] for k in keys}


# --------------------------------------------------------------------------- uncertainty


def label_uncertainty(p: float, t: float) -> float:
    """``u(p, t)``: 1 at the threshold, 0 at certainty (see the module docstring)."""
    t = min(max(t, 1e-6), 1 - 1e-6)
    p = min(max(p, 0.0), 1.0)
    margin = (p - t) / (1 - t) if p >= t else (t - p) / t
    return 1.0 - min(1.0, margin)


def _json(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    if isinstance(value, str) and value:
        loaded = json.loads(value)
        return loaded if isinstance(loaded, dict) else {}
    return {}


def sentence_uncertainty(
    row: Mapping[str, Any], thresholds: Mapping[str, Sequence[float]] | None
) -> tuple[float, float, str]:
    """Uncertainty of one sentence, the sum over its labels, and the label behind it.

    Returns ``(max of u, sum of u, "scheme:label p=.. t=..")`` over every label.

    Uses the classifier's scores against ``thresholds`` for the schemes that have them
    when the row was classified (non-empty ``model_version`` and a ``scores`` column),
    and the lexicon evidence for the others.
    """
    scores = _json(row.get("scores")) if thresholds and row.get("model_version") else {}
    evidence: dict[str, Any] | None = None
    best, total, why = 0.0, 0.0, ""
    for scheme in SCHEMES:
        names = CODEBOOK_LABELS[scheme]
        given = scores.get(scheme)
        if given and thresholds and scheme in thresholds:
            pairs = [
                (label, float(given.get(label, 0.0)), float(thresholds[scheme][j]))
                for j, label in enumerate(names)
            ]
        else:
            if evidence is None:
                evidence = _json(row.get("evidence"))
            hits = evidence.get(scheme, {})
            pairs = [
                (label, 1.0 - 0.5 ** len({h[0] for h in hits.get(label, [])}), 0.5)
                for label in names
            ]
        for label, p, t in pairs:
            u = label_uncertainty(p, t)
            total += u
            if u > best + 1e-12:
                best, why = u, f"{scheme}:{label} p={p:.2f} t={t:.2f}"
    return round(best, 6), round(total, 6), why


# --------------------------------------------------------------------------- selection


def _row_key(row: Mapping[str, Any]) -> str:
    return sentence_key(
        str(row["text"]), str(row["doc_sha256"]), int(row["page"]), int(row["start"])
    )


def _context(frame: pd.DataFrame) -> tuple[list[str], list[str]]:
    previous = [""] * len(frame)
    following = [""] * len(frame)
    order = frame.sort_values(["doc_sha256", "page", "start"], kind="stable")
    positions = {label: i for i, label in enumerate(frame.index)}
    for _sha, doc in order.groupby("doc_sha256", sort=False):
        texts = doc["text"].astype(str).tolist()
        for j, label in enumerate(doc.index):
            i = positions[label]
            previous[i] = texts[j - 1] if j > 0 else ""
            following[i] = texts[j + 1] if j + 1 < len(texts) else ""
    return previous, following


def select_for_annotation(
    sentences: pd.DataFrame,
    thresholds: Mapping[str, Sequence[float]] | None = None,
    *,
    config: SelectionConfig | None = None,
    exclude_hashes: Collection[str] = (),
    evaluation_patterns: Collection[str] = (),
) -> pd.DataFrame:
    """Choose the sentences worth annotating: uncertain, diverse, spread over documents.

    Args:
        sentences: a ``sentences.parquet`` table (``scores``, ``model_version`` and
            ``evidence`` optional).
        thresholds: per scheme, the current model's thresholds in codebook order
            (``SentenceClassifier.thresholds``); ``None`` without a model.
        config: selection settings.
        exclude_hashes: sentence hashes already annotated (store, real annotations).
        evaluation_patterns: :func:`evaluation_only` patterns of the corpus.

    Returns:
        The selected rows, in selection order, with ``key`` (store sentence key),
        ``uncertainty``, ``why`` (the most uncertain label, its score and threshold),
        ``previous`` and ``next`` (neighbouring sentences of the same document) added.
    """
    config = config or SelectionConfig()
    extra = ["key", "uncertainty", "why", "previous", "next"]
    if sentences.empty or config.n <= 0:
        return pd.DataFrame(columns=[*sentences.columns, *extra])
    frame = sentences.reset_index(drop=True)
    previous, following = _context(frame)
    frame = frame.assign(previous=previous, next=following)
    text = frame["text"].astype(str).str.strip()
    words = text.str.split().str.len()
    heading = (
        frame["is_heading"].astype(bool)
        if "is_heading" in frame
        else pd.Series(False, index=frame.index)
    )
    hashes = text.map(sentence_hash)
    keep = (
        ~heading
        & text.str.len().between(config.min_chars, config.max_chars)
        & (words >= config.min_words)
        & ~hashes.isin(set(exclude_hashes))
        & ~frame["file"].astype(str).map(lambda f: is_evaluation_only(f, evaluation_patterns))
    )
    frame = frame.assign(_hash=hashes)[keep]
    frame = frame.sort_values(["file", "page", "start"], kind="stable")
    frame = frame.drop_duplicates("_hash", keep="first")
    if frame.empty:
        return pd.DataFrame(columns=[*sentences.columns, *extra])
    measured = [sentence_uncertainty(row, thresholds) for row in frame.to_dict("records")]
    frame = frame.assign(
        uncertainty=[u for u, _t, _w in measured],
        _total=[t for _u, t, _w in measured],
        why=[w for _u, _t, w in measured],
        key=[_row_key(row) for row in frame.to_dict("records")],
    )
    frame = frame.sort_values(
        ["uncertainty", "_total", "key"], ascending=[False, False, True], kind="stable"
    )
    pool = frame.head(max(config.n, config.pool_factor * config.n)).reset_index(drop=True)
    chosen = _farthest_points(pool, config.n, config.per_document)
    out = pool.iloc[chosen].drop(columns=["_hash", "_total"]).reset_index(drop=True)
    return out


def _farthest_points(pool: pd.DataFrame, n: int, per_document: int) -> list[int]:
    """Greedy farthest-point walk over TF-IDF vectors (pool sorted by uncertainty)."""
    texts = pool["text"].astype(str).tolist()
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1)
    try:
        x = vectorizer.fit_transform(texts)
    except ValueError:  # no token at all (e.g. only numbers): distances are all equal
        x = None
    size = len(texts)
    nearest = np.full(size, np.inf)
    taken = np.zeros(size, dtype=bool)
    per_doc: dict[str, int] = {}
    docs = pool["file"].astype(str).tolist()
    rank = np.arange(size)  # pool order = uncertainty, then key
    chosen: list[int] = []
    while len(chosen) < n:
        allowed = ~taken & np.array([per_doc.get(d, 0) < per_document for d in docs])
        if not allowed.any():
            break
        candidates = np.flatnonzero(allowed)
        # farthest first; ties go to the earlier (more uncertain) sentence
        best = candidates[np.lexsort((rank[candidates], -nearest[candidates]))[0]]
        chosen.append(int(best))
        taken[best] = True
        per_doc[docs[best]] = per_doc.get(docs[best], 0) + 1
        if x is not None:
            similarity = np.asarray((x @ x[best].T).todense()).ravel()
            nearest = np.minimum(nearest, np.round(1.0 - similarity, 9))
        else:
            nearest = np.minimum(nearest, 0.0)
    return chosen


# --------------------------------------------------------------------------- writers


def _labels(value: Any) -> list[str]:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return []
    return [str(v) for v in value]


def _int(value: Any) -> int | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return int(value)


def label_studio_tasks(selected: pd.DataFrame) -> list[dict[str, Any]]:
    """Label Studio tasks (JSON import format), one per selected sentence.

    ``data`` holds the sentence with its context and provenance; ``predictions`` holds
    the run's labels, one ``choices`` result per scheme (``from_name`` = scheme,
    ``to_name`` = ``text``), with the model version that made them and a ``score`` of
    ``1 - uncertainty`` (sorting tasks by prediction score in Label Studio brings the
    most uncertain first).
    """
    tasks = []
    for row in selected.to_dict("records"):
        version = str(row.get("model_version") or "") or LEXICON_MODEL_VERSION
        data = {
            "key": str(row["key"]),
            "text": str(row["text"]),
            "previous": str(row.get("previous") or ""),
            "next": str(row.get("next") or ""),
            "file": str(row["file"]),
            "page": _int(row["page"]),
            "doc_sha256": str(row["doc_sha256"]),
            "start": _int(row["start"]),
            "end": _int(row["end"]),
        }
        result = [
            {
                "id": f"{scheme}-prediction",
                "from_name": scheme,
                "to_name": "text",
                "type": "choices",
                "value": {"choices": _labels(row.get(scheme))},
            }
            for scheme in SCHEMES
        ]
        score = 1.0 - float(row.get("uncertainty") or 0.0)
        tasks.append(
            {
                "data": data,
                "predictions": [
                    {"model_version": version, "score": round(score, 4), "result": result}
                ],
            }
        )
    return tasks


def label_config(label_names: Mapping[str, Mapping[str, str]] | None = None) -> str:
    """The Label Studio labeling config: the sentence, its context, one choice set per scheme.

    Args:
        label_names: optional French names per scheme and label, shown as hints.
    """
    names = label_names or {}
    lines = [
        "<View>",
        '  <Header value="$file, page $page"/>',
        '  <View style="color: #666"><Text name="previous" value="$previous"/></View>',
        '  <View style="font-weight: bold"><Text name="text" value="$text"/></View>',
        '  <View style="color: #666"><Text name="next" value="$next"/></View>',
    ]
    for scheme in SCHEMES:
        lines.append(f'  <Header value={quoteattr(scheme)} size="5"/>')
        lines.append(
            f'  <Choices name={quoteattr(scheme)} toName="text" choice="multiple" '
            'showInline="true">'
        )
        for label in CODEBOOK_LABELS[scheme]:
            hint = names.get(scheme, {}).get(label)
            extra = f" hint={quoteattr(hint)}" if hint else ""
            lines.append(f"    <Choice value={quoteattr(label)}{extra}/>")
        lines.append("  </Choices>")
    lines.append("</View>")
    return "\n".join(lines) + "\n"


def csv_sheet(selected: pd.DataFrame) -> str:
    """The CSV sheet of the selected sentences, prefilled with the run's labels.

    Columns: ``key, file, page, start, end, doc_sha256, text``, one per scheme (labels
    joined by ``|``) and ``annotator`` (empty). Semicolon-separated, for a French
    spreadsheet; write it as UTF-8 with a BOM.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([*CSV_COLUMNS, *SCHEMES, "annotator"])
    for row in selected.to_dict("records"):
        writer.writerow(
            safe_cell(cell)
            for cell in [
                row["key"],
                row["file"],
                _int(row["page"]),
                _int(row["start"]),
                _int(row["end"]),
                row["doc_sha256"],
                row["text"],
                *(LABEL_SEPARATOR.join(_labels(row.get(s))) for s in SCHEMES),
                "",
            ]
        )
    return buffer.getvalue()


# --------------------------------------------------------------------------- readers


def _origin(*parts: Any) -> str:
    raw = json.dumps([str(p) for p in parts], ensure_ascii=False)
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:32]


def _parse_time(value: Any) -> datetime:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"time {value!r} is not an ISO 8601 date-time")
    moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _optional_int(value: Any, name: str) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    try:
        number = int(str(value).strip()) if not isinstance(value, int) else value
    except ValueError:
        raise ValueError(f"{name} must be an integer, got {value!r}") from None
    if number < 0:
        raise ValueError(f"{name} must not be negative, got {number}")
    return number


def _resolve_key(key: Any, text: str, doc: str | None, page: int | None, start: int | None) -> str:
    computed = sentence_key(text, doc, page, start)
    if key is None or not str(key).strip():
        return computed
    given = str(key).strip()
    if given.split(":", 1)[0] != sentence_hash(text):
        raise ValueError(f"key {given} does not match the text (was the text edited?)")
    return given


def _annotator(value: Any) -> str:
    if isinstance(value, dict):
        for field in ("email", "username", "id"):
            if value.get(field) not in (None, ""):
                return str(value[field])
        return ""
    if value is None or isinstance(value, bool):
        return ""
    return str(value).strip()


def read_label_studio(
    source: Path | str | Sequence[Any],
) -> tuple[list[Judgement], list[str]]:
    """Judgements of a Label Studio JSON export (``[{data, annotations: [...]}, ...]``).

    Each non-cancelled annotation gives one judgement per scheme (source
    ``label-studio``): the ``choices`` results whose ``from_name`` is the scheme, an
    empty set when the annotator ticked none. The annotator is ``completed_by`` (its
    ``email`` when it is an object, else the user id), the time ``created_at``.

    Args:
        source: the export file, or the already-parsed list of tasks.

    Returns:
        ``(judgements, errors)``; an error names the task (1-based position in the
        export) and annotation and says why; the other annotations are still read.
    """
    if isinstance(source, (str, Path)):
        try:
            tasks = json.loads(Path(source).read_text(encoding="utf-8-sig"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            return [], [f"cannot read a Label Studio export: {exc}"]
    else:
        tasks = list(source)
    if isinstance(tasks, dict):
        tasks = [tasks]
    if not isinstance(tasks, list):
        return [], ["a Label Studio export must be a JSON list of tasks"]
    judgements: list[Judgement] = []
    errors: list[str] = []
    for number, task in enumerate(tasks, 1):
        where = f"task {number}"
        try:
            judgements.extend(_task_judgements(task, where, errors))
        except (ValueError, TypeError, KeyError, AnnotationError) as exc:
            errors.append(f"{where}: {exc}")
    return judgements, errors


def _task_judgements(task: Any, where: str, errors: list[str]) -> list[Judgement]:
    if not isinstance(task, dict):
        raise ValueError("not a JSON object")
    if task.get("id") is not None:
        where = f"{where} (id {task['id']})"
    data = task.get("data")
    if not isinstance(data, dict):
        raise ValueError("no 'data' object")
    text = data.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ValueError("'data.text' is missing or empty")
    doc = data.get("doc_sha256") or None
    page = _optional_int(data.get("page"), "page")
    start = _optional_int(data.get("start"), "start")
    end = _optional_int(data.get("end"), "end")
    key = _resolve_key(data.get("key"), text, doc, page, start)
    versions = [
        p.get("model_version") for p in task.get("predictions") or [] if isinstance(p, dict)
    ]
    model_version = str(versions[0]) if versions and versions[0] else ""
    annotations = task.get("annotations", [])
    if not isinstance(annotations, list):
        raise ValueError("'annotations' must be a list")
    out: list[Judgement] = []
    for a_number, ann in enumerate(annotations, 1):
        label = f"{where}, annotation {a_number}"
        try:
            if not isinstance(ann, dict):
                raise ValueError("not a JSON object")
            if ann.get("was_cancelled"):
                continue
            annotator = _annotator(ann.get("completed_by"))
            if not annotator:
                raise ValueError("no annotator ('completed_by' is missing)")
            raw_time = ann.get("created_at")
            at = _parse_time(raw_time)
            chosen: dict[str, list[str]] = {}
            mine: list[Judgement] = []
            for result in ann.get("result") or []:
                if not isinstance(result, dict) or result.get("type") != "choices":
                    continue
                scheme = result.get("from_name")
                if scheme not in CODEBOOK_LABELS:
                    raise ValueError(f"unknown scheme {scheme!r} in a choices result")
                values = (result.get("value") or {}).get("choices") or []
                if not isinstance(values, list):
                    raise ValueError(f"{scheme}: 'choices' must be a list")
                chosen.setdefault(str(scheme), []).extend(str(v) for v in values)
            for scheme in SCHEMES:
                labels = tuple(chosen.get(scheme, []))
                mine.append(
                    Judgement(
                        sentence_key=key,
                        text=text,
                        scheme=scheme,
                        labels=labels,
                        annotator=annotator,
                        source="label-studio",
                        doc_sha256=doc,
                        page=page,
                        start=start,
                        end=end,
                        model_version=model_version,
                        at=at,
                        origin=_origin(
                            "label-studio",
                            key,
                            scheme,
                            annotator,
                            raw_time,
                            ann.get("id"),
                            sorted(set(labels)),
                        ),
                    )
                )
            out.extend(mine)
        except (ValueError, TypeError, AnnotationError) as exc:
            errors.append(f"{label}: {_reason(exc, key)}")
    return out


def _reason(exc: Exception, key: str | None = None) -> str:
    """The error message without the sentence key the store's validation puts first."""
    text = str(exc)
    if isinstance(exc, AnnotationError) and ": " in text:
        head, rest = text.split(": ", 1)
        if key is None or head == key:
            return rest
    return text


def _sniff_delimiter(header: str) -> str:
    return ";" if header.count(";") >= header.count(",") else ","


def read_csv(
    source: Path | str,
    *,
    default_annotator: str | None = None,
    at: datetime | None = None,
) -> tuple[list[Judgement], list[str]]:
    """Judgements of a CSV sheet (:func:`csv_sheet` layout; ``;`` or ``,``; UTF-8, BOM or not).

    Every row is taken as reviewed: each scheme column present gives the complete label
    set of that scheme (labels separated by ``|``; an empty cell is "no label"). The
    annotator is the row's ``annotator`` cell, else ``default_annotator``; the time is
    the row's optional ``at`` cell (ISO 8601), else ``at``, else the file's modification
    time (when the analyst saved the sheet).

    Returns:
        ``(judgements, errors)``; an error names the row (spreadsheet numbering: the
        header is row 1) and says why; the other rows are still read.
    """
    path = Path(source)
    try:
        raw = path.read_bytes()
        content = raw.decode("utf-8-sig")
    except OSError as exc:
        return [], [f"cannot read {path}: {exc}"]
    except UnicodeDecodeError as exc:
        return [], [f"{path} is not UTF-8 text: {exc}"]
    when = at or datetime.fromtimestamp(path.stat().st_mtime, UTC)
    first = content.split("\n", 1)[0]
    reader = csv.DictReader(io.StringIO(content, newline=""), delimiter=_sniff_delimiter(first))
    header = [h.strip() for h in reader.fieldnames or []]
    reader.fieldnames = header
    if "text" not in header:
        return [], ["row 1: the header has no 'text' column"]
    schemes = [s for s in SCHEMES if s in header]
    if not schemes:
        return [], [f"row 1: the header has no scheme column ({', '.join(SCHEMES)})"]
    judgements: list[Judgement] = []
    errors: list[str] = []
    for number, row in enumerate(reader, 2):
        try:
            judgements.extend(_row_judgements(row, schemes, default_annotator, when))
        except (ValueError, TypeError, AnnotationError) as exc:
            errors.append(f"row {number}: {_reason(exc)}")
    return judgements, errors


def _row_judgements(
    row: Mapping[str, Any], schemes: Sequence[str], default_annotator: str | None, when: datetime
) -> list[Judgement]:
    if None in row:  # more cells than header columns
        raise ValueError("more cells than columns in the header")
    text = read_cell(str(row.get("text") or ""))
    if not text.strip():
        raise ValueError("the text cell is empty")
    doc = str(row.get("doc_sha256") or "").strip() or None
    page = _optional_int(row.get("page"), "page")
    start = _optional_int(row.get("start"), "start")
    end = _optional_int(row.get("end"), "end")
    key = _resolve_key(row.get("key"), text, doc, page, start)
    annotator = (
        read_cell(str(row.get("annotator") or "").strip()) or (default_annotator or "").strip()
    )
    if not annotator:
        raise ValueError("no annotator (fill the 'annotator' column or pass --annotator)")
    at = _parse_time(row["at"]) if str(row.get("at") or "").strip() else when
    out = []
    for scheme in schemes:
        cell = str(row.get(scheme) or "")
        labels = tuple(v.strip() for v in re.split(r"[|,]", cell) if v.strip())
        out.append(
            Judgement(
                sentence_key=key,
                text=text,
                scheme=scheme,
                labels=labels,
                annotator=annotator,
                source="csv",
                doc_sha256=doc,
                page=page,
                start=start,
                end=end,
                at=at,
                origin=_origin("csv", key, scheme, annotator, at.isoformat(), sorted(set(labels))),
            )
        )
    return out


def read_annotations(
    path: Path, *, default_annotator: str | None = None
) -> tuple[list[Judgement], list[str]]:
    """Read a Label Studio export (``.json``) or a CSV sheet (``.csv``, ``.txt``)."""
    suffix = Path(path).suffix.lower()
    if suffix == ".json":
        return read_label_studio(path)
    if suffix in {".csv", ".txt"}:
        return read_csv(path, default_annotator=default_annotator)
    return [], [f"{path}: unknown format (expected .json from Label Studio or .csv)"]
