"""The corpus: which documents there are, and which territory each belongs to.

A corpus is a folder of PDFs with an optional ``manifest.csv`` (schema in
``corpus/README.md``). This module reads and validates the manifest, walks the folder
and resolves each document's territory: from its manifest row, else from its folder
(``<corpus>/<territory>/file.pdf``: the territory that the folder's other documents
have in the manifest, or the folder's name), else ``unknown`` (with a warning).
"""

from __future__ import annotations

import csv
import logging
from dataclasses import dataclass
from pathlib import Path

from nlp.errors import ManifestError

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


def read_manifest(path: Path) -> dict[str, dict[str, str]]:
    """Read a manifest CSV into ``{file: row}``, with column aliases resolved.

    Raises:
        ManifestError: no ``file`` column, a row without file, a duplicated file, or
            a year that is not a number.
    """
    rows: dict[str, dict[str, str]] = {}
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        if reader.fieldnames is None:
            raise ManifestError(path, "the manifest is empty (no header line)")
        header = [COLUMN_ALIASES.get(c.strip(), c.strip()) for c in reader.fieldnames]
        if "file" not in header:
            raise ManifestError(path, f"no 'file' column (columns: {', '.join(header)})", 1)
        for line, raw in enumerate(reader, start=2):
            row = {
                header[i]: (v or "").strip()
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


def discover(corpus: Path) -> list[Document]:
    """List the documents of a corpus folder, sorted by path.

    Every ``*.pdf`` below ``corpus`` is a document, and so is every file the manifest
    lists (even one not named ``.pdf``: it will get its status from extraction). A
    manifest row whose file is missing still yields a document, so that the run
    reports it instead of silently dropping it.
    """
    corpus = Path(corpus)
    manifest_path = corpus / MANIFEST_NAME
    manifest = read_manifest(manifest_path) if manifest_path.is_file() else {}
    files = {p.relative_to(corpus).as_posix() for p in corpus.rglob("*") if _is_pdf_name(p)}
    files |= set(manifest)
    folders = _folder_territories(manifest)
    docs = []
    for rel in sorted(files):
        row = manifest.get(rel)
        docs.append(_document(corpus, rel, row, folders))
    return docs


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


def _document(
    corpus: Path, rel: str, row: dict[str, str] | None, folders: dict[str, dict[str, str]]
) -> Document:
    path = corpus / rel
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
    if len(parts) > 1:
        folder = parts[0]
        log.warning("%s: no manifest row; territory taken from its folder %r", rel, folder)
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
    log.warning("%s: no manifest row and no territory folder; territory is %r", rel, UNKNOWN)
    return Document(path, rel, UNKNOWN, UNKNOWN, territory_from=UNKNOWN)


def _slug(name: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in name.lower()).split())
