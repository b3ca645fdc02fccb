"""The Prefect tasks of a run and the outcome of each: one task per document and stage.

Each task resolves paths, calls one function of :mod:`nlp` and writes through
:mod:`nlp.results.store` (never one task per page or sentence); it receives paths and
returns a small dict (a document's row, or where its tagged sentences are): documents
and results travel through the output folder, never through the task runner. A
document the run could not process ends its task in a Failed state
(:data:`FAILED_STATUSES`), logged once as a warning. Also here: the run-level steps
around them (pulling sources, the classifier version, gathering the tagged sentences).
"""

from __future__ import annotations

import logging
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from prefect import State, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import PrefectFuture
from prefect.states import Completed, Failed

from flows.tagging import TaggerPool
from flows.workers import (
    EXTRACTORS,
    TAGGERS,
    ExtractorPool,
    count,
    send_nlp_logs_to_prefect,
    worker_extractors,
    worker_tagger,
)
from nlp.extract.document import (
    DEFAULT_MAX_BYTES,
    DEFAULT_TIMEOUT,
    DocumentReport,
    extractor_version,
    precheck,
)
from nlp.ingest.corpus import Document, fetch_document, remote_version
from nlp.language.pseudonymise import Pseudonymiser, published_texts
from nlp.model.tagged import model_key
from nlp.records.errors import FetchError
from nlp.records.files import write_json
from nlp.records.tables import DOCUMENT_COLUMNS, write_frame
from nlp.results.store import (
    PageWriter,
    cached_report,
    pages_path,
    remote_state,
    report_path,
    save_remote_state,
    sentences_path,
)

log = logging.getLogger(__name__)
#: Statuses whose report is kept as a cache entry; others are retried on the next run.
FINAL_STATUSES = {"ok", "needs_ocr", "ocr", "encrypted", "not_pdf", "empty", "corrupt", "too_large"}
#: Statuses of a document the run could not process; its task ends in a Failed state.
FAILED_STATUSES = {"failed", "timeout"}


class _DocumentFailureEcho(logging.Filter):
    """Drops Prefect's two ERROR records about a document task that ended Failed.

    A failed or timed-out document is a result, not a crash: the task already logged it
    as one WARNING line with its reason, its state says Failed, and the run summary
    lists it. Prefect's own records for it (the state's repr with the whole row and an
    empty traceback, then "Finished in state Failed") only repeat that, louder.
    """

    _STATUSES = "|".join(sorted(FAILED_STATUSES))
    _ECHO = re.compile(
        rf"^(Task run failed with state: |Finished in state )Failed\((message=)?'({_STATUSES}): "
    )

    def filter(self, record: logging.LogRecord) -> bool:
        return not self._ECHO.match(str(record.msg))


def quiet_document_failures() -> None:
    """Install :class:`_DocumentFailureEcho` on Prefect's task-run logger (once)."""
    target = logging.getLogger("prefect.task_runs")
    if not any(isinstance(f, _DocumentFailureEcho) for f in target.filters):
        target.addFilter(_DocumentFailureEcho())


@dataclass(frozen=True)
class _Extraction:
    """How a run extracts its documents: the same settings for each, local or remote."""

    max_bytes: int
    force: bool
    ocr: bool
    extractors: ExtractorPool | None
    extractor: str


def extract_one(
    doc: Document,
    out: Path,
    max_bytes: int = DEFAULT_MAX_BYTES,
    force: bool = False,
    ocr: bool = False,
    extractors: ExtractorPool | None = None,
    extractor: str = "pdfplumber",
) -> dict[str, Any]:
    """Extract one document (or reuse its stored result); return its documents-table row.

    A remote document (:attr:`Document.url`) is read by this process from its URL
    (:func:`_extract_remote`); one that cannot be read is ``failed`` with the reason.
    """
    how = _Extraction(max_bytes, force, ocr, extractors, extractor)
    if doc.refused:  # outside the corpus: never opened, whatever it is
        report = DocumentReport(doc.file, "", 0, "refused", doc.refused)
    elif doc.url:
        report = _extract_remote(doc, out, how)
    else:
        report = _extract_file(doc.path, doc.file, out, how)
    row = report.as_dict()
    row.update(
        file=doc.file,
        territory_code=doc.territory_code,
        territory_name=doc.territory_name,
        territory_type=doc.territory_type,
        title=doc.title,
        year=doc.year,
    )
    return row


