"""The corpus: which documents there are, and which territory each belongs to.

A corpus is a folder of PDFs with an optional ``manifest.csv`` (schema in
``corpus/README.md``). This module reads and validates the manifest, walks the folder
and resolves each document's territory: from its manifest row, else from its folder
(``<corpus>/<territory>/file.pdf``: the territory that the folder's other documents
have in the manifest, or the folder's name), else ``unknown`` (with a warning).

The folder may also be an fsspec URL (``https://host/corpus/``, ``s3://bucket/corpus``
with s3fs installed, ...), and a manifest row's ``file`` may itself be a URL. Such
documents carry their :attr:`Document.url`: whoever extracts them (a Dask worker on
another machine) reads them from there with :func:`fetch_document`, so that only the
URL travels through the scheduler, never the file's bytes.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, Any

from nlp.records.errors import FetchError, ManifestError
from nlp.records.spreadsheet import read_cell

log = logging.getLogger(__name__)

MANIFEST_NAME = "manifest.csv"
MANIFEST_COLUMNS = (
    "file",
    "territory_code",
    "territory_name",
    "territory_type",
    "title",
    "year",
    "language",
    "source_url",
    "notes",
)
#: Other spellings of manifest columns, so that manifests made by other tools
#: (such as ../shared/corpus/manifest.csv) are read without conversion.
COLUMN_ALIASES = {
    "territory": "territory_name",
    "insee_or_siren": "territory_code",
    "insee": "territory_code",
    "siren": "territory_code",
    "path": "file",
}
TERRITORY_TYPES = frozenset(
    {"commune", "epci", "departement", "region", "syndicat", "etat", "other"}
)
UNKNOWN = "unknown"
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def is_url(location: str | Path) -> bool:
    """True when ``location`` is a URL (``scheme://...``) rather than a local path."""
    return isinstance(location, str) and bool(_URL.match(location))


def corpus_location(value: str | Path) -> Path | str:
    """A corpus as given on the command line: a remote URL as is, else an absolute path.

    ``file://`` URLs are local paths. Typer's ``Path`` options would turn ``https://``
    into ``https:/``, so commands take the corpus as text and convert it here.
    """
    text = str(value)
    if is_url(text) and not text.startswith("file://"):
        return text
    return Path(text.removeprefix("file://")).resolve()


def document_url(corpus: Path | str, file: str) -> str:
    """The URL a document is read from; empty for a file of a local corpus folder.

    Its ``file`` when that is a URL, else its place under a corpus URL.
    """
    if is_url(file):
        return file
    if isinstance(corpus, str) and is_url(corpus):
        return f"{corpus.rstrip('/')}/{urllib.parse.quote(file)}"
    return ""


@dataclass(frozen=True, slots=True)
class Document:
    """A document of the corpus and what the manifest (or its folder) says about it."""

    path: Path
    file: str  # path relative to the corpus folder, as written in the manifest
    territory_code: str
    territory_name: str
    territory_type: str = ""
    title: str = ""
    year: int | None = None
    language: str = "fr"
    source_url: str = ""
    notes: str = ""
    territory_from: str = "manifest"  # manifest | folder | unknown
    #: Where a remote document is read from (fsspec URL); empty for a local file, whose
    #: ``path`` is then the file. For a remote document ``path`` is only its name.
    url: str = ""
    #: Why the document is refused and must never be opened (a manifest ``file`` leading
    #: outside the corpus, or a URL scheme that is not allowed); empty when it is not.
    refused: str = ""

    @property
    def location(self) -> str:
        """The document's URL, or its local path."""
        return self.url or str(self.path)


def read_manifest(path: Path) -> dict[str, dict[str, str]]:
    """Read a manifest CSV into ``{file: row}``, with column aliases resolved.

    Raises:
        ManifestError: no ``file`` column, a row without file, a duplicated file, or
            a year that is not a number.
    """
    with path.open(newline="", encoding="utf-8-sig") as fh:
        return parse_manifest(fh, path)


def parse_manifest(fh: IO[str], path: Path | str) -> dict[str, dict[str, str]]:
    """Parse a manifest's CSV text from ``fh``; ``path`` names it in errors."""
    rows: dict[str, dict[str, str]] = {}
    reader = csv.DictReader(fh)
    if reader.fieldnames is None:
        raise ManifestError(path, "the manifest is empty (no header line)")
    header = [COLUMN_ALIASES.get(c.strip(), c.strip()) for c in reader.fieldnames]
    if "file" not in header:
        raise ManifestError(path, f"no 'file' column (columns: {', '.join(header)})", 1)
    for line, raw in enumerate(reader, start=2):
        row = {
            header[i]: read_cell((v or "").strip())
            for i, v in enumerate(raw.get(c) for c in reader.fieldnames)
        }
        if not row["file"]:
            raise ManifestError(path, "row without a 'file' value", line)
        if row.get("year") and not row["year"].isdigit():
            raise ManifestError(path, f"year {row['year']!r} is not a number", line)
        ttype = row.get("territory_type", "")
        if ttype and ttype not in TERRITORY_TYPES:
            log.warning("%s:%d: unusual territory_type %r", path, line, ttype)
        if row["file"] in rows:
            raise ManifestError(path, f"file {row['file']!r} listed twice", line)
        rows[row["file"]] = row
    return rows


def discover(corpus: Path | str, quiet: bool = False) -> list[Document]:
    """List the documents of a corpus folder (or corpus URL), sorted by path.

    Every ``*.pdf`` below ``corpus`` is a document, and so is every file the manifest
    lists (even one not named ``.pdf``: it will get its status from extraction). A
    manifest row whose file is missing still yields a document, so that the run
    reports it instead of silently dropping it.

    Documents without a manifest row are logged as warnings, unless ``quiet`` (for a
    second look at the same corpus).

    ``corpus`` may be an fsspec URL: its ``manifest.csv`` is read from there, and its
    PDFs are those the manifest lists plus those the location lists (a web server's
    directory index, a bucket prefix). Nothing else is downloaded here.

    Raises:
        ManifestError: the manifest is malformed.
        FetchError: the corpus URL cannot be read at all.
    """
    corpus = corpus_location(corpus)
    if isinstance(corpus, str):
        return _discover_remote(corpus, quiet)
    manifest_path = corpus / MANIFEST_NAME
    manifest = read_manifest(manifest_path) if manifest_path.is_file() else {}
    files = {p.relative_to(corpus).as_posix() for p in corpus.rglob("*") if _is_pdf_name(p)}
    return _documents(corpus, files, manifest, quiet=quiet)


def _documents(
    corpus: Path,
    files: Iterable[str],
    manifest: dict[str, dict[str, str]],
    base_url: str = "",
    quiet: bool = False,
) -> list[Document]:
    folders = _folder_territories(manifest)
    return [
        _document(corpus, rel, manifest.get(rel), folders, base_url, quiet)
        for rel in sorted(set(files) | set(manifest))
    ]


def _discover_remote(url: str, quiet: bool = False) -> list[Document]:
    """:func:`discover` for a corpus URL, through fsspec."""
    import fsspec

    base = url.rstrip("/")
    try:
        fs, root = fsspec.core.url_to_fs(base)
    except (ImportError, ValueError) as exc:  # unknown protocol, or its package missing
        raise FetchError(f"cannot read the corpus {url}: {exc}") from exc
    root = root.rstrip("/")
    manifest_url = f"{base}/{MANIFEST_NAME}"
    try:
        with fs.open(f"{root}/{MANIFEST_NAME}", "rb") as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
            manifest = parse_manifest(text, manifest_url)
    except FileNotFoundError as exc:
        if not _absent(exc):
            raise FetchError(f"cannot read {manifest_url}: {_cause(exc)}") from exc
        manifest = {}
    except ManifestError:
        raise
    except Exception as exc:  # network errors: say which URL, not a traceback
        raise FetchError(f"cannot read {manifest_url}: {type(exc).__name__}: {exc}") from exc
    try:
        listed = fs.find(root)
    except Exception as exc:  # a server without directory index lists nothing
        log.info("%s: no listing (%s); the manifest names the documents", url, exc)
        listed = []
    protocols = fs.protocol if isinstance(fs.protocol, tuple) else (fs.protocol,)
    quoted = "http" in protocols  # a web server's links are percent-encoded
    files = set()
    for name in map(str, listed):
        rel = name[len(root) + 1 :] if name.startswith(root + "/") else ""
        rel = urllib.parse.unquote(rel) if quoted else rel
        if rel.lower().endswith(".pdf") and not rel.rsplit("/", 1)[-1].startswith("."):
            files.add(rel)
    if not files and not manifest:
        raise FetchError(f"no documents at {url}: no {MANIFEST_NAME} there and no listing of PDFs")
    return _documents(Path(), files, manifest, base_url=base + "/", quiet=quiet)


#: Fields of an fsspec ``info()`` that identify a version of a remote file.
VERSION_FIELDS = ("ETag", "Content-MD5", "Digest", "Last-Modified", "LastModified", "mtime")


def remote_version(url: str) -> dict[str, Any] | None:
    """What the location says identifies the current version of a remote document.

    Its size with its ETag, checksum or modification time (an HTTP HEAD request, a
    bucket's metadata). None when the location gives none of those, or cannot be
    asked: the document must then be downloaded to be known.
    """
    import fsspec

    try:
        fs, path = fsspec.core.url_to_fs(url)
        info = fs.info(path)
    except Exception as exc:  # the download that follows reports the problem
        log.debug("%s: no version information (%s)", url, exc)
        return None
    version = {key: str(info[key]) for key in VERSION_FIELDS if info.get(key)}
    if not version:
        return None
    return {"size": info.get("size"), **version}


def fetch_document(url: str, folder: Path, max_bytes: int) -> Path:
    """Copy a remote document into ``folder`` and return the local file.

    The copy stops past ``max_bytes``: a file that large is not read to the end.

    Raises:
        FetchError: the URL cannot be read (missing, refused, unknown protocol), or the
            document is larger than ``max_bytes`` (the message says so).
    """
    import fsspec

    scheme = url.split("://", 1)[0].lower() if is_url(url) else ""
    if scheme not in ALLOWED_URL_SCHEMES:
        raise FetchError(f"{url}: URL scheme {scheme or '(none)'} is not allowed")
    name = urllib.parse.unquote(url.rstrip("/").rsplit("/", 1)[-1]) or "document"
    target = Path(folder) / (name if name.lower().endswith(".pdf") else name + ".pdf")
    copied = 0
    try:
        with fsspec.open(url, "rb") as src, target.open("wb") as dst:
            while chunk := src.read(1 << 20):
                copied += len(chunk)
                if copied > max_bytes:
                    limit = (
                        f"{max_bytes / 2**20:.0f} MiB" if max_bytes >= 2**20 else f"{max_bytes} B"
                    )
                    raise FetchError(f"over the {limit} limit (download stopped)", "too_large")
                dst.write(chunk)
    except FetchError:
        raise
    except FileNotFoundError as exc:
        if not _absent(exc):
            raise FetchError(f"cannot read {url}: {_cause(exc)}") from exc
        raise FetchError(f"not found: {url}") from exc
    except Exception as exc:  # refused connection, HTTP error, unknown protocol...
        raise FetchError(f"cannot read {url}: {type(exc).__name__}: {exc}") from exc
    return target


def _absent(exc: FileNotFoundError) -> bool:
    """True when the file is really not there, not when the server could not be reached.

    fsspec's HTTP file system raises FileNotFoundError for both; the cause tells.
    """
    cause = exc.__cause__
    return cause is None or getattr(cause, "status", None) in (404, 410)


def _cause(exc: BaseException) -> str:
    cause = exc.__cause__ or exc
    return f"{type(cause).__name__}: {cause}"


def _folder_territories(manifest: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    """The territory of each top folder whose manifest rows all name the same one."""
    seen: dict[str, set[tuple[str, str, str]]] = {}
    for rel, row in manifest.items():
        parts = Path(rel).parts
        if len(parts) > 1 and (row.get("territory_code") or row.get("territory_name")):
            key = (
                row.get("territory_code", ""),
                row.get("territory_name", ""),
                row.get("territory_type", ""),
            )
            seen.setdefault(parts[0], set()).add(key)
    return {
        folder: {"territory_code": code, "territory_name": name, "territory_type": ttype}
        for folder, keys in seen.items()
        if len(keys) == 1
        for code, name, ttype in keys
    }


def _is_pdf_name(p: Path) -> bool:
    return p.suffix.lower() == ".pdf" and p.is_file() and not p.name.startswith(".")


ALLOWED_URL_SCHEMES = frozenset({"http", "https", "s3", "gs", "gcs", "az", "abfs", "abfss"})
"""Schemes a manifest ``file`` URL may use: the web and the object stores (each needs its
fsspec package installed). Never ``file://``, which would let a manifest served with a
remote corpus make every worker read local files."""


def refusal(corpus: Path, rel: str, base_url: str = "") -> str:
    """Why a manifest ``file`` must not be read, or ``""`` when it may be.

    A local document must be a file under the corpus folder once every ``..`` and
    symbolic link is resolved; a URL must use one of :data:`ALLOWED_URL_SCHEMES`; a path
    under a corpus URL must not climb out of it.
    """
    if is_url(rel):
        scheme = rel.split("://", 1)[0].lower()
        if scheme not in ALLOWED_URL_SCHEMES:
            allowed = ", ".join(sorted(ALLOWED_URL_SCHEMES))
            return f"URL scheme {scheme}:// is not allowed (allowed: {allowed})"
        return ""
    parts = Path(rel).parts
    if Path(rel).is_absolute() or ".." in parts:
        return "the manifest file path leaves the corpus folder (absolute path or '..')"
    if base_url:
        return ""
    root = corpus.resolve()
    target = (corpus / rel).resolve()
    if target != root and root not in target.parents:
        return "the file resolves outside the corpus folder (a symbolic link leading out)"
    return ""


def _document(
    corpus: Path,
    rel: str,
    row: dict[str, str] | None,
    folders: dict[str, dict[str, str]],
    base_url: str = "",
    quiet: bool = False,
) -> Document:
    refused = refusal(corpus, rel, base_url)
    if refused:
        log.warning("%s: refused: %s", rel, refused)
        doc = _territory_document(Path(Path(rel).name), rel, row, folders, quiet=True)
        return replace(doc, refused=refused)
    doc = _territory_document(corpus / rel, rel, row, folders, quiet)
    url = document_url(base_url, rel)
    if not url:
        return doc
    name = urllib.parse.urlsplit(rel).path.rsplit("/", 1)[-1] if is_url(rel) else rel
    return replace(doc, path=Path(name), url=url)


def _territory_document(
    path: Path,
    rel: str,
    row: dict[str, str] | None,
    folders: dict[str, dict[str, str]],
    quiet: bool = False,
) -> Document:
    warn = (lambda *args: None) if quiet else log.warning
    if row is not None and (row.get("territory_code") or row.get("territory_name")):
        code = row.get("territory_code") or _slug(row["territory_name"])
        year = row.get("year", "")
        return Document(
            path=path,
            file=rel,
            territory_code=code,
            territory_name=row.get("territory_name") or code,
            territory_type=row.get("territory_type", ""),
            title=row.get("title", ""),
            year=int(year) if year else None,
            language=row.get("language") or "fr",
            source_url=row.get("source_url", ""),
            notes=row.get("notes", ""),
        )
    parts = Path(rel).parts
    if len(parts) > 1 and not is_url(rel):
        folder = parts[0]
        warn("%s: no manifest row; territory taken from its folder %r", rel, folder)
        known = folders.get(folder)
        if known:  # the folder's other documents say which territory it is
            code = known["territory_code"] or _slug(known["territory_name"])
            return Document(
                path,
                rel,
                code,
                known["territory_name"] or code,
                territory_type=known["territory_type"],
                territory_from="folder",
            )
        return Document(path, rel, folder, folder, territory_from="folder")
    warn("%s: no manifest row and no territory folder; territory is %r", rel, UNKNOWN)
    return Document(path, rel, UNKNOWN, UNKNOWN, territory_from=UNKNOWN)


def _slug(name: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in name.lower()).split())
