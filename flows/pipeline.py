"""The main job as a Prefect flow: a corpus folder in, documents and page text out.

Orchestration only: each task resolves paths, calls one function of :mod:`nlp` and
writes through :mod:`nlp.store`. One task per document (never per page or sentence).
CPU work runs in extraction worker processes (one per task-runner thread), so
threads are enough to keep every core busy and a stuck document can be killed.

Stages: discover -> model (the current classifier version; when there is none, one is
trained from the shipped sentences first) -> extract -> segment, tag and classify (one
task per document: the lexicons and the classifier share the same spaCy pass) ->
profiles and report.
"""

from __future__ import annotations

import contextlib
import logging
import queue
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
from prefect import flow, get_run_logger, task, unmapped
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner

from flows.tagging import TaggerPool
from nlp.corpus import Document, discover
from nlp.extract import DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT, Extractor, precheck
from nlp.report import publish_profiles
from nlp.store import (
    DOCUMENT_COLUMNS,
    PageWriter,
    cached_report,
    pages_path,
    report_path,
    sentences_path,
    write_frame,
    write_json,
    write_table,
)
from nlp.tagging import lexicon_fingerprint, model_key

log = logging.getLogger(__name__)
#: Statuses whose report is kept as a cache entry; others are retried on the next run.
FINAL_STATUSES = {"ok", "needs_ocr", "ocr", "encrypted", "not_pdf", "empty", "corrupt", "too_large"}


class ExtractorPool:
    """``workers`` extractors (worker processes) that task threads check out in turn.

    Threads beyond ``workers`` wait for a free extractor, so no more than ``workers``
    documents are extracted at once, whatever the task runner's thread count.
    """

    def __init__(self, workers: int = 2) -> None:
        self._free: queue.Queue[Extractor] = queue.Queue()
        self._all: list[Extractor] = []
        self.configure(workers)

    def configure(
        self,
        workers: int,
        timeout: float = DEFAULT_TIMEOUT,
        max_bytes: int = DEFAULT_MAX_BYTES,
        ocr: bool = False,
    ) -> None:
        """Replace the extractors by ``workers`` new ones with these settings."""
        self.close()
        self._free = queue.Queue()
        self._all = []
        for _ in range(max(1, workers)):
            ex = Extractor(timeout=timeout, max_bytes=max_bytes, ocr=ocr)
            self._all.append(ex)
            self._free.put(ex)

    @contextlib.contextmanager
    def checkout(self) -> Iterator[Extractor]:
        """Borrow a free extractor for one document."""
        ex = self._free.get()
        try:
            yield ex
        finally:
            self._free.put(ex)

    def close(self) -> None:
        """Stop every worker process (the extractors restart them if used again)."""
        for ex in self._all:
            ex.close()


#: The worker processes of this Python process (orchestration state, not library state).
EXTRACTORS = ExtractorPool()
TAGGERS: dict[str, TaggerPool] = {}
DEFAULT_LEXICONS = Path(__file__).resolve().parents[1] / "lexicons"


def extract_one(
    doc: Document,
    out: Path,
    max_bytes: int = DEFAULT_MAX_BYTES,
    force: bool = False,
    ocr: bool = False,
) -> dict[str, Any]:
    """Extract one document (or reuse its stored result); return its documents-table row."""
    report = precheck(doc.path, max_bytes)
    if report.status == "ok":
        cached = None if force else cached_report(out, report.sha256)
        if cached is not None and ocr and cached.pages_needing_ocr:
            cached = None  # OCR asked for now: read the scanned pages
        if cached is not None:
            report = cached
            log.info("%s: reused extraction (%s)", doc.file, report.status)
        else:
            writer = PageWriter(out, report.sha256)
            try:
                with EXTRACTORS.checkout() as extractor:
                    report = extractor.extract(doc.path, writer.write, checked=report)
            finally:
                if writer.count and report.status not in {"timeout", "failed"}:  # keep partial
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
    doc: Document, out: Path, max_bytes: int, force: bool, ocr: bool
) -> dict[str, Any]:
    """Extract one document's pages into ``out/pages`` (time limit: the flow's extractors)."""
    return extract_one(doc, out, max_bytes, force, ocr)


def tag_one(
    row: dict[str, Any], out: Path, pool: TaggerPool, fingerprint: str, force: bool
) -> tuple[Path | None, str]:
    """Tag one extracted document (or reuse its tagged sentences).

    Returns the file of its tagged sentences (None when it has none) and an error
    message ("" when all went well): a failure is reported, never raised.
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


@task(name="tag-document", cache_policy=NO_CACHE, task_run_name="tag {row[file]}")
def tag_task(
    row: dict[str, Any],
    out: Path,
    lexicons: Path,
    workers: int,
    fingerprint: str,
    force: bool,
    models: Path | None = None,
    version: str | None = None,
) -> tuple[Path | None, str]:
    """Segment, tag (lexicons) and classify one document's pages."""
    key = f"{lexicons}|{models}|{version}"
    pool = TAGGERS.setdefault(key, TaggerPool(lexicons, workers, models, version))
    return tag_one(row, out, pool, model_key(fingerprint, version), force)


