"""The sources CSV of a pull: which URLs to fetch, with which metadata, under which name.

A sources CSV has a ``url`` column and optionally the corpus manifest columns.
:func:`read_sources` is strict on the header (a misspelt column would silently drop
metadata) and lenient on rows (a bad row becomes an ``invalid`` result rather than
stopping the batch); :func:`url_problem` says why a URL cannot be fetched; and
:func:`safe_filename` derives the saved name from the URL's last path segment alone,
reduced to ``[A-Za-z0-9._-]`` with a hash of the URL appended, so that no header,
query or ``file`` column can choose where a download lands.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final
from urllib.parse import unquote, urlsplit

import httpx

from nlp.ingest.corpus import MANIFEST_COLUMNS
from nlp.records.errors import ManifestError

__all__ = [
    "SAFE_NAME",
    "SOURCE_COLUMNS",
    "SourceRow",
    "read_sources",
    "safe_filename",
    "url_problem",
]


SOURCE_COLUMNS: Final[tuple[str, ...]] = ("url", *MANIFEST_COLUMNS)
"""Columns a sources CSV may have; only ``url`` is required. ``file`` is accepted
(so a manifest with an added ``url`` column works) but never used to name the saved
file: the name is always derived from the URL."""

_STEM_MAX: Final = 80
_HASH_LEN: Final = 10

SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\.pdf")


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


def url_problem(url: str) -> str | None:
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
