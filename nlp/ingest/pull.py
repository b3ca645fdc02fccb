"""Pull PDFs listed by URL into a folder that is itself a corpus.

``pull_sources`` reads a sources CSV (:mod:`nlp.ingest.sources`: the corpus manifest
columns, with ``url`` in place of or next to ``file``), downloads each document into a
folder (one download and its rules: :mod:`nlp.ingest.fetch`) and writes
``manifest.csv`` there, so the folder can be analysed like ``corpus/``. It is meant to
be re-run: every URL's ETag / Last-Modified is remembered in
``<folder>/.valpub-pull.json`` and sent back, and a ``304`` (or a body that is
byte-identical to the file already saved) leaves the file untouched. One failing URL
never stops the others: every row ends with a :class:`PullResult` whose ``status``
belongs to :data:`~nlp.ingest.fetch.STATUSES`. Each saved path is checked to be
directly inside the folder, and the state file and the manifest are written
atomically like the documents (:mod:`nlp.ingest.atomic`). Each of these rules is
tested in ``tests/nlp/ingest/test_pull.py``.

Two runs must not pull into the same folder at the same time (there is no lock).
"""

from __future__ import annotations

import csv
import io
import json
import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import httpx

from nlp.ingest.atomic import atomic_write_text, remove_stale_temps
from nlp.ingest.corpus import MANIFEST_COLUMNS
from nlp.ingest.fetch import STATUSES, PullStatus, describe, fetch
from nlp.ingest.sources import SAFE_NAME, SourceRow, read_sources, safe_filename, url_problem
from nlp.records.errors import ManifestError
from nlp.records.spreadsheet import safe_cell

logger = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_BACKOFF",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_RETRIES",
    "DEFAULT_TIMEOUT",
    "MANIFEST_NAME",
    "OK_STATUSES",
    "STATE_NAME",
    "USER_AGENT",
    "PullResult",
    "format_summary",
    "pull_sources",
]


MANIFEST_NAME: Final = "manifest.csv"
STATE_NAME: Final = ".valpub-pull.json"
USER_AGENT: Final = "valpub-pull/0.1 (research corpus of French local-authority documents)"

DEFAULT_TIMEOUT: Final = 30.0
DEFAULT_RETRIES: Final = 3
DEFAULT_BACKOFF: Final = 0.5
DEFAULT_MAX_BYTES: Final = 200 * 2**20
_STATE_VERSION: Final = 1

OK_STATUSES: Final[frozenset[str]] = frozenset({"downloaded", "unchanged"})
"""Statuses after which the document is in the folder and listed in its manifest."""


@dataclass(frozen=True)
class PullResult:
    """What happened to one URL.

    Attributes:
        url: the URL as written in the sources CSV.
        status: one of :data:`STATUSES`.
        path: the saved file when ``status`` is in :data:`OK_STATUSES`, else ``None``.
        reason: a short human-readable explanation.
        bytes: size of the saved file (0 when nothing was saved).
        sha256: hex digest of the saved file, else ``None``.
        line: line of the sources CSV the URL comes from (0 if unknown).
        http_status: the last HTTP status code received, if any.
        attempts: how many requests were sent for this URL.
    """

    url: str
    status: PullStatus
    path: Path | None
    reason: str
    bytes: int = 0
    sha256: str | None = None
    line: int = 0
    http_status: int | None = None
    attempts: int = 0

    @property
    def ok(self) -> bool:
        """True when the document is in the folder (downloaded now or before)."""
        return self.status in OK_STATUSES


def _target(into: Path, name: str) -> Path:
    """Return ``into / name`` after checking it resolves to a direct child of ``into``."""
    if not SAFE_NAME.fullmatch(name):
        raise ValueError(f"unsafe file name {name!r}")
    root = into.resolve()
    target = (root / name).resolve()
    if target.parent != root:
        raise ValueError(f"{name!r} resolves outside {root}")
    return target


# --------------------------------------------------------------------------- state