def _extract_remote(doc: Document, out: Path, how: _Extraction) -> DocumentReport:
    """Extract a document read from its URL, or reuse what its unchanged version gave.

    When the location still reports the version (size and ETag or modification time)
    recorded at the last download, and the extraction of what was downloaded then is
    stored, nothing is downloaded. Otherwise the document is copied into a temporary
    folder (removed afterwards) and extracted like a local file.
    """
    url = doc.url
    version = None if how.force else remote_version(url)
    known = remote_state(out, url) if version else None
    if known is not None and known["version"] == version:
        cached = _reusable(out, str(known["sha256"]), how)
        if cached is not None:
            log.info("%s: unchanged at its URL; reused extraction (%s)", doc.file, cached.status)
            cached.path = url
            return cached
    with tempfile.TemporaryDirectory(prefix="valpub-fetch-") as folder:
        try:
            path = fetch_document(url, Path(folder), how.max_bytes)
        except FetchError as exc:
            return DocumentReport(url, "", 0, exc.status, str(exc)[:300])
        report = _extract_file(path, doc.file, out, how)
    report.path = url
    if version and report.sha256 and report.status in FINAL_STATUSES:
        save_remote_state(out, url, version, report.sha256)
    return report


def _reusable(out: Path, sha256: str, how: _Extraction) -> DocumentReport | None:
    """The stored extraction of ``sha256``, unless it must be redone.

    Redone with ``force``, when it was made by another page reader (``extractor``), or
    when OCR is asked for now and the document has pages that need it which OCR has not
    tried to read yet (it was off or not installed).
    """
    cached = None if how.force else cached_report(out, sha256, extractor_version(how.extractor))
    if cached is not None and how.ocr and cached.pages_needing_ocr and not cached.ocr_tried:
        return None
    return cached


def _extract_file(path: Path, name: str, out: Path, how: _Extraction) -> DocumentReport:
    """Extract a local file into ``out/pages``, or reuse what is stored for its sha256."""
    report = precheck(path, how.max_bytes)
    if report.status == "ok":
        cached = _reusable(out, report.sha256, how)
        if cached is not None:
            report = cached
            log.info("%s: reused extraction (%s)", name, report.status)
        else:
            writer = PageWriter(out, report.sha256)
            try:
                with (how.extractors or EXTRACTORS).checkout() as worker:
                    report = worker.extract(path, writer.write, checked=report)
            finally:
                if writer.count and report.status not in {"timeout", "failed"}:  # keep partial
                    writer.commit()
                else:
                    writer.discard()
            if report.status in FINAL_STATUSES:
                write_json(report_path(out, report.sha256), report.as_dict())
    return report


def _document_state(row: dict[str, Any]) -> State[Any] | dict[str, Any]:
    """A document's row as its task's final state: Failed when it could not be processed."""
    if row["status"] in FAILED_STATUSES:
        return Failed(message=f"{row['status']}: {row['reason']}", data=row)
    if row["status"] != "ok" or row["reason"]:
        return Completed(message=f"{row['status']}: {row['reason']}", data=row)
    return row


def extract_document(
    doc: Document,
    out: Path,
    max_bytes: int,
    force: bool,
    ocr: bool,
    timeout: float = DEFAULT_TIMEOUT,
    on_dask: bool = False,
    extractor: str = "pdfplumber",
) -> Any:
    """Extract one document's pages into ``out/pages``; its row is the result.

    Locally the flow's extractors carry the time limit; on Dask, this worker process's.
    The task :data:`extract_task` runs it.
    """
    if on_dask:
        send_nlp_logs_to_prefect()
        quiet_document_failures()
    extractors = worker_extractors(timeout, max_bytes, ocr, extractor) if on_dask else EXTRACTORS
    row = extract_one(doc, out, max_bytes, force, ocr, extractors=extractors, extractor=extractor)
    count("extracted")
    if row["status"] != "ok" or row["reason"]:
        get_run_logger().warning("%s: %s: %s", doc.file, row["status"], row["reason"])
    return _document_state(row)


def tag_one(
    row: dict[str, Any], out: Path, pool: Any, fingerprint: str, force: bool
) -> tuple[Path | None, str]:
    """Tag one extracted document (or reuse its tagged sentences).

    ``pool`` is anything with ``tag(pages_file, out_file) -> rows`` (a
    :class:`TaggerPool`, an :class:`flows.workers.InProcessTagger`). Returns the file of its tagged
    sentences (None when it has none) and an error message ("" when all went well):
    a failure is reported, never raised.
    """
    sha = row["sha256"]
    pages = pages_path(out, sha)
    if not sha or not pages.is_file():
        return None, ""
    target = sentences_path(out, sha, fingerprint)
    if force or not target.is_file():
        try:
            n = pool.tag(pages, target)
        except Exception as exc:  # one document must not stop the run
            log.error("%s: tagging failed: %s: %s", row["file"], type(exc).__name__, exc)
            return None, f"tagging failed: {type(exc).__name__}: {exc}"
        log.info("%s: %d sentences tagged", row["file"], n)
        for stale in target.parent.glob(f"{sha}.*.parquet"):
            if stale != target:
                stale.unlink()
    return target, ""


