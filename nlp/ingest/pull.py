"""Pull PDFs listed by URL into a folder that is itself a corpus.

``pull_sources`` reads a CSV of URLs (the corpus manifest columns, with ``url``
in place of or next to ``file``), downloads each document into a folder and
writes ``manifest.csv`` there, so the folder can be analysed like ``corpus/``.
It is meant to be re-run: every URL's ETag / Last-Modified is remembered in
``<folder>/.valpub-pull.json`` and sent back, and a ``304`` (or a body that is
byte-identical to the file already saved) leaves the file untouched.

Robustness rules, each one tested in ``tests/test_pull.py``:

* one failing URL never stops the others: every row ends with a
  :class:`PullResult` whose ``status`` belongs to :data:`STATUSES`;
* time-outs on connect and on each read, plus an optional whole-download
  ``deadline`` (a server trickling bytes defeats per-read time-outs);
* retries with exponential back-off on 5xx, time-outs and connection errors,
  never on 4xx;
* the body is read as a stream and reading stops as soon as it exceeds
  ``max_bytes`` or as soon as its first 1024 bytes show it is not a PDF;
* the saved name comes only from the URL's last path segment, reduced to
  ``[A-Za-z0-9._-]`` with a hash of the URL appended (``Content-Disposition``
  is ignored), and the resolved path is checked to be directly inside the folder;
* files are written to a temporary file in the folder, fsynced, then renamed
  with ``os.replace``: no half-written file ever has its final name, and a
  failed download leaves nothing behind. The state file and the manifest are
  written the same way.

Two runs must not pull into the same folder at the same time (there is no lock).
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import logging
import os
import re
import tempfile
import time
import unicodedata
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Final, Literal
from urllib.parse import unquote, urlsplit

import httpx

from nlp.ingest.corpus import MANIFEST_COLUMNS
from nlp.records.errors import ManifestError
from nlp.records.files import file_sha256
from nlp.records.spreadsheet import safe_cell

logger = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_BACKOFF",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_RETRIES",
    "DEFAULT_TIMEOUT",
    "MANIFEST_COLUMNS",
    "MANIFEST_NAME",
    "OK_STATUSES",
    "SOURCE_COLUMNS",
    "STATE_NAME",
    "STATUSES",
    "USER_AGENT",
    "PullResult",
    "PullStatus",
    "SourceRow",
    "format_summary",
    "pull_sources",
    "read_sources",
    "safe_filename",
]


SOURCE_COLUMNS: Final[tuple[str, ...]] = ("url", *MANIFEST_COLUMNS)
"""Columns a sources CSV may have; only ``url`` is required. ``file`` is accepted
(so a manifest with an added ``url`` column works) but never used to name the saved
file: the name is always derived from the URL."""

MANIFEST_NAME: Final = "manifest.csv"
STATE_NAME: Final = ".valpub-pull.json"
USER_AGENT: Final = "valpub-pull/0.1 (research corpus of French local-authority documents)"

DEFAULT_TIMEOUT: Final = 30.0
DEFAULT_RETRIES: Final = 3
DEFAULT_BACKOFF: Final = 0.5
DEFAULT_MAX_BYTES: Final = 200 * 2**20
MAX_BACKOFF: Final = 30.0  # a single wait between two attempts never exceeds this
PDF_MAGIC: Final = b"%PDF-"
MAGIC_WINDOW: Final = 1024  # "%PDF-" must start within the first 1024 bytes (ISO 32000 tolerance)
_CHUNK: Final = 64 * 1024
_STEM_MAX: Final = 80
_HASH_LEN: Final = 10
_TMP_PREFIX: Final = ".valpub-pull-"
_TMP_SUFFIX: Final = ".part"
_STALE_TMP_SECONDS: Final = 3600.0
_STATE_VERSION: Final = 1

PullStatus = Literal[
    "downloaded",
    "unchanged",
    "not_pdf",
    "too_large",
    "http_error",
    "timeout",
    "connection_error",
    "invalid",
    "failed",
]

STATUSES: Final[Mapping[str, str]] = {
    "downloaded": "a new or changed PDF was saved",
    "unchanged": "the server answered 304 Not Modified, or sent the bytes already saved; "
    "the file was not rewritten",
    "not_pdf": "the body does not start with %PDF- within its first 1024 bytes (an HTML page, …)",
    "too_large": "the body (or its announced Content-Length) exceeds max_bytes; reading stopped",
    "http_error": "a 4xx, or a 5xx still there after the retries (http_status holds the code)",
    "timeout": "connecting or reading took longer than the time-out, after the retries",
    "connection_error": "refused or reset connection, DNS failure, body cut short (after retries)",
    "invalid": "a bad sources row: no url, not http(s), malformed, or a duplicate url",
    "failed": "any other error (disk full, unexpected exception); reason says which",
}
"""The status vocabulary of :class:`PullResult`, with what each status means."""

OK_STATUSES: Final[frozenset[str]] = frozenset({"downloaded", "unchanged"})
"""Statuses after which the document is in the folder and listed in its manifest."""

_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\.pdf")


@dataclass(frozen=True)
class SourceRow:
    """One data row of a sources CSV.

    Attributes:
        line: 1-based line of the CSV where the row starts (the header is line 1).
        url: the URL, stripped of surrounding blanks (may be empty: the row is then invalid).
        fields: the manifest columns present in the CSV header, with their stripped values.
        problem: why the row cannot be used as it stands (too many cells), else ``None``.
    """

    line: int
    url: str
    fields: Mapping[str, str] = field(default_factory=dict)
    problem: str | None = None


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


# --------------------------------------------------------------------------- sources


def read_sources(path: Path) -> list[SourceRow]:
    """Read a sources CSV (UTF-8, a BOM is tolerated) into rows.

    The header must contain ``url`` and only columns of :data:`SOURCE_COLUMNS`,
    each once: a misspelt column would otherwise silently drop metadata. Bad
    *rows* do not raise: they come back with ``problem`` set or an empty ``url``
    and become ``invalid`` results, so one bad line never blocks the others.
    Blank lines are skipped.

    Args:
        path: the CSV file.

    Returns:
        The data rows, in file order.

    Raises:
        ManifestError: the file cannot be read, is not UTF-8, or its header is bad.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ManifestError(path, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    except OSError as exc:
        raise ManifestError(path, f"cannot read the file: {exc.strerror or exc}") from exc
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise ManifestError(path, f"unreadable CSV header: {exc}", 1) from exc
    if header is None or not any(cell.strip() for cell in header):
        raise ManifestError(path, "empty file: a header line with a 'url' column is expected", 1)
    columns = [cell.strip() for cell in header]
    _check_header(path, columns)
    rows: list[SourceRow] = []
    start = reader.line_num + 1
    try:
        for cells in reader:
            line, start = start, reader.line_num + 1
            if not any(cell.strip() for cell in cells):
                continue
            problem = None
            if len(cells) > len(columns):
                problem = f"{len(cells)} cells for {len(columns)} columns"
            values = {
                col: (cells[i].strip() if i < len(cells) else "") for i, col in enumerate(columns)
            }
            url = values.pop("url")
            rows.append(SourceRow(line=line, url=url, fields=values, problem=problem))
    except csv.Error as exc:
        raise ManifestError(path, f"malformed CSV: {exc}", reader.line_num) from exc
    return rows


def _check_header(path: Path, columns: Sequence[str]) -> None:
    """Raise ManifestError unless the header is a valid sources header."""
    duplicated = sorted(col for col, n in Counter(columns).items() if n > 1)
    if duplicated:
        raise ManifestError(path, f"duplicated column(s): {', '.join(duplicated)}", 1)
    unknown = [col for col in columns if col not in SOURCE_COLUMNS]
    if unknown:
        raise ManifestError(
            path,
            f"unknown column(s) {', '.join(repr(c) for c in unknown)}; "
            f"allowed: {', '.join(SOURCE_COLUMNS)}",
            1,
        )
    if "url" not in columns:
        raise ManifestError(path, "no 'url' column in the header", 1)


def _url_problem(url: str) -> str | None:
    """Say why ``url`` cannot be fetched, or return None if it looks fetchable."""
    if not url:
        return "no url"
    if any(ch.isspace() or unicodedata.category(ch) == "Cc" for ch in url):
        return "the url contains blanks or control characters"
    try:
        parts = urlsplit(url)
        host = parts.hostname
        _ = parts.port  # raises ValueError on a non-numeric or out-of-range port
    except ValueError as exc:
        return f"malformed url: {exc}"
    if parts.scheme.lower() not in ("http", "https"):
        return f"not an http(s) url (scheme {parts.scheme!r})" if parts.scheme else "no scheme"
    if not host:
        return "no host in the url"
    try:
        httpx.URL(url)
    except httpx.InvalidURL as exc:
        return f"malformed url: {exc}"
    return None


# --------------------------------------------------------------------------- names


def safe_filename(url: str) -> str:
    r"""Derive a file name that is safe on any file system from a URL.

    Only the last non-empty segment of the URL's path is used (never a query,
    a header or a ``file`` column). It is percent-decoded, folded to ASCII
    (``délibération`` → ``deliberation``), every other character becomes ``_``,
    leading and trailing dots, dashes and underscores are dropped (no hidden
    file, no ``..``), a trailing ``.pdf`` is removed, the stem is cut to 80
    characters, and ``-<10 hex digits of sha256(url)>.pdf`` is appended so two
    URLs ending in ``rapport.pdf`` do not collide.

    Args:
        url: the URL as written in the sources.

    Returns:
        A name matching ``[A-Za-z0-9][A-Za-z0-9._-]*\.pdf``.
    """
    try:
        path = urlsplit(url).path
    except ValueError:
        path = ""
    segments = [seg for seg in path.split("/") if seg]
    raw = unquote(segments[-1], errors="replace") if segments else ""
    folded = unicodedata.normalize("NFKD", raw).encode("ascii", "ignore").decode("ascii")
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", folded)
    stem = re.sub(r"(?i)\.pdf$", "", stem.strip("._-"))
    stem = stem[:_STEM_MAX].strip("._-") or "document"
    digest = hashlib.sha256(url.encode("utf-8", "surrogatepass")).hexdigest()[:_HASH_LEN]
    return f"{stem}-{digest}.pdf"


def _target(into: Path, name: str) -> Path:
    """Return ``into / name`` after checking it resolves to a direct child of ``into``."""
    if not _SAFE_NAME.fullmatch(name):
        raise ValueError(f"unsafe file name {name!r}")
    root = into.resolve()
    target = (root / name).resolve()
    if target.parent != root:
        raise ValueError(f"{name!r} resolves outside {root}")
    return target


# --------------------------------------------------------------------------- atomic files


@contextlib.contextmanager
def _temp_in(directory: Path) -> Iterator[tuple[IO[bytes], Path]]:
    """Open a temporary file in ``directory``; it is deleted unless renamed away."""
    fd, name = tempfile.mkstemp(prefix=_TMP_PREFIX, suffix=_TMP_SUFFIX, dir=directory)
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle, tmp
    finally:
        tmp.unlink(missing_ok=True)


def _commit(handle: IO[bytes], tmp: Path, final: Path) -> None:
    """Flush and fsync ``handle``, then rename ``tmp`` to ``final`` atomically."""
    handle.flush()
    os.fsync(handle.fileno())
    os.replace(tmp, final)
    _fsync_dir(final.parent)


def _fsync_dir(directory: Path) -> None:
    """Make a rename in ``directory`` durable (a no-op where directories cannot be opened)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _atomic_write_text(path: Path, text: str) -> None:
    """Replace ``path`` by ``text`` (UTF-8) so that readers see the old or the new file."""
    with _temp_in(path.parent) as (handle, tmp):
        handle.write(text.encode("utf-8"))
        _commit(handle, tmp, path)


def _remove_stale_temps(into: Path) -> None:
    """Delete temporary files an interrupted (killed) earlier run left behind."""
    now = time.time()
    for tmp in into.glob(f"{_TMP_PREFIX}*{_TMP_SUFFIX}"):
        with contextlib.suppress(OSError):
            if now - tmp.stat().st_mtime > _STALE_TMP_SECONDS:
                tmp.unlink()
                logger.warning("removed %s, left behind by an interrupted pull", tmp)


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
    _atomic_write_text(path, json.dumps(payload, indent=2, ensure_ascii=False) + "\n")


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
    _atomic_write_text(path, buffer.getvalue())


# --------------------------------------------------------------------------- fetching


@dataclass(frozen=True)
class _Outcome:
    """The end of one attempt; ``retry`` says whether another attempt may help."""

    status: PullStatus
    reason: str
    retry: bool = False
    http_status: int | None = None
    path: Path | None = None
    size: int = 0
    sha256: str | None = None
    etag: str | None = None
    last_modified: str | None = None


class _DeadlineExceededError(Exception):
    """The whole download took longer than the deadline."""


def _conditional_headers(entry: Mapping[str, Any] | None, target: Path) -> dict[str, str]:
    """Validators to send back, only when the file they describe is still there."""
    if not entry or not target.is_file():
        return {}
    headers: dict[str, str] = {}
    if isinstance(entry.get("etag"), str):
        headers["If-None-Match"] = entry["etag"]
    if isinstance(entry.get("last_modified"), str):
        headers["If-Modified-Since"] = entry["last_modified"]
    return headers


def _fetch_once(
    client: httpx.Client,
    url: str,
    target: Path,
    entry: Mapping[str, Any] | None,
    *,
    timeout: float,
    max_bytes: int,
    deadline: float | None,
    user_agent: str | None,
) -> _Outcome:
    """Send one GET and act on its answer; transport errors propagate to the caller."""
    headers = _conditional_headers(entry, target)
    if user_agent:
        headers["User-Agent"] = user_agent
    started = time.monotonic()
    with client.stream("GET", url, headers=headers, timeout=timeout, follow_redirects=True) as resp:
        code = resp.status_code
        etag = resp.headers.get("ETag")
        last_modified = resp.headers.get("Last-Modified")
        phrase = f"HTTP {code} {resp.reason_phrase}".strip()
        if code == 304 and headers.keys() & {"If-None-Match", "If-Modified-Since"} and entry:
            size = target.stat().st_size
            return _Outcome(
                "unchanged",
                "304 Not Modified",
                http_status=code,
                path=target,
                size=size,
                sha256=entry.get("sha256") if isinstance(entry.get("sha256"), str) else None,
                etag=etag or entry.get("etag"),
                last_modified=last_modified or entry.get("last_modified"),
            )
        if code >= 500:
            return _Outcome("http_error", phrase, retry=True, http_status=code)
        if not 200 <= code < 300 or code in (204, 205, 206):
            return _Outcome("http_error", phrase, http_status=code)
        announced = resp.headers.get("Content-Length", "").strip()
        if announced.isdigit() and int(announced) > max_bytes:
            return _Outcome(
                "too_large",
                f"Content-Length {int(announced)} exceeds the limit of {max_bytes} bytes",
                http_status=code,
            )
        content_type = resp.headers.get("Content-Type", "no Content-Type")
        with _temp_in(target.parent) as (handle, tmp):
            digest = hashlib.sha256()
            size = 0
            head = b""
            checked = False
            for chunk in resp.iter_bytes():
                if deadline is not None and time.monotonic() - started > deadline:
                    raise _DeadlineExceededError(f"download not finished after {deadline:g} s")
                size += len(chunk)
                if size > max_bytes:
                    return _Outcome(
                        "too_large",
                        f"body exceeds the limit of {max_bytes} bytes; reading stopped",
                        http_status=code,
                    )
                if not checked:
                    head += chunk[: MAGIC_WINDOW - len(head)]
                    if len(head) >= MAGIC_WINDOW:
                        checked = True
                        if PDF_MAGIC not in head:
                            return _not_pdf(head, content_type, code)
                digest.update(chunk)
                handle.write(chunk)
            if not checked and PDF_MAGIC not in head:
                return _not_pdf(head, content_type, code)
            sha = digest.hexdigest()
            common: dict[str, Any] = {
                "http_status": code,
                "path": target,
                "size": size,
                "sha256": sha,
                "etag": etag,
                "last_modified": last_modified,
            }
            if target.is_file() and file_sha256(target) == sha:
                return _Outcome(
                    "unchanged", "same bytes as the saved file; not rewritten", **common
                )
            _commit(handle, tmp, target)
            return _Outcome("downloaded", f"{size} bytes", **common)


def _not_pdf(head: bytes, content_type: str, code: int) -> _Outcome:
    """The outcome for a body that does not start like a PDF."""
    what = "empty body" if not head else f"no %PDF- in the first {len(head)} bytes"
    return _Outcome("not_pdf", f"{what} ({content_type})", http_status=code)


def _fetch(
    client: httpx.Client,
    url: str,
    target: Path,
    entry: Mapping[str, Any] | None,
    *,
    timeout: float,
    retries: int,
    backoff: float,
    max_bytes: int,
    deadline: float | None,
    user_agent: str | None,
) -> tuple[_Outcome, int]:
    """Fetch ``url`` with retries; return the last outcome and the number of attempts."""
    attempt = 0
    while True:
        attempt += 1
        try:
            outcome = _fetch_once(
                client,
                url,
                target,
                entry,
                timeout=timeout,
                max_bytes=max_bytes,
                deadline=deadline,
                user_agent=user_agent,
            )
        except (httpx.TimeoutException, _DeadlineExceededError) as exc:
            outcome = _Outcome("timeout", _describe(exc) or "timed out", retry=True)
        except httpx.UnsupportedProtocol as exc:  # e.g. a redirect to ftp:
            outcome = _Outcome("failed", f"unsupported protocol: {_describe(exc)}")
        except httpx.TooManyRedirects as exc:
            outcome = _Outcome("http_error", f"too many redirects: {_describe(exc)}")
        except httpx.RemoteProtocolError as exc:
            outcome = _Outcome(
                "connection_error", f"body cut short or bad HTTP: {_describe(exc)}", retry=True
            )
        except httpx.TransportError as exc:
            outcome = _Outcome("connection_error", _describe(exc) or type(exc).__name__, retry=True)
        if not outcome.retry or attempt > retries:
            return outcome, attempt
        wait = min(backoff * 2 ** (attempt - 1), MAX_BACKOFF)
        logger.info(
            "%s: %s (%s); attempt %d of %d in %.2f s",
            url,
            outcome.status,
            outcome.reason,
            attempt + 1,
            retries + 1,
            wait,
        )
        time.sleep(wait)


def _describe(exc: BaseException) -> str:
    """A one-line description of an exception."""
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


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
        outcome, attempts = _fetch(client, url, target, entry, **options)
    except Exception as exc:  # one bad row must never stop the batch
        logger.exception("%s: unexpected error", url)
        return PullResult(url, "failed", None, _describe(exc), line=row.line)
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
    _remove_stale_temps(into)

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
            problem = row.problem or _url_problem(row.url)
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
