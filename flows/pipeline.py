"""The main job as a Prefect flow: a corpus folder in, documents and page text out.

Orchestration only: each task resolves paths, calls one function of :mod:`nlp` and
writes through :mod:`nlp.results.store`. One task per document and stage (never per page or
sentence); tasks receive paths and return small dicts: documents and results travel
through the output folder, never through the task runner.

Two runners (:func:`run_pipeline`):

- ``process`` (default): task threads in this process drive extraction worker processes
  (killed on time-out) and tagging worker processes (spaCy loaded once in each), as many
  of each as ``workers``: threads alone would not scale, the work is CPU-bound.
- ``dask``: the tasks run on a Dask cluster (an existing one at ``dask_address``, else a
  local one with ``workers`` processes). Each Dask worker process builds its extractors
  and its tagger on first use and keeps them for later tasks and runs
  (:func:`worker_extractors`, :func:`worker_tagger`). Paths must mean the same on every
  machine: a remote cluster needs the output folder (and a corpus given as a folder) on
  a shared file system; a corpus given as a URL is read by each worker from there.

Stages: discover -> model (the current classifier version; when there is none, one is
trained from the shipped sentences first) -> extract -> segment, tag and classify (one
task per document: the lexicons and the classifier share the same spaCy pass) ->
profiles and report. The flow submits tagging as soon as a document is extracted and
keeps only a few extractions queued, so documents finish all along the run: the
progress bar (:class:`RunProgress`) and the per-document states in Prefect follow them.
"""

from __future__ import annotations

import contextlib
import functools
import io
import logging
import queue
import re
import sys
import tempfile
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Hashable, Iterator
from pathlib import Path
from typing import Any, TextIO

import pandas as pd
from prefect import State, flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import PrefectFuture
from prefect.states import Completed, Failed
from prefect.task_runners import ThreadPoolTaskRunner

from flows.local_server import keep_minutes, kept_api
from flows.tagging import TaggerPool, load_tagger, tag_pages
from nlp.extract.document import (
    DEFAULT_MAX_BYTES,
    DEFAULT_TIMEOUT,
    DocumentReport,
    extractor_version,
    precheck,
)
from nlp.extract.process import Extractor
from nlp.ingest.corpus import Document, corpus_location, discover, fetch_document, remote_version
from nlp.language.pseudonymise import Pseudonymiser, published_texts
from nlp.model.tagging import lexicon_fingerprint, model_key
from nlp.records.errors import FetchError
from nlp.records.files import run_lock, sweep_temporary, write_json
from nlp.records.netaddr import is_loopback_address as _is_loopback
from nlp.records.tables import DOCUMENT_COLUMNS, write_frame, write_table
from nlp.results.publish import publish_profiles
from nlp.results.store import (
    RUN_STATE_NAME,
    PageWriter,
    cached_report,
    pages_path,
    remote_state,
    report_path,
    run_key,
    run_options,
    save_remote_state,
    save_run_state,
    sentences_path,
)

log = logging.getLogger(__name__)
#: Statuses whose report is kept as a cache entry; others are retried on the next run.
FINAL_STATUSES = {"ok", "needs_ocr", "ocr", "encrypted", "not_pdf", "empty", "corrupt", "too_large"}
#: Statuses of a document the run could not process; its task ends in a Failed state.
FAILED_STATUSES = {"failed", "timeout"}
RUNNERS = ("process", "dask")
#: Key of the run summary among the Prefect artifacts (the latest run's is shown first).
SUMMARY_KEY = "valpub-run-summary"


