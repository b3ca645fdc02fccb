"""Reading what analysts return: Label Studio JSON exports and CSV sheets, as judgements.

Each reviewed sentence and scheme becomes a :class:`nlp.annotation.judgement.Judgement` with its
annotator, time and an ``origin`` fingerprint (so that importing a file again adds
nothing); the sentence key is checked against the text. A faulty task or row is
reported by its position and the rest is still read. Formats are documented in
``docs/annotations.md``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from nlp.annotation.judgement import AnnotationError, Judgement, sentence_key
from nlp.model.training import sentence_hash
from nlp.records.codebook import CODEBOOK_LABELS, SCHEMES
from nlp.records.spreadsheet import read_cell


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


@dataclass(frozen=True)
class _Sentence:
    """The reviewed sentence a task or a row is about: its text, where it stands, its key."""

    text: str
    doc: str | None
    page: int | None
    start: int | None
    end: int | None
    key: str


def _sentence(fields: Mapping[str, Any], text: str, doc: str | None) -> _Sentence:
    """The sentence of a task's ``data`` or a sheet's row, its key checked against the text."""
    page = _optional_int(fields.get("page"), "page")
    start = _optional_int(fields.get("start"), "start")
    end = _optional_int(fields.get("end"), "end")
    key = _resolve_key(fields.get("key"), text, doc, page, start)
    return _Sentence(text, doc, page, start, end, key)


def _judgements(
    sentence: _Sentence,
    labels: Mapping[str, tuple[str, ...]],
    annotator: str,
    source: str,
    at: datetime,
    stamp: Sequence[Any],
    model_version: str = "",
) -> list[Judgement]:
    """One judgement per scheme of ``labels``, as one analyst decided on ``sentence``.

    The origin fingerprints the imported record (``source``, key, scheme, annotator, the
    record's own ``stamp``, labels), so that importing the same file again adds nothing.
    """
    return [
        Judgement(
            sentence_key=sentence.key,
            text=sentence.text,
            scheme=scheme,
            labels=chosen,
            annotator=annotator,
            source=source,
            doc_sha256=sentence.doc,
            page=sentence.page,
            start=sentence.start,
            end=sentence.end,
            model_version=model_version,
            at=at,
            origin=_origin(source, sentence.key, scheme, annotator, *stamp, sorted(set(chosen))),
        )
        for scheme, chosen in labels.items()
    ]


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
    sentence = _sentence(data, text, data.get("doc_sha256") or None)
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
            labels = {scheme: tuple(chosen.get(scheme, [])) for scheme in SCHEMES}
            stamp = (raw_time, ann.get("id"))
            out.extend(
                _judgements(sentence, labels, annotator, "label-studio", at, stamp, model_version)
            )
        except (ValueError, TypeError, AnnotationError) as exc:
            errors.append(f"{label}: {_reason(exc, sentence.key)}")
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
    """Judgements of a CSV sheet (the layout of :func:`nlp.annotation.export.csv_sheet`).

    The sheet is ``;``- or ``,``-separated, UTF-8 with or without a BOM.

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
    sentence = _sentence(row, text, str(row.get("doc_sha256") or "").strip() or None)
    annotator = (
        read_cell(str(row.get("annotator") or "").strip()) or (default_annotator or "").strip()
    )
    if not annotator:
        raise ValueError("no annotator (fill the 'annotator' column or pass --annotator)")
    at = _parse_time(row["at"]) if str(row.get("at") or "").strip() else when
    labels = {
        scheme: tuple(v.strip() for v in re.split(r"[|,]", str(row.get(scheme) or "")) if v.strip())
        for scheme in schemes
    }
    return _judgements(sentence, labels, annotator, "csv", at, (at.isoformat(),))


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
