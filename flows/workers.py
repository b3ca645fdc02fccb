"""The worker processes of a run and what each process keeps between tasks.

Locally, task threads share this process's extractors (:data:`EXTRACTORS`, one worker
process each, killed on time-out) and tagger pools (:data:`TAGGERS`, spaCy loaded once
in each worker process). On Dask, each worker process builds its own extractors and
tagger on first use and keeps them for later tasks and runs (:func:`worker_extractors`,
:func:`worker_tagger`), counts what its tasks did (:func:`worker_counts`), and sends its
log records to the Prefect API (:func:`send_nlp_logs_to_prefect`,
:func:`flush_cluster_logs`). This is orchestration state, kept out of :mod:`nlp`.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
from collections import Counter
from collections.abc import Callable, Hashable, Iterator
from pathlib import Path
from typing import Any

from flows.tagging import TaggerPool, load_tagger, tag_pages
from nlp.extract.document import DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT
from nlp.extract.process import Extractor


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


def count(kind: str) -> None:
    """Count one document of ``kind`` (``extracted``, ``tagged``) done by this process."""
    with _WORKER_LOCK:
        WORKER_COUNTS[kind] += 1


def send_nlp_logs_to_prefect() -> None:
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


def cluster_slots(workers: int) -> int:
    """Tasks the flow's Dask cluster runs at once (``workers`` if it cannot tell)."""
    from prefect.context import FlowRunContext

    ctx = FlowRunContext.get()
    client = getattr(ctx.task_runner, "client", None) if ctx else None
    with contextlib.suppress(Exception):
        if client is not None:
            return max(1, sum(client.nthreads().values()) or workers)
    return workers


def flush_cluster_logs() -> None:
    """Ask every Dask worker to send its pending log records before the run ends."""
    from prefect.context import FlowRunContext

    ctx = FlowRunContext.get()
    client = getattr(ctx.task_runner, "client", None) if ctx else None
    if client is not None:
        with contextlib.suppress(Exception):
            client.run(_flush_prefect_logs)