class ExtractorPool:
    """Extractors (one worker process each) that task threads check out in turn.

    Extractors are made on demand, up to ``workers`` (no limit with ``None``: as many as
    tasks run at once); threads beyond the limit wait for a free one, so no more than
    ``workers`` documents are extracted at once, whatever the task runner's thread count.
    """

    def __init__(self, workers: int | None = 2) -> None:
        self._lock = threading.Lock()
        self._free: queue.Queue[Extractor] = queue.Queue()
        self._all: list[Extractor] = []
        self._limit: int | None = None
        self._settings: tuple[float, int, bool, str] = (
            DEFAULT_TIMEOUT,
            DEFAULT_MAX_BYTES,
            False,
            "pdfplumber",
        )
        self.configure(workers)

    def configure(
        self,
        workers: int | None,
        timeout: float = DEFAULT_TIMEOUT,
        max_bytes: int = DEFAULT_MAX_BYTES,
        ocr: bool = False,
        extractor: str = "pdfplumber",
    ) -> None:
        """Stop the current extractors; later ones get these settings."""
        self.close()
        with self._lock:
            self._free = queue.Queue()
            self._all = []
            self._limit = None if workers is None else max(1, workers)
            self._settings = (timeout, max_bytes, ocr, extractor)

    @contextlib.contextmanager
    def checkout(self) -> Iterator[Extractor]:
        """Borrow a free extractor for one document (made if the limit allows)."""
        with self._lock:
            try:
                ex: Extractor | None = self._free.get_nowait()
            except queue.Empty:
                ex = None
                if self._limit is None or len(self._all) < self._limit:
                    timeout, max_bytes, ocr, reader = self._settings
                    ex = Extractor(timeout=timeout, max_bytes=max_bytes, ocr=ocr, extractor=reader)
                    self._all.append(ex)
            free = self._free
        if ex is None:
            ex = free.get()
        try:
            yield ex
        finally:
            free.put(ex)

    def close(self) -> None:
        """Stop every worker process (the extractors restart them if used again)."""
        with self._lock:
            extractors = list(self._all)
        for ex in extractors:
            ex.close()


class InProcessTagger:
    """spaCy, the lexicons and one model version loaded in this process, on first use.

    What a Dask worker process tags with. Dask worker processes are daemonic, so they
    cannot start a :class:`TaggerPool` of their own; they are the pool. A lock keeps
    the threads of a multi-threaded worker from using the pipeline at the same time.
    """

    def __init__(
        self, lexicon_dir: Path, model_dir: Path | None = None, version: str | None = None
    ) -> None:
        self.lexicon_dir = Path(lexicon_dir)
        self.model_dir = Path(model_dir) if model_dir else None
        self.version = version
        self._lock = threading.Lock()
        self._loaded: dict[str, Any] = {}

    def tag(self, pages_file: Path, out_file: Path) -> int:
        """Tag the pages stored in ``pages_file`` into ``out_file``; return the row count."""
        with self._lock:
            if not self._loaded:
                self._loaded = load_tagger(self.lexicon_dir, self.model_dir, self.version)
            return tag_pages(self._loaded, Path(pages_file), Path(out_file))

    def close(self) -> None:
        """Drop the loaded objects (memory is returned when they are collected)."""
        with self._lock:
            self._loaded = {}


#: The worker processes of this Python process (orchestration state, not library state).
EXTRACTORS = ExtractorPool()
TAGGERS: dict[str, TaggerPool] = {}
DEFAULT_LEXICONS = Path(__file__).resolve().parents[1] / "lexicons"

#: What a Dask worker process keeps between tasks and runs: ``{kind: (settings, object)}``,
#: one extractor pool and one tagger, for the settings of the latest run; and counters.
WORKER_STATE: dict[str, tuple[Hashable, Any]] = {}
WORKER_COUNTS: Counter[str] = Counter()
_WORKER_LOCK = threading.Lock()


def _worker_object(kind: str, key: Hashable, make: Callable[[], Any]) -> Any:
    """The object of ``kind`` made for ``key`` in this process; replaces one made for another."""
    with _WORKER_LOCK:
        held = WORKER_STATE.get(kind)
        if held is not None and held[0] == key:
            return held[1]
        if held is not None:
            held[1].close()
        obj = make()
        WORKER_STATE[kind] = (key, obj)
        return obj


def worker_extractors(
    timeout: float, max_bytes: int, ocr: bool, extractor: str = "pdfplumber"
) -> ExtractorPool:
    """This process's extractors for these settings (one per task running at once)."""

    def make() -> ExtractorPool:
        pool = ExtractorPool(None)
        pool.configure(None, timeout, max_bytes, ocr, extractor)
        return pool

    key = (timeout, max_bytes, ocr, extractor)
    pool: ExtractorPool = _worker_object("extractors", key, make)
    return pool


def worker_tagger(lexicons: Path, models: Path | None, version: str | None) -> InProcessTagger:
    """This process's tagger for these lexicons and model version (loaded on first use)."""
    key = (str(lexicons), str(models), version)
    tagger: InProcessTagger = _worker_object(
        "tagger", key, lambda: InProcessTagger(lexicons, models, version)
    )
    return tagger


def worker_counts(reset: bool = False) -> dict[str, int]:
    """Documents extracted and tagged by this process's tasks (for checks and monitoring).

    With ``reset``, the counts start again from zero after being read.
    """
    with _WORKER_LOCK:
        counts = dict(WORKER_COUNTS)
        if reset:
            WORKER_COUNTS.clear()
        return counts