def current_model(models: Path, lexicons: Path, train: bool) -> str | None:
    """The version of the registry's current model; trains and promotes one if there is none.

    The model trained here learns from the shipped sentences only (about 35 s): enough for
    the sample corpus. ``valpub train`` with ``../shared/corpus`` beside the project adds
    the real-sentence annotations, which is what real documents need.
    """
    from nlp.models import ModelError, Registry

    registry = Registry(models)
    version = registry.current()
    if version is not None or not train:
        if version is None:
            log.warning("no classifier in %s: labels come from the lexicons only", models)
        return version
    log.warning("no classifier in %s yet: training one from the shipped sentences", models)
    from flows.model_cmds import train_cmd

    train_cmd(lexicons=lexicons, models=models, with_real=False)
    version = registry.current()
    if version is None:  # pragma: no cover - train_cmd promotes or raises
        raise ModelError(f"training left no current model in {models}")
    return version


@task(name="classifier-model", cache_policy=NO_CACHE)
def model_task(models: Path, lexicons: Path, train: bool) -> str | None:
    """The classifier version this run uses (None: lexicons only)."""
    return current_model(models, lexicons, train)


def collect_sentences(
    rows: list[dict[str, Any]], files: list[Path | None], out: Path
) -> pd.DataFrame:
    """Gather the tagged sentences of this run's documents into ``out/sentences.parquet``."""
    frames = []
    for row, path in zip(rows, files, strict=True):
        if path is None:
            continue
        frame = pd.read_parquet(path)
        for key in ("file", "territory_code", "territory_name", "year"):
            frame.insert(0, key, row[key])
        frames.append(frame)
    sentences = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    write_frame(sentences, Path(out) / "sentences.parquet")
    return sentences


@flow(name="process-corpus", log_prints=True)
def process_corpus(
    corpus: Path = Path("corpus"),
    out: Path = Path("outputs"),
    lexicons: Path = DEFAULT_LEXICONS,
    timeout: float = DEFAULT_TIMEOUT,
    max_bytes: int = DEFAULT_MAX_BYTES,
    workers: int = 2,
    force: bool = False,
    ocr: bool = False,
    models: Path | None = None,
    classifier: bool = True,
    train: bool = True,
) -> list[dict[str, Any]]:
    """Run the pipeline on a corpus folder; return one row per document.

    The number of documents extracted in parallel is the task runner's (see
    :func:`run_pipeline`); ``workers`` tagging processes run beside them. The
    classifier is the current version in ``models`` (default ``out/models``); with
    ``classifier=False`` the labels are the lexicons'; with ``train=False`` a missing
    model is not trained (lexicons only).
    """
    logger = get_run_logger()
    out = Path(out)
    models = Path(models) if models is not None else out / "models"
    docs = discover(Path(corpus))
    fingerprint = lexicon_fingerprint(Path(lexicons))
    version = model_task(models, Path(lexicons), train) if classifier else None
    logger.info(
        "%d documents in %s; lexicons %s; classifier %s",
        len(docs),
        corpus,
        fingerprint,
        version or "none (lexicons only)",
    )
    EXTRACTORS.configure(workers, timeout, max_bytes, ocr)
    try:
        extracted = extract_task.map(
            docs,
            out=unmapped(out),
            max_bytes=unmapped(max_bytes),
            force=unmapped(force),
            ocr=unmapped(ocr),
        )
        tagged = tag_task.map(
            extracted,
            out=unmapped(out),
            lexicons=unmapped(Path(lexicons)),
            workers=unmapped(workers),
            fingerprint=unmapped(fingerprint),
            force=unmapped(force),
            models=unmapped(models),
            version=unmapped(version),
        )
        rows = [f.result() for f in extracted]
        files = []
        for row, future in zip(rows, tagged, strict=True):
            path, error = future.result()
            if error:
                row["reason"] = "; ".join(r for r in (row["reason"], error) if r)
            files.append(path)
    finally:
        EXTRACTORS.close()
        for pool in TAGGERS.values():
            pool.close()
        TAGGERS.clear()
    write_table(rows, out / "documents.parquet", DOCUMENT_COLUMNS)
    collect_sentences(rows, files, out)
    metrics = None
    if version:
        from nlp.models import Registry

        metrics = Registry(models).metrics(version)
    published = publish_profiles(out, Path(lexicons), corpus=Path(corpus), model_metrics=metrics)
    logger.info(
        "profiles of %d territories; report %s",
        sum(k.startswith("profile:") for k in published),
        published["report"],
    )
    return rows


def run_pipeline(corpus: Path, out: Path, workers: int, **options: Any) -> list[dict[str, Any]]:
    """Run :func:`process_corpus` with ``workers`` documents in parallel."""
    runner: ThreadPoolTaskRunner[Any] = ThreadPoolTaskRunner(max_workers=2 * max(1, workers))
    configured = process_corpus.with_options(task_runner=runner)  # type: ignore[arg-type]
    rows: list[dict[str, Any]] = configured(corpus=corpus, out=out, workers=workers, **options)
    return rows
