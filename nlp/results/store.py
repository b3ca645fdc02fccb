"""Where a run's results live under the output folder, and whether they can be reused.

Every file is written atomically (:mod:`nlp.records.files`): a reader, or a run killed at
any moment, sees the old file or the new one, never a mix. The layout is documented in
``outputs/README.md``::

    <out>/documents.parquet, documents.csv   one row per document of the last run
    <out>/pages/<sha256>.jsonl               clean page text, one JSON object per page
    <out>/pages/<sha256>.json                the extraction report of that document
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import IO, Any

from nlp.extract.document import EXTRACTOR_VERSION, DocumentReport, Page, extractor_version
from nlp.records.files import temporary_beside, write_json


def pages_path(out: Path, sha256: str) -> Path:
    """Return where the pages of the document ``sha256`` are stored."""
    return Path(out) / "pages" / f"{sha256}.jsonl"


def report_path(out: Path, sha256: str) -> Path:
    """Return where the extraction report of the document ``sha256`` is stored."""
    return Path(out) / "pages" / f"{sha256}.json"


class PageWriter:
    """Collect the pages of one document into its JSONL file, atomically.

    Pages are written as they arrive (a long document never sits in memory); the file
    appears under its final name only when :meth:`commit` is called, and is dropped by
    :meth:`discard` (a time-out or a crash half-way through a document).
    """

    def __init__(self, out: Path, sha256: str) -> None:
        self.path = pages_path(out, sha256)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, self._tmp = temporary_beside(self.path)
        self._fh: IO[str] = os.fdopen(fd, "w", encoding="utf-8")
        self.count = 0

    def write(self, page: Page) -> None:
        """Append one page."""
        self._fh.write(json.dumps(asdict(page), ensure_ascii=False) + "\n")
        self.count += 1

    def commit(self) -> Path:
        """Make the file visible under its final name."""
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._fh.close()
        os.replace(self._tmp, self.path)
        return self.path

    def discard(self) -> None:
        """Drop what was written."""
        self._fh.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self._tmp)


def read_pages(path: Path) -> Iterator[Page]:
    """Yield the pages stored in a JSONL file written by :class:`PageWriter`."""
    with Path(path).open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield Page(**json.loads(line))


def remote_state_path(out: Path, url: str) -> Path:
    """Where what was last read at ``url`` is recorded (see :func:`remote_state`)."""
    key = hashlib.sha256(url.encode("utf-8")).hexdigest()[:32]
    return Path(out) / "remote" / f"{key}.json"


def remote_state(out: Path, url: str) -> dict[str, Any] | None:
    """``{"url", "version", "sha256"}`` of the last read of a remote document, if any."""
    try:
        state = json.loads(remote_state_path(out, url).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return state if isinstance(state, dict) and state.get("url") == url else None


def save_remote_state(out: Path, url: str, version: dict[str, Any], sha256: str) -> None:
    """Record that ``url``, in this ``version``, held the document ``sha256``."""
    write_json(remote_state_path(out, url), {"url": url, "version": version, "sha256": sha256})


def cached_report(
    out: Path, sha256: str, version: str = EXTRACTOR_VERSION
) -> DocumentReport | None:
    """Return the stored extraction report of ``sha256`` if it is reusable.

    Reusable means: made by extractor ``version`` (the current pdfplumber rules by
    default; see :func:`nlp.extract.document.extractor_version` for the other page readers),
    and its pages file exists when the document had pages.
    """
    path = report_path(out, sha256)
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        report = DocumentReport(**data)
    except (ValueError, TypeError):
        return None
    if report.extractor_version != version:
        return None
    if report.status in {"ok", "needs_ocr", "ocr"} and not pages_path(out, sha256).is_file():
        return None
    return report


def sentences_path(out: Path, sha256: str, fingerprint: str) -> Path:
    """Return where the tagged sentences of ``sha256`` made with lexicons ``fingerprint`` go."""
    return Path(out) / "sentences" / f"{sha256}.{fingerprint}.parquet"


# --------------------------------------------------------------------------- run state

#: What the last complete run of an output folder was made from (see :func:`run_key`).
RUN_STATE_NAME = "run-state.json"
#: Files of a run that must be intact for its results to be reused as they are.
PUBLISHED_FILES = ("documents.parquet", "sentences.parquet", "profiles.parquet", "report.html")


def run_options(
    max_bytes: int, ocr: bool, pseudonymise: bool = True, extractor: str = "pdfplumber"
) -> dict[str, Any]:
    """The options of a run that change its outputs (part of :func:`run_key`).

    The time limit is not among them: a document that timed out is retried anyway. The
    page reader (``extractor``) is, by its stored version, except the default
    pdfplumber's, so that the keys of runs made before the choice existed still match.
    """
    options: dict[str, Any] = {"max_bytes": max_bytes, "ocr": ocr, "pseudonymise": pseudonymise}
    if extractor != "pdfplumber":
        options["extractor"] = extractor_version(extractor)
    return options


def corpus_documents(corpus: Path) -> list[tuple[str, str | None]]:
    """``(file, sha256)`` of every document of a corpus folder, as extraction reports them.

    ``None`` for a missing or empty file (extraction gives those no digest).
    """
    from nlp.ingest.corpus import discover
    from nlp.records.files import file_sha256

    return [
        (
            doc.file,
            None
            if doc.refused or not doc.path.is_file() or not doc.path.stat().st_size
            else file_sha256(doc.path),
        )
        for doc in discover(Path(corpus), quiet=True)  # the run itself warns
    ]


def run_key(
    corpus: Path,
    documents: Iterable[tuple[str, str | None]],
    lexicon_fingerprint: str,
    model_version: str | None,
    options: dict[str, Any],
) -> str:
    """A digest of everything a run's outputs depend on.

    The ``(file, sha256)`` of every document (:func:`corpus_documents`, or the rows of a
    run), the manifest's content, the lexicon fingerprint, the model version, the run
    options that change results and the versions of valpub and of its extractor. Two
    runs with the same key publish the same outputs, so the second one has nothing to do.
    """
    import hashlib
    from importlib.metadata import PackageNotFoundError, version

    from nlp.ingest.corpus import MANIFEST_NAME
    from nlp.records.files import file_sha256

    try:
        package = version("valpub")
    except PackageNotFoundError:  # run from a source tree
        package = "source"
    manifest = Path(corpus) / MANIFEST_NAME
    parts: dict[str, Any] = {
        "valpub": package,
        "extractor": EXTRACTOR_VERSION,
        "lexicons": lexicon_fingerprint,
        "model": model_version,
        "options": options,
        "manifest": file_sha256(manifest) if manifest.is_file() else None,
        "documents": sorted(documents),
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode("utf-8")).hexdigest()


def save_run_state(out: Path, key: str) -> None:
    """Record that ``out`` holds the complete outputs of a run with this key."""
    out = Path(out)
    sizes = {name: (out / name).stat().st_size for name in PUBLISHED_FILES}
    write_json(out / RUN_STATE_NAME, {"key": key, "files": sizes})


def outputs_up_to_date(out: Path, key: str) -> bool:
    """True when the last complete run into ``out`` had this key and its files are intact."""
    try:
        state = json.loads((Path(out) / RUN_STATE_NAME).read_text(encoding="utf-8"))
        return bool(state["key"] == key) and all(
            (Path(out) / name).stat().st_size == size for name, size in state["files"].items()
        )
    except (OSError, ValueError, KeyError, TypeError):
        return False
