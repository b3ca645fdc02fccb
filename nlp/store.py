"""Where a run's results live under the output folder, written so that none is half-written.

Every file is written to a temporary name in its final folder, flushed to disk, then
renamed over the final name (``os.replace`` is atomic on POSIX): a reader, or a run
killed at any moment, sees the old file or the new one, never a mix. The layout is
documented in ``outputs/README.md``::

    <out>/documents.parquet, documents.csv   one row per document of the last run
    <out>/pages/<sha256>.jsonl               clean page text, one JSON object per page
    <out>/pages/<sha256>.json                the extraction report of that document
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import IO, Any

import pandas as pd

from nlp.codebook import SCHEMES
from nlp.errors import NlpError
from nlp.extract import EXTRACTOR_VERSION, DocumentReport, Page, extractor_version
from nlp.spreadsheet import safe_frame

#: Mode of the files written here (mkstemp alone would make them private, 0600).
_FILE_MODE = 0o644

DOCUMENT_COLUMNS = [
    "file",
    "sha256",
    "territory_code",
    "territory_name",
    "territory_type",
    "title",
    "year",
    "pages",
    "pages_with_text",
    "pages_needing_ocr",
    "pages_ocr",
    "status",
    "reason",
    "bytes",
    "seconds",
    "extractor_version",
]


def _tmp_prefix(path: Path) -> str:
    # The writer's process id is part of the name, so that a later run can tell the
    # leftovers of a killed process from files being written right now.
    return f".{path.name}.{os.getpid()}."


_TMP_NAME = re.compile(r"^\..+\.(\d+)\.[^.]+\.tmp$")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def sweep_temporary(root: Path) -> list[Path]:
    """Remove the temporary files that killed writers left under ``root``; return them.

    Every file is written under a temporary name holding the writer's process id and
    renamed into place when complete (:func:`atomic_open`, :class:`PageWriter`), so a
    run killed with SIGKILL leaves at most such files, never a half-written output. A
    temporary file whose process is gone can only be such a leftover.
    """
    removed = []
    for path in Path(root).rglob(".*.tmp"):
        match = _TMP_NAME.match(path.name)
        if match and not _alive(int(match.group(1))):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                removed.append(path)
    return removed


class OutputBusyError(NlpError):
    """Another process is running the pipeline into the same output folder."""


@contextlib.contextmanager
def run_lock(out: Path) -> Iterator[None]:
    """Hold the output folder for one run: a second run into it fails at once, clearly.

    An advisory lock on ``out/.valpub.lock``; the system releases it when the holder
    exits, even killed, so a crash never leaves the folder locked.
    """
    import fcntl

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    with (out / ".valpub.lock").open("a+") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "?"
            raise OutputBusyError(
                f"another valpub run (process {holder}) is writing to {out}; "
                "wait for it to finish or choose another --out"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


@contextlib.contextmanager
def atomic_open(path: Path, mode: str = "w") -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path``; on success, move it over ``path``.

    On an exception the temporary file is removed and ``path`` is left untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=_tmp_prefix(path), suffix=".tmp", dir=path.parent)
    os.fchmod(fd, _FILE_MODE)
    try:
        encoding = None if "b" in mode else "utf-8"
        with os.fdopen(fd, mode, encoding=encoding) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if isinstance(exc, OSError) and exc.filename is None and exc.errno:
            # a failed write names no file: name the one that was being written
            raise OSError(exc.errno, exc.strerror, str(path)) from exc
        raise


def write_json(path: Path, data: Any) -> None:
    """Write ``data`` as indented UTF-8 JSON, atomically."""
    with atomic_open(path) as fh:
        json.dump(data, fh, ensure_ascii=False, indent=2, default=str)
        fh.write("\n")


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
        fd, self._tmp = tempfile.mkstemp(
            prefix=_tmp_prefix(self.path), suffix=".tmp", dir=self.path.parent
        )
        os.fchmod(fd, _FILE_MODE)
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
    default; see :func:`nlp.extract.extractor_version` for the other page readers),
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


def write_table(rows: Iterable[dict[str, Any]], path: Path, columns: list[str]) -> pd.DataFrame:
    """Write rows as Parquet (``path``) and CSV beside it, atomically; return the frame.

    The CSV is made for a French Excel: UTF-8 with BOM, ``;`` separator, decimal comma.
    """
    frame = pd.DataFrame(list(rows), columns=columns)
    with atomic_open(path, "wb") as fh:
        frame.to_parquet(fh, index=False)
    write_csv_fr(frame, path.with_suffix(".csv"))
    return frame


def write_csv_fr(frame: pd.DataFrame, path: Path, index: bool = False) -> None:
    """Write a frame as CSV for a French Excel (BOM, ``;``, decimal comma), atomically.

    Text cells that a spreadsheet would run as a formula are neutralised
    (:mod:`nlp.spreadsheet`).
    """
    with atomic_open(path, "w") as fh:
        fh.write("\ufeff")
        # CRLF rows, so that a carriage return inside a cell is quoted, not a row break
        safe_frame(frame).to_csv(fh, sep=";", decimal=",", index=index, lineterminator="\r\n")


SENTENCE_COLUMNS = [
    "doc_sha256",
    "page",
    "start",
    "end",
    "text",
    "is_heading",
    "ocr",
    *SCHEMES,
    "sources",
    "scores",
    "evidence",
    "lexicon_versions",
    "model_version",
]


def sentences_path(out: Path, sha256: str, fingerprint: str) -> Path:
    """Return where the tagged sentences of ``sha256`` made with lexicons ``fingerprint`` go."""
    return Path(out) / "sentences" / f"{sha256}.{fingerprint}.parquet"


def write_frame(frame: pd.DataFrame, path: Path) -> None:
    """Write a data frame as Parquet, atomically."""
    with atomic_open(path, "wb") as fh:
        frame.to_parquet(fh, index=False)


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
    from nlp.corpus import discover
    from nlp.extract import file_sha256

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

    from nlp.corpus import MANIFEST_NAME
    from nlp.extract import file_sha256

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