def _count(kind: str) -> None:
    with _WORKER_LOCK:
        WORKER_COUNTS[kind] += 1


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


def _quiet_document_failures() -> None:
    """Install :class:`_DocumentFailureEcho` on Prefect's task-run logger (once)."""
    target = logging.getLogger("prefect.task_runs")
    if not any(isinstance(f, _DocumentFailureEcho) for f in target.filters):
        target.addFilter(_DocumentFailureEcho())


def _send_nlp_logs_to_prefect() -> None:
    """Give the ``nlp`` logger Prefect's handlers in this process, if it lacks them.

    A Dask worker's logging is set up from its own environment, which may not name
    ``nlp`` among Prefect's extra loggers (``PREFECT_LOGGING_EXTRA_LOGGERS``).
    """
    target = logging.getLogger("nlp")
    for handler in logging.getLogger("prefect.extra").handlers:
        if handler not in target.handlers:
            target.addHandler(handler)


def _flush_prefect_logs() -> None:
    """Send the log records this process still holds to the Prefect API (Dask workers)."""
    from prefect.logging.handlers import APILogWorker

    def drain() -> None:
        with contextlib.suppress(Exception):
            APILogWorker.drain_all(timeout=5)

    thread = threading.Thread(target=drain, daemon=True)
    thread.start()
    thread.join(10)


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
    if doc.refused:  # outside the corpus: never opened, whatever it is
        report = DocumentReport(doc.file, "", 0, "refused", doc.refused)
    elif doc.url:
        report = _extract_remote(doc, out, max_bytes, force, ocr, extractors, extractor)
    else:
        report = _extract_file(
            doc.path, doc.file, out, max_bytes, force, ocr, extractors, extractor
        )
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


def _extract_remote(
    doc: Document,
    out: Path,
    max_bytes: int,
    force: bool,
    ocr: bool,
    extractors: ExtractorPool | None,
    extractor: str = "pdfplumber",
) -> DocumentReport:
    """Extract a document read from its URL, or reuse what its unchanged version gave.

    When the location still reports the version (size and ETag or modification time)
    recorded at the last download, and the extraction of what was downloaded then is
    stored, nothing is downloaded. Otherwise the document is copied into a temporary
    folder (removed afterwards) and extracted like a local file.
    """
    url = doc.url
    version = None if force else remote_version(url)
    known = remote_state(out, url) if version else None
    if known is not None and known["version"] == version:
        cached = _reusable(out, str(known["sha256"]), force, ocr, extractor)
        if cached is not None:
            log.info("%s: unchanged at its URL; reused extraction (%s)", doc.file, cached.status)
            cached.path = url
            return cached
    with tempfile.TemporaryDirectory(prefix="valpub-fetch-") as folder:
        try:
            path = fetch_document(url, Path(folder), max_bytes)
        except FetchError as exc:
            return DocumentReport(url, "", 0, exc.status, str(exc)[:300])
        report = _extract_file(path, doc.file, out, max_bytes, force, ocr, extractors, extractor)
    report.path = url
    if version and report.sha256 and report.status in FINAL_STATUSES:
        save_remote_state(out, url, version, report.sha256)
    return report


def _reusable(
    out: Path, sha256: str, force: bool, ocr: bool, extractor: str = "pdfplumber"
) -> DocumentReport | None:
    """The stored extraction of ``sha256``, unless it must be redone.

    Redone with ``force``, when it was made by another page reader (``extractor``), or
    when OCR is asked for now and the document has pages that need it which OCR has not
    tried to read yet (it was off or not installed).
    """
    cached = None if force else cached_report(out, sha256, extractor_version(extractor))
    if cached is not None and ocr and cached.pages_needing_ocr and not cached.ocr_tried:
        return None
    return cached


def _extract_file(
    path: Path,
    name: str,
    out: Path,
    max_bytes: int,
    force: bool,
    ocr: bool,
    extractors: ExtractorPool | None,
    extractor: str = "pdfplumber",
) -> DocumentReport:
    """Extract a local file into ``out/pages``, or reuse what is stored for its sha256."""
    report = precheck(path, max_bytes)
    if report.status == "ok":
        cached = _reusable(out, report.sha256, force, ocr, extractor)
        if cached is not None:
            report = cached
            log.info("%s: reused extraction (%s)", name, report.status)
        else:
            writer = PageWriter(out, report.sha256)
            try:
                with (extractors or EXTRACTORS).checkout() as worker:
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
        _send_nlp_logs_to_prefect()
        _quiet_document_failures()
    extractors = worker_extractors(timeout, max_bytes, ocr, extractor) if on_dask else EXTRACTORS
    row = extract_one(doc, out, max_bytes, force, ocr, extractors=extractors, extractor=extractor)
    _count("extracted")
    if row["status"] != "ok" or row["reason"]:
        get_run_logger().warning("%s: %s: %s", doc.file, row["status"], row["reason"])
    return _document_state(row)