def _load_state(path: Path) -> dict[str, dict[str, Any]]:
    """Read the per-URL state; a missing or damaged file means an empty state."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        logger.warning(
            "ignoring unreadable pull state %s (%s): every URL is fetched again", path, exc
        )
        return {}
    urls = data.get("urls") if isinstance(data, dict) else None
    if not isinstance(urls, dict):
        logger.warning("ignoring pull state %s: no 'urls' object", path)
        return {}
    return {url: entry for url, entry in urls.items() if isinstance(entry, dict)}


def _save_state(path: Path, state: Mapping[str, Mapping[str, Any]]) -> None:
    """Write the per-URL state atomically."""
    payload = {"version": _STATE_VERSION, "urls": dict(sorted(state.items()))}
    atomic_write_text(path, json.dumps(payload, indent=2, ensure_ascii=False) + "\n")


# --------------------------------------------------------------------------- manifest


def _read_manifest(path: Path) -> tuple[list[str], dict[str, dict[str, str]]]:
    """Read an existing folder manifest: its columns and its rows keyed by ``file``."""
    if not path.exists():
        return list(MANIFEST_COLUMNS), {}
    try:
        text = path.read_text(encoding="utf-8-sig")
        reader = csv.DictReader(io.StringIO(text, newline=""))
        columns = [c.strip() for c in (reader.fieldnames or [])]
        if "file" not in columns:
            raise ManifestError(path, "the existing manifest has no 'file' column", 1)
        rows: dict[str, dict[str, str]] = {}
        for raw in reader:
            row = {
                col.strip(): (val or "").strip()
                for col, val in raw.items()
                if isinstance(col, str) and isinstance(val, str)
            }
            if row.get("file"):
                rows[row["file"]] = row
    except (UnicodeDecodeError, csv.Error) as exc:
        raise ManifestError(path, f"the existing manifest cannot be read: {exc}") from exc
    extra = [c for c in columns if c not in MANIFEST_COLUMNS]
    return [*MANIFEST_COLUMNS, *extra], rows


def _manifest_row(
    row: SourceRow, result: PullResult, previous: Mapping[str, str] | None
) -> dict[str, str]:
    """Build the manifest row of a pulled document.

    A column present in the sources header wins (even when empty: the sources
    are the truth); a column absent from it keeps the previous manifest value.
    ``source_url`` falls back to the URL the file was pulled from.
    """
    assert result.path is not None
    merged = dict(previous or {})
    merged.update(row.fields)
    merged["file"] = result.path.name
    if not merged.get("source_url"):
        merged["source_url"] = row.url
    return merged


def _write_manifest(
    path: Path, columns: Sequence[str], rows: Mapping[str, Mapping[str, str]]
) -> None:
    """Write the manifest atomically, one row per file, sorted by file."""
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(
        buffer, fieldnames=list(columns), extrasaction="ignore", lineterminator="\n"
    )
    writer.writeheader()
    for name in sorted(rows):
        writer.writerow({col: safe_cell(rows[name].get(col, "")) for col in columns})
    atomic_write_text(path, buffer.getvalue())


def _pull_row(
    client: httpx.Client,
    row: SourceRow,
    into: Path,
    state: dict[str, dict[str, Any]],
    **options: Any,
) -> PullResult:
    """Pull one valid row, update ``state`` on success, never raise an Exception."""
    url = row.url
    try:
        target = _target(into, safe_filename(url))
        entry = state.get(url)
        outcome, attempts = fetch(client, url, target, entry, **options)
    except Exception as exc:  # one bad row must never stop the batch
        logger.exception("%s: unexpected error", url)
        return PullResult(url, "failed", None, describe(exc), line=row.line)
    result = PullResult(
        url=url,
        status=outcome.status,
        path=outcome.path if outcome.status in OK_STATUSES else None,
        reason=outcome.reason,
        bytes=outcome.size if outcome.status in OK_STATUSES else 0,
        sha256=outcome.sha256 if outcome.status in OK_STATUSES else None,
        line=row.line,
        http_status=outcome.http_status,
        attempts=attempts,
    )
    if result.ok and result.path is not None:
        entry = {
            "file": result.path.name,
            "etag": outcome.etag,
            "last_modified": outcome.last_modified,
            "sha256": result.sha256,
            "bytes": result.bytes,
            "checked_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        if result.status == "downloaded" or url not in state:
            entry["pulled_at"] = entry["checked_at"]
        else:
            entry["pulled_at"] = state[url].get("pulled_at", entry["checked_at"])
        state[url] = {k: v for k, v in entry.items() if v is not None}
        logger.info("%s: %s -> %s", url, result.status, result.path.name)
    else:
        logger.warning("%s: %s (%s)", url, result.status, result.reason)
    return result


def pull_sources(
    sources: Path,
    into: Path,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    retries: int = DEFAULT_RETRIES,
    backoff: float = DEFAULT_BACKOFF,
    max_bytes: int = DEFAULT_MAX_BYTES,
    deadline: float | None = None,
    client: httpx.Client | None = None,
) -> list[PullResult]:
    """Download every URL of a sources CSV into ``into`` and update its manifest.

    Rows are processed one after the other; each ends with exactly one result,
    whatever happens to it. ``into/manifest.csv`` gets (or keeps) one row per
    document now present (``downloaded`` or ``unchanged``), merged by ``file``
    with the rows already there; ``into/.valpub-pull.json`` remembers each URL's
    validators. Both are written even when the run is interrupted part-way. A
    manifest row takes the manifest columns present in the sources header (a
    column the sources lack keeps its previous value); an empty ``source_url``
    becomes the pulled URL.

    Args:
        sources: CSV with a ``url`` column and optional manifest columns.
        into: destination folder, created if missing.
        timeout: seconds allowed to connect and for each read from the server.
        retries: extra attempts after a 5xx, a time-out or a connection error.
        backoff: wait before the first retry, doubled at each further retry
            (capped at 30 s).
        max_bytes: largest accepted body; reading stops as soon as it is exceeded.
        deadline: seconds allowed for a whole download attempt (``None``: no limit).
        client: an ``httpx.Client`` to use (left open); by default one is created
            with the valpub User-Agent and closed at the end.

    Returns:
        One result per data row of ``sources``, in file order.

    Raises:
        ManifestError: ``sources`` has a bad header, or ``into/manifest.csv``
            exists but cannot be read (checked before any download).
        OSError: ``into`` cannot be created, or its manifest or state cannot be written.
        ValueError: ``retries`` or ``backoff`` is negative, ``timeout`` or ``max_bytes``
            is not positive.
    """
    if retries < 0 or backoff < 0 or timeout <= 0 or max_bytes <= 0:
        raise ValueError("retries and backoff must be >= 0, timeout and max_bytes > 0")
    rows = read_sources(sources)
    into.mkdir(parents=True, exist_ok=True)
    manifest_path = into / MANIFEST_NAME
    columns, manifest = _read_manifest(manifest_path)
    state_path = into / STATE_NAME
    state = _load_state(state_path)
    remove_stale_temps(into)

    own_client = client is None
    http = client or httpx.Client(
        headers={"User-Agent": USER_AGENT}, timeout=timeout, follow_redirects=True
    )
    default_agent = http.headers.get("User-Agent", "").startswith("python-httpx")
    options: dict[str, Any] = {
        "timeout": timeout,
        "retries": retries,
        "backoff": backoff,
        "max_bytes": max_bytes,
        "deadline": deadline,
        "user_agent": USER_AGENT if default_agent else None,
    }
    results: list[PullResult] = []
    seen: dict[str, int] = {}
    try:
        for row in rows:
            problem = row.problem or url_problem(row.url)
            if problem is None and row.url in seen:
                problem = f"duplicate of line {seen[row.url]}"
            if problem is not None:
                logger.warning("sources line %d: %s", row.line, problem)
                results.append(PullResult(row.url, "invalid", None, problem, line=row.line))
                continue
            seen[row.url] = row.line
            result = _pull_row(http, row, into, state, **options)
            results.append(result)
            if result.ok and result.path is not None:
                name = result.path.name
                manifest[name] = _manifest_row(row, result, manifest.get(name))
    finally:
        if own_client:
            http.close()
        _save_state(state_path, state)
        if manifest or manifest_path.exists():
            _write_manifest(manifest_path, columns, manifest)
    return results


# --------------------------------------------------------------------------- summary


def format_summary(results: Sequence[PullResult]) -> str:
    """Render results as a plain-text table, one line per URL, then totals.

    Each line shows the sources line, the status, the saved size, the saved file
    name (or, for a failure, the reason) and the URL.

    Args:
        results: what :func:`pull_sources` returned.

    Returns:
        The table, without a trailing newline.
    """
    header = ("LINE", "STATUS", "BYTES", "FILE / REASON", "URL")
    table = [
        (
            str(r.line or ""),
            r.status,
            str(r.bytes) if r.ok else "",
            r.path.name if r.ok and r.path is not None else _with_code(r),
            r.url,
        )
        for r in results
    ]
    widths = [max(len(header[i]), *(len(t[i]) for t in table)) for i in range(len(header) - 1)]

    def render(cells: Sequence[str]) -> str:
        parts = [
            cells[i].rjust(widths[i]) if i in (0, 2) else cells[i].ljust(widths[i])
            for i in range(len(widths))
        ]
        return "  ".join([*parts, cells[-1]]).rstrip()

    counts: Counter[str] = Counter(r.status for r in results)
    total_bytes = sum(r.bytes for r in results if r.status == "downloaded")
    by_status = ", ".join(f"{counts[s]} {s}" for s in STATUSES if counts[s])
    totals = (
        f"{len(results)} URL(s): {by_status or 'nothing to do'}; "
        f"{total_bytes} bytes downloaded; {sum(r.ok for r in results)} document(s) in the folder"
    )
    lines = [render(header), *(render(t) for t in table), totals]
    return "\n".join(lines)


def _with_code(result: PullResult) -> str:
    """The reason of a failed result, prefixed with its HTTP code when it has one."""
    if (
        result.status == "http_error"
        and result.http_status
        and str(result.http_status) not in (result.reason)
    ):
        return f"HTTP {result.http_status}: {result.reason}"
    return result.reason
