"""The main job as a Prefect flow: a corpus folder in, documents and page text out.

Orchestration only: each task resolves paths, calls one function of :mod:`nlp` and
writes through :mod:`nlp.store`. One task per document (never per page or sentence).
CPU work runs in extraction worker processes (one per task-runner thread), so
threads are enough to keep every core busy and a stuck document can be killed.

Stages present today: discover -> extract. Later stages (segment and tag, classify,
profile, report) are added here as they land; nothing is faked meanwhile.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task, unmapped
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner

from nlp.corpus import Document, discover
from nlp.extract import DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT, Extractor, precheck
from nlp.store import (
    DOCUMENT_COLUMNS,
    PageWriter,
    cached_report,
    report_path,
    write_json,
    write_table,
)

log = logging.getLogger(__name__)
#: Statuses whose report is kept as a cache entry; others are retried on the next run.
FINAL_STATUSES = {"ok", "needs_ocr", "ocr", "encrypted", "not_pdf", "empty", "corrupt", "too_large"}


class ExtractorPool:
    """One :class:`Extractor` per task-runner thread, all closed at the end of a flow."""

    def __init__(self) -> None:
        self._local = threading.local()
        self._all: list[Extractor] = []
        self._lock = threading.Lock()

    def get(self, timeout: float, max_bytes: int) -> Extractor:
        """Return this thread's extractor (made on first use)."""
        ex: Extractor | None = getattr(self._local, "extractor", None)
        if ex is None or ex.timeout != timeout or ex.max_bytes != max_bytes:
            ex = Extractor(timeout=timeout, max_bytes=max_bytes)
            self._local.extractor = ex
            with self._lock:
                self._all.append(ex)
        return ex

    def close(self) -> None:
        """Stop every worker process."""
        with self._lock:
            for ex in self._all:
                ex.close()
            self._all.clear()
        self._local = threading.local()


#: The worker processes of this Python process (orchestration state, not library state).
EXTRACTORS = ExtractorPool()


def extract_one(
    doc: Document,
    out: Path,
    timeout: float = DEFAULT_TIMEOUT,
    max_bytes: int = DEFAULT_MAX_BYTES,
    force: bool = False,
) -> dict[str, Any]:
    """Extract one document (or reuse its stored result); return its documents-table row."""
    report = precheck(doc.path, max_bytes)
    if report.status == "ok":
        cached = None if force else cached_report(out, report.sha256)
        if cached is not None:
            report = cached
            log.info("%s: reused extraction (%s)", doc.file, report.status)
        else:
            writer = PageWriter(out, report.sha256)
            try:
                report = EXTRACTORS.get(timeout, max_bytes).extract(
                    doc.path, writer.write, checked=report
                )
            finally:
                if writer.count and report.status not in {"timeout", "failed"}:
                    writer.commit()
                else:
                    writer.discard()
            if report.status in FINAL_STATUSES:
                write_json(report_path(out, report.sha256), report.as_dict())
    if report.status != "ok" or report.reason:
        log.warning("%s: %s: %s", doc.file, report.status, report.reason)
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


@task(name="extract-document", cache_policy=NO_CACHE, task_run_name="extract {doc.file}")
def extract_task(
    doc: Document, out: Path, timeout: float, max_bytes: int, force: bool
) -> dict[str, Any]:
    """Extract one document's pages into ``out/pages``."""
    return extract_one(doc, out, timeout, max_bytes, force)


@flow(name="process-corpus", log_prints=True)
def process_corpus(
    corpus: Path = Path("corpus"),
    out: Path = Path("outputs"),
    timeout: float = DEFAULT_TIMEOUT,
    max_bytes: int = DEFAULT_MAX_BYTES,
    force: bool = False,
) -> list[dict[str, Any]]:
    """Run the pipeline on a corpus folder; return one row per document.

    The number of parallel documents is the task runner's (see :func:`run_pipeline`).
    """
    logger = get_run_logger()
    docs = discover(Path(corpus))
    logger.info("%d documents in %s", len(docs), corpus)
    try:
        futures = extract_task.map(
            docs,
            out=unmapped(Path(out)),
            timeout=unmapped(timeout),
            max_bytes=unmapped(max_bytes),
            force=unmapped(force),
        )
        rows = [f.result() for f in futures]
    finally:
        EXTRACTORS.close()
    write_table(rows, Path(out) / "documents.parquet", DOCUMENT_COLUMNS)
    return rows


def run_pipeline(corpus: Path, out: Path, workers: int, **options: Any) -> list[dict[str, Any]]:
    """Run :func:`process_corpus` with ``workers`` documents in parallel."""
    runner = ThreadPoolTaskRunner(max_workers=max(1, workers))
    configured = process_corpus.with_options(task_runner=runner)
    rows: list[dict[str, Any]] = configured(corpus=corpus, out=out, **options)
    return rows