def tag_one(
    row: dict[str, Any], out: Path, pool: Any, fingerprint: str, force: bool
) -> tuple[Path | None, str]:
    """Tag one extracted document (or reuse its tagged sentences).

    ``pool`` is anything with ``tag(pages_file, out_file) -> rows`` (a
    :class:`TaggerPool`, an :class:`InProcessTagger`). Returns the file of its tagged
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
        _send_nlp_logs_to_prefect()
        pool = worker_tagger(lexicons, models, version)
    else:
        key = f"{lexicons}|{models}|{version}"
        pool = TAGGERS.setdefault(key, TaggerPool(lexicons, workers, models, version))
    path, error = tag_one(row, out, pool, model_key(fingerprint, version), force)
    _count("tagged")
    result = {"path": str(path) if path else None, "error": error}
    if error:
        get_run_logger().error("%s: %s", row["file"], error)
        return Failed(message=error, data=result)
    return result


# The tasks wrap module-level functions, so that Dask workers import them by name (with
# this module's state) instead of receiving pickled copies of the functions.
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


class RunProgress:
    """Documents done out of the total, pages per second and time left, on a terminal.

    On a terminal, a live bar (rich); elsewhere (a log file, a pipe), one plain line per
    finished document. Disabled, it shows nothing.
    """

    def __init__(self, total: int, enabled: bool, stream: TextIO | None = None) -> None:
        self.total = total
        self.enabled = enabled
        self.done = 0
        self.pages = 0
        self._stream = stream or sys.stderr
        self._start = time.monotonic()
        self._bar: Any = None
        self._task: Any = None
        self._restore: Callable[[], None] = lambda: None

    def __enter__(self) -> RunProgress:
        self._start = time.monotonic()
        if self.enabled and self._stream.isatty():
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self._bar = Progress(
                TextColumn("documents"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[rate]}"),
                TextColumn("elapsed"),
                TimeElapsedColumn(),
                TextColumn("left"),
                TimeRemainingColumn(),
                console=Console(file=self._stream),
                transient=False,
            )
            self._bar.start()
            self._task = self._bar.add_task("run", total=self.total, rate="0.0 pages/s")
            self._restore = _print_logs_above(self._bar.console, self._stream)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._restore()
            self._bar.stop()
            self._bar = None

    @property
    def pages_per_second(self) -> float:
        """Pages of finished documents per second since the start."""
        return self.pages / max(time.monotonic() - self._start, 1e-6)

    def seconds_left(self) -> float | None:
        """Time left at the pace so far (None before the first document is done)."""
        if not self.done:
            return None
        elapsed = time.monotonic() - self._start
        return elapsed / self.done * (self.total - self.done)

    def advance(self, pages: int) -> None:
        """Count one finished document of ``pages`` pages."""
        self.done += 1
        self.pages += pages
        if not self.enabled:
            return
        rate = f"{self.pages_per_second:.1f} pages/s"
        if self._bar is not None:
            self._bar.update(self._task, advance=1, rate=rate)
            return
        left = self.seconds_left()
        when = f", about {_hms(left)} left" if left is not None and self.done < self.total else ""
        self._stream.write(f"documents {self.done}/{self.total}, {rate}{when}\n")
        self._stream.flush()


class _AboveBar(io.TextIOBase):
    """A text stream whose lines a live rich console prints above its display."""

    def __init__(self, console: Any) -> None:
        self._console = console
        self._pending = ""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        from rich.text import Text

        lines = (self._pending + text).split("\n")
        self._pending = lines.pop()
        for line in lines:
            self._console.print(Text.from_ansi(line), soft_wrap=True)
        return len(text)

    def flush(self) -> None:
        if self._pending:
            self.write("\n")


def _print_logs_above(console: Any, stream: TextIO) -> Callable[[], None]:
    """Send the log handlers that write to ``stream`` through ``console`` (above its bar).

    Handlers keep the stream they were made with, so a live display cannot catch their
    lines by itself; they would be glued to the bar. Returns what undoes it.
    """
    proxy = _AboveBar(console)
    undo: list[Callable[[], None]] = []
    loggers = [logging.getLogger()] + [
        lg for lg in logging.Logger.manager.loggerDict.values() if isinstance(lg, logging.Logger)
    ]
    for handler in {h for lg in loggers for h in lg.handlers}:
        if not isinstance(handler, logging.StreamHandler) or handler.stream is not stream:
            continue
        handler.setStream(proxy)
        undo.append(functools.partial(handler.setStream, stream))
        rich_console = getattr(handler, "console", None)  # Prefect's handler prints with rich
        if rich_console is not None and getattr(rich_console, "file", None) is stream:
            rich_console.file = proxy
            undo.append(functools.partial(setattr, rich_console, "file", stream))

    def restore() -> None:
        proxy.flush()
        for step in undo:
            step()

    return restore


def _hms(seconds: float) -> str:
    seconds = round(seconds)
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def _failed_row(doc: Document, error: BaseException | str) -> dict[str, Any]:
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


def _outcome(future: PrefectFuture[Any]) -> Any:
    """The result of a finished task, or the exception that ended it."""
    try:
        return future.result(raise_on_failure=False)
    except BaseException as exc:  # the task runner lost it (e.g. a killed Dask worker)
        return exc


def _cluster_slots(workers: int) -> int:
    """Tasks the flow's Dask cluster runs at once (``workers`` if it cannot tell)."""
    from prefect.context import FlowRunContext

    ctx = FlowRunContext.get()
    client = getattr(ctx.task_runner, "client", None) if ctx else None
    with contextlib.suppress(Exception):
        if client is not None:
            return max(1, sum(client.nthreads().values()) or workers)
    return workers