def tag_document_pages(
    row: dict[str, Any],
    out: Path,
    lexicons: Path,
    workers: int,
    fingerprint: str,
    force: bool,
    models: Path | None = None,
    version: str | None = None,
    on_dask: bool = False,
) -> Any:
    """Segment, tag (lexicons) and classify one document's pages.

    The result is ``{"path": sentences file or None, "error": message or ""}``. The
    task :data:`tag_task` runs it.
    """
    pool: Any
    if on_dask:
        send_nlp_logs_to_prefect()
        pool = worker_tagger(lexicons, models, version)
    else:
        key = f"{lexicons}|{models}|{version}"
        pool = TAGGERS.setdefault(key, TaggerPool(lexicons, workers, models, version))
    path, error = tag_one(row, out, pool, model_key(fingerprint, version), force)
    count("tagged")
    result = {"path": str(path) if path else None, "error": error}
    if error:
        get_run_logger().error("%s: %s", row["file"], error)
        return Failed(message=error, data=result)
    return result


# The tasks wrap module-level functions, so that Dask workers import them by name (with
# the state of flows.workers) instead of receiving pickled copies of the functions.
extract_task = task(
    name="extract-document", cache_policy=NO_CACHE, task_run_name="extract {doc.file}"
)(extract_document)
tag_task = task(name="tag-document", cache_policy=NO_CACHE, task_run_name="tag {row[file]}")(
    tag_document_pages
)


def current_model(models: Path, lexicons: Path, train: bool) -> str | None:
    """The version of the registry's current model.

    An empty registry adopts the model shipped in the repository (``models/``, trained
    with the real annotations). Only when none loads is a model trained here, from the
    written sentences alone (about 35 s): a fallback, much weaker on real documents.
    """
    from flows.defaults import adopt_shipped
    from nlp.model.registry import ModelError, Registry

    registry = Registry(models)
    version = adopt_shipped(models)
    if version is not None or not train:
        if version is None:
            log.warning("no classifier in %s: labels come from the lexicons only", models)
        return version
    log.warning("no classifier in %s yet: training one from the shipped sentences", models)
    from flows.train import train_model

    train_model(lexicons, models, with_real=False)
    version = registry.current()
    if version is None:  # pragma: no cover - train_model promotes or raises
        raise ModelError(f"training left no current model in {models}")
    return version


@task(name="pull-sources", cache_policy=NO_CACHE)
def pull_task(sources: Path, into: Path) -> list[dict[str, Any]]:
    """Download the new or changed PDFs of a sources CSV into the corpus folder.

    Each URL ends with one outcome (downloaded, unchanged or a failure with its reason);
    a failing URL is reported and never stops the run.
    """
    from nlp.ingest.pull import format_summary, pull_sources

    results = pull_sources(sources, into)
    logger = get_run_logger()
    logger.info("pulled from %s:\n%s", sources, format_summary(results))
    for r in results:
        if not r.ok:
            logger.warning("sources line %d: %s: %s (%s)", r.line, r.status, r.reason, r.url)
    return [{"line": r.line, "url": r.url, "status": r.status, "reason": r.reason} for r in results]


@task(name="classifier-model", cache_policy=NO_CACHE)
def model_task(models: Path, lexicons: Path, train: bool) -> str | None:
    """The classifier version this run uses (None: lexicons only)."""
    return current_model(models, lexicons, train)


def collect_sentences(
    rows: list[dict[str, Any]], files: list[Path | None], out: Path, pseudonymise: bool = True
) -> pd.DataFrame:
    """Gather the tagged sentences of this run's documents into ``out/sentences.parquet``.

    Each gets its ``published_text`` (private persons concealed unless ``pseudonymise``
    is off).
    """
    frames = []
    for row, path in zip(rows, files, strict=True):
        if path is None:
            continue
        frame = pd.read_parquet(path)
        for key in ("file", "territory_code", "territory_name", "year"):
            frame.insert(0, key, row[key])
        frames.append(frame)
    sentences = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if not sentences.empty:
        sentences["published_text"] = published_texts(
            sentences, Pseudonymiser() if pseudonymise else None
        )
    write_frame(sentences, Path(out) / "sentences.parquet")
    return sentences


def failed_row(doc: Document, error: BaseException | str) -> dict[str, Any]:
    """The row of a document whose task itself failed (a bug, a lost Dask worker)."""
    reason = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
    row: dict[str, Any] = dict.fromkeys(DOCUMENT_COLUMNS)
    row.update(
        file=doc.file,
        sha256="",
        territory_code=doc.territory_code,
        territory_name=doc.territory_name,
        territory_type=doc.territory_type,
        title=doc.title,
        year=doc.year,
        pages=0,
        pages_with_text=0,
        pages_needing_ocr=0,
        pages_ocr=0,
        status="failed",
        reason=reason[:300],
        bytes=0,
        seconds=0.0,
    )
    return row


def task_outcome(future: PrefectFuture[Any]) -> Any:
    """The result of a finished task, or the exception that ended it."""
    try:
        return future.result(raise_on_failure=False)
    except BaseException as exc:  # the task runner lost it (e.g. a killed Dask worker)
        return exc