def _flush_cluster_logs() -> None:
    """Ask every Dask worker to send its pending log records before the run ends."""
    from prefect.context import FlowRunContext

    ctx = FlowRunContext.get()
    client = getattr(ctx.task_runner, "client", None) if ctx else None
    if client is not None:
        with contextlib.suppress(Exception):
            client.run(_flush_prefect_logs)


def summary_markdown(
    rows: list[dict[str, Any]],
    sentences: int,
    model_version: str | None,
    seconds: float,
    runner: str = "process",
    pulled: list[dict[str, Any]] | None = None,
) -> str:
    """The run summary published as a Prefect artifact: counts, then the documents to check.

    Lists every document whose status is not ``ok`` or that has a reason, with it, and
    with ``pulled`` (the outcomes of :func:`pull_task`), the URLs that could not be pulled.
    """
    counts = Counter(str(r["status"]) for r in rows)
    pages = sum(int(r["pages"] or 0) for r in rows)
    model = f"`{model_version}`" if model_version else "none (lexicons only)"
    lines = [
        "# valpub run summary",
        "",
        "| documents | pages | sentences | model | runner | time |",
        "|---:|---:|---:|---|---|---:|",
        f"| {len(rows)} | {pages} | {sentences} | {model} | {runner} | {seconds:.1f} s |",
        "",
        "## Documents per status",
        "",
        "| status | documents |",
        "|---|---:|",
        *(f"| {status} | {n} |" for status, n in sorted(counts.items())),
        "",
    ]
    flagged = [r for r in rows if r["status"] != "ok" or r["reason"]]
    flagged.sort(key=lambda r: (r["status"] not in FAILED_STATUSES, r["status"], r["file"]))
    if flagged:
        lines += [
            "## Documents to check",
            "",
            "| file | status | reason |",
            "|---|---|---|",
            *(
                f"| {_cell(r['file'])} | {r['status']} | {_cell(r['reason'] or '')} |"
                for r in flagged
            ),
            "",
        ]
    else:
        lines += ["Every document was processed without remark.", ""]
    if pulled is not None:
        by_status = Counter(str(p["status"]) for p in pulled)
        lines += [
            "## Sources pulled",
            "",
            ", ".join(f"{n} {status}" for status, n in sorted(by_status.items()))
            or "no URL in the sources file",
            "",
        ]
        failed = [p for p in pulled if p["status"] not in {"downloaded", "unchanged"}]
        if failed:
            lines += [
                "| line | URL | status | reason |",
                "|---:|---|---|---|",
                *(
                    f"| {p['line']} | {_cell(p['url'])} | {p['status']} | {_cell(p['reason'])} |"
                    for p in failed
                ),
                "",
            ]
    return "\n".join(lines)


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _process_corpus(
    corpus: Path | str = Path("corpus"),
    out: Path = Path("outputs"),
    lexicons: Path = DEFAULT_LEXICONS,
    timeout: float = DEFAULT_TIMEOUT,
    max_bytes: int = DEFAULT_MAX_BYTES,
    workers: int = 2,
    force: bool = False,
    ocr: bool = True,
    models: Path | None = None,
    classifier: bool = True,
    train: bool = True,
    runner: str = "process",
    progress: bool = False,
    sources: Path | None = None,
    pseudonymise: bool = True,
    extractor: str = "pdfplumber",
) -> list[dict[str, Any]]:
    """Run the pipeline on a corpus folder (or corpus URL); return one row per document.

    With ``pseudonymise`` (the default) every published quote conceals private persons
    (:mod:`nlp.language.pseudonymise`); ``sentences.parquet`` keeps the original ``text`` and adds
    its ``published_text``.

    With ``sources`` (a CSV of URLs, see :func:`nlp.ingest.pull.pull_sources`), the new and
    changed PDFs it lists are first downloaded into ``corpus`` (its manifest gains
    their rows), so a scheduled run picks up what the territories published.

    ``workers`` documents are extracted and tagged at once with the ``process`` runner;
    with ``dask``, the cluster's size decides (see :func:`run_pipeline`, which picks the
    task runner). The classifier is the current version in ``models`` (default
    ``out/models``); with ``classifier=False`` the labels are the lexicons'; with
    ``train=False`` a missing model is not trained (lexicons only). ``progress`` shows a
    progress bar on standard error. ``extractor`` is the page reader
    (:data:`nlp.extract.page_source.EXTRACTOR_CHOICES`).
    """
    started = time.monotonic()
    logger = get_run_logger()
    _send_nlp_logs_to_prefect()  # also when run outside `valpub` (a worker, a script)
    _quiet_document_failures()
    # Absolute paths: tasks may run in other processes, with another working directory.
    corpus = corpus_location(corpus)  # a URL stays one: each worker reads from there
    out, lexicons = Path(out).resolve(), Path(lexicons).resolve()
    models = Path(models).resolve() if models is not None else out / "models"
    on_dask = runner == "dask"
    pulled = None
    if sources is not None:
        if isinstance(corpus, str):
            raise FetchError(f"--sources downloads into a corpus folder, not into {corpus}")
        pulled = pull_task(Path(sources).resolve(), corpus)
    docs = discover(corpus)
    fingerprint = lexicon_fingerprint(lexicons)
    version = model_task(models, lexicons, train) if classifier else None
    logger.info(
        "%d documents in %s; lexicons %s; classifier %s; runner %s",
        len(docs),
        corpus,
        fingerprint,
        version or "none (lexicons only)",
        runner,
    )
    if not on_dask:
        EXTRACTORS.configure(workers, timeout, max_bytes, ocr, extractor)
    # Only a few extractions wait in the queue, so that tagging, submitted as each
    # document is extracted, does not wait behind all of them.
    window = 2 * (_cluster_slots(workers) if on_dask else max(1, workers))
    rows: list[dict[str, Any]] = [{} for _ in docs]
    files: list[Path | None] = [None] * len(docs)
    done: queue.Queue[tuple[str, int]] = queue.Queue()
    extracting: dict[int, PrefectFuture[Any]] = {}
    tagging: dict[int, PrefectFuture[Any]] = {}
    waiting = deque(range(len(docs)))

    def watch(kind: str, i: int, future: PrefectFuture[Any]) -> None:
        future.add_done_callback(lambda _: done.put((kind, i)))

    def submit_extraction() -> None:
        i = waiting.popleft()
        extracting[i] = extract_task.submit(
            docs[i],
            out,
            max_bytes,
            force,
            ocr,
            timeout=timeout,
            on_dask=on_dask,
            extractor=extractor,
        )
        watch("extract", i, extracting[i])

    try:
        with RunProgress(len(docs), progress) as bar:
            for _ in range(min(window, len(docs))):
                submit_extraction()
            finished = 0
            while finished < len(docs):
                try:
                    kind, i = done.get(timeout=1.0)
                except queue.Empty:
                    continue
                if kind == "extract":
                    outcome = _outcome(extracting[i])
                    row = outcome if isinstance(outcome, dict) else _failed_row(docs[i], outcome)
                    rows[i] = row
                    if waiting:
                        submit_extraction()
                    if row["sha256"] and row["pages"] and row["status"] not in FAILED_STATUSES:
                        tagging[i] = tag_task.submit(
                            row,
                            out,
                            lexicons,
                            workers,
                            fingerprint,
                            force,
                            models=models,
                            version=version,
                            on_dask=on_dask,
                            wait_for=[extracting[i]],
                            return_state=False,
                        )
                        watch("tag", i, tagging[i])
                        continue
                else:
                    outcome = _outcome(tagging[i])
                    if not isinstance(outcome, dict):
                        outcome = {"path": None, "error": f"tagging failed: {outcome!r}"[:300]}
                    tagged_file = Path(outcome["path"]) if outcome["path"] else None
                    if tagged_file is not None and not tagged_file.is_file():
                        tagged_file = None
                        outcome["error"] = (
                            f"tagged sentences not found here ({outcome['path']}): the output "
                            "folder must be on a file system shared with the Dask workers"
                        )
                    files[i] = tagged_file
                    if outcome["error"]:
                        row = rows[i]
                        row["status"] = "failed"
                        row["reason"] = "; ".join(r for r in (row["reason"], outcome["error"]) if r)
                finished += 1
                bar.advance(int(rows[i]["pages"] or 0))
    finally:
        if on_dask:
            _flush_cluster_logs()
        else:
            EXTRACTORS.close()
            for pool in TAGGERS.values():
                pool.close()
            TAGGERS.clear()
    write_table(rows, out / "documents.parquet", DOCUMENT_COLUMNS)
    sentences = collect_sentences(rows, files, out, pseudonymise)
    metrics = None
    if version:
        from nlp.model.registry import Registry

        metrics = Registry(models).metrics(version)
    published = publish_profiles(
        out, lexicons, corpus=corpus, model_metrics=metrics, pseudonymise=pseudonymise
    )
    logger.info(
        "profiles of %d territories; report %s",
        sum(k.startswith("profile:") for k in published),
        published["report"],
    )
    if isinstance(corpus, Path) and not any(r["status"] in FAILED_STATUSES for r in rows):
        # keyed by the digests extraction read: the content these outputs were made from
        documents = [(str(r["file"]), r["sha256"] or None) for r in rows]
        key = run_key(
            corpus,
            documents,
            fingerprint,
            version,
            run_options(max_bytes, ocr, pseudonymise, extractor),
        )
        save_run_state(out, key)  # the next run with the same inputs has nothing to do
    else:
        # failed documents are retried; a remote corpus is only known by reading it
        (out / RUN_STATE_NAME).unlink(missing_ok=True)
    from prefect.artifacts import create_markdown_artifact

    create_markdown_artifact(
        markdown=summary_markdown(
            rows, len(sentences), version, time.monotonic() - started, runner, pulled
        ),
        key=SUMMARY_KEY,
        description=f"valpub run of {corpus} into {out}",
    )
    return rows


# Like the tasks, the flow wraps a module-level function: the flow travels with every
# task to Dask workers, which import its function by name.
process_corpus = flow(name="process-corpus", log_prints=True)(_process_corpus)


@contextlib.contextmanager
def _prefect_api(runner: str, dask_address: str | None, keep_server: float) -> Iterator[None]:
    """The Prefect API a run reports to: ``PREFECT_API_URL``, else a local server.

    The local server is the kept one (:mod:`flows.local_server`) unless ``keep_server``
    is 0. Then the process runner lets Prefect start its temporary server, and the
    Dask runner starts it here: each worker process would otherwise start one of its
    own and its task runs would be lost; the flow's settings travel with every task.
    """
    from prefect.settings import PREFECT_API_URL, temporary_settings

    if PREFECT_API_URL.value():
        yield
        return
    if dask_address and not _is_loopback(dask_address):
        log.warning(
            "no PREFECT_API_URL: the local Prefect server listens on 127.0.0.1 only, "
            "out of reach of workers on other machines; set PREFECT_API_URL to a server "
            "they can reach"
        )
    if keep_server > 0:
        with kept_api(keep_server):
            yield
        return
    if runner != "dask":
        yield
        return
    from prefect.server.api.server import SubprocessASGIServer

    server = SubprocessASGIServer()
    server.start()  # stopped when this process exits, like Prefect's own
    with temporary_settings({PREFECT_API_URL: server.api_url}):
        yield


def run_pipeline(
    corpus: Path | str,
    out: Path,
    workers: int,
    *,
    runner: str = "process",
    dask_address: str | None = None,
    progress: bool | None = None,
    keep_server: float | None = None,
    **options: Any,
) -> list[dict[str, Any]]:
    """Run :func:`process_corpus` with the chosen task runner; return one row per document.

    Args:
        corpus: the corpus folder, or its URL (see :func:`nlp.ingest.corpus.discover`).
        out: the output folder.
        workers: documents processed at once (``process``), or the number of worker
            processes of the local Dask cluster (``dask`` without an address).
        runner: ``process`` (threads driving worker processes here) or ``dask``.
        dask_address: the scheduler of an existing Dask cluster (``tcp://host:8786``).
        progress: show the progress bar on standard error (default: when it is a
            terminal).
        keep_server: without ``PREFECT_API_URL``, minutes the local Prefect server is
            kept for the next run (0: a temporary server for this run only; None:
            ``VALPUB_KEEP_SERVER``, else 30).
        **options: the other parameters of :func:`process_corpus`.
    """
    if runner not in RUNNERS:
        raise ValueError(f"unknown runner {runner!r} (choose from {', '.join(RUNNERS)})")
    with run_lock(out):
        # Under the lock no other run writes here: a temporary file whose writer is gone
        # is what a killed run left. (Writers are known by process id; a remote Dask
        # worker's are not, but none of this run's has started yet.)
        for leftover in sweep_temporary(out):
            log.info("removed %s, left by an interrupted run", leftover)
        # until this run completes, the outputs are not those of a known set of inputs
        (Path(out) / RUN_STATE_NAME).unlink(missing_ok=True)
        return _run_pipeline(
            corpus,
            out,
            workers,
            runner=runner,
            dask_address=dask_address,
            progress=progress,
            keep_server=keep_minutes() if keep_server is None else keep_server,
            **options,
        )


def _run_pipeline(
    corpus: Path | str,
    out: Path,
    workers: int,
    *,
    runner: str,
    dask_address: str | None,
    progress: bool | None,
    keep_server: float,
    **options: Any,
) -> list[dict[str, Any]]:
    workers = max(1, workers)
    show = sys.stderr.isatty() if progress is None else progress
    params: dict[str, Any] = dict(
        corpus=corpus, out=out, workers=workers, runner=runner, progress=show, **options
    )
    task_runner: Any
    if runner == "process":
        task_runner = ThreadPoolTaskRunner(max_workers=3 * workers)
        with _prefect_api(runner, dask_address, keep_server):
            rows: list[dict[str, Any]] = process_corpus.with_options(task_runner=task_runner)(
                **params
            )
        return rows
    try:
        from prefect_dask.task_runners import DaskTaskRunner
    except ImportError as exc:  # an optional extra
        from nlp.records.errors import NlpError

        raise NlpError("the Dask runner needs prefect-dask: pip install 'valpub[dask]'") from exc
    if dask_address:
        task_runner = DaskTaskRunner(address=dask_address)
    else:
        task_runner = DaskTaskRunner(
            cluster_kwargs={
                "n_workers": workers,
                "threads_per_worker": 1,
                "processes": True,
                "host": "127.0.0.1",
                # None does not turn the dashboard off; a free port avoids clashes
                "dashboard_address": "127.0.0.1:0",
            }
        )
    if logging.getLogger().getEffectiveLevel() > logging.INFO:
        # Dask sets its loggers to INFO when imported: keep the terminal for our messages
        logging.getLogger("distributed").setLevel(logging.WARNING)
    with _prefect_api(runner, dask_address, keep_server):
        rows = process_corpus.with_options(task_runner=task_runner)(**params)
    return rows


@flow(name="valpub-pipeline", log_prints=True)
def pipeline_job(
    corpus: str = "corpus",
    out: str = "outputs",
    workers: int = 0,
    runner: str = "process",
    dask_address: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    max_bytes: int = DEFAULT_MAX_BYTES,
    ocr: bool = True,
    models: str | None = None,
    classifier: bool = True,
    train: bool = True,
    sources: str | None = None,
    pseudonymise: bool = True,
    extractor: str = "pdfplumber",
) -> dict[str, int]:
    """The pipeline as a scheduled job (``valpub serve``, ``flows.deployments``).

    Runs :func:`process_corpus` as a subflow with the chosen task runner and returns
    the count of documents per status. ``corpus`` is a folder or a URL; ``workers=0``
    means one per core; ``sources``, a CSV of URLs pulled into ``corpus`` first.
    """
    from nlp.extract.process import default_workers

    rows = run_pipeline(
        corpus_location(corpus),
        Path(out),
        workers or default_workers(),
        runner=runner,
        dask_address=dask_address,
        progress=False,
        timeout=timeout,
        max_bytes=max_bytes,
        ocr=ocr,
        models=Path(models) if models else None,
        classifier=classifier,
        train=train,
        sources=Path(sources) if sources else None,
        pseudonymise=pseudonymise,
        extractor=extractor,
    )
    return dict(Counter(str(r["status"]) for r in rows))
